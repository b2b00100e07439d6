package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// ReportService stores damage reports in SQLite.
type ReportService struct {
	db *DB
}

var _ claimdesk.ReportService = (*ReportService)(nil)

// NewReportService returns a ReportService on db.
func NewReportService(db *DB) *ReportService { return &ReportService{db: db} }

// Report is claimdesk.Report; the alias keeps signatures short.
type Report = claimdesk.Report

// CreateReport validates and durably stores r (see claimdesk.ReportService).
func (s *ReportService) CreateReport(ctx context.Context, r *Report, idem claimdesk.Idempotency) (*Report, bool, error) {
	switch r.Channel {
	case claimdesk.ChannelWeb, claimdesk.ChannelAPI, claimdesk.ChannelStaff, claimdesk.ChannelImport:
	default:
		return nil, false, fmt.Errorf("create report: unknown channel %q", r.Channel)
	}
	inc, err := s.db.incident(ctx, strings.TrimSpace(r.Incident))
	if err != nil && claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
		return nil, false, err
	}
	// Stored times have microsecond precision; the answer must equal what a later read gives.
	now := s.db.Now().UTC().Truncate(time.Microsecond)
	if err := r.Validate(inc, now); err != nil {
		// A client retrying a report it filed gets it back even if the report would no
		// longer pass (the incident closed meanwhile). Only failures pay for this lookup;
		// the check inside the write below is the authoritative one.
		if idem.Key != "" {
			if stored, ierr := findByIdempotencyKey(ctx, s.db.reader(), idem); claimdesk.ErrorCode(ierr) != claimdesk.ENOTFOUND {
				return stored, false, ierr
			}
		}
		return nil, false, err
	}
	r.Status, r.ReceivedAt, r.UpdatedAt = claimdesk.StatusReceived, now, now

	var stored *Report
	created := false
	err = s.db.write(ctx, func(tx *Tx) error {
		if idem.Key != "" {
			prior, err := findByIdempotencyKey(ctx, tx, idem)
			if err == nil {
				stored = prior
				return nil
			} else if claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
				return err
			}
		}
		if err := insertReport(ctx, tx, r); err != nil {
			return err
		}
		if idem.Key != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (key, fingerprint, report_id, created_at) VALUES (?, ?, ?, ?)`,
				idem.Key, idem.Fingerprint, r.ID, formatTime(now)); err != nil {
				return fmt.Errorf("record idempotency key: %w", err)
			}
		}
		stored, created = r, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// insertReport inserts r under a fresh receipt, drawing again on the rare collision.
func insertReport(ctx context.Context, tx *Tx, r *Report) error {
	for attempt := 0; ; attempt++ {
		r.Receipt = claimdesk.NewReceipt()
		err := tx.QueryRowContext(ctx, `INSERT INTO reports (receipt, incident_id, status, channel,
			business_name, business_number, no_business_number_reason, representative, phone, email,
			region, district, industry, services, damage_types, damage_start, damage_end,
			usual_daily_sales, claimed_loss, description, consent_at, received_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING id`,
			r.Receipt, r.Incident, r.Status, r.Channel,
			r.BusinessName, r.BusinessNumber, r.NoBusinessNumberReason, r.Representative, r.Phone, r.Email,
			r.Region, r.District, r.Industry, joinList(r.Services), joinList(r.DamageTypes),
			r.DamageStart.String(), r.DamageEnd.String(),
			r.UsualDailySales, r.ClaimedLoss, r.Description,
			formatTime(r.ReceivedAt), formatTime(r.ReceivedAt), formatTime(r.UpdatedAt),
		).Scan(&r.ID)
		if isUniqueViolation(err, "reports.receipt") && attempt < 5 {
			continue
		} else if err != nil {
			return fmt.Errorf("insert report: %w", err)
		}
		break
	}
	for _, svc := range r.Services {
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_services (report_id, incident_id, service_id) VALUES (?, ?, ?)`,
			r.ID, r.Incident, svc); err != nil {
			return fmt.Errorf("insert report service %s: %w", svc, err)
		}
	}
	return nil
}

// FindReports returns the reports that match filter, in the order they were received.
func (s *ReportService) FindReports(ctx context.Context, filter claimdesk.ReportFilter) ([]*Report, error) {
	where, args := []string{"id > ?"}, []any{filter.AfterID}
	if filter.Incident != "" {
		where, args = append(where, "incident_id = ?"), append(args, filter.Incident)
	}
	limit := filter.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find reports: %w", err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindReportByReceipt returns the report with receipt.
func (s *ReportService) FindReportByReceipt(ctx context.Context, receipt string) (*Report, error) {
	return findReport(ctx, s.db.reader(), `receipt = ?`, receipt)
}

// queryer is what reads need: the reader pool, or a write transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// findByIdempotencyKey returns the report stored under idem.Key: ENOTFOUND when there is none,
// ECONFLICT when the key was used for other content.
func findByIdempotencyKey(ctx context.Context, q queryer, idem claimdesk.Idempotency) (*Report, error) {
	var fingerprint string
	var id int64
	err := q.QueryRowContext(ctx, `SELECT fingerprint, report_id FROM idempotency_keys WHERE key = ?`, idem.Key).Scan(&fingerprint, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found")
	} else if err != nil {
		return nil, fmt.Errorf("find idempotency key: %w", err)
	}
	if fingerprint != idem.Fingerprint {
		return nil, claimdesk.Errorm(claimdesk.ECONFLICT, "idempotency_reused")
	}
	return findReport(ctx, q, `id = ?`, id)
}

const reportColumns = `id, receipt, incident_id, status, channel, business_name, business_number,
	no_business_number_reason, representative, phone, email, region, district, industry, services,
	damage_types, damage_start, damage_end, usual_daily_sales, claimed_loss, description,
	received_at, updated_at`

func findReport(ctx context.Context, q queryer, where string, arg any) (*Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found")
	}
	return r, err
}

// scanReport reads one row of reportColumns.
func scanReport(row interface{ Scan(...any) error }) (*Report, error) {
	var r Report
	var services, damageTypes, start, end, received, updated string
	var sales sql.NullInt64
	err := row.Scan(
		&r.ID, &r.Receipt, &r.Incident, &r.Status, &r.Channel, &r.BusinessName, &r.BusinessNumber,
		&r.NoBusinessNumberReason, &r.Representative, &r.Phone, &r.Email, &r.Region, &r.District,
		&r.Industry, &services, &damageTypes, &start, &end, &sales, &r.ClaimedLoss, &r.Description,
		&received, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	r.Services, r.DamageTypes = splitList(services), splitList(damageTypes)
	if sales.Valid {
		r.UsualDailySales = &sales.Int64
	}
	// Every report was validated before it was stored, so a parse failure here means the
	// file was changed behind claimdesk's back: report it rather than show a wrong report.
	var errs []error
	var e error
	r.DamageStart, e = claimdesk.ParseDate(start)
	errs = append(errs, e)
	r.DamageEnd, e = claimdesk.ParseDate(end)
	errs = append(errs, e)
	r.ReceivedAt, e = parseTime(received)
	errs = append(errs, e)
	r.UpdatedAt, e = parseTime(updated)
	errs = append(errs, e)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("report %s: %w", r.Receipt, err)
	}
	r.Consent = true // stored reports all carry consent; consent_at says when
	return &r, nil
}

func joinList(l []string) string { return strings.Join(l, ";") }

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ";")
}
