package sheet

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/claimdesk/claimdesk"
)

// Layout is how a reports export names its columns and writes coded values (status, channel,
// region, industry, services, damage types, consent). The zero Layout is the contract of
// docs/api.md: the API's field names and codes, so that partners read it and it imports again.
// With a language, headers are in it and each coded column is followed by its names ("시·도",
// "서울특별시"), or replaced by them with NamesOnly.
type Layout struct {
	Lang      claimdesk.Lang
	NamesOnly bool
	// Incident names the services; without it they are written as codes.
	Incident *claimdesk.Incident
}

// column is one field of a reports export: its code, and for a coded field how a value is named.
type column struct {
	field string
	name  func(r *claimdesk.Report, lang claimdesk.Lang) string // nil: not coded
}

// reportColumns are the columns of a reports export: the server's fields, then every field of
// docs/api.md.
func (l Layout) columns() []column {
	label := func(o claimdesk.Options, code string, lang claimdesk.Lang) string {
		if v, ok := o.Label(code); ok {
			return v.In(lang)
		}
		return code
	}
	labels := func(o claimdesk.Options, codes []string, lang claimdesk.Lang) string {
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = label(o, c, lang)
		}
		return strings.Join(out, ";")
	}
	coded := map[string]func(r *claimdesk.Report, lang claimdesk.Lang) string{
		"status": func(r *claimdesk.Report, lang claimdesk.Lang) string {
			return label(claimdesk.Statuses, string(r.Status), lang)
		},
		"channel": func(r *claimdesk.Report, lang claimdesk.Lang) string {
			return claimdesk.Message(lang, "channel."+string(r.Channel))
		},
		"region": func(r *claimdesk.Report, lang claimdesk.Lang) string { return label(claimdesk.Regions, r.Region, lang) },
		"industry": func(r *claimdesk.Report, lang claimdesk.Lang) string {
			return label(claimdesk.Industries, r.Industry, lang)
		},
		"damage_types": func(r *claimdesk.Report, lang claimdesk.Lang) string {
			return labels(claimdesk.DamageTypes, r.DamageTypes, lang)
		},
		"services": func(r *claimdesk.Report, lang claimdesk.Lang) string {
			out := make([]string, len(r.Services))
			for i, id := range r.Services {
				out[i] = id
				if l.Incident != nil {
					if s, ok := l.Incident.Service(id); ok {
						out[i] = s.Name.In(lang)
					}
				}
			}
			return strings.Join(out, ";")
		},
		"consent": func(r *claimdesk.Report, lang claimdesk.Lang) string {
			return claimdesk.Message(lang, "yes_no."+strconv.FormatBool(r.Consent))
		},
	}
	var cols []column
	for _, f := range append([]string{"receipt", "status", "received_at", "channel", "demo"}, fieldCodes()...) {
		cols = append(cols, column{f, coded[f]})
	}
	return cols
}

func fieldCodes() []string {
	out := make([]string, len(claimdesk.Fields))
	for i, f := range claimdesk.Fields {
		out[i] = f.Code
	}
	return out
}

// Header is the header row of a reports export.
func (l Layout) Header() []string {
	var h []string
	for _, c := range l.columns() {
		if l.Lang == "" {
			h = append(h, c.field)
			continue
		}
		name := c.field
		if label, ok := claimdesk.ExportFields.Label(c.field); ok {
			name = label.In(l.Lang)
		} else if label, ok := claimdesk.Fields.Label(c.field); ok {
			name = label.In(l.Lang)
		}
		h = append(h, name)
		if c.name != nil && !l.NamesOnly {
			h = append(h, claimdesk.Message(l.Lang, "export_code_column", name))
		}
	}
	return h
}

// recorder turns reports into export cells in a layout: the columns worked out once, and the
// names of coded values remembered by their codes (a few hundred distinct values, from up to
// millions of rows).
type recorder struct {
	l     Layout
	cols  []column
	names []map[string]string // by column: a coded cell's names
}

// maxNames bounds what one column remembers: combinations of services are many only in theory.
const maxNames = 4096

func (l Layout) recorder() *recorder {
	cols := l.columns()
	return &recorder{l: l, cols: cols, names: make([]map[string]string, len(cols))}
}

// record is one report as export cells.
func (rc *recorder) record(r *claimdesk.Report) []string {
	sales := ""
	if r.UsualDailySales != nil {
		sales = strconv.FormatInt(*r.UsualDailySales, 10)
	}
	codes := []string{r.Receipt, string(r.Status), r.ReceivedAt.In(claimdesk.KST).Format("2006-01-02T15:04:05-07:00"),
		string(r.Channel), demoCell(r.Demo), r.Incident, r.BusinessName, r.BusinessNumber, r.NoBusinessNumberReason, r.Representative,
		r.Phone, r.Email, r.Region, r.District, r.Industry, strings.Join(r.Services, ";"),
		strings.Join(r.DamageTypes, ";"), r.DamageStart.String(), r.DamageEnd.String(), sales,
		strconv.FormatInt(r.ClaimedLoss, 10), r.Description, strconv.FormatBool(r.Consent)}
	if rc.l.Lang == "" {
		return codes
	}
	out := make([]string, 0, len(codes)+7)
	for i, c := range rc.cols {
		if c.name == nil {
			out = append(out, codes[i])
			continue
		}
		name, ok := rc.names[i][codes[i]]
		if !ok {
			name = c.name(r, rc.l.Lang)
			if rc.names[i] == nil {
				rc.names[i] = map[string]string{}
			}
			if len(rc.names[i]) < maxNames {
				rc.names[i][codes[i]] = name
			}
		}
		out = append(out, name)
		if !rc.l.NamesOnly {
			out = append(out, codes[i])
		}
	}
	return out
}

// ReportHeader is the header of a reports export in the API's names (the zero Layout).
func ReportHeader() []string { return Layout{}.Header() }

// WriteReportsCSV streams reports as CSV, UTF-8 with the BOM Korean Excel needs, every text
// cell made safe from formula injection. It returns how many rows it wrote.
func WriteReportsCSV(w io.Writer, l Layout, reports iter.Seq2[*claimdesk.Report, error]) (int, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(l.Header()); err != nil {
		return 0, err
	}
	n := 0
	rc := l.recorder()
	for r, err := range reports {
		if err != nil {
			return n, err
		}
		rec := rc.record(r)
		for i := range rec {
			rec[i] = Safe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
		if n%1000 == 0 {
			cw.Flush() // keep the response moving: no time-out however long the export
		}
	}
	cw.Flush()
	return n, cw.Error()
}

// WriteReportsXLSX streams reports into a workbook: excelize's stream writer keeps rows on disk
// rather than in memory. Amounts are number cells.
func WriteReportsXLSX(w io.Writer, l Layout, reports iter.Seq2[*claimdesk.Report, error]) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	header := l.Header()
	if err := sw.SetRow("A1", cells(header)); err != nil {
		return 0, err
	}
	numeric := map[int]bool{}
	for i, h := range header {
		numeric[i] = h == "claimed_loss" || h == "usual_daily_sales"
		for _, f := range []string{"claimed_loss", "usual_daily_sales"} {
			if label, _ := claimdesk.Fields.Label(f); l.Lang != "" && h == label.In(l.Lang) {
				numeric[i] = true
			}
		}
	}
	n := 0
	rc := l.recorder()
	for r, err := range reports {
		if err != nil {
			return n, err
		}
		rec := rc.record(r)
		row := make([]any, len(rec))
		for i, v := range rec {
			if numeric[i] && v != "" {
				x, _ := strconv.ParseInt(v, 10, 64)
				row[i] = x
			} else {
				row[i] = Safe(v)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return n, err
		}
		n++
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	return n, streamWorkbook(f, w)
}

// streamWorkbook writes f to w as it is compressed. excelize assembles the whole archive in a
// bytes.Buffer before copying it out, which at a million rows is half a gigabyte; handing it a
// zip writer on w itself streams the archive instead, and the buffer it then copies is empty.
// (The one thing the buffer is for — marking entries over 4 GiB as zip64 in their local
// headers — needs ~3 million rows to matter.)
func streamWorkbook(f *excelize.File, w io.Writer) error {
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	_, err := f.WriteTo(w)
	return err
}

func demoCell(demo bool) string {
	if demo {
		return "true"
	}
	return ""
}

func cells(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// StatsTable is one of the statistics' tables, ready to write: the same numbers the pages show.
type StatsTable struct {
	Name   string // "by_service", ...: the file's name and the sheet's
	Header []string
	Rows   [][]any // strings, ints, int64s and float64 shares
}

// TableNames are the tables of the statistics, in the order the dashboard shows them.
var TableNames = []string{"summary", "by_service", "by_industry", "by_region", "paid_vs_free", "by_day", "loss_by_industry", "by_status"}

// StatsTables lays the statistics out as tables, names in lang. Shares are the fractions of the
// statistics (four decimals), not percentages, so that files and pages agree to the digit.
func StatsTables(s *claimdesk.Stats, lang claimdesk.Lang) []StatsTable {
	t := []StatsTable{{Name: "summary", Header: []string{"incident", "as_of", "total_reports", "total_businesses", "total_claimed_loss"},
		Rows: [][]any{{s.Incident, s.AsOf.Format("2006-01-02T15:04:05-07:00"), s.TotalReports, s.TotalBusinesses, s.TotalClaimedLoss}}}}
	svc := StatsTable{Name: "by_service", Header: []string{"service", "name", "paid", "count", "share"}}
	for _, r := range s.ByService {
		svc.Rows = append(svc.Rows, []any{r.Service, r.Name.In(lang), strconv.FormatBool(r.Paid), r.Count, r.Share})
	}
	ind := StatsTable{Name: "by_industry", Header: []string{"industry", "name", "count", "share"}}
	for _, r := range s.ByIndustry {
		ind.Rows = append(ind.Rows, []any{r.Industry, r.Name.In(lang), r.Count, r.Share})
	}
	reg := StatsTable{Name: "by_region", Header: []string{"region", "name", "count", "share"}}
	for _, r := range s.ByRegion {
		reg.Rows = append(reg.Rows, []any{r.Region, r.Name.In(lang), r.Count, r.Share})
	}
	pf := StatsTable{Name: "paid_vs_free", Header: []string{"kind", "count", "share"}, Rows: [][]any{
		{"paid", s.PaidVsFree.Paid.Count, s.PaidVsFree.Paid.Share}, {"free", s.PaidVsFree.Free.Count, s.PaidVsFree.Free.Share}}}
	day := StatsTable{Name: "by_day", Header: []string{"date", "count", "cumulative"}}
	for _, r := range s.ByDay {
		day.Rows = append(day.Rows, []any{r.Date.String(), r.Count, r.Cumulative})
	}
	loss := StatsTable{Name: "loss_by_industry", Header: []string{"industry", "name", "count", "sum", "median", "p90"}}
	for _, r := range s.LossByIndustry {
		loss.Rows = append(loss.Rows, []any{r.Industry, r.Name.In(lang), r.Count, r.Sum, r.Median, r.P90})
	}
	st := StatsTable{Name: "by_status", Header: []string{"status", "name", "count", "share"}}
	for _, r := range s.ByStatus {
		st.Rows = append(st.Rows, []any{string(r.Status), r.Name.In(lang), r.Count, r.Share})
	}
	return append(t, svc, ind, reg, pf, day, loss, st)
}

// FindTable returns the table named name.
func FindTable(tables []StatsTable, name string) (StatsTable, bool) {
	for _, t := range tables {
		if t.Name == name {
			return t, true
		}
	}
	return StatsTable{}, false
}

// CellText writes a table cell as text: shares with four decimals, as computed.
func CellText(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', 4, 64)
	case string:
		return Safe(x)
	}
	return fmt.Sprint(v)
}

// WriteTableCSV writes one table as CSV with a BOM.
func WriteTableCSV(w io.Writer, t StatsTable) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(t.Header)
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = CellText(v)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteTablesXLSX writes tables into one workbook, a sheet each, numbers as number cells.
func WriteTablesXLSX(w io.Writer, tables ...StatsTable) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, t := range tables {
		sheet := t.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, "A1", &[]any{}); err != nil {
			return err
		}
		header := cells(t.Header)
		if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
			return err
		}
		for r, row := range t.Rows {
			out := make([]any, len(row))
			for i, v := range row {
				if s, ok := v.(string); ok {
					out[i] = Safe(s)
				} else {
					out[i] = v
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := f.SetSheetRow(sheet, cell, &out); err != nil {
				return err
			}
		}
	}
	_, err := f.WriteTo(w)
	return err
}

// PaymentHeader is the header of a payment file in lang: one line per payment of the ledger
// (an accepted offer, or a top-up of one), with the account the merchant gave. Banks and
// treasurers read it, so its headers are in their language.
func PaymentHeader(lang claimdesk.Lang) []string {
	h := make([]string, len(claimdesk.PaymentFields))
	for i, f := range claimdesk.PaymentFields {
		h[i] = f.Label.In(lang)
	}
	return h
}

func paymentRecord(p *claimdesk.PaymentRow, lang claimdesk.Lang) []any {
	return []any{p.PaymentID, p.Receipt, claimdesk.Message(lang, "payment_kind."+string(p.Kind)), p.BusinessName, p.BusinessNumber,
		p.Representative, p.Amount, p.Bank.Bank, p.Bank.Number, p.Bank.Holder}
}

// WritePayments writes a run's payment file as CSV (UTF-8 with BOM) or XLSX, streamed, and
// returns how many rows and what total it wrote.
func WritePayments(w io.Writer, format string, lang claimdesk.Lang, rows iter.Seq2[*claimdesk.PaymentRow, error]) (n int, total int64, err error) {
	var add func(rec []any) error
	var flush func() error
	if format == "csv" {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return 0, 0, err
		}
		cw := csv.NewWriter(w)
		add = func(rec []any) error {
			s := make([]string, len(rec))
			for i, v := range rec {
				s[i] = CellText(v)
			}
			return cw.Write(s)
		}
		flush = func() error { cw.Flush(); return cw.Error() }
	} else {
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return 0, 0, err
		}
		line := 0
		add = func(rec []any) error {
			line++
			for i, v := range rec {
				if s, ok := v.(string); ok {
					rec[i] = Safe(s)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, line)
			return sw.SetRow(cell, rec)
		}
		flush = func() error {
			if err := sw.Flush(); err != nil {
				return err
			}
			return streamWorkbook(f, w)
		}
	}
	if err := add(cells(PaymentHeader(lang))); err != nil {
		return 0, 0, err
	}
	for p, err := range rows {
		if err != nil {
			return n, total, err
		}
		if err := add(paymentRecord(p, lang)); err != nil {
			return n, total, err
		}
		n, total = n+1, total+p.Amount
	}
	return n, total, flush()
}
