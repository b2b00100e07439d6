package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

// PayoutService adopts policies into payout runs, carries offers to merchants, and keeps the
// ledger of what is paid (see ledger.go, offer.go and award.go).
type PayoutService struct {
	db *DB
	// RowsPerWrite is how many payouts one write transaction stores while a run is computed,
	// so that intake is not held up behind a million rows.
	RowsPerWrite int
}

var _ claimdesk.PayoutService = (*PayoutService)(nil)

// NewPayoutService returns a PayoutService on db.
func NewPayoutService(db *DB) *PayoutService { return &PayoutService{db: db, RowsPerWrite: 2000} }

// payoutReports yields the reports of an incident with what policies read of them, in id order.
func (db *DB) payoutReports(ctx context.Context, q queryer, incident string) func() iter.Seq2[*claimdesk.Report, error] {
	return func() iter.Seq2[*claimdesk.Report, error] {
		return func(yield func(*claimdesk.Report, error) bool) {
			// The + keeps SQLite on the table in rowid order: the whole incident is read.
			rows, err := q.QueryContext(ctx, `SELECT id, receipt, status, region, district, industry, channel, services,
				damage_start, damage_end, usual_daily_sales, claimed_loss FROM reports WHERE +incident_id = ? ORDER BY id`, incident)
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
				if err := rows.Scan(&r.ID, &r.Receipt, &r.Status, &r.Region, &r.District, &r.Industry, &r.Channel, &services,
					&start, &end, &sales, &r.ClaimedLoss); err != nil {
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
	inc, err := s.db.freshIncident(ctx, incident) // the windows as they stand, corrected a moment ago on any server
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		if !p.ForIncident(inc.ID) {
			return nil, claimdesk.Errorm(claimdesk.EINVALID, "policy_other_incident", p.ID)
		}
	}
	if projectable(inc) {
		// From memory: the reports as the statistics hold them, copied at once.
		count, reports, err := s.db.projectedReports(ctx, inc)
		if err != nil {
			return nil, err
		}
		sm := &claimdesk.Simulator{Incident: inc, Policies: policies, Now: s.db.Now(), Count: count, Range: reports}
		return sm.Run(ctx, emit)
	}
	var sim *claimdesk.Simulation
	err = s.db.snapshot(ctx, func(q snap) error {
		sm := &claimdesk.Simulator{Incident: inc, Policies: policies, Now: s.db.Now(), Reports: s.db.payoutReports(ctx, q, incident)}
		sim, err = sm.Run(ctx, emit)
		return err
	})
	return sim, err
}

// AdoptPolicy computes a run of a stored policy for the incident. The rows are written in
// batches while the run is "computing"; the run is "pending" once they are all there, with a
// digest of them all in the audit trail.
func (s *PayoutService) AdoptPolicy(ctx context.Context, incident string, p *claimdesk.Policy) (*claimdesk.PayoutRun, error) {
	if err := claimdesk.RequirePerson(ctx, claimdesk.PermPayouts); err != nil {
		return nil, err
	}
	stored, err := NewPolicyService(s.db).FindPolicy(ctx, p.ID, p.Version)
	if err != nil || p.Version == 0 || stored.Hash != p.Hash {
		return nil, claimdesk.Errorm(claimdesk.EINVALID, "policy_not_stored")
	}
	// The windows as they stand now, not as a cache held them: the run records their version.
	inc, err := s.db.freshIncident(ctx, incident)
	if err != nil {
		return nil, err
	}
	if !p.ForIncident(inc.ID) {
		return nil, claimdesk.Errorm(claimdesk.EINVALID, "policy_other_incident", p.ID)
	}
	a := claimdesk.ActorFrom(ctx)
	var runID int64
	err = s.db.write(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO payout_runs (incident_id, incident_version, policy_id, policy_version, policy_hash,
			rapid_offer, appeal_days, state, summary, created_by, created_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'computing', '{}', ?, ?, ?) RETURNING id`,
			inc.ID, inc.Version, p.ID, p.Version, p.Hash, p.RapidOffer, int(p.Appeal().Hours()/24), a.Key(), a.String(), formatTime(s.db.Now())).Scan(&runID)
		if err != nil {
			return fmt.Errorf("adopt policy: %w", err)
		}
		states, err := s.db.rowStates(ctx, tx, "payout_runs", runID)
		if err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditRunComputing, 0, "", map[string]any{"run": runID, "incident": inc.ID,
			"incident_version": inc.Version, "policy": p.ID, "version": p.Version, "rows": states})
	})
	if err != nil {
		return nil, err
	}
	digest := newPayoutsDigest()
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
	err = s.db.snapshot(ctx, func(q snap) error {
		sm := &claimdesk.Simulator{Incident: inc, Policies: []*claimdesk.Policy{p}, Now: s.db.Now(), Reports: s.db.payoutReports(ctx, q, incident)}
		sim, err = sm.Run(ctx, func(_ int, po *claimdesk.Payout) error {
			digest.add(po.ReportID, string(po.Outcome), po.Computed, po.Amount, int64(po.Days), po.Hours, po.Service,
				po.Explanation.Ko, po.Explanation.En)
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
		states, err := s.db.rowStates(ctx, tx, "payout_runs", runID)
		if err != nil {
			return err
		}
		states[rowKey("payouts", strconv.FormatInt(runID, 10))] = digest.sum()
		return s.db.audit(ctx, tx, claimdesk.AuditRunAdopted, 0, "", map[string]any{"run": runID, "incident": inc.ID,
			"policy": p.ID, "version": p.Version, "hash": p.Hash, "total": sim.Policies[0].Total, "with_amount": sim.Policies[0].WithAmount,
			"rows": states})
	})
	if err != nil {
		return nil, err
	}
	return s.FindRun(ctx, runID)
}

// ReleaseRun releases a pending run, by a person other than who adopted it. In the same
// transaction, every report accepted earlier that the run gives more gets a top-up payment of
// the difference.
func (s *PayoutService) ReleaseRun(ctx context.Context, id int64, expect *claimdesk.Figure) (*claimdesk.PayoutRun, error) {
	if err := claimdesk.RequirePerson(ctx, claimdesk.PermPayouts); err != nil {
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
		var f *claimdesk.RunFigures
		if expect != nil {
			if f, err = s.figures(ctx, tx, id); err != nil {
				return err
			}
			if f.Payable != *expect {
				return claimdesk.Errorm(claimdesk.ECONFLICT, "run_figures_changed", f.Payable.Count, claimdesk.FormatKRW(f.Payable.Sum))
			}
		}
		now := formatTime(s.db.Now())
		if _, err := tx.ExecContext(ctx, `UPDATE payout_runs SET state = 'released', released_by = ?, released_key = ?, released_at = ?
			WHERE id = ?`, a.String(), a.Key(), now, id); err != nil {
			return fmt.Errorf("release run: %w", err)
		}
		states, err := s.db.rowStates(ctx, tx, "payout_runs", id)
		if err != nil {
			return err
		}
		topUps, err := s.db.topUps(ctx, tx, id, now)
		if err != nil {
			return err
		}
		if len(topUps) > 0 {
			if err := s.db.states(ctx, tx, states, "payments", "run_id = ? AND kind = 'top_up'", id); err != nil {
				return err
			}
		}
		detail := map[string]any{"run": id, "top_ups": len(topUps), "rows": states}
		if f != nil {
			detail["payable"] = f.Payable
		}
		if err := s.db.notifyRun(ctx, tx, id); err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditRunReleased, 0, "", detail)
	})
	if err != nil {
		return nil, err
	}
	return s.FindRun(ctx, id)
}

// topUps adds, for every report whose accepted payments are below what run gives it, a top-up
// of the difference, and returns their IDs. (The database refuses any other amount.)
func (db *DB) topUps(ctx context.Context, tx *Tx, run int64, now string) ([]int64, error) {
	var ids []int64
	err := collectIDs(ctx, tx, &ids, `INSERT INTO payments (report_id, response_id, run_id, kind, amount, created_at)
		SELECT p.report_id, b.response_id, p.run_id, 'top_up', p.amount - t.total, ?
		FROM payouts p
		JOIN payments b ON b.report_id = p.report_id AND b.kind = 'offer'
		JOIN (SELECT report_id, sum(amount) AS total FROM payments GROUP BY report_id) t ON t.report_id = p.report_id
		WHERE p.run_id = ? AND p.outcome = 'amount' AND p.amount > t.total
		RETURNING id`, now, run)
	if err != nil {
		return nil, fmt.Errorf("top-ups: %w", err)
	}
	return ids, nil
}

const runColumns = `id, incident_id, incident_version, policy_id, policy_version, policy_hash, rapid_offer, appeal_days, state,
	summary, created_by, created_name, created_at, released_by, released_at`

func scanRun(row interface{ Scan(...any) error }) (*claimdesk.PayoutRun, error) {
	var r claimdesk.PayoutRun
	var summary, created, released string
	if err := row.Scan(&r.ID, &r.Incident, &r.IncidentVersion, &r.Policy.ID, &r.Policy.Version, &r.Policy.Hash, &r.RapidOffer, &r.AppealDays,
		&r.State, &summary, &r.CreatedKey, &r.CreatedBy, &created, &r.ReleasedBy, &released); err != nil {
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

// findRun returns a run.
func findRun(ctx context.Context, q queryer, id int64) (*claimdesk.PayoutRun, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runColumns+` FROM payout_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "run_not_found")
	}
	return r, err
}

// FindRun returns a run.
func (s *PayoutService) FindRun(ctx context.Context, id int64) (*claimdesk.PayoutRun, error) {
	return findRun(ctx, s.db.reader(), id)
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

// RunFigures computes a run's figures by stage, in one read snapshot.
func (s *PayoutService) RunFigures(ctx context.Context, id int64) (*claimdesk.RunFigures, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermSimulate); err != nil {
		return nil, err
	}
	var f *claimdesk.RunFigures
	err := s.db.snapshot(ctx, func(q snap) (err error) {
		f, err = s.figures(ctx, q, id)
		return err
	})
	return f, err
}

// figures computes a run's figures as q sees the reports and the ledger: one pass over the
// run's payouts beside each report's status and accepted payments, one over the run's own
// payments.
func (s *PayoutService) figures(ctx context.Context, q queryer, id int64) (*claimdesk.RunFigures, error) {
	run, err := findRun(ctx, q, id)
	if err != nil {
		return nil, err
	}
	f := &claimdesk.RunFigures{AsOf: s.db.Now().In(claimdesk.KST), Lower: []claimdesk.LowerPayout{}, HeldReceipts: []string{}}
	// Each report's accepted total leaves out this run's own top-ups, so that a released run's
	// top-ups count as what it gives above the rest; "own" is an acceptance of this run's offer
	// or of an award for a report it referred.
	rows, err := q.QueryContext(ctx, `SELECT r.receipt, p.outcome, p.amount, r.status, coalesce(t.total, 0), coalesce(t.own, 0)
		FROM payouts p JOIN reports r ON r.id = p.report_id
		LEFT JOIN (SELECT x.report_id,
			sum(x.amount) FILTER (WHERE NOT (x.kind = 'top_up' AND x.run_id = ?)) AS total,
			max(CASE WHEN x.kind = 'offer' AND o.run_id = ? THEN 1 ELSE 0 END) AS own
			FROM payments x JOIN offer_responses o ON o.id = x.response_id GROUP BY x.report_id) t ON t.report_id = p.report_id
		WHERE p.run_id = ? ORDER BY p.report_id`, id, id, id)
	if err != nil {
		return nil, fmt.Errorf("run figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var receipt string
		var outcome claimdesk.Outcome
		var status claimdesk.Status
		var amount, total int64
		var own int
		if err := rows.Scan(&receipt, &outcome, &amount, &status, &total, &own); err != nil {
			return nil, err
		}
		f.Reports++
		switch outcome {
		case claimdesk.OutcomeIneligible:
			f.Ineligible++
		case claimdesk.OutcomeReview:
			f.Covered++
			f.Referred++
		default:
			f.Covered++
		}
		switch {
		case own == 1: // accepted this run's offer: counted in the ledger figures below
		case total > 0:
			f.CarriedForward.Add(total)
			if outcome == claimdesk.OutcomeAmount && amount > total {
				f.TopUps.Add(amount - total)
			} else if outcome == claimdesk.OutcomeIneligible || outcome == claimdesk.OutcomeAmount && amount < total {
				if len(f.Lower) < claimdesk.MaxListed {
					f.Lower = append(f.Lower, claimdesk.LowerPayout{Receipt: receipt, Accepted: total, Now: amount})
				}
			}
		case outcome != claimdesk.OutcomeAmount || amount == 0 || status == claimdesk.StatusRejected || status == claimdesk.StatusMerged:
		case status == claimdesk.StatusAccepted || run.RapidOffer:
			f.Offers.Add(amount)
		default:
			f.Unreviewed.Add(amount)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	f.Payable = claimdesk.Figure{Count: f.Offers.Count + f.TopUps.Count, Sum: f.Offers.Sum + f.TopUps.Sum}
	err = q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(amount), 0) FROM awards WHERE run_id = ? AND state = 'approved'`, id).
		Scan(&f.Awards.Count, &f.Awards.Sum)
	if err != nil {
		return nil, fmt.Errorf("run figures: %w", err)
	}
	ledger, err := q.QueryContext(ctx, `SELECT r.receipt, r.status, p.amount, p.file_id IS NOT NULL, coalesce(f.paid_at, '') != ''
		FROM payments p JOIN reports r ON r.id = p.report_id LEFT JOIN payment_files f ON f.id = p.file_id
		WHERE p.run_id = ? ORDER BY p.id`, id)
	if err != nil {
		return nil, fmt.Errorf("run figures: %w", err)
	}
	defer ledger.Close()
	for ledger.Next() {
		var receipt string
		var status claimdesk.Status
		var amount int64
		var exported, paid bool
		if err := ledger.Scan(&receipt, &status, &amount, &exported, &paid); err != nil {
			return nil, err
		}
		f.Accepted.Add(amount)
		switch {
		case paid:
			f.Paid.Add(amount)
		case exported:
			f.Exported.Add(amount)
		case status == claimdesk.StatusAccepted:
			f.Waiting.Add(amount)
		default:
			f.Held.Add(amount)
			if len(f.HeldReceipts) < claimdesk.MaxListed {
				f.HeldReceipts = append(f.HeldReceipts, receipt)
			}
		}
	}
	return f, ledger.Err()
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
