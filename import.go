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
	Row      int    // the spreadsheet's row number; the header is row 1
	Status   string // ImportImported, ImportExisting or ImportFailed
	Receipt  string
	Errors   FieldErrors
	incident *Incident // the row's incident, for the names of its services
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
	Unknown                             []string       // header cells that name no field, ignored
	columns                             map[string]int // the fields' columns, from 0
}

// Problems words a row's problems for the person who sent the file, one per problem: the
// column, the field, what is wrong, and for a value that names nothing, the values accepted
// ("D열 시·도: 목록에 있는 시·도를 선택해 주세요. (가능한 값: 서울특별시, …)").
func (res *ImportResult) Problems(r ImportRow, lang Lang) []string {
	var out []string
	for _, f := range r.Errors {
		name := f.Field
		if label, ok := Fields.Label(f.Field); ok {
			name = label.In(lang)
		}
		if c, ok := res.columns[f.Field]; ok {
			name = Message(lang, "import_column", columnName(c)) + " " + name
		}
		msg := name + ": " + f.Message(lang)
		if accepted := acceptedValues(f, r.incident, lang); accepted != "" {
			msg += " (" + Message(lang, "import_accepted", accepted) + ")"
		}
		out = append(out, msg)
	}
	return out
}

// acceptedValues lists what a column takes, for a problem with a value that names nothing.
func acceptedValues(f FieldError, inc *Incident, lang Lang) string {
	names := func(o Options) string {
		var ns []string
		for _, opt := range o {
			ns = append(ns, opt.Label.In(lang))
		}
		return strings.Join(ns, ", ")
	}
	switch f.Code {
	case "region_invalid":
		return names(Regions)
	case "industry_invalid":
		return names(Industries)
	case "damage_type_unknown":
		return names(DamageTypes)
	case "service_unknown":
		if inc == nil {
			return ""
		}
		var ns []string
		for _, s := range inc.Services {
			ns = append(ns, s.Name.In(lang))
		}
		return strings.Join(ns, ", ")
	case "date_invalid":
		return Message(lang, "import_date_forms")
	case "amount_invalid":
		return Message(lang, "import_amount_forms")
	case "bool_invalid":
		return Message(lang, "import_bool_forms")
	}
	return ""
}

// columnName is a spreadsheet's name for the column at i (from 0): A, B, …, Z, AA.
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
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

// resolveNames turns the names offices write into codes, where the API takes codes only:
// "서울" or "서울특별시" into 11, "외식업" into food, "카카오T" into kakao-t (by the incident's
// service names and aliases). What names nothing is left for validation to refuse.
func resolveNames(r *Report, inc *Incident) {
	if code, ok := Regions.Find(r.Region, RegionAliases); ok {
		r.Region = code
	}
	if code, ok := Industries.Find(r.Industry, IndustryAliases); ok {
		r.Industry = code
	}
	if inc != nil {
		for i, s := range r.Services {
			if id, ok := inc.FindService(s); ok {
				r.Services[i] = id
			}
		}
	}
	for i, t := range r.DamageTypes {
		if code, ok := DamageTypes.Find(t, nil); ok {
			r.DamageTypes[i] = code
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

// headerColumns maps the header's cells to fields: docs/api.md names, the Korean or English
// labels, or the headers Korean offices commonly use (headerAliases), in any case and spacing.
func headerColumns(header []string) (map[string]int, []string) {
	cols := map[string]int{}
	var unknown []string
	for i, h := range header {
		key := optionKey(h)
		if key == "" {
			continue
		}
		found, ok := Fields.Find(h, headerAliases)
		if !ok {
			unknown = append(unknown, h)
			continue
		}
		if _, dup := cols[found]; !dup {
			cols[found] = i
		}
	}
	return cols, unknown
}

// headerAliases are headers offices write for the fields besides their labels.
var headerAliases = map[string]string{
	"장애id": "incident", "장애코드": "incident",
	"상호명": "business_name", "업체명": "business_name", "가게이름": "business_name", "사업장명": "business_name",
	"사업자번호": "business_number", "사업자등록번호사유": "no_business_number_reason", "번호없는사유": "no_business_number_reason",
	"대표자": "representative", "대표자명": "representative", "대표": "representative", "성명": "representative",
	"전화번호": "phone", "휴대전화": "phone", "휴대폰": "phone", "휴대전화번호": "phone", "전화": "phone",
	"이메일주소": "email", "메일": "email",
	"지역": "region", "시도명": "region", "시군구명": "district",
	"업태": "industry", "업종구분": "industry",
	"서비스": "services", "장애서비스": "services", "피해유형구분": "damage_types",
	"시작일": "damage_start", "피해기간시작": "damage_start", "종료일": "damage_end", "피해기간종료": "damage_end",
	"일평균매출": "usual_daily_sales", "하루매출": "usual_daily_sales", "평균매출": "usual_daily_sales",
	"피해액": "claimed_loss", "신고금액": "claimed_loss", "손실액": "claimed_loss", "피해금액원": "claimed_loss",
	"내용": "description", "피해상황": "description",
	"동의": "consent", "개인정보동의": "consent", "동의여부": "consent",
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
	res.Unknown, res.columns = unknown, cols
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
		// Lists are separated by ";" (or "," and "/" as offices also write them).
		list := func(field string) []string {
			return strings.FieldsFunc(get(field), func(r rune) bool { return strings.ContainsRune(";,/\n", r) })
		}
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
		inc, ok := incCache[in.Report.Incident]
		if !ok {
			inc = incident(strings.TrimSpace(in.Report.Incident))
			incCache[in.Report.Incident] = inc
		}
		resolveNames(&in.Report, inc)
		fp := in.Report.Fingerprint()
		r := ImportRow{Row: i + 2, incident: inc}
		// Validate now, so that an all-or-nothing import files nothing when a row is bad;
		// the store validates again when filing.
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
