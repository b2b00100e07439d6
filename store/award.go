package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/claimdesk/claimdesk"
)

// Individual awards: a policy may refer a report to review instead of computing an amount (the
// Kakao scheme does so above 500,000 KRW). A reviewer who has looked at the documents proposes
// an amount with a reason; another person with the payouts right approves it, and the merchant
// sees it as their offer. The database refuses an approval by the proposer too (0007_ledger.sql).

const awardColumns = `a.id, r.receipt, a.run_id, a.amount, a.reason, a.state, a.proposed_by, a.proposed_name, a.proposed_at,
	a.decided_name, a.decided_at, a.note`

func findAward(ctx context.Context, q queryer, where string, args ...any) (*claimdesk.Award, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+awardColumns+` FROM awards a JOIN reports r ON r.id = a.report_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read award: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "award_not_found")
	}
	return scanAward(rows)
}

func scanAward(row interface{ Scan(...any) error }) (*claimdesk.Award, error) {
	var a claimdesk.Award
	var proposed, decided string
	if err := row.Scan(&a.ID, &a.Receipt, &a.Run, &a.Amount, &a.Reason, &a.State, &a.ProposedKey, &a.ProposedBy, &proposed,
		&a.DecidedBy, &decided, &a.Note); err != nil {
		return nil, err
	}
	var err error
	if a.ProposedAt, err = parseTime(proposed); err != nil {
		return nil, err
	}
	if decided != "" {
		if a.DecidedAt, err = parseTime(decided); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// ProposeAward proposes an amount for a report the latest released run referred to review.
func (s *PayoutService) ProposeAward(ctx context.Context, receipt string, amount int64, reason string) (*claimdesk.Award, error) {
	if err := claimdesk.RequirePerson(ctx, claimdesk.PermReview); err != nil {
		return nil, err
	}
	a := claimdesk.ActorFrom(ctx)
	var id int64
	err := s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.receipt = ?`, receipt)
		if err != nil {
			return err
		}
		reason, err := claimdesk.CheckAward(amount, reason, r.ClaimedLoss)
		if err != nil {
			return err
		}
		if r.Status != claimdesk.StatusAccepted {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "award_report_not_accepted")
		}
		var accepted int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM payments WHERE report_id = ? AND kind = 'offer'`, r.ID).Scan(&accepted); err != nil {
			return err
		}
		if accepted > 0 {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "award_after_acceptance")
		}
		var run int64
		var outcome claimdesk.Outcome
		err = tx.QueryRowContext(ctx, `SELECT p.run_id, p.outcome FROM payouts p JOIN payout_runs x ON x.id = p.run_id
			WHERE x.incident_id = ? AND x.state = 'released' AND p.report_id = ? ORDER BY x.id DESC LIMIT 1`, r.Incident, r.ID).Scan(&run, &outcome)
		if errors.Is(err, sql.ErrNoRows) || err == nil && outcome != claimdesk.OutcomeReview {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "award_not_referred")
		} else if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO awards (report_id, run_id, amount, reason, state, proposed_by, proposed_name, proposed_at)
			VALUES (?, ?, ?, ?, 'proposed', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`, r.ID, run, amount, reason, a.Key(), a.String(),
			formatTime(s.db.Now())).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "award_pending")
		} else if err != nil {
			return fmt.Errorf("propose award: %w", err)
		}
		states, err := s.db.rowStates(ctx, tx, "awards", id)
		if err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditAwardProposed, r.ID, r.Receipt, map[string]any{"award": id, "run": run,
			"amount": amount, "reason": reason, "rows": states})
	})
	if err != nil {
		return nil, err
	}
	return findAward(ctx, s.db.reader(), `a.id = ?`, id)
}

// ApproveAward approves the report's proposed award, by another person than its proposer.
func (s *PayoutService) ApproveAward(ctx context.Context, receipt string) (*claimdesk.Award, error) {
	return s.decideAward(ctx, receipt, claimdesk.AwardApproved, "")
}

// DeclineAward declines the report's proposed award. The proposer may withdraw their own.
func (s *PayoutService) DeclineAward(ctx context.Context, receipt, note string) (*claimdesk.Award, error) {
	return s.decideAward(ctx, receipt, claimdesk.AwardDeclined, note)
}

func (s *PayoutService) decideAward(ctx context.Context, receipt string, to claimdesk.AwardState, note string) (*claimdesk.Award, error) {
	actor := claimdesk.ActorFrom(ctx)
	var id int64
	err := s.db.write(ctx, func(tx *Tx) error {
		a, err := findAward(ctx, tx, `r.receipt = ? AND a.state = 'proposed'`, receipt)
		if err != nil {
			return err
		}
		id = a.ID
		mine := a.ProposedKey == actor.Key()
		switch {
		case to == claimdesk.AwardApproved:
			if err := claimdesk.RequirePerson(ctx, claimdesk.PermPayouts); err != nil {
				return err
			}
			if mine {
				return claimdesk.Errorm(claimdesk.EFORBIDDEN, "award_same_approver")
			}
		case !mine:
			if err := claimdesk.RequirePerson(ctx, claimdesk.PermPayouts); err != nil {
				return err
			}
		}
		r, err := findReport(ctx, tx, `r.receipt = ?`, receipt)
		if err != nil {
			return err
		}
		if to == claimdesk.AwardApproved && r.Status != claimdesk.StatusAccepted {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "award_report_not_accepted")
		}
		if to == claimdesk.AwardDeclined {
			if note, err = claimdesk.CheckAwardNote(note); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET state = ?, decided_by = ?, decided_name = ?, decided_at = ?, note = ?
			WHERE id = ?`, to, actor.Key(), actor.String(), formatTime(s.db.Now()), note, a.ID); err != nil {
			return fmt.Errorf("decide award: %w", err)
		}
		states, err := s.db.rowStates(ctx, tx, "awards", a.ID)
		if err != nil {
			return err
		}
		action := claimdesk.AuditAwardApproved
		if to == claimdesk.AwardDeclined {
			action = claimdesk.AuditAwardDeclined
		}
		return s.db.audit(ctx, tx, action, r.ID, r.Receipt, map[string]any{"award": a.ID, "amount": a.Amount, "note": note, "rows": states})
	})
	if err != nil {
		return nil, err
	}
	return findAward(ctx, s.db.reader(), `a.id = ?`, id)
}

// Awards returns a report's awards, the newest first.
func (s *PayoutService) Awards(ctx context.Context, receipt string) ([]*claimdesk.Award, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, err
	}
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+awardColumns+` FROM awards a JOIN reports r ON r.id = a.report_id
		WHERE r.receipt = ? ORDER BY a.id DESC`, receipt)
	if err != nil {
		return nil, fmt.Errorf("list awards: %w", err)
	}
	defer rows.Close()
	var out []*claimdesk.Award
	for rows.Next() {
		a, err := scanAward(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
