package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// ReviewService is the reviewers' side of reports. Every change goes through the
// writer with its audit entry in the same transaction.
type ReviewService struct {
	db      *DB
	reports *ReportService
}

var _ claimdesk.ReviewService = (*ReviewService)(nil)

// NewReviewService returns a ReviewService on db.
func NewReviewService(db *DB) *ReviewService {
	return &ReviewService{db: db, reports: NewReportService(db)}
}

// ChangeStatus applies a decision.
func (s *ReviewService) ChangeStatus(ctx context.Context, receipt string, change claimdesk.StatusChange) (*Report, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, err
	}
	var out *Report
	err := s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.receipt = ?`, receipt)
		if err != nil {
			return err
		}
		if err := s.db.changeStatus(ctx, tx, r, change); err != nil {
			return err
		}
		out, err = findReport(ctx, tx, `r.id = ?`, r.ID)
		return err
	})
	return out, err
}

// changeStatus checks and applies a decision to r inside tx.
func (db *DB) changeStatus(ctx context.Context, tx *Tx, r *Report, change claimdesk.StatusChange) error {
	if err := change.Check(r.Status); err != nil {
		return err
	}
	now := formatTime(db.Now())
	seq, err := tx.nextChange(ctx)
	if err != nil {
		return err
	}
	q := `UPDATE reports SET status = ?, updated_at = ?, change_seq = ? WHERE id = ?`
	args := []any{change.To, now, seq, r.ID}
	if change.To == claimdesk.StatusNeedsInfo {
		// A new request replaces the last one; its answer is still in the history.
		q = `UPDATE reports SET status = ?, updated_at = ?, change_seq = ?, info_request = ?, info_documents = ?, info_answer = '' WHERE id = ?`
		args = []any{change.To, now, seq, change.Message, joinList(change.Documents), r.ID}
		r.InfoRequest, r.InfoDocuments = change.Message, change.Documents
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("change status: %w", err)
	}
	if err := moveCount(ctx, tx, r.Incident, r.Status, change.To); err != nil {
		return err
	}
	detail := map[string]any{"from": r.Status, "to": change.To}
	if change.Reason != "" {
		detail["reason"] = change.Reason
	}
	if change.Message != "" {
		detail["message"] = change.Message
	}
	if len(change.Documents) > 0 {
		detail["documents"] = change.Documents
	}
	from := r.Status
	r.Status = change.To
	hook := reportData(r)
	hook["previous_status"] = from
	n := claimdesk.Notice{Event: claimdesk.EventStatusChanged, Report: r, To: change.To, Message: change.Message}
	if change.To == claimdesk.StatusAccepted {
		// Accepted after a run was released: its offer opens now, and the merchant hears
		// of it (the amount and the last day to contest) rather than of the decision alone.
		var amount, days int64
		err := tx.QueryRowContext(ctx, `SELECT p.amount, pr.appeal_days FROM payout_runs pr JOIN payouts p ON p.run_id = pr.id
			WHERE p.report_id = ? AND pr.id = (SELECT max(id) FROM payout_runs WHERE incident_id = ? AND state = 'released')
			AND NOT pr.rapid_offer AND p.outcome = 'amount' AND p.amount > 0
			AND NOT EXISTS (SELECT 1 FROM offer_responses o WHERE o.report_id = p.report_id AND o.run_id = pr.id)`,
			r.ID, r.Incident).Scan(&amount, &days)
		if err == nil {
			n = claimdesk.Notice{Event: claimdesk.EventPayoutReleased, Report: r, Amount: amount,
				Until: claimdesk.DateOf(db.Now().Add(time.Duration(days) * 24 * time.Hour))}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("offer on acceptance: %w", err)
		}
	}
	if err := db.notify(ctx, tx, n, claimdesk.EventStatusChanged, hook); err != nil {
		return err
	}
	return db.audit(ctx, tx, claimdesk.AuditStatusChanged, r.ID, r.Receipt, detail)
}

func moveCount(ctx context.Context, tx *Tx, incident string, from, to claimdesk.Status) error {
	if err := addCount(ctx, tx, incident, from, -1); err != nil {
		return err
	}
	return addCount(ctx, tx, incident, to, 1)
}

// AddNote records an internal note.
func (s *ReviewService) AddNote(ctx context.Context, receipt, body string) error {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return err
	}
	var fe claimdesk.FieldErrors
	claimdesk.CheckText(&fe, "note", &body, claimdesk.TextRule{Required: "note_required", Max: claimdesk.MaxReviewText, Multiline: true})
	if err := fe.Err(); err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.receipt = ?`, receipt)
		if err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditNote, r.ID, r.Receipt, map[string]any{"note": body})
	})
}

// Assign gives a report to a reviewer (userID 0 unassigns).
func (s *ReviewService) Assign(ctx context.Context, receipt string, userID int64) error {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.receipt = ?`, receipt)
		if err != nil {
			return err
		}
		return s.db.assign(ctx, tx, r, userID)
	})
}

// assign sets r's assignee inside tx. Only accounts that can review may be given reports.
func (db *DB) assign(ctx context.Context, tx *Tx, r *Report, userID int64) error {
	var assignee any
	email := ""
	if userID != 0 {
		var role claimdesk.Role
		var disabled sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT email, role, disabled_at FROM users WHERE id = ?`, userID).Scan(&email, &role, &disabled)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (disabled.Valid || !role.Can(claimdesk.PermReview))) {
			return claimdesk.Errorm(claimdesk.EINVALID, "assignee_invalid")
		} else if err != nil {
			return err
		}
		assignee = userID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET assigned_to = ?, updated_at = ? WHERE id = ?`,
		assignee, formatTime(db.Now()), r.ID); err != nil {
		return fmt.Errorf("assign: %w", err)
	}
	return db.audit(ctx, tx, claimdesk.AuditAssigned, r.ID, r.Receipt, map[string]any{"from": r.Assignee, "to": email})
}

// Merge marks the later of two reports as a duplicate of the earlier.
func (s *ReviewService) Merge(ctx context.Context, a, b, reason string) error {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		ra, err := findReport(ctx, tx, `r.receipt = ?`, a)
		if err != nil {
			return err
		}
		rb, err := findReport(ctx, tx, `r.receipt = ?`, b)
		if err != nil {
			return err
		}
		// The earlier receipt survives, whichever way round they were given.
		keep, dup := ra, rb
		if rb.ID < ra.ID {
			keep, dup = rb, ra
		}
		if keep.ID == dup.ID || keep.Incident != dup.Incident || keep.Status == claimdesk.StatusMerged ||
			!claimdesk.CanTransition(dup.Status, claimdesk.StatusMerged) {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "merge_invalid")
		}
		seq, err := tx.nextChange(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET status = 'merged', merged_into = ?, updated_at = ?, change_seq = ? WHERE id = ?`,
			keep.ID, formatTime(s.db.Now()), seq, dup.ID); err != nil {
			return err
		}
		if err := moveCount(ctx, tx, dup.Incident, dup.Status, claimdesk.StatusMerged); err != nil {
			return err
		}
		detail := map[string]any{"from": dup.Status, "into": keep.Receipt}
		if reason = strings.TrimSpace(reason); reason != "" {
			detail["reason"] = reason
		}
		if err := s.db.audit(ctx, tx, claimdesk.AuditMerged, dup.ID, dup.Receipt, detail); err != nil {
			return err
		}
		from := dup.Status
		dup.Status, dup.MergedInto = claimdesk.StatusMerged, keep.Receipt
		hook := reportData(dup)
		hook["previous_status"], hook["merged_into"] = from, keep.Receipt
		n := claimdesk.Notice{Event: claimdesk.EventStatusChanged, Report: dup, To: claimdesk.StatusMerged}
		if err := s.db.notify(ctx, tx, n, claimdesk.EventStatusChanged, hook); err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditMerged, keep.ID, keep.Receipt, map[string]any{"absorbed": dup.Receipt})
	})
}

// Answer applies the merchant's reply to a request for information.
func (s *ReviewService) Answer(ctx context.Context, receipt string, answer claimdesk.MerchantAnswer) (*Report, error) {
	current, err := s.reports.FindReportByReceipt(ctx, receipt)
	if err != nil {
		return nil, err
	}
	if current.Status != claimdesk.StatusNeedsInfo {
		return nil, claimdesk.Errorm(claimdesk.ECONFLICT, "not_needs_info")
	}
	corrected, fe, err := s.correctedReport(ctx, current, answer.Report)
	if err != nil {
		return nil, err
	}
	message := answer.Message
	claimdesk.CheckText(&fe, "answer", &message, claimdesk.TextRule{Max: claimdesk.MaxReviewText, Multiline: true})
	claimdesk.CheckDocuments(&fe, "documents", answer.Documents)
	changes := claimdesk.InputDiff(current, &corrected)
	if len(fe) == 0 && message == "" && len(changes) == 0 && len(answer.Documents) == 0 {
		fe.Add("answer", "answer_required")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Report
	err = s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.id = ?`, current.ID)
		if err != nil {
			return err
		}
		if r.Status != claimdesk.StatusNeedsInfo || !r.UpdatedAt.Equal(current.UpdatedAt) {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "not_needs_info") // changed meanwhile
		}
		c := corrected
		if err := s.db.writeInput(ctx, tx, r, &c, `, info_answer = ?, status = 'in_review'`, message); err != nil {
			return fmt.Errorf("answer: %w", err)
		}
		if err := insertDocuments(ctx, tx, r.ID, answer.Documents, "answer", s.db.Now()); err != nil {
			return err
		}
		if err := moveCount(ctx, tx, r.Incident, r.Status, claimdesk.StatusInReview); err != nil {
			return err
		}
		// The fingerprint of the corrected content lets verify check it (see auditstate.go).
		detail := map[string]any{"from": r.Status, "to": claimdesk.StatusInReview, "message": message, "fingerprint": c.Fingerprint()}
		if len(changes) > 0 {
			detail["changes"] = changes
		}
		if len(answer.Documents) > 0 {
			detail["documents"] = documentSums(answer.Documents)
		}
		if err := s.db.audit(ctx, tx, claimdesk.AuditAnswered, r.ID, r.Receipt, detail); err != nil {
			return err
		}
		out, err = findReport(ctx, tx, `r.id = ?`, r.ID)
		return err
	})
	return out, err
}

// documentSums lists documents as the audit trail records them: kind, name and SHA-256.
func documentSums(docs []claimdesk.DocumentFile) []string {
	var out []string
	for _, d := range docs {
		sum := sha256.Sum256(d.Data)
		out = append(out, d.Kind+" "+hex.EncodeToString(sum[:])+" "+d.Name)
	}
	return out
}

// Documents lists the documents a report's merchant sent, oldest first.
func (s *ReviewService) Documents(ctx context.Context, receipt string) ([]claimdesk.Document, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT d.id, d.kind, d.name, d.content_type, d.size, d.sha256, d.source, d.at
		FROM documents d JOIN reports r ON r.id = d.report_id WHERE r.receipt = ? ORDER BY d.id`, receipt)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	defer rows.Close()
	var out []claimdesk.Document
	for rows.Next() {
		var d claimdesk.Document
		var at string
		if err := rows.Scan(&d.ID, &d.Kind, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.Source, &at); err != nil {
			return nil, fmt.Errorf("documents: %w", err)
		}
		d.At, _ = parseTime(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DocumentFile returns one document of a report with its content, for staff who review it.
func (s *ReviewService) DocumentFile(ctx context.Context, receipt string, id int64) (*claimdesk.Document, []byte, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, nil, err
	}
	var d claimdesk.Document
	var at string
	var data []byte
	err := s.db.reader().QueryRowContext(ctx, `SELECT d.id, d.kind, d.name, d.content_type, d.size, d.sha256, d.source, d.at, d.data
		FROM documents d JOIN reports r ON r.id = d.report_id WHERE r.receipt = ? AND d.id = ?`, receipt, id).
		Scan(&d.ID, &d.Kind, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.Source, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	} else if err != nil {
		return nil, nil, fmt.Errorf("document: %w", err)
	}
	d.At, _ = parseTime(at)
	return &d, data, nil
}

// writeInput writes c's input fields (all but the incident and consent, which do not change)
// over report was, with more assignments (set, from ", name = ?", and their args), the time
// and the next change number, and its service rows when its services changed.
func (db *DB) writeInput(ctx context.Context, tx *Tx, was, c *Report, set string, args ...any) error {
	seq, err := tx.nextChange(ctx)
	if err != nil {
		return err
	}
	values := []any{c.BusinessName, c.BusinessNumber, c.NoBusinessNumberReason, c.Representative, c.Phone, c.Email, c.Region,
		c.District, c.Industry, joinList(c.Services), joinList(c.DamageTypes), c.DamageStart.String(),
		c.DamageEnd.String(), c.UsualDailySales, c.ClaimedLoss, c.Description}
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET business_name = ?, business_number = ?, no_business_number_reason = ?,
		representative = ?, phone = ?, email = ?, region = ?, district = ?, industry = ?, services = ?, damage_types = ?,
		damage_start = ?, damage_end = ?, usual_daily_sales = ?, claimed_loss = ?, description = ?`+set+`,
		updated_at = ?, change_seq = ? WHERE id = ?`, append(append(values, args...), formatTime(db.Now()), seq, was.ID)...); err != nil {
		return err
	}
	if slices.Equal(was.Services, c.Services) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_services WHERE report_id = ?`, was.ID); err != nil {
		return err
	}
	return insertServices(ctx, tx, c)
}

// correctedReport lays input over current as an answer or a correction does, and validates the
// result like a new report. It finishes a report already filed, so the incident having closed
// to new reports since does not stop it; it cannot move the report to another incident, and
// the consent given when it was filed stands (neither form asks again). It returns the report
// as the validation normalised it, and the problems.
func (s *ReviewService) correctedReport(ctx context.Context, current *Report, input claimdesk.ReportInput) (Report, claimdesk.FieldErrors, error) {
	inc, err := s.db.incident(ctx, current.Incident)
	if err != nil {
		return Report{}, nil, err
	}
	open := *inc
	open.IntakeOpen = true
	c := *current
	c.SetInput(&input.Report)
	c.Incident, c.Consent = current.Incident, current.Consent
	in := claimdesk.ReportInput{Report: c, Problems: input.Problems}
	fe := claimdesk.FieldErrorsOf(in.Validate(&open, s.db.Now()))
	return in.Report, fe, nil
}

// Correct applies a reviewer's correction of a report's fields.
func (s *ReviewService) Correct(ctx context.Context, receipt string, corr claimdesk.Correction) (*Report, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, err
	}
	current, err := s.reports.FindReportByReceipt(ctx, receipt)
	if err != nil {
		return nil, err
	}
	corrected, fe, err := s.correctedReport(ctx, current, corr.Report)
	if err != nil {
		return nil, err
	}
	reason := corr.Reason
	claimdesk.CheckText(&fe, "reason", &reason, claimdesk.TextRule{Max: claimdesk.MaxReviewText, Multiline: true, Required: "correction_reason"})
	changes := claimdesk.InputDiff(current, &corrected)
	if len(fe) == 0 && len(changes) == 0 {
		fe.Add("reason", "correction_empty")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Report
	err = s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.id = ?`, current.ID)
		if err != nil {
			return err
		}
		if !r.UpdatedAt.Equal(current.UpdatedAt) {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "changed_meanwhile")
		}
		c := corrected
		if err := s.db.writeInput(ctx, tx, r, &c, ""); err != nil {
			return fmt.Errorf("correct: %w", err)
		}
		detail := map[string]any{"changes": changes, "reason": reason, "fingerprint": c.Fingerprint()}
		if err := s.db.audit(ctx, tx, claimdesk.AuditCorrected, r.ID, r.Receipt, detail); err != nil {
			return err
		}
		var fields []string // in form order
		for _, f := range claimdesk.Fields {
			if _, ok := changes[f.Code]; ok {
				fields = append(fields, f.Code)
			}
		}
		hook := reportData(&c)
		hook["fields"] = fields
		n := claimdesk.Notice{Event: claimdesk.EventCorrected, Report: &c, Fields: fields, Reason: reason}
		if err := s.db.notify(ctx, tx, n, claimdesk.EventCorrected, hook); err != nil {
			return err
		}
		out, err = findReport(ctx, tx, `r.id = ?`, r.ID)
		return err
	})
	return out, err
}

// History returns the report's audit entries.
func (s *ReviewService) History(ctx context.Context, receipt string) ([]*claimdesk.AuditEntry, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, err
	}
	r, err := s.reports.FindReportByReceipt(ctx, receipt)
	if err != nil {
		return nil, err
	}
	return s.db.history(ctx, r.ID)
}

// Duplicates returns the reports flagged as possible duplicates of this one, in either
// direction.
func (s *ReviewService) Duplicates(ctx context.Context, receipt string) ([]*Report, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, err
	}
	r, err := s.reports.FindReportByReceipt(ctx, receipt)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+reportColumns+` FROM `+reportFrom+` WHERE r.id IN (
		SELECT candidate_id FROM report_duplicates WHERE report_id = ?
		UNION SELECT report_id FROM report_duplicates WHERE candidate_id = ?) ORDER BY r.id`, r.ID, r.ID)
	if err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		d, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// bulkBatch is how many reports one write transaction of a bulk action changes.
const bulkBatch = 500

// Bulk applies one action to every report that matches filter.
func (s *ReviewService) Bulk(ctx context.Context, filter claimdesk.ReportFilter, action claimdesk.BulkAction) (claimdesk.BulkResult, error) {
	var res claimdesk.BulkResult
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return res, err
	}
	if action.AssignTo == nil && action.Status.To == "" && action.Message == "" {
		return res, claimdesk.Errorf(claimdesk.EINVALID, "bulk action: nothing to do")
	}
	if action.Message != "" {
		var fe claimdesk.FieldErrors
		claimdesk.CheckText(&fe, "message", &action.Message, claimdesk.TextRule{Required: "announcement_required", Max: claimdesk.MaxAnnouncement, Multiline: true})
		if err := fe.Err(); err != nil {
			return res, err
		}
		if len(s.db.merchantChannels()) == 0 {
			return res, claimdesk.Errorm(claimdesk.EUNAVAILABLE, "messages_off")
		}
		res.Batch = "b_" + strings.ToLower(rand.Text()[:12])
	}
	if action.Status.To != "" {
		// The reason and message are the same for every report: check them once, as if
		// for a report from which the change is allowed.
		probe := action.Status
		for _, from := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusReceived, claimdesk.StatusNeedsInfo, claimdesk.StatusAccepted} {
			if claimdesk.CanTransition(from, probe.To) {
				if err := probe.Check(from); err != nil {
					return res, err
				}
				break
			}
		}
	}
	page := filter
	page.Sort, page.AfterID, page.Limit = claimdesk.SortOldest, 0, bulkBatch
	for {
		reports, err := s.reports.FindReports(ctx, page)
		if err != nil {
			return res, err
		}
		if len(reports) == 0 {
			break
		}
		var batch claimdesk.BulkResult // counted afresh if the writer runs this again
		err = s.db.write(ctx, func(tx *Tx) error {
			batch = claimdesk.BulkResult{}
			for _, r := range reports {
				// Read again inside the transaction: the page may be stale.
				cur, err := findReport(ctx, tx, `r.id = ?`, r.ID)
				if err != nil {
					return err
				}
				if action.AssignTo != nil {
					if err := s.db.assign(ctx, tx, cur, *action.AssignTo); err != nil {
						return err
					}
				}
				if action.Status.To != "" {
					change := action.Status
					if !claimdesk.CanTransition(cur.Status, change.To) || change.Check(cur.Status) != nil {
						batch.Skipped++
						continue
					}
					if err := s.db.changeStatus(ctx, tx, cur, change); err != nil {
						return err
					}
				}
				if action.Message != "" {
					n := claimdesk.Notice{Event: claimdesk.EventAnnouncement, Report: cur, Message: action.Message, Batch: res.Batch}
					if err := s.db.notify(ctx, tx, n, "", nil); err != nil {
						return err
					}
				}
				batch.Changed++
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Changed += batch.Changed
		res.Skipped += batch.Skipped
		page.AfterID = reports[len(reports)-1].ID
	}
	err := s.db.write(ctx, func(tx *Tx) error {
		detail := map[string]any{"changed": res.Changed, "skipped": res.Skipped, "filter": filterSummary(filter)}
		if action.AssignTo != nil {
			detail["assign_to"] = *action.AssignTo
		}
		if action.Status.To != "" {
			detail["status"] = action.Status.To
			detail["reason"] = action.Status.Reason
		}
		if action.Message != "" {
			detail["message"], detail["batch"] = action.Message, res.Batch
		}
		return s.db.audit(ctx, tx, claimdesk.AuditBulk, 0, "", detail)
	})
	return res, err
}

// filterSummary writes a filter for the audit trail.
func filterSummary(f claimdesk.ReportFilter) string {
	where, args := filterWhere(f, nil, false) // one wording in the trail, whatever the database
	return fmt.Sprintf("%s %v", strings.Join(where, " AND "), args)
}
