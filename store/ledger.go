package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"

	"github.com/claimdesk/claimdesk"
)

// The ledger (table payments) holds what is owed: a payment when a merchant accepts an offer, a
// top-up when a later run gives an accepted report more. A payment file freezes the payments of
// a run that wait — exported once, to be sent to the bank — and is marked paid as a whole.

const fileColumns = `f.id, f.run_id, r.incident_id, f.rows, f.total, f.created_name, f.created_at, f.paid_by, f.paid_at,
	(SELECT count(*) FROM payments p JOIN reports x ON x.id = p.report_id WHERE p.file_id = f.id AND x.status != 'accepted'),
	(SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN reports x ON x.id = p.report_id WHERE p.file_id = f.id AND x.status != 'accepted')`

const fileFrom = `payment_files f JOIN payout_runs r ON r.id = f.run_id`

func scanFile(row interface{ Scan(...any) error }) (*claimdesk.PaymentFile, error) {
	var f claimdesk.PaymentFile
	var created, paid string
	if err := row.Scan(&f.ID, &f.Run, &f.Incident, &f.Rows, &f.Total, &f.CreatedBy, &created, &f.PaidBy, &paid,
		&f.Stopped.Count, &f.Stopped.Sum); err != nil {
		return nil, err
	}
	var err error
	if f.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if paid != "" {
		if f.PaidAt, err = parseTime(paid); err != nil {
			return nil, err
		}
	}
	return &f, nil
}

func findFile(ctx context.Context, q queryer, id int64) (*claimdesk.PaymentFile, error) {
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM `+fileFrom+` WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "payment_file_not_found")
	}
	return f, err
}

// ExportPayments puts the payments of a released run that wait into a new payment file: those
// not in a file yet whose report is still accepted in review. A report rejected or merged
// after its merchant accepted stays out (held) for as long as it is not accepted again.
func (s *PayoutService) ExportPayments(ctx context.Context, run int64) (*claimdesk.PaymentFile, error) {
	if err := claimdesk.RequirePerson(ctx, claimdesk.PermPayouts); err != nil {
		return nil, err
	}
	a := claimdesk.ActorFrom(ctx)
	var id int64
	err := s.db.write(ctx, func(tx *Tx) error {
		r, err := findRun(ctx, tx, run)
		if err != nil {
			return err
		}
		if r.State != claimdesk.RunReleased {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "run_not_released")
		}
		const waiting = `p.run_id = ? AND p.file_id IS NULL AND EXISTS (SELECT 1 FROM reports x WHERE x.id = p.report_id AND x.status = 'accepted')`
		var rows int
		var total int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(p.amount), 0) FROM payments p WHERE `+waiting, run).Scan(&rows, &total); err != nil {
			return fmt.Errorf("export payments: %w", err)
		}
		if rows == 0 {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "nothing_to_export")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO payment_files (run_id, rows, total, created_by, created_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, run, rows, total, a.Key(), a.String(), formatTime(s.db.Now())).Scan(&id); err != nil {
			return fmt.Errorf("export payments: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET file_id = ? WHERE id IN (SELECT p.id FROM payments p WHERE `+waiting+`)`, id, run); err != nil {
			return fmt.Errorf("export payments: %w", err)
		}
		states := map[string]string{}
		if err := s.db.fileState(ctx, tx, states, id); err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditExported, 0, "", map[string]any{"run": run, "file": id, "rows": states,
			"payments": rows, "total": total})
	})
	if err != nil {
		return nil, err
	}
	return findFile(ctx, s.db.reader(), id)
}

// PaymentFiles returns a run's payment files, the newest first.
func (s *PayoutService) PaymentFiles(ctx context.Context, run int64) ([]*claimdesk.PaymentFile, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
		return nil, err
	}
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+fileColumns+` FROM `+fileFrom+` WHERE f.run_id = ? ORDER BY f.id DESC`, run)
	if err != nil {
		return nil, fmt.Errorf("list payment files: %w", err)
	}
	defer rows.Close()
	out := []*claimdesk.PaymentFile{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FindPaymentFile returns a payment file.
func (s *PayoutService) FindPaymentFile(ctx context.Context, id int64) (*claimdesk.PaymentFile, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
		return nil, err
	}
	return findFile(ctx, s.db.reader(), id)
}

// PaymentRows yields the lines of a payment file, with the bank details of each acceptance.
func (s *PayoutService) PaymentRows(ctx context.Context, file int64) iter.Seq2[*claimdesk.PaymentRow, error] {
	return func(yield func(*claimdesk.PaymentRow, error) bool) {
		if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
			yield(nil, err)
			return
		}
		rows, err := s.db.query(ctx, `SELECT p.id, r.receipt, p.kind, r.business_name, r.business_number, r.representative,
			p.amount, o.bank, o.account_number, o.account_holder, r.status
			FROM payments p JOIN reports r ON r.id = p.report_id JOIN offer_responses o ON o.id = p.response_id
			WHERE p.file_id = ? ORDER BY p.id`, file)
		if err != nil {
			yield(nil, fmt.Errorf("payment rows: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var pr claimdesk.PaymentRow
			if err := rows.Scan(&pr.PaymentID, &pr.Receipt, &pr.Kind, &pr.BusinessName, &pr.BusinessNumber, &pr.Representative,
				&pr.Amount, &pr.Bank.Bank, &pr.Bank.Number, &pr.Bank.Holder, &pr.Status); err != nil {
				yield(nil, err)
				return
			}
			if !yield(&pr, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// MarkFilePaid marks a payment file paid.
func (s *PayoutService) MarkFilePaid(ctx context.Context, file int64) (*claimdesk.PaymentFile, error) {
	if err := claimdesk.RequirePerson(ctx, claimdesk.PermPayouts); err != nil {
		return nil, err
	}
	err := s.db.write(ctx, func(tx *Tx) error {
		f, err := findFile(ctx, tx, file)
		if err != nil {
			return err
		}
		if !f.PaidAt.IsZero() {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "file_already_paid", f.ID)
		}
		_, err = s.markPaid(ctx, tx, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	return findFile(ctx, s.db.reader(), file)
}

func (s *PayoutService) markPaid(ctx context.Context, tx *Tx, f *claimdesk.PaymentFile) (claimdesk.PaidResult, error) {
	a := claimdesk.ActorFrom(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE payment_files SET paid_by = ?, paid_at = ? WHERE id = ?`, a.String(),
		formatTime(s.db.Now()), f.ID); err != nil {
		return claimdesk.PaidResult{}, fmt.Errorf("mark paid: %w", err)
	}
	states := map[string]string{}
	if err := s.db.fileState(ctx, tx, states, f.ID); err != nil {
		return claimdesk.PaidResult{}, err
	}
	if err := s.db.notifyPaid(ctx, tx, f.ID); err != nil {
		return claimdesk.PaidResult{}, err
	}
	err := s.db.audit(ctx, tx, claimdesk.AuditFilePaid, 0, "", map[string]any{"run": f.Run, "file": f.ID, "payments": f.Rows,
		"total": f.Total, "stopped": f.Stopped, "rows": states})
	return claimdesk.PaidResult{Files: 1, Payments: f.Rows, Sum: f.Total}, err
}

// MarkPaid marks every payment file of a released run not marked yet paid.
func (s *PayoutService) MarkPaid(ctx context.Context, run int64) (claimdesk.PaidResult, error) {
	var res claimdesk.PaidResult
	if err := claimdesk.RequirePerson(ctx, claimdesk.PermPayouts); err != nil {
		return res, err
	}
	err := s.db.write(ctx, func(tx *Tx) error {
		res = claimdesk.PaidResult{}
		r, err := findRun(ctx, tx, run)
		if err != nil {
			return err
		}
		if r.State != claimdesk.RunReleased {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "run_not_released")
		}
		var ids []int64
		if err := collectIDs(ctx, tx, &ids, `SELECT id FROM payment_files WHERE run_id = ? AND paid_at = '' ORDER BY id`, run); err != nil {
			return err
		}
		for _, id := range ids {
			f, err := findFile(ctx, tx, id)
			if err != nil {
				return err
			}
			one, err := s.markPaid(ctx, tx, f)
			if err != nil {
				return err
			}
			res.Files, res.Payments, res.Sum = res.Files+one.Files, res.Payments+one.Payments, res.Sum+one.Sum
		}
		return nil
	})
	return res, err
}
