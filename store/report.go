package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/claimdesk/claimdesk"
)

// ReportService stores damage reports in the database.
type ReportService struct {
	db *DB
}

var _ claimdesk.ReportService = (*ReportService)(nil)

// NewReportService returns a ReportService on db.
func NewReportService(db *DB) *ReportService { return &ReportService{db: db} }

// Report is claimdesk.Report; the alias keeps signatures short.
type Report = claimdesk.Report

// CreateReport validates and durably stores a report (see claimdesk.ReportService): the one
// place where a new report's rules are checked, for the form, the API, staff entry and imports
// alike. Staff who file (channel staff or import, or a partner's token) are recorded as the
// report's enterer. In the same transaction the report is counted and written to the audit
// trail; right after the commit the duplicate scan compares it with the earlier reports.
func (s *ReportService) CreateReport(ctx context.Context, in *claimdesk.ReportInput, idem claimdesk.Idempotency) (*Report, bool, error) {
	r := &in.Report
	actor := claimdesk.ActorFrom(ctx)
	switch r.Channel {
	case claimdesk.ChannelWeb, claimdesk.ChannelAPI:
	case claimdesk.ChannelStaff:
		if err := claimdesk.Require(ctx, claimdesk.PermEnterReports); err != nil {
			return nil, false, err
		}
	case claimdesk.ChannelImport:
		if err := claimdesk.Require(ctx, claimdesk.PermImport); err != nil {
			return nil, false, err
		}
	default:
		return nil, false, fmt.Errorf("create report: unknown channel %q", r.Channel)
	}
	inc, err := s.db.incidentToRead(ctx, strings.TrimSpace(r.Incident))
	if err != nil && claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
		return nil, false, err
	}
	// Stored times have microsecond precision; the answer must equal what a later read gives.
	now := s.db.Now().UTC().Truncate(time.Microsecond)
	err = in.Validate(inc, now)
	if err != nil && inc != nil {
		// The cache may hold the incident as it was a moment ago on another server: before
		// refusing, look again (only refusals pay for this).
		if fresh, ferr := s.db.freshIncident(ctx, inc.ID); ferr == nil && fresh.Version != inc.Version {
			inc, err = fresh, in.Validate(fresh, now)
		}
	}
	if err != nil {
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
	r.EnteredBy = ""
	if actor.Kind != claimdesk.ActorMerchant {
		r.EnteredBy = actor.Key()
	}

	fingerprint := r.Fingerprint() // of the report as stored, for the audit trail
	var stored *Report
	created := false
	err = s.db.write(ctx, func(tx *Tx) error {
		if tx.pipelining {
			// PostgreSQL: the report's statements go with the rest of its group (see pipeline.go)
			if err := tx.pendReport(ctx, r, fingerprint, idem, now, in.Documents); err != nil {
				return err
			}
			stored, created = r, true
			return nil
		}
		if err := s.db.insertReport(ctx, tx, r, fingerprint); err != nil {
			return err
		}
		if idem.Key != "" {
			// The key's row is the authority on replays: if it exists, this report is undone
			// (the write fails) and the report first filed under the key is answered.
			res, err := tx.ExecContext(ctx, insertKey+` ON CONFLICT (key) DO NOTHING`, idem.Key, idem.Fingerprint, r.ID, formatTime(now))
			if err != nil {
				return fmt.Errorf("record idempotency key: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errKeyTaken
			}
		}
		if err := insertDocuments(ctx, tx, r.ID, in.Documents, "filing", now); err != nil {
			return err
		}
		if err := s.db.notify(ctx, tx, claimdesk.Notice{Event: claimdesk.EventReportCreated, Report: r}, claimdesk.EventReportCreated, reportData(r)); err != nil {
			return err
		}
		stored, created = r, true
		return nil
	})
	if errors.Is(err, errKeyTaken) {
		prior, err := findByIdempotencyKey(ctx, s.db.reader(), idem)
		return prior, false, err
	}
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// insertDocuments stores documents of a report, sent at filing or with an answer.
func insertDocuments(ctx context.Context, tx *Tx, reportID int64, docs []claimdesk.DocumentFile, source string, at time.Time) error {
	for _, d := range docs {
		if _, err := tx.ExecContext(ctx, insertDocument, documentArgs(reportID, d, source, at)...); err != nil {
			return fmt.Errorf("store document: %w", err)
		}
	}
	return nil
}

const insertDocument = `INSERT INTO documents (report_id, kind, name, content_type, size, sha256, data, source, at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

func documentArgs(reportID int64, d claimdesk.DocumentFile, source string, at time.Time) []any {
	ct, _ := claimdesk.DocumentType(d.Kind, d.Data)
	sum := sha256.Sum256(d.Data)
	return []any{reportID, d.Kind, d.Name, ct, len(d.Data), hex.EncodeToString(sum[:]), d.Data, source, formatTime(at)}
}

const insertKey = `INSERT INTO idempotency_keys (key, fingerprint, report_id, created_at) VALUES (?, ?, ?, ?)`

// errKeyTaken undoes a report whose idempotency key was already used.
var errKeyTaken = errors.New("idempotency key already used")

// insertReport inserts a validated report under a fresh receipt (drawing again on the rare
// collision) with its services, count and audit entry.
func (db *DB) insertReport(ctx context.Context, tx *Tx, r *Report, fingerprint string) error {
	if err := insertReportRow(ctx, tx, r, false); err != nil {
		return err
	}
	if err := addCount(ctx, tx, r.Incident, r.Status, 1); err != nil {
		return err
	}
	tx.stored = append(tx.stored, storedReport{r.Incident, string(r.Channel)})
	return db.audit(ctx, tx, claimdesk.AuditReportCreated, r.ID, r.Receipt, createdDetail(r, fingerprint))
}

// createdDetail is what the audit trail records of a new report: its channel and fingerprint.
func createdDetail(r *Report, fingerprint string) map[string]any {
	return map[string]any{"channel": r.Channel, "fingerprint": fingerprint}
}

// insertReportRow inserts the report and its services under a fresh receipt, drawing again on
// the rare collision.
func insertReportRow(ctx context.Context, tx *Tx, r *Report, demo bool) error {
	newReceipt := tx.db.NewReceipt
	r.Duplicate = false // the duplicate scan flags it after the commit (see FlagDuplicates)
	tx.inserted = true
	change, err := tx.nextChange(ctx)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		r.Receipt = newReceipt()
		err := tx.QueryRowContext(ctx, `INSERT INTO reports (`+insertColumns+`) VALUES (`+insertValues+`)
			ON CONFLICT (receipt) DO NOTHING RETURNING id`, reportArgs(r, demo, change)...).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) && attempt < 5 {
			continue // the receipt was drawn before: draw again (a statement that failed would end a PostgreSQL transaction)
		} else if err != nil {
			return fmt.Errorf("insert report: %w", err)
		}
		break
	}
	return insertServices(ctx, tx, r)
}

// insertColumns are the columns a new report is inserted with, in reportArgs' order.
const insertColumns = `receipt, incident_id, status, channel,
	business_name, business_number, no_business_number_reason, representative, phone, email,
	region, district, industry, services, damage_types, damage_start, damage_end,
	usual_daily_sales, claimed_loss, description, consent_at, received_at, updated_at, entered_by, duplicate, demo, change_seq,
	notify, lang, fewer_messages`

// insertValues are insertColumns' placeholders.
const insertValues = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`

func reportArgs(r *Report, demo bool, change int64) []any {
	return []any{r.Receipt, r.Incident, r.Status, r.Channel,
		r.BusinessName, r.BusinessNumber, r.NoBusinessNumberReason, r.Representative, r.Phone, r.Email,
		r.Region, r.District, r.Industry, joinList(r.Services), joinList(r.DamageTypes),
		r.DamageStart.String(), r.DamageEnd.String(),
		r.UsualDailySales, r.ClaimedLoss, r.Description,
		formatTime(r.ReceivedAt), formatTime(r.ReceivedAt), formatTime(r.UpdatedAt), r.EnteredBy, r.Duplicate, demo, change,
		joinChannels(r.Notify), string(r.Lang), r.FewerMessages}
}

const insertService = `INSERT INTO report_services (report_id, incident_id, service_id) VALUES (?, ?, ?)`

func insertServices(ctx context.Context, tx *Tx, r *Report) error {
	for _, svc := range r.Services {
		if _, err := tx.ExecContext(ctx, insertService, r.ID, r.Incident, svc); err != nil {
			return fmt.Errorf("insert report service %s: %w", svc, err)
		}
	}
	return nil
}

// addCount keeps report_counts in step with a report entering (delta 1) or leaving (-1) a
// status. The deltas are collected in the transaction and written once per group, just
// before the commit (see flushCounts).
func addCount(_ context.Context, tx *Tx, incident string, status claimdesk.Status, delta int) error {
	if tx.counts == nil {
		tx.counts = map[countKey]int{}
	}
	tx.counts[countKey{incident, status}] += delta
	return nil
}

type countKey struct {
	incident string
	status   claimdesk.Status
}

const upsertCount = `INSERT INTO report_counts (incident_id, status, n) VALUES (?, ?, ?)
	ON CONFLICT (incident_id, status) DO UPDATE SET n = report_counts.n + excluded.n`

// flushCounts writes the group's count deltas.
func (db *DB) flushCounts(ctx context.Context, tx *Tx) error {
	for k, delta := range tx.counts {
		if delta == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, upsertCount, k.incident, k.status, delta); err != nil {
			return fmt.Errorf("count reports: %w", err)
		}
	}
	clear(tx.counts)
	return nil
}

// exportColumns are the columns an export writes (docs/api.md's fields and what the server
// recorded), and no more: no joins, nothing a reviewer reads beside.
const exportColumns = `r.id, r.receipt, r.incident_id, r.status, r.channel, r.business_name, r.business_number,
	r.no_business_number_reason, r.representative, r.phone, r.email, r.region, r.district, r.industry, r.services,
	r.damage_types, r.damage_start, r.damage_end, r.usual_daily_sales, r.claimed_loss, r.description,
	r.received_at, r.demo`

// packedExportColumns are exportColumns packed (see scanRow).
var packedExportColumns = packColumns(exportColumns)

// ExportReports yields every report that matches filter (its sort and page aside), in ID order,
// with the fields an export writes. The reports filed up to the export's start are read in
// ranges of IDs, a few ranges at a time on their own connections (the driver's row stepping is
// most of an export's time, and it is spread over the cores), each range as it stands when it
// is read; at most a few ranges wait in memory. Each Report it yields is its own.
func (s *ReportService) ExportReports(ctx context.Context, filter claimdesk.ReportFilter) iter.Seq2[*Report, error] {
	return func(yield func(*Report, error) bool) {
		filter.ReceiptOnly = filter.ReceiptOnly || !claimdesk.ActorFrom(ctx).Can(claimdesk.PermPersonalData)
		filter.Sort, filter.AfterID, filter.Limit = claimdesk.SortOldest, 0, 0
		bounds, found, err := s.db.idBounds(ctx, filter)
		if err != nil || !found {
			if err != nil {
				yield(nil, err)
			}
			return
		}
		lo, hi, err := s.db.incidentBounds(ctx, filter.Incident)
		if err != nil {
			yield(nil, fmt.Errorf("export reports: %w", err))
			return
		}
		if !lo.Valid {
			return
		}
		if bounds != nil {
			lo.Int64, hi.Int64 = max(lo.Int64, bounds[0]), min(hi.Int64, bounds[1])
		}
		if hi.Int64 < lo.Int64 {
			return
		}
		where, args := filterWhere(filter, bounds, s.db.pg)
		ranges := int((hi.Int64-lo.Int64)/exportRange) + 1
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()
		read := make([]chan exportedRange, ranges)
		for i := range read {
			read[i] = make(chan exportedRange, 1)
		}
		readers := min(runtime.GOMAXPROCS(0), 4, ranges)
		ahead := make(chan struct{}, readers+1) // ranges being read or read and not yet yielded
		var next atomic.Int64
		for range readers {
			wg.Go(func() {
				for {
					select {
					case ahead <- struct{}{}:
					case <-ctx.Done():
						return
					}
					i := next.Add(1) - 1
					if i >= int64(ranges) {
						return
					}
					from := lo.Int64 + i*exportRange
					reports, err := s.db.readRange(ctx, where, args, from, min(from+exportRange-1, hi.Int64))
					read[i] <- exportedRange{reports, err}
				}
			})
		}
		for i := range ranges {
			var r exportedRange
			select {
			case r = <-read[i]:
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
			<-ahead
			if r.err != nil {
				yield(nil, r.err)
				return
			}
			for j := range r.reports {
				if !yield(&r.reports[j], nil) {
					return
				}
			}
		}
	}
}

// incidentBounds returns the lowest and highest report IDs of the incident (of every report
// without one): for each status, the first and last entry of the incident's reports on the
// (incident_id, status, id) index — a few probes, where min and max would read every entry, so
// that an export of a small incident in a large database reads only its own stretch of IDs.
func (db *DB) incidentBounds(ctx context.Context, incident string) (lo, hi sql.NullInt64, err error) {
	if incident == "" {
		err = db.queryRow(ctx, `SELECT min(id), max(id) FROM reports`).Scan(&lo, &hi)
		return lo, hi, err
	}
	for _, st := range claimdesk.Statuses {
		var first, last sql.NullInt64
		err := db.queryRow(ctx, `SELECT
			(SELECT id FROM reports WHERE incident_id = ? AND status = ? ORDER BY id LIMIT 1),
			(SELECT id FROM reports WHERE incident_id = ? AND status = ? ORDER BY id DESC LIMIT 1)`,
			incident, st.Code, incident, st.Code).Scan(&first, &last)
		if err != nil {
			return lo, hi, err
		}
		if first.Valid && (!lo.Valid || first.Int64 < lo.Int64) {
			lo = first
		}
		if last.Valid && (!hi.Valid || last.Int64 > hi.Int64) {
			hi = last
		}
	}
	return lo, hi, nil
}

// exportRange is how many report IDs one read of an export covers.
const exportRange = 4096

type exportedRange struct {
	reports []Report
	err     error
}

// readRange reads, for an export, the reports with IDs from..to that match where, in ID order.
func (db *DB) readRange(ctx context.Context, where []string, args []any, from, to int64) ([]Report, error) {
	where = append(slices.Clip(where), "r.id BETWEEN ? AND ?")
	args = append(slices.Clip(args), from, to)
	rows, err := db.query(ctx, `SELECT `+db.selectColumns(exportColumns, packedExportColumns)+` FROM reports r`+whereClause(where)+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("export reports: %w", err)
	}
	defer rows.Close()
	out := make([]Report, 0, min(to-from+1, exportRange))
	var services, damageTypes, start, end, received string
	var sales sql.NullInt64
	dates := map[string]claimdesk.Date{}
	date := func(v string) (claimdesk.Date, error) {
		d, ok := dates[v]
		if !ok {
			var err error
			if d, err = claimdesk.ParseDate(v); err != nil {
				return d, err
			}
			dates[v] = d
		}
		return d, nil
	}
	for rows.Next() {
		out = append(out, Report{})
		r := &out[len(out)-1]
		fields := []any{&r.ID, &r.Receipt, &r.Incident, &r.Status, &r.Channel, &r.BusinessName, &r.BusinessNumber,
			&r.NoBusinessNumberReason, &r.Representative, &r.Phone, &r.Email, &r.Region, &r.District,
			&r.Industry, &services, &damageTypes, &start, &end, &sales, &r.ClaimedLoss, &r.Description,
			&received, &r.Demo}
		if err := db.scanRow(ctx, rows, exportColumns, fields); err != nil {
			return nil, fmt.Errorf("export reports: %w", err)
		}
		r.Services, r.DamageTypes = splitList(services), splitList(damageTypes)
		if sales.Valid {
			v := sales.Int64
			r.UsualDailySales = &v
		}
		var e1, e2, e3 error
		r.DamageStart, e1 = date(start)
		r.DamageEnd, e2 = date(end)
		r.ReceivedAt, e3 = parseTime(received)
		if err := errors.Join(e1, e2, e3); err != nil {
			return nil, fmt.Errorf("report %s: %w", r.Receipt, err)
		}
		r.Consent = true
	}
	return out, rows.Err()
}

// FindReports returns the reports that match filter, in its order. The query is built from a
// fixed set of fragments; values are always bound.
func (s *ReportService) FindReports(ctx context.Context, filter claimdesk.ReportFilter) ([]*Report, error) {
	filter.ReceiptOnly = filter.ReceiptOnly || !claimdesk.ActorFrom(ctx).Can(claimdesk.PermPersonalData)
	bounds, found, err := s.db.idBounds(ctx, filter)
	if err != nil || !found {
		return nil, err
	}
	where, args := filterWhere(filter, bounds, s.db.pg)
	order := "r.id"
	switch filter.Sort {
	case claimdesk.SortOldest:
		if filter.AfterID > 0 {
			where, args = append(where, "r.id > ?"), append(args, filter.AfterID)
		}
	case claimdesk.SortNewest:
		order = "r.id DESC"
		if filter.AfterID > 0 {
			where, args = append(where, "r.id < ?"), append(args, filter.AfterID)
		}
	case claimdesk.SortReceived:
		order = "r.received_at, r.id"
		if filter.AfterID > 0 {
			where, args = append(where, "(r.received_at, r.id) > (?, ?)"), append(args, formatTime(filter.AfterReceived), filter.AfterID)
		}
	case claimdesk.SortReceivedDesc:
		order = "r.received_at DESC, r.id DESC"
		if filter.AfterID > 0 {
			where, args = append(where, "(r.received_at, r.id) < (?, ?)"), append(args, formatTime(filter.AfterReceived), filter.AfterID)
		}
	case claimdesk.SortLossDesc:
		order = "r.claimed_loss DESC, r.id DESC"
		if filter.AfterID > 0 {
			where, args = append(where, "(r.claimed_loss, r.id) < (?, ?)"), append(args, filter.AfterLoss, filter.AfterID)
		}
	case claimdesk.SortLossAsc:
		order = "r.claimed_loss, r.id"
		if filter.AfterID > 0 {
			where, args = append(where, "(r.claimed_loss, r.id) > (?, ?)"), append(args, filter.AfterLoss, filter.AfterID)
		}
	default:
		return nil, claimdesk.Errorf(claimdesk.EINVALID, "unknown sort %q", filter.Sort)
	}
	var limit any = filter.Limit
	if filter.Limit <= 0 {
		limit = s.db.noLimit()
	}
	q := `SELECT ` + reportColumns + ` FROM ` + reportFrom + whereClause(where) + ` ORDER BY ` + order + ` LIMIT ?`
	// Filter combinations are many and each page is one query: these are not worth caching.
	rows, err := s.db.query(ctx, q, append(args, limit)...)
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

// CountReports counts per status from the maintained counters (exact, at any size), and counts
// the filtered set up to CountCap.
func (s *ReportService) CountReports(ctx context.Context, filter claimdesk.ReportFilter) (claimdesk.StatusCounts, error) {
	filter.ReceiptOnly = filter.ReceiptOnly || !claimdesk.ActorFrom(ctx).Can(claimdesk.PermPersonalData)
	c := claimdesk.StatusCounts{ByStatus: map[claimdesk.Status]int{}}
	q, args := `SELECT status, sum(n) FROM report_counts GROUP BY status`, []any{}
	if filter.Incident != "" {
		q, args = `SELECT status, n FROM report_counts WHERE incident_id = ?`, []any{filter.Incident}
	}
	rows, err := s.db.reader().QueryContext(ctx, q, args...)
	if err != nil && ctx.Err() != nil {
		c.Unknown = true // out of time: the caller's budget, not a failure
		return c, nil
	} else if err != nil {
		return c, fmt.Errorf("count reports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st claimdesk.Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return c, err
		}
		c.ByStatus[st] = n
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	if onlyIncidentAndStatus(filter) {
		// Only an incident and statuses: the counters answer exactly.
		for st, n := range c.ByStatus {
			if len(filter.Statuses) == 0 || containsStatus(filter.Statuses, st) {
				c.Total += n
			}
		}
		return c, nil
	}
	bounds, found, err := s.db.idBounds(ctx, filter)
	if err != nil && ctx.Err() != nil {
		c.Unknown = true // out of time: the caller's budget, not a failure
		return c, nil
	} else if err != nil || !found {
		return c, err
	}
	where, args := filterWhere(filter, bounds, s.db.pg)
	var limit any = claimdesk.CountCap + 1
	if filter.CountAll {
		limit = s.db.noLimit()
	}
	err = s.db.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+reportFrom+whereClause(where)+` LIMIT ?) page`,
		append(args, limit)...).Scan(&c.Total)
	if err != nil && ctx.Err() != nil {
		c.Total, c.Unknown = 0, true // out of time: the caller's budget, not a failure
		return c, nil
	} else if err != nil {
		return c, fmt.Errorf("count reports: %w", err)
	}
	if c.Total > claimdesk.CountCap && !filter.CountAll {
		c.Total, c.Capped = claimdesk.CountCap, true
	}
	return c, nil
}

// onlyIncidentAndStatus reports whether the filter narrows by nothing but incident and status,
// which the counters answer.
func onlyIncidentAndStatus(f claimdesk.ReportFilter) bool {
	return f.Industry == "" && f.Region == "" && f.Service == "" && f.Channel == "" && f.From.IsZero() &&
		f.To.IsZero() && f.LossMin == nil && f.LossMax == nil && strings.TrimSpace(f.Text) == "" &&
		f.AssignedTo == nil && f.EnteredBy == "" && !f.Duplicates
}

func containsStatus(list []claimdesk.Status, s claimdesk.Status) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// filterWhere turns a filter into SQL conditions on reports r, and chooses the index that
// drives the scan so that a page of the queue never sorts a large set:
//
//   - sorted by loss: (incident_id, claimed_loss, id), which yields rows in that order;
//   - exactly one status, in id order: (incident_id, status, id);
//   - a search (receipt, phone, business number, name): the search's own index;
//   - otherwise the table itself, in id order, filtered as it goes, stopping at the page's
//     last row.
//
// Other conditions are written with SQLite's unary + (which keeps a term from using an index)
// so that the planner, without statistics, cannot pick an index that would make it sort a
// whole incident to show fifty rows. bounds, when set, narrow the id range (see idBounds).
func filterWhere(f claimdesk.ReportFilter, bounds *[2]int64, pg bool) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	lossSort := f.Sort == claimdesk.SortLossDesc || f.Sort == claimdesk.SortLossAsc
	search := strings.TrimSpace(f.Text) != ""
	oneStatus := len(f.Statuses) == 1 && !lossSort && !search
	col := func(name string, indexed bool) string {
		if indexed {
			return name
		}
		return "+" + name
	}
	if f.Incident != "" {
		add(col("r.incident_id", (lossSort || oneStatus) && !search)+" = ?", f.Incident)
	}
	if len(f.Statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")
		var a []any
		for _, s := range f.Statuses {
			a = append(a, s)
		}
		add(col("r.status", oneStatus)+" IN ("+marks+")", a...)
	}
	if f.Industry != "" {
		add("+r.industry = ?", f.Industry)
	}
	if f.Region != "" {
		add("+r.region = ?", f.Region)
	}
	if f.Service != "" {
		add("EXISTS (SELECT 1 FROM report_services s WHERE s.report_id = r.id AND s.service_id = ?)", f.Service)
	}
	if f.Channel != "" {
		add("+r.channel = ?", f.Channel)
	}
	if !f.From.IsZero() {
		add("+r.received_at >= ?", formatTime(f.From.Start()))
	}
	if !f.To.IsZero() {
		add("+r.received_at < ?", formatTime(f.To.Start().AddDate(0, 0, 1)))
	}
	if bounds != nil {
		add("r.id BETWEEN ? AND ?", bounds[0], bounds[1])
	}
	if f.LossMin != nil {
		add(col("r.claimed_loss", lossSort && !search)+" >= ?", *f.LossMin)
	}
	if f.LossMax != nil {
		add(col("r.claimed_loss", lossSort && !search)+" <= ?", *f.LossMax)
	}
	if f.AssignedTo != nil {
		if *f.AssignedTo == 0 {
			add("r.assigned_to IS NULL")
		} else {
			add("r.assigned_to = ?", *f.AssignedTo)
		}
	}
	if f.EnteredBy != "" {
		add("r.entered_by = ?", f.EnteredBy)
	}
	if f.Duplicates {
		add("+r.duplicate")
	}
	if search {
		cond, a := textCondition(strings.TrimSpace(f.Text), f.ReceiptOnly, pg)
		add(cond, a...)
	}
	return where, args
}

// idBounds narrows a filter on received dates to the ids received in that range, read from
// the (incident_id, received_at) index: a scan in id order then starts near its first report
// instead of at the incident's. ok is false when nothing was received in the range.
func (db *DB) idBounds(ctx context.Context, f claimdesk.ReportFilter) (bounds *[2]int64, ok bool, err error) {
	if f.Incident == "" || (f.From.IsZero() && f.To.IsZero()) || strings.TrimSpace(f.Text) != "" ||
		f.Sort == claimdesk.SortLossDesc || f.Sort == claimdesk.SortLossAsc {
		return nil, true, nil
	}
	from, to := "", "9999"
	if !f.From.IsZero() {
		from = formatTime(f.From.Start())
	}
	if !f.To.IsZero() {
		to = formatTime(f.To.Start().AddDate(0, 0, 1))
	}
	var lo, hi sql.NullInt64
	err = db.queryRow(ctx, `SELECT min(id), max(id) FROM reports
		WHERE incident_id = ? AND received_at >= ? AND received_at < ?`, f.Incident, from, to).Scan(&lo, &hi)
	if err != nil || !lo.Valid {
		return nil, false, err
	}
	return &[2]int64{lo.Int64, hi.Int64}, true, nil
}

// textCondition reads free text as what it most likely is: a receipt, a phone number, a
// business number (or the start of one), or part of a business name. Phone numbers start with
// 0 (or +82); business numbers never do, their first three digits being a tax office's code.
func textCondition(text string, receiptOnly, pg bool) (string, []any) {
	if receipt, ok := claimdesk.ParseReceipt(text); ok {
		return "r.receipt = ?", []any{receipt}
	}
	if receiptOnly {
		return "1 = 0", nil
	}
	if strings.Trim(text, "0123456789-+() ") == "" {
		digits := onlyDigits(text)
		if phone, ok := claimdesk.NormalizePhone(text); ok && (strings.HasPrefix(digits, "0") || strings.HasPrefix(text, "+")) {
			return "r.phone = ?", []any{phone}
		}
		if digits != "" && len(digits) <= 10 && !strings.HasPrefix(digits, "0") {
			// The start of a business number in its printed form: a range scan on the index.
			prefix := dashedBusinessPrefix(digits)
			return "r.business_number >= ? AND r.business_number < ?", []any{prefix, prefix + "\uffff"}
		}
	}
	if pg {
		return "r.business_name ILIKE ? ESCAPE '\\'", []any{"%" + likeEscape(text) + "%"}
	}
	if len([]rune(text)) >= 3 {
		// FTS5's trigram tokenizer finds any substring of three characters or more.
		return "r.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)", []any{`"` + strings.ReplaceAll(text, `"`, `""`) + `"`}
	}
	return "r.business_name LIKE ? ESCAPE '\\'", []any{"%" + likeEscape(text) + "%"}
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dashedBusinessPrefix writes the first digits of a business number with its dashes: 1208147
// -> 120-81-47.
func dashedBusinessPrefix(d string) string {
	switch {
	case len(d) > 5:
		return d[:3] + "-" + d[3:5] + "-" + d[5:]
	case len(d) > 3:
		return d[:3] + "-" + d[3:]
	}
	return d
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// FindReportByReceipt returns the report with receipt.
func (s *ReportService) FindReportByReceipt(ctx context.Context, receipt string) (*Report, error) {
	return findReport(ctx, s.db.reader(), `r.receipt = ?`, receipt)
}

// queryer is what reads need: the reader pool, a write transaction, or a read snapshot (which,
// being a plain *sql.Tx, needs its queries in the database's dialect: see DB.q).
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
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
	return findReport(ctx, q, `r.id = ?`, id)
}

const reportColumns = `r.id, r.receipt, r.incident_id, r.status, r.channel, r.business_name, r.business_number,
	r.no_business_number_reason, r.representative, r.phone, r.email, r.region, r.district, r.industry, r.services,
	r.damage_types, r.damage_start, r.damage_end, r.usual_daily_sales, r.claimed_loss, r.description,
	r.received_at, r.updated_at, r.info_request, r.info_answer, r.entered_by, r.duplicate,
	coalesce(r.assigned_to, 0), coalesce(u.email, ''), coalesce(m.receipt, ''), r.demo,
	r.notify, r.lang, r.fewer_messages, r.info_documents`

// reportFrom joins what a report shows by name: its assignee and the report it was merged into.
const reportFrom = `reports r LEFT JOIN users u ON u.id = r.assigned_to LEFT JOIN reports m ON m.id = r.merged_into`

func findReport(ctx context.Context, q queryer, where string, arg any) (*Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM `+reportFrom+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found")
	}
	return r, err
}

// scanReport reads one row of reportColumns.
func scanReport(row interface{ Scan(...any) error }) (*Report, error) {
	var r Report
	var services, damageTypes, start, end, received, updated, notify, infoDocs string
	var sales sql.NullInt64
	err := row.Scan(
		&r.ID, &r.Receipt, &r.Incident, &r.Status, &r.Channel, &r.BusinessName, &r.BusinessNumber,
		&r.NoBusinessNumberReason, &r.Representative, &r.Phone, &r.Email, &r.Region, &r.District,
		&r.Industry, &services, &damageTypes, &start, &end, &sales, &r.ClaimedLoss, &r.Description,
		&received, &updated, &r.InfoRequest, &r.InfoAnswer, &r.EnteredBy, &r.Duplicate,
		&r.AssignedTo, &r.Assignee, &r.MergedInto, &r.Demo, &notify, &r.Lang, &r.FewerMessages, &infoDocs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	r.Services, r.DamageTypes = splitList(services), splitList(damageTypes)
	for _, c := range splitList(notify) {
		r.Notify = append(r.Notify, claimdesk.MessageChannel(c))
	}
	if infoDocs != "" {
		r.InfoDocuments = splitList(infoDocs)
	}
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

func joinChannels(l []claimdesk.MessageChannel) string {
	s := make([]string, len(l))
	for i, c := range l {
		s[i] = string(c)
	}
	return joinList(s)
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ";")
}
