package claimdesk

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Import is a batch of reports from a spreadsheet: the header row names the fields (docs/api.md
// names, or their Korean or English labels), each following row is one report. Every row is
// validated like a web report. A row filed before (by an earlier import of the same file, or
// earlier in this one) is recognised by its content and not filed again.
type Import struct {
	Rows [][]string // the header first

	// Incident is used for rows without an incident column or cell.
	Incident string

	// AllOrNothing files nothing when any row is invalid.
	AllOrNothing bool
}

// ImportRow is what became of one row.
type ImportRow struct {
	Row     int    // the spreadsheet's row number; the header is row 1
	Status  string // ImportImported, ImportExisting or ImportFailed
	Receipt string
	Errors  FieldErrors
}

// What can become of a row.
const (
	ImportImported = "imported" // filed now
	ImportExisting = "existing" // filed before, by an earlier import of the same content
	ImportFailed   = "failed"   // not filed; Errors says why
	ImportSkipped  = "skipped"  // valid, but not filed because another row failed (AllOrNothing)
)

// ImportResult is the outcome of an import, row by row.
type ImportResult struct {
	Rows                                []ImportRow
	Imported, Existing, Failed, Skipped int
	Unknown                             []string // header cells that name no field, ignored
}

// importWorkers files rows concurrently so that they share group commits.
const importWorkers = 16

// RunImport validates and files the rows of imp through reports. The actor in ctx must be
// allowed to import. It returns EINVALID (with field "file") when the header lacks a required
// column.
func RunImport(ctx context.Context, reports ReportService, incidents IncidentService, imp Import, now time.Time) (*ImportResult, error) {
	if err := Require(ctx, PermImport); err != nil {
		return nil, err
	}
	res, jobs, err := planImport(imp, func(id string) *Incident {
		inc, _ := incidents.FindIncidentByID(ctx, id)
		return inc
	}, now)
	if err != nil {
		return nil, err
	}
	failed := len(res.Rows) - len(jobs)
	if imp.AllOrNothing && failed > 0 {
		for _, j := range jobs {
			res.Rows[j.idx].Status = ImportSkipped
		}
		res.tally()
		return res, nil
	}

	// File concurrently, so that rows share group commits; results go back to their rows.
	var wg sync.WaitGroup
	ch := make(chan importJob)
	for range importWorkers {
		wg.Go(func() {
			for j := range ch {
				row := &res.Rows[j.idx]
				stored, created, err := reports.CreateReport(ctx, j.input, j.idem)
				switch {
				case err != nil:
					row.Status, row.Errors = ImportFailed, FieldErrorsOf(err)
					if len(row.Errors) == 0 {
						row.Errors = FieldErrors{{Field: "row", Code: "import_row_failed", Args: []any{errorText(err)}}}
					}
				case created:
					row.Status, row.Receipt = ImportImported, stored.Receipt
				default:
					row.Status, row.Receipt = ImportExisting, stored.Receipt
				}
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	res.tally()
	return res, nil
}

func (res *ImportResult) tally() {
	res.Imported, res.Existing, res.Failed, res.Skipped = 0, 0, 0, 0
	for _, r := range res.Rows {
		switch r.Status {
		case ImportImported:
			res.Imported++
		case ImportExisting:
			res.Existing++
		case ImportFailed:
			res.Failed++
		case ImportSkipped:
			res.Skipped++
		}
	}
}

// errorText is a user-safe text for an error that carries no field problems.
func errorText(err error) string {
	if e, ok := err.(*Error); ok && e.Code != EINTERNAL {
		return e.Localized(Korean)
	}
	return Message(Korean, "internal")
}

// headerColumns maps the header's cells to fields: docs/api.md names, or the Korean or English
// labels, in any case and spacing.
func headerColumns(header []string) (map[string]int, []string) {
	cols := map[string]int{}
	var unknown []string
	for i, h := range header {
		key := strings.ToLower(strings.Join(strings.Fields(strings.TrimPrefix(h, "\ufeff")), " "))
		if key == "" {
			continue
		}
		found := ""
		for _, f := range Fields {
			if key == f.Code || key == strings.ToLower(f.Label.Ko) || key == strings.ToLower(f.Label.En) {
				found = f.Code
				break
			}
		}
		if found == "" {
			unknown = append(unknown, h)
			continue
		}
		if _, dup := cols[found]; !dup {
			cols[found] = i
		}
	}
	return cols, unknown
}

func blankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// excelDate turns an Excel date serial number (days since 1899-12-30, as an XLSX stores a
// date cell) into YYYY-MM-DD; other text is returned unchanged.
func excelDate(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 20000 || f > 80000 { // 1954 to 2119: anything else is not a date here
		return v
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f)).Format(time.DateOnly)
}

// ImportService keeps the record of each import, with its per-row result file.
type ImportService interface {
	// RecordImport stores the record and its result file and sets its ID, time and actor.
	// Returns EFORBIDDEN unless the actor may import.
	RecordImport(ctx context.Context, rec *ImportRecord) error

	// FindImport returns an import's record. Returns ENOTFOUND.
	FindImport(ctx context.Context, id int64) (*ImportRecord, error)
}

// ImportRecord is an import as the console lists it.
type ImportRecord struct {
	ID                               int64
	At                               time.Time
	Actor                            string
	FileName                         string
	FileHash                         string
	Rows, Imported, Existing, Failed int
	ResultCSV                        []byte
}

// importJob is a row that passed validation, to be filed.
type importJob struct {
	idx   int // in the result's rows
	input *ReportInput
	idem  Idempotency
}

// planImport reads an import's rows and validates each, with no database: the header's
// columns, then every row, failed with its problems or kept as a job to file.
func planImport(imp Import, incident func(id string) *Incident, now time.Time) (*ImportResult, []importJob, error) {
	res := &ImportResult{}
	if len(imp.Rows) == 0 {
		var fe FieldErrors
		fe.Add("file", "import_empty")
		return nil, nil, fe.Err()
	}
	cols, unknown := headerColumns(imp.Rows[0])
	res.Unknown = unknown
	var missing []string
	for _, f := range []string{"business_name", "representative", "phone", "region", "industry", "services",
		"damage_start", "damage_end", "claimed_loss", "consent"} {
		if _, ok := cols[f]; !ok {
			missing = append(missing, f)
		}
	}
	if _, ok := cols["incident"]; !ok && imp.Incident == "" {
		missing = append(missing, "incident")
	}
	if len(missing) > 0 {
		var fe FieldErrors
		fe.Add("file", "import_columns_missing", strings.Join(missing, ", "))
		return nil, nil, fe.Err()
	}

	var jobs []importJob
	incCache := map[string]*Incident{}
	for i, row := range imp.Rows[1:] {
		if blankRow(row) {
			continue
		}
		get := func(field string) string {
			c, ok := cols[field]
			if !ok || c >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[c])
		}
		list := func(field string) []string { return strings.Split(get(field), ";") }
		in := ReportFromText(func(field string) string {
			v := get(field)
			if field == "incident" && v == "" {
				return imp.Incident
			}
			if (field == "damage_start" || field == "damage_end") && v != "" {
				return excelDate(v)
			}
			return v
		}, list)
		in.Report.Channel = ChannelImport
		fp := in.Report.Fingerprint()
		r := ImportRow{Row: i + 2}
		// Validate now, so that an all-or-nothing import files nothing when a row is bad;
		// the store validates again when filing.
		inc, ok := incCache[in.Report.Incident]
		if !ok {
			inc = incident(strings.TrimSpace(in.Report.Incident))
			incCache[in.Report.Incident] = inc
		}
		check := *in
		check.Report.Services = append([]string(nil), in.Report.Services...)
		if err := check.Validate(inc, now); err != nil {
			r.Status, r.Errors = ImportFailed, FieldErrorsOf(err)
		}
		res.Rows = append(res.Rows, r)
		if r.Status == "" {
			jobs = append(jobs, importJob{len(res.Rows) - 1, in, Idempotency{Key: "import:" + fp, Fingerprint: fp}})
		}
	}
	return res, jobs, nil
}

// CheckImport validates an import's rows as RunImport does, filing nothing: each row is failed
// with its problems or left with no status (it would be filed).
func CheckImport(imp Import, incident func(id string) *Incident, now time.Time) (*ImportResult, error) {
	res, _, err := planImport(imp, incident, now)
	return res, err
}
