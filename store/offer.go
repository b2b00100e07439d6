package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// The merchant's side of a payout: which offer a report sees, and its answers. Runs of an
// incident are versions of one decision; which one a report sees is decided here, in this
// order:
//
//  1. an offer the merchant accepted, of whatever run or award: carried forward for good (a
//     report has at most one accepted offer, which the database keeps: see 0007_ledger.sql);
//  2. the latest award approved for the report: a person's decision about this report wins
//     over any policy's referral;
//  3. its payout in the incident's latest released run, once the report is accepted in review
//     (at once under a rapid offer);
//  4. else the offer it last answered, so that a merchant whose contest reopened the report
//     still sees what they sent.

// offer finds the offer shown for report r, ENOTFOUND when there is none.
func (s *PayoutService) offer(ctx context.Context, q queryer, r *Report) (*claimdesk.Offer, error) {
	var respID int64
	err := q.QueryRowContext(ctx, `SELECT response_id FROM payments WHERE report_id = ? AND kind = 'offer'`, r.ID).Scan(&respID)
	if err == nil {
		return s.answeredOffer(ctx, q, r, respID)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read offer: %w", err)
	}
	award, err := findAward(ctx, q, `a.report_id = ? AND a.state = 'approved' ORDER BY a.id DESC LIMIT 1`, r.ID)
	if err != nil && claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
		return nil, err
	}
	var o *claimdesk.Offer
	if award != nil {
		if o, err = s.awardOffer(ctx, q, r, award); err != nil {
			return nil, err
		}
		return o, s.answerTo(ctx, q, o, `report_id = ? AND award_id = ?`, r.ID, award.ID)
	}
	run, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runColumns+` FROM payout_runs
		WHERE incident_id = ? AND state = 'released' ORDER BY id DESC LIMIT 1`, r.Incident))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if run != nil {
		o, err = s.runOffer(ctx, q, r, run)
		if err != nil && claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
			return nil, err
		}
		if o != nil {
			if err := s.answerTo(ctx, q, o, `report_id = ? AND run_id = ? AND award_id IS NULL`, r.ID, run.ID); err != nil {
				return nil, err
			}
			if o.Response != nil || run.RapidOffer || r.Status == claimdesk.StatusAccepted {
				return o, nil
			}
		}
	}
	err = q.QueryRowContext(ctx, `SELECT id FROM offer_responses WHERE report_id = ? ORDER BY id DESC LIMIT 1`, r.ID).Scan(&respID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "offer_not_found")
	} else if err != nil {
		return nil, fmt.Errorf("read offer: %w", err)
	}
	return s.answeredOffer(ctx, q, r, respID)
}

// runOffer is report r's payout in run, as an offer; ENOTFOUND when the run has none for it
// (the report was filed after the run was computed).
func (s *PayoutService) runOffer(ctx context.Context, q queryer, r *Report, run *claimdesk.PayoutRun) (*claimdesk.Offer, error) {
	o := &claimdesk.Offer{Run: run, ReportStatus: r.Status}
	po := &o.Payout
	err := q.QueryRowContext(ctx, `SELECT outcome, computed, amount, days, hours, service, explanation_ko, explanation_en
		FROM payouts WHERE run_id = ? AND report_id = ?`, run.ID, r.ID).Scan(&po.Outcome, &po.Computed, &po.Amount,
		&po.Days, &po.Hours, &po.Service, &po.Explanation.Ko, &po.Explanation.En)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "offer_not_found")
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
	return o, s.payments(ctx, q, o, r.ID)
}

// awardOffer is an approved award as report r's offer: the appeal window of the run that
// referred the report opens at the approval.
func (s *PayoutService) awardOffer(ctx context.Context, q queryer, r *Report, a *claimdesk.Award) (*claimdesk.Offer, error) {
	run, err := findRun(ctx, q, a.Run)
	if err != nil {
		return nil, err
	}
	o := &claimdesk.Offer{Run: run, Award: a, Payout: a.Payout(), ReportStatus: r.Status}
	o.Payout.ReportID = r.ID
	o.AppealUntil = a.DecidedAt.Add(time.Duration(run.AppealDays) * 24 * time.Hour)
	return o, s.payments(ctx, q, o, r.ID)
}

// answeredOffer is the offer that response respID answered.
func (s *PayoutService) answeredOffer(ctx context.Context, q queryer, r *Report, respID int64) (*claimdesk.Offer, error) {
	var runID int64
	var awardID sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT run_id, award_id FROM offer_responses WHERE id = ?`, respID).Scan(&runID, &awardID); err != nil {
		return nil, fmt.Errorf("read offer response: %w", err)
	}
	var o *claimdesk.Offer
	if awardID.Valid {
		a, err := findAward(ctx, q, `a.id = ?`, awardID.Int64)
		if err != nil {
			return nil, err
		}
		if o, err = s.awardOffer(ctx, q, r, a); err != nil {
			return nil, err
		}
	} else {
		run, err := findRun(ctx, q, runID)
		if err != nil {
			return nil, err
		}
		if o, err = s.runOffer(ctx, q, r, run); err != nil {
			return nil, err
		}
	}
	return o, s.answerTo(ctx, q, o, `id = ?`, respID)
}

// answerTo puts the merchant's answer that matches where on o, if there is one.
func (s *PayoutService) answerTo(ctx context.Context, q queryer, o *claimdesk.Offer, where string, args ...any) error {
	var resp claimdesk.OfferResponse
	var at string
	err := q.QueryRowContext(ctx, `SELECT id, amount, accepted, bank, account_number, account_holder, message, at
		FROM offer_responses WHERE `+where, args...).Scan(&resp.ID, &resp.Amount, &resp.Accepted, &resp.Bank.Bank,
		&resp.Bank.Number, &resp.Bank.Holder, &resp.Message, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("read offer response: %w", err)
	}
	if resp.At, err = parseTime(at); err != nil {
		return err
	}
	o.Response = &resp
	return nil
}

// payments puts the ledger's payments of a report on o.
func (s *PayoutService) payments(ctx context.Context, q queryer, o *claimdesk.Offer, reportID int64) error {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.kind, p.run_id, p.amount, p.created_at, coalesce(p.file_id, 0),
		coalesce(f.paid_at, '') FROM payments p LEFT JOIN payment_files f ON f.id = p.file_id WHERE p.report_id = ? ORDER BY p.id`, reportID)
	if err != nil {
		return fmt.Errorf("read payments: %w", err)
	}
	defer rows.Close()
	o.Payments = nil
	for rows.Next() {
		p := claimdesk.Payment{Receipt: o.Payout.Receipt}
		var created, paid string
		if err := rows.Scan(&p.ID, &p.Kind, &p.Run, &p.Amount, &created, &p.File, &paid); err != nil {
			return err
		}
		if p.CreatedAt, err = parseTime(created); err != nil {
			return err
		}
		if paid != "" {
			if p.PaidAt, err = parseTime(paid); err != nil {
				return err
			}
		}
		o.Payments = append(o.Payments, p)
	}
	return rows.Err()
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
	o.Response.Evidence, err = s.evidence(ctx, o.Response.ID)
	return o, err
}

func (s *PayoutService) evidence(ctx context.Context, responseID int64) ([]claimdesk.Evidence, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT id, name, content_type, size, sha256, at FROM evidence
		WHERE response_id = ? ORDER BY id`, responseID)
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

// RespondToOffer records the merchant's answer. An acceptance is a payment in the ledger, in
// the same transaction; a contest, with its evidence files, sends the report back to the
// reviewers' queue. Both are audited with the state of every row they wrote (the bank details
// only as a hash).
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
			if resp.Accepted && o.Response == nil && o.Payout.Outcome == claimdesk.OutcomeAmount && o.Payout.Amount > 0 {
				return claimdesk.Errorm(claimdesk.ECONFLICT, "offer_not_open")
			}
			return claimdesk.Errorm(claimdesk.ECONFLICT, "offer_closed")
		}
		if resp.Accepted {
			resp.Message = ""
		} else {
			resp.Bank = claimdesk.BankAccount{}
		}
		answered := reportData(r)
		answered["answer"], answered["amount"], answered["run"] = "contested", o.Payout.Amount, o.Run.ID
		if resp.Accepted {
			answered["answer"] = "accepted"
		}
		if err := s.db.notify(ctx, tx, claimdesk.Notice{Event: claimdesk.EventOfferAnswered, Report: r}, claimdesk.EventOfferAnswered, answered); err != nil {
			return err
		}
		var award any
		detail := map[string]any{"run": o.Run.ID, "amount": o.Payout.Amount}
		if o.Award != nil {
			award, detail["award"] = o.Award.ID, o.Award.ID
		}
		var respID int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO offer_responses (report_id, run_id, award_id, amount, accepted, bank,
			account_number, account_holder, message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.ID, o.Run.ID, award,
			o.Payout.Amount, resp.Accepted, resp.Bank.Bank, resp.Bank.Number, resp.Bank.Holder, resp.Message, formatTime(now)).Scan(&respID); err != nil {
			return fmt.Errorf("store offer response: %w", err)
		}
		if resp.Accepted {
			var payID int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO payments (report_id, response_id, run_id, kind, amount, created_at)
				VALUES (?, ?, ?, 'offer', ?, ?) RETURNING id`, r.ID, respID, o.Run.ID, o.Payout.Amount, formatTime(now)).Scan(&payID); err != nil {
				return fmt.Errorf("store payment: %w", err)
			}
			if detail["rows"], err = s.db.rowStates(ctx, tx, "offer_responses", respID, "payments", payID); err != nil {
				return err
			}
			detail["bank_sha256"] = bankHash(resp.Bank)
			return s.db.audit(ctx, tx, claimdesk.AuditOfferAccepted, r.ID, r.Receipt, detail)
		}
		var sums []string
		for _, f := range files {
			ct, _ := claimdesk.EvidenceType(f.Data)
			sum := sha256.Sum256(f.Data)
			sums = append(sums, hex.EncodeToString(sum[:]))
			if _, err := tx.ExecContext(ctx, `INSERT INTO evidence (report_id, run_id, response_id, name, content_type, size, sha256, data, at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, o.Run.ID, respID, f.Name, ct, len(f.Data), sums[len(sums)-1], f.Data, formatTime(now)); err != nil {
				return fmt.Errorf("store evidence: %w", err)
			}
		}
		states, err := s.db.rowStates(ctx, tx, "offer_responses", respID)
		if err != nil {
			return err
		}
		if err := s.db.states(ctx, tx, states, "evidence", "response_id = ?", respID); err != nil {
			return err
		}
		detail["message"], detail["evidence_sha256"], detail["rows"] = resp.Message, sums, states
		if err := s.db.audit(ctx, tx, claimdesk.AuditOfferContest, r.ID, r.Receipt, detail); err != nil {
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

// bankHash is what the audit trail keeps of bank details: enough to tell that they changed,
// nothing to read them by.
func bankHash(b claimdesk.BankAccount) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{b.Bank, b.Number, b.Holder}, "\x1f")))
	return hex.EncodeToString(sum[:])
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

// reached counts, by stage of the funnel, the merchants whose message of that stage was
// delivered.
func reached(ctx context.Context, q snap, incident string, f *claimdesk.Funnel) error {
	stages := map[string]string{claimdesk.EventReportCreated: "reports", claimdesk.EventInfoRequested: "needs_info",
		claimdesk.EventPayoutReleased: "offered", claimdesk.EventPaymentMade: "paid"}
	rows, err := q.QueryContext(ctx, `SELECT m.event, count(DISTINCT m.report_id) FROM messages m JOIN reports r ON r.id = m.report_id
		WHERE r.incident_id = ? AND m.status = 'sent' AND m.channel IN ('sms', 'email') GROUP BY m.event`, incident)
	if err != nil {
		return fmt.Errorf("funnel: messages: %w", err)
	}
	defer rows.Close()
	f.Reached = map[string]int{}
	for rows.Next() {
		var ev string
		var n int
		if err := rows.Scan(&ev, &n); err != nil {
			return err
		}
		if st, ok := stages[ev]; ok {
			f.Reached[st] = n
		}
	}
	return rows.Err()
}

// Funnel counts an incident's reports on the way to payment: what the ledger holds, and what
// the latest released run and the approved awards offer to reports that have not accepted.
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
	err = s.db.snapshot(ctx, func(q snap) error {
		if err := reached(ctx, q, incident, &f); err != nil {
			return err
		}
		var runID int64
		var rapid bool
		err := q.QueryRowContext(ctx, `SELECT id, rapid_offer FROM payout_runs WHERE incident_id = ? AND state = 'released'
			ORDER BY id DESC LIMIT 1`, incident).Scan(&runID, &rapid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Reports that answered an offer passed review once, even if a contest reopened them
		// (under a rapid offer they need not have).
		var reopened [3]int
		// Accepted offers: agreed, and paid once their payment file is.
		err = q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE coalesce(f.paid_at, '') != ''),
			count(*) FILTER (WHERE r.status != 'accepted')
			FROM payments p JOIN reports r ON r.id = p.report_id LEFT JOIN payment_files f ON f.id = p.file_id
			WHERE r.incident_id = ? AND p.kind = 'offer'`, incident).Scan(&f.Agreed, &f.Paid, &reopened[0])
		if err != nil {
			return err
		}
		// Approved awards of reports that have not accepted: the latest of each report.
		var offered, contested [2]int
		err = q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE o.id IS NOT NULL), count(*) FILTER (WHERE r.status != 'accepted')
			FROM awards a JOIN reports r ON r.id = a.report_id
			LEFT JOIN offer_responses o ON o.award_id = a.id AND NOT o.accepted
			WHERE r.incident_id = ? AND a.state = 'approved'
			AND a.id = (SELECT max(id) FROM awards WHERE report_id = a.report_id AND state = 'approved')
			AND NOT EXISTS (SELECT 1 FROM payments x WHERE x.report_id = a.report_id AND x.kind = 'offer')`, incident).
			Scan(&offered[0], &contested[0], &reopened[1])
		if err != nil {
			return err
		}
		if runID != 0 {
			// The latest run's amounts shown to reports with no acceptance and no award:
			// answered (a contest) or shown now.
			err = q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE o.id IS NOT NULL),
				count(*) FILTER (WHERE r.status != 'accepted')
				FROM payouts p JOIN reports r ON r.id = p.report_id
				LEFT JOIN offer_responses o ON o.report_id = p.report_id AND o.run_id = p.run_id AND o.award_id IS NULL
				WHERE p.run_id = ? AND p.outcome = 'amount' AND p.amount > 0
				AND (? OR r.status = 'accepted' OR o.id IS NOT NULL) AND r.status NOT IN ('rejected', 'merged')
				AND NOT EXISTS (SELECT 1 FROM payments x WHERE x.report_id = p.report_id AND x.kind = 'offer')
				AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.report_id = p.report_id AND a.state = 'approved')`,
				runID, rapid).Scan(&offered[1], &contested[1], &reopened[2])
			if err != nil {
				return err
			}
			err = q.QueryRowContext(ctx, `SELECT count(*) FROM reports r WHERE r.incident_id = ?
				AND r.status NOT IN ('rejected', 'merged')
				AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.run_id = ? AND p.report_id = r.id)`, incident, runID).Scan(&f.NotInRun)
			if err != nil {
				return err
			}
		}
		f.Contested = contested[0] + contested[1]
		f.Offered = f.Agreed + offered[0] + offered[1]
		f.Unanswered = offered[0] + offered[1] - f.Contested
		if !rapid {
			f.Accepted += reopened[0] + reopened[1] + reopened[2]
		}
		return nil
	})
	if err != nil {
		return f, fmt.Errorf("funnel: %w", err)
	}
	return f, nil
}
