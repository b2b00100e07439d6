package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/claimdesk/claimdesk"
)

// PolicyService stores compensation policies as versioned documents.
type PolicyService struct{ db *DB }

var _ claimdesk.PolicyService = (*PolicyService)(nil)

// NewPolicyService returns a PolicyService on db.
func NewPolicyService(db *DB) *PolicyService { return &PolicyService{db: db} }

// AddPolicy stores p as the next version of its ID, unless the latest version has the same
// hash, in which case p gets that version.
func (s *PolicyService) AddPolicy(ctx context.Context, p *claimdesk.Policy) error {
	if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		var version int
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT version, hash FROM policies WHERE id = ? ORDER BY version DESC LIMIT 1`, p.ID).Scan(&version, &hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("add policy: %w", err)
		}
		if hash == p.Hash {
			p.Version = version
			return nil
		}
		p.Version = version + 1
		a := claimdesk.ActorFrom(ctx)
		if _, err := tx.ExecContext(ctx, `INSERT INTO policies (id, version, hash, document, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, p.Version, p.Hash, string(p.Document()), a.String(), formatTime(s.db.Now())); err != nil {
			return fmt.Errorf("add policy: %w", err)
		}
		return s.db.audit(ctx, tx, claimdesk.AuditPolicyAdded, 0, "", map[string]any{"policy": p.ID, "version": p.Version, "hash": p.Hash})
	})
}

// FindPolicy returns a version of a policy; version 0 is the latest.
func (s *PolicyService) FindPolicy(ctx context.Context, id string, version int) (*claimdesk.Policy, error) {
	q, args := `SELECT version, document FROM policies WHERE id = ? ORDER BY version DESC LIMIT 1`, []any{id}
	if version > 0 {
		q, args = `SELECT version, document FROM policies WHERE id = ? AND version = ?`, []any{id, version}
	}
	var doc string
	err := s.db.reader().QueryRowContext(ctx, q, args...).Scan(&version, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "policy_not_found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find policy: %w", err)
	}
	return readPolicy(doc, version)
}

// Policies returns the latest version of every policy, by ID.
func (s *PolicyService) Policies(ctx context.Context) ([]*claimdesk.Policy, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT p.version, p.document FROM policies p
		WHERE p.version = (SELECT max(version) FROM policies WHERE id = p.id) ORDER BY p.id`)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	defer rows.Close()
	var out []*claimdesk.Policy
	for rows.Next() {
		var version int
		var doc string
		if err := rows.Scan(&version, &doc); err != nil {
			return nil, err
		}
		p, err := readPolicy(doc, version)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func readPolicy(doc string, version int) (*claimdesk.Policy, error) {
	p, err := claimdesk.ParsePolicy([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("stored policy: %w", err)
	}
	p.Version = version
	return p, nil
}

// SeedBuiltinPolicies stores the built-in policies, as a new version when their file changed.
func SeedBuiltinPolicies(ctx context.Context, s *PolicyService) error {
	ps, err := claimdesk.BuiltinPolicies()
	if err != nil {
		return err
	}
	ctx = claimdesk.WithActor(ctx, claimdesk.Actor{Kind: claimdesk.ActorSystem, Name: "claimdesk"})
	for _, p := range ps {
		if err := s.AddPolicy(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// PayoutService adopts policies into payout runs and carries offers to merchants.
type PayoutService struct {
	db *DB
	// RowsPerWrite is how many payouts one write transaction stores while a run is computed,
	// so that intake is not held up behind a million rows.
	RowsPerWrite int
}

var _ claimdesk.PayoutService = (*PayoutService)(nil)

// NewPayoutService returns a PayoutService on db.
func NewPayoutService(db *DB) *PayoutService { return &PayoutService{db: db, RowsPerWrite: 2000} }

// snapshot runs fn in a read transaction: every query in it sees the database as it was when
// the first one ran, however long fn takes and whatever is written meanwhile.
func (s *PayoutService) snapshot(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.db.pg {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for the whole transaction
	}
	tx, err := s.db.readDB.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// payoutReports yields the reports of an incident with what policies read of them, in id order.
func (db *DB) payoutReports(ctx context.Context, tx *sql.Tx, incident string) func() iter.Seq2[*claimdesk.Report, error] {
	return func() iter.Seq2[*claimdesk.Report, error] {
		return func(yield func(*claimdesk.Report, error) bool) {
			// The + keeps SQLite on the table in rowid order: the whole incident is read.
			rows, err := tx.QueryContext(ctx, db.q(`SELECT id, receipt, status, region, industry, services, damage_start,
				damage_end, usual_daily_sales, claimed_loss FROM reports WHERE +incident_id = ? ORDER BY id`), incident)
			if err != nil {
				yield(nil, fmt.Errorf("read reports: %w", err))
				return
			}
			defer rows.Close()
			var services, start, end string
			var sales sql.NullInt64
			dates := map[string]claimdesk.Date{}
			date := func(s string) (claimdesk.Date, error) {
				if d, ok := dates[s]; ok {
					return d, nil
				}
				d, err := claimdesk.ParseDate(s)
				dates[s] = d
				return d, err
			}
			for rows.Next() {
				r := &claimdesk.Report{Incident: incident}
				if err := rows.Scan(&r.ID, &r.Receipt, &r.Status, &r.Region, &r.Industry, &services, &start, &end,
					&sales, &r.ClaimedLoss); err != nil {
					yield(nil, err)
					return
				}
				r.Services = splitList(services)
				if sales.Valid {
					v := sales.Int64
					r.UsualDailySales = &v
				}
				var e1, e2 error
				r.DamageStart, e1 = date(start)
				r.DamageEnd, e2 = date(end)
				if err := errors.Join(e1, e2); err != nil {
					yield(nil, fmt.Errorf("report %s: %w", r.Receipt, err))
					return
				}
				if !yield(r, nil) {
					return
				}
			}
			if err := rows.Err(); err != nil {
				yield(nil, err)
			}
		}
	}
}

// SimulatePayouts runs policies over a consistent snapshot of the incident's reports.
func (s *PayoutService) SimulatePayouts(ctx context.Context, incident string, policies []*claimdesk.Policy, emit func(int, *claimdesk.Payout) error) (*claimdesk.Simulation, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermSimulate); err != nil {
		return nil, err
	}
	inc, err := s.db.incident(ctx, incident)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		if !p.ForIncident(inc.ID) {
			return nil, claimdesk.Errorm(claimdesk.EINVALID, "policy_other_incident", p.ID)
		}
	}
	var sim *claimdesk.Simulation
	err = s.snapshot(ctx, func(tx *sql.Tx) error {
		sm := &claimdesk.Simulator{Incident: inc, Policies: policies, Now: s.db.Now(), Reports: s.db.payoutReports(ctx, tx, incident)}
		sim, err = sm.Run(ctx, emit)
		return err
	})
	return sim, err
}

// AdoptPolicy computes a run of a stored policy for the incident. The rows are written in
// batches while the run is "computing"; the run is "pending" once they are all there.
func (s *PayoutService) AdoptPolicy(ctx context.Context, incident string, p *claimdesk.Policy) (*claimdesk.PayoutRun, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
		return nil, err
	}
	stored, err := NewPolicyService(s.db).FindPolicy(ctx, p.ID, p.Version)
	if err != nil || p.Version == 0 || stored.Hash != p.Hash {
		return nil, claimdesk.Errorm(claimdesk.EINVALID, "policy_not_stored")
	}
	inc, err := s.db.incident(ctx, incident)
	if err != nil {
		return nil, err
	}
	if !p.ForIncident(inc.ID) {
		return nil, claimdesk.Errorm(claimdesk.EINVALID, "policy_other_incident", p.ID)
	}
	a := claimdesk.ActorFrom(ctx)
	var runID int64
	err = s.db.write(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO payout_runs (incident_id, policy_id, policy_version, policy_hash, rapid_offer,
			appeal_days, state, summary, created_by, created_name, created_at) VALUES (?, ?, ?, ?, ?, ?, 'computing', '{}', ?, ?, ?)
			RETURNING id`,
			inc.ID, p.ID, p.Version, p.Hash, p.RapidOffer, int(p.Appeal().Hours()/24), a.Key(), a.String(), formatTime(s.db.Now())).Scan(&runID)
		if err != nil {
			return fmt.Errorf("adopt policy: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var batch []*claimdesk.Payout
	flush := func() error {
		rows := batch
		batch = nil
		return s.db.write(ctx, func(tx *Tx) error {
			for _, po := range rows {
				if _, err := tx.ExecContext(ctx, `INSERT INTO payouts (run_id, report_id, outcome, computed, amount, days, hours,
					service, explanation_ko, explanation_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, runID, po.ReportID, po.Outcome,
					po.Computed, po.Amount, po.Days, po.Hours, po.Service, po.Explanation.Ko, po.Explanation.En); err != nil {
					return fmt.Errorf("store payout: %w", err)
				}
			}
			return nil
		})
	}
	var sim *claimdesk.Simulation
	err = s.snapshot(ctx, func(rtx *sql.Tx) error {
		sm := &claimdesk.Simulator{Incident: inc, Policies: []*claimdesk.Policy{p}, Now: s.db.Now(), Reports: s.db.payoutReports(ctx, rtx, incident)}
		sim, err = sm.Run(ctx, func(_ int, po *claimdesk.Payout) error {
			batch = append(batch, po)
			if len(batch) >= s.RowsPerWrite {
				return flush()
			}
			return nil
		})
		return err
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return nil, err // the run stays "computing": visibly interrupted, never released
	}
	summary, _ := json.Marshal(sim.Policies[0])
	err = s.db.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE payout_runs SET state = 'pending', summary = ? WHERE id = ?`, string(summary), runID); err != nil {
			return fmt.Errorf("adopt policy: %w", err)
		}
		return s.db.audit(ctx, tx, claimdesk.AuditRunAdopted, 0, "", map[string]any{"run": runID, "incident": inc.ID,
			"policy": p.ID, "version": p.Version, "hash": p.Hash, "total": sim.Policies[0].Total, "with_amount": sim.Policies[0].WithAmount})
	})
	if err != nil {
		return nil, err
	}
	return s.FindRun(ctx, runID)
}

// ReleaseRun releases a pending run, by someone other than who adopted it.
func (s *PayoutService) ReleaseRun(ctx context.Context, id int64) (*claimdesk.PayoutRun, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
		return nil, err
	}
	a := claimdesk.ActorFrom(ctx)
	err := s.db.write(ctx, func(tx *Tx) error {
		var state, createdBy string
		err := tx.QueryRowContext(ctx, `SELECT state, created_by FROM payout_runs WHERE id = ?`, id).Scan(&state, &createdBy)
		if errors.Is(err, sql.ErrNoRows) {
			return claimdesk.Errorm(claimdesk.ENOTFOUND, "run_not_found")
		} else if err != nil {
			return err
		}
		if state != string(claimdesk.RunPending) {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "run_not_pending")
		}
		if createdBy == a.Key() {
			return claimdesk.Errorm(claimdesk.EFORBIDDEN, "run_same_approver")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payout_runs SET state = 'released', released_by = ?, released_at = ? WHERE id = ?`,
			a.String(), formatTime(s.db.Now()), id); err != nil {
			return fmt.Errorf("release run: %w", err)
		}
		return s.db.audit(ctx, tx, claimdesk.AuditRunReleased, 0, "", map[string]any{"run": id})
	})
	if err != nil {
		return nil, err
	}
	return s.FindRun(ctx, id)
}

// MarkPaid marks the accepted offers of a released run as paid.
func (s *PayoutService) MarkPaid(ctx context.Context, id int64) (int, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.write(ctx, func(tx *Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM payout_runs WHERE id = ?`, id).Scan(&state); errors.Is(err, sql.ErrNoRows) {
			return claimdesk.Errorm(claimdesk.ENOTFOUND, "run_not_found")
		} else if err != nil {
			return err
		}
		if state != string(claimdesk.RunReleased) {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "run_not_released")
		}
		res, err := tx.ExecContext(ctx, `UPDATE payouts SET paid_at = ? WHERE run_id = ? AND paid_at = '' AND outcome = 'amount'
			AND amount > 0 AND report_id IN (SELECT report_id FROM offer_responses WHERE run_id = ? AND accepted)`,
			formatTime(s.db.Now()), id, id)
		if err != nil {
			return fmt.Errorf("mark paid: %w", err)
		}
		n, _ = res.RowsAffected()
		return s.db.audit(ctx, tx, claimdesk.AuditRunPaid, 0, "", map[string]any{"run": id, "paid": n})
	})
	return int(n), err
}

const runColumns = `id, incident_id, policy_id, policy_version, policy_hash, rapid_offer, appeal_days, state, summary,
	created_name, created_at, released_by, released_at`

func scanRun(row interface{ Scan(...any) error }) (*claimdesk.PayoutRun, error) {
	var r claimdesk.PayoutRun
	var summary, created, released string
	if err := row.Scan(&r.ID, &r.Incident, &r.Policy.ID, &r.Policy.Version, &r.Policy.Hash, &r.RapidOffer, &r.AppealDays,
		&r.State, &summary, &r.CreatedBy, &created, &r.ReleasedBy, &released); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(summary), &r.Summary); err != nil {
		return nil, fmt.Errorf("run %d summary: %w", r.ID, err)
	}
	r.Policy.Name, r.Policy.Kind = r.Summary.Policy.Name, r.Summary.Policy.Kind
	var err error
	if r.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if released != "" {
		if r.ReleasedAt, err = parseTime(released); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// FindRun returns a run.
func (s *PayoutService) FindRun(ctx context.Context, id int64) (*claimdesk.PayoutRun, error) {
	r, err := scanRun(s.db.reader().QueryRowContext(ctx, `SELECT `+runColumns+` FROM payout_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "run_not_found")
	}
	return r, err
}

// Runs returns an incident's runs, the newest first.
func (s *PayoutService) Runs(ctx context.Context, incident string) ([]*claimdesk.PayoutRun, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+runColumns+` FROM payout_runs WHERE incident_id = ? ORDER BY id DESC`, incident)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []*claimdesk.PayoutRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RunPayouts yields a run's payouts in report order.
func (s *PayoutService) RunPayouts(ctx context.Context, id int64) iter.Seq2[*claimdesk.Payout, error] {
	return func(yield func(*claimdesk.Payout, error) bool) {
		rows, err := s.db.query(ctx, `SELECT p.report_id, r.receipt, p.outcome, p.computed, p.amount, p.days, p.hours,
			p.service, p.explanation_ko, p.explanation_en FROM payouts p JOIN reports r ON r.id = p.report_id
			WHERE p.run_id = ? ORDER BY p.report_id`, id)
		if err != nil {
			yield(nil, fmt.Errorf("read payouts: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var po claimdesk.Payout
			if err := rows.Scan(&po.ReportID, &po.Receipt, &po.Outcome, &po.Computed, &po.Amount, &po.Days, &po.Hours,
				&po.Service, &po.Explanation.Ko, &po.Explanation.En); err != nil {
				yield(nil, err)
				return
			}
			if !yield(&po, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// PaymentRows yields the payment file of a released run: payouts above zero that are offered
// (the report accepted in review, or any report still open under a rapid offer) and that the
// merchant has not contested, with bank details where given.
func (s *PayoutService) PaymentRows(ctx context.Context, id int64) iter.Seq2[*claimdesk.PaymentRow, error] {
	return func(yield func(*claimdesk.PaymentRow, error) bool) {
		if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
			yield(nil, err)
			return
		}
		run, err := s.FindRun(ctx, id)
		if err == nil && run.State != claimdesk.RunReleased {
			err = claimdesk.Errorm(claimdesk.ECONFLICT, "run_not_released")
		}
		if err != nil {
			yield(nil, err)
			return
		}
		rows, err := s.db.query(ctx, `SELECT r.receipt, r.business_name, r.business_number, r.representative, p.amount,
			coalesce(o.accepted, FALSE), coalesce(o.bank, ''), coalesce(o.account_number, ''), coalesce(o.account_holder, '')
			FROM payouts p JOIN reports r ON r.id = p.report_id
			LEFT JOIN offer_responses o ON o.report_id = p.report_id AND o.run_id = p.run_id
			WHERE p.run_id = ? AND p.outcome = 'amount' AND p.amount > 0 AND coalesce(o.accepted, TRUE)
			AND (o.accepted OR r.status = 'accepted' OR (? AND r.status NOT IN ('rejected', 'merged')))
			ORDER BY p.report_id`, id, run.RapidOffer)
		if err != nil {
			yield(nil, fmt.Errorf("payment rows: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var pr claimdesk.PaymentRow
			if err := rows.Scan(&pr.Receipt, &pr.BusinessName, &pr.BusinessNumber, &pr.Representative, &pr.Amount,
				&pr.Accepted, &pr.Bank.Bank, &pr.Bank.Number, &pr.Bank.Holder); err != nil {
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

// offer finds the offer of a report: its payout in the incident's latest released run, shown
// once the report is accepted, or at once under a rapid-offer policy.
func (s *PayoutService) offer(ctx context.Context, q queryer, r *Report) (*claimdesk.Offer, error) {
	run, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runColumns+` FROM payout_runs
		WHERE incident_id = ? AND state = 'released' ORDER BY id DESC LIMIT 1`, r.Incident))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "offer_not_found")
	} else if err != nil {
		return nil, err
	}
	o := &claimdesk.Offer{Run: run}
	po := &o.Payout
	err = q.QueryRowContext(ctx, `SELECT outcome, computed, amount, days, hours, service, explanation_ko, explanation_en
		FROM payouts WHERE run_id = ? AND report_id = ?`, run.ID, r.ID).Scan(&po.Outcome, &po.Computed, &po.Amount,
		&po.Days, &po.Hours, &po.Service, &po.Explanation.Ko, &po.Explanation.En)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "offer_not_found") // filed after the run
	} else if err != nil {
		return nil, fmt.Errorf("read offer: %w", err)
	}
	po.ReportID, po.Receipt = r.ID, r.Receipt
	// The appeal window opens when the offer is first shown: at release, or when the report
	// was accepted after it (its last update, which for an accepted report is the decision).
	from := run.ReleasedAt
	if !run.RapidOffer && r.UpdatedAt.After(from) {
		from = r.UpdatedAt
	}
	o.AppealUntil = from.Add(time.Duration(run.AppealDays) * 24 * time.Hour)
	var resp claimdesk.OfferResponse
	var at string
	err = q.QueryRowContext(ctx, `SELECT accepted, bank, account_number, account_holder, message, at FROM offer_responses
		WHERE report_id = ? AND run_id = ?`, r.ID, run.ID).Scan(&resp.Accepted, &resp.Bank.Bank, &resp.Bank.Number,
		&resp.Bank.Holder, &resp.Message, &at)
	if err == nil {
		if resp.At, err = parseTime(at); err != nil {
			return nil, err
		}
		o.Response = &resp
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read offer response: %w", err)
	}
	// A merchant who answered keeps seeing what they answered, whatever review does next.
	if !run.RapidOffer && r.Status != claimdesk.StatusAccepted && o.Response == nil {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "offer_not_found")
	}
	return o, nil
}

// Offer returns the offer shown on a report's page.
func (s *PayoutService) Offer(ctx context.Context, receipt string) (*claimdesk.Offer, error) {
	r, err := findReport(ctx, s.db.reader(), `r.receipt = ?`, receipt)
	if err != nil {
		return nil, err
	}
	o, err := s.offer(ctx, s.db.reader(), r)
	if err != nil || o.Response == nil {
		return o, err
	}
	o.Response.Evidence, err = s.evidence(ctx, r.ID, o.Run.ID)
	return o, err
}

func (s *PayoutService) evidence(ctx context.Context, reportID, runID int64) ([]claimdesk.Evidence, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT id, name, content_type, size, sha256, at FROM evidence
		WHERE report_id = ? AND run_id = ? ORDER BY id`, reportID, runID)
	if err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	defer rows.Close()
	var out []claimdesk.Evidence
	for rows.Next() {
		var e claimdesk.Evidence
		var at string
		if err := rows.Scan(&e.ID, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &at); err != nil {
			return nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RespondToOffer records the merchant's answer. A contest, with its evidence files, sends the
// report back to the reviewers' queue.
func (s *PayoutService) RespondToOffer(ctx context.Context, receipt string, resp claimdesk.OfferResponse, files []claimdesk.EvidenceFile) (*claimdesk.Offer, error) {
	if err := resp.Check(files); err != nil {
		return nil, err
	}
	err := s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.receipt = ?`, receipt)
		if err != nil {
			return err
		}
		o, err := s.offer(ctx, tx, r)
		if err != nil {
			return err
		}
		now := s.db.Now()
		if !o.CanRespond(&resp, now) {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "offer_closed")
		}
		if resp.Accepted {
			resp.Message = ""
		} else {
			resp.Bank = claimdesk.BankAccount{}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO offer_responses (report_id, run_id, accepted, bank, account_number,
			account_holder, message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, o.Run.ID, resp.Accepted, resp.Bank.Bank,
			resp.Bank.Number, resp.Bank.Holder, resp.Message, formatTime(now)); err != nil {
			return fmt.Errorf("store offer response: %w", err)
		}
		if resp.Accepted {
			return s.db.audit(ctx, tx, claimdesk.AuditOfferAccepted, r.ID, r.Receipt, map[string]any{"run": o.Run.ID, "amount": o.Payout.Amount})
		}
		var sums []string
		for _, f := range files {
			ct, _ := claimdesk.EvidenceType(f.Data)
			sum := sha256.Sum256(f.Data)
			sums = append(sums, hex.EncodeToString(sum[:]))
			if _, err := tx.ExecContext(ctx, `INSERT INTO evidence (report_id, run_id, name, content_type, size, sha256, data, at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, o.Run.ID, f.Name, ct, len(f.Data), sums[len(sums)-1], f.Data, formatTime(now)); err != nil {
				return fmt.Errorf("store evidence: %w", err)
			}
		}
		if err := s.db.audit(ctx, tx, claimdesk.AuditOfferContest, r.ID, r.Receipt, map[string]any{"run": o.Run.ID,
			"amount": o.Payout.Amount, "message": resp.Message, "evidence_sha256": sums}); err != nil {
			return err
		}
		if claimdesk.CanTransition(r.Status, claimdesk.StatusInReview) {
			return s.db.changeStatus(ctx, tx, r, claimdesk.StatusChange{To: claimdesk.StatusInReview,
				Reason: "보상액 이의 신청 / amount contested: " + resp.Message})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Offer(ctx, receipt)
}

// EvidenceFile returns one evidence file of a report, for staff who review it.
func (s *PayoutService) EvidenceFile(ctx context.Context, receipt string, id int64) (*claimdesk.Evidence, []byte, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, nil, err
	}
	var e claimdesk.Evidence
	var data []byte
	var at string
	err := s.db.reader().QueryRowContext(ctx, `SELECT e.id, e.name, e.content_type, e.size, e.sha256, e.at, e.data
		FROM evidence e JOIN reports r ON r.id = e.report_id WHERE r.receipt = ? AND e.id = ?`, receipt, id).Scan(
		&e.ID, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	} else if err != nil {
		return nil, nil, fmt.Errorf("read evidence: %w", err)
	}
	e.At, err = parseTime(at)
	return &e, data, err
}

// Funnel counts an incident's reports on the way to payment, against its latest released run.
func (s *PayoutService) Funnel(ctx context.Context, incident string) (claimdesk.Funnel, error) {
	var f claimdesk.Funnel
	counts, err := NewReportService(s.db).CountReports(ctx, claimdesk.ReportFilter{Incident: incident})
	if err != nil {
		return f, err
	}
	for st, n := range counts.ByStatus {
		if st != claimdesk.StatusMerged {
			f.Reports += n
		}
	}
	f.Accepted, f.NeedsInfo = counts.ByStatus[claimdesk.StatusAccepted], counts.ByStatus[claimdesk.StatusNeedsInfo]
	var runID int64
	var rapid bool
	var reopened int
	err = s.db.reader().QueryRowContext(ctx, `SELECT id, rapid_offer FROM payout_runs WHERE incident_id = ? AND state = 'released'
		ORDER BY id DESC LIMIT 1`, incident).Scan(&runID, &rapid)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	} else if err != nil {
		return f, fmt.Errorf("funnel: %w", err)
	}
	err = s.db.reader().QueryRowContext(ctx, `SELECT
		count(*),
		count(*) FILTER (WHERE o.accepted),
		count(*) FILTER (WHERE NOT o.accepted),
		count(*) FILTER (WHERE p.paid_at != ''),
		count(*) FILTER (WHERE NOT ? AND o.accepted IS NOT NULL AND r.status != 'accepted')
		FROM payouts p JOIN reports r ON r.id = p.report_id
		LEFT JOIN offer_responses o ON o.report_id = p.report_id AND o.run_id = p.run_id
		WHERE p.run_id = ? AND p.outcome = 'amount' AND (? OR r.status = 'accepted' OR o.accepted IS NOT NULL)`,
		rapid, runID, rapid).Scan(&f.Offered, &f.Agreed, &f.Contested, &f.Paid, &reopened)
	if err != nil {
		return f, fmt.Errorf("funnel: %w", err)
	}
	f.Unanswered = f.Offered - f.Agreed - f.Contested
	f.Accepted += reopened // answered an offer, so passed review once, then reopened by a contest
	err = s.db.reader().QueryRowContext(ctx, `SELECT count(*) FROM reports r WHERE r.incident_id = ?
		AND r.status NOT IN ('rejected', 'merged')
		AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.run_id = ? AND p.report_id = r.id)`, incident, runID).Scan(&f.NotInRun)
	if err != nil {
		return f, fmt.Errorf("funnel: %w", err)
	}
	return f, nil
}
