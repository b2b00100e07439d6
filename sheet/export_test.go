package sheet_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
)

// reports yields n reports that differ row by row, one of them with a formula-like name.
func reports(n int) iter.Seq2[*claimdesk.Report, error] {
	return func(yield func(*claimdesk.Report, error) bool) {
		sales := int64(250_000)
		for i := range n {
			r := &claimdesk.Report{
				Receipt: fmt.Sprintf("AAA-%03d-%03d", i/1000, i%1000), Status: claimdesk.StatusReceived, Channel: claimdesk.ChannelWeb,
				ReceivedAt: time.Date(2022, 10, 17, 9, 0, i%60, 0, claimdesk.KST),
				Incident:   "kakao-2022-10", BusinessName: fmt.Sprintf("가나다식당 %d", i), BusinessNumber: "120-81-47521",
				Representative: "김민지", Phone: "010-2345-6789", Region: "11", Industry: "food",
				Services: []string{"talk-channel", "kakao-pay"}, DamageTypes: []string{"orders_lost"},
				DamageStart: claimdesk.Date{Year: 2022, Month: 10, Day: 15}, DamageEnd: claimdesk.Date{Year: 2022, Month: 10, Day: 16},
				ClaimedLoss: int64(1000 * i), Description: "주문 확인 불가", Consent: true,
			}
			if i%2 == 0 {
				r.UsualDailySales = &sales
			}
			if i == 1 {
				r.BusinessName = "=HYPERLINK(\"x\")"
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Both formats read back, with the import reader, as the rows that went in.
func TestExportRoundTrip(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			write := sheet.WriteReportsCSV
			if format == "xlsx" {
				write = sheet.WriteReportsXLSX
			}
			n, err := write(&buf, sheet.Layout{}, reports(3))
			if err != nil || n != 3 {
				t.Fatalf("wrote %d rows: %v", n, err)
			}
			if format == "csv" && !bytes.HasPrefix(buf.Bytes(), []byte("\ufeffreceipt,")) {
				t.Errorf("CSV starts %q, want the BOM and the header", buf.Bytes()[:12])
			}
			tab, err := sheet.Read(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if tab.Format != format || len(tab.Rows) != 4 || !slices.Equal(tab.Rows[0], sheet.ReportHeader()) {
				t.Fatalf("%s, %d rows, header %q", tab.Format, len(tab.Rows), tab.Rows[0])
			}
			col := func(name string) int { return slices.Index(sheet.ReportHeader(), name) }
			row := tab.Rows[3]
			for name, want := range map[string]string{
				"receipt": "AAA-000-002", "received_at": "2022-10-17T09:00:02+09:00", "business_name": "가나다식당 2",
				"services": "talk-channel;kakao-pay", "usual_daily_sales": "250000", "claimed_loss": "2000", "consent": "true",
			} {
				if got := sheet.Cell(row, col(name)); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if got := sheet.Cell(tab.Rows[2], col("business_name")); got != "'=HYPERLINK(\"x\")" {
				t.Errorf("a formula-like name exported as %q: a spreadsheet would run it", got)
			}
			if got := sheet.Cell(tab.Rows[2], col("usual_daily_sales")); got != "" {
				t.Errorf("no usual daily sales exported as %q", got)
			}
		})
	}
}

// For people, headers in their language with names beside the codes, or instead of them; and
// such a file imports again, names and all.
func TestExportNames(t *testing.T) {
	incs, _ := claimdesk.ReferenceIncidents()
	kakao := incs[slices.IndexFunc(incs, func(i *claimdesk.Incident) bool { return i.ID == "kakao-2022-10" })]
	for _, tt := range []struct {
		layout sheet.Layout
		header []string
		row    map[string]string
	}{
		{sheet.Layout{Lang: claimdesk.Korean, Incident: kakao},
			[]string{"접수번호", "처리 상태", "처리 상태 코드", "접수 시각", "접수 경로", "접수 경로 코드"},
			map[string]string{"시·도": "서울특별시", "시·도 코드": "11", "업종": "외식업", "업종 코드": "food",
				"피해 서비스": "톡채널;카카오페이", "피해 서비스 코드": "talk-channel;kakao-pay", "개인정보 수집·이용 동의": "예"}},
		{sheet.Layout{Lang: claimdesk.English, NamesOnly: true, Incident: kakao},
			[]string{"Receipt", "Status", "Received at", "Channel", "Demo"},
			map[string]string{"Province or city": "Seoul", "Affected services": "Talk Channel;Kakao Pay", "Status": "Received"}},
	} {
		var buf bytes.Buffer
		if _, err := sheet.WriteReportsCSV(&buf, tt.layout, reports(2)); err != nil {
			t.Fatal(err)
		}
		tab, err := sheet.Read(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tab.Rows[0][:len(tt.header)], tt.header) {
			t.Errorf("%+v: header %q", tt.layout.Lang, tab.Rows[0])
		}
		for name, want := range tt.row {
			if got := sheet.Cell(tab.Rows[1], slices.Index(tab.Rows[0], name)); got != want {
				t.Errorf("%s: %s = %q, want %q", tt.layout.Lang, name, got, want)
			}
		}
		// Such a file is an import too: names are read back as codes.
		res, err := claimdesk.CheckImport(claimdesk.Import{Rows: tab.Rows}, func(string) *claimdesk.Incident { return kakao },
			time.Date(2022, 10, 21, 0, 0, 0, 0, claimdesk.KST))
		if err != nil || len(res.Rows) != 2 || len(res.Rows[0].Errors) != 0 || len(res.Rows[1].Errors) != 0 {
			t.Errorf("%s: re-import %+v %v", tt.layout.Lang, res, err)
		}
	}
}

// maxWrite records the largest single write it is given.
type maxWrite struct{ max, total int }

func (m *maxWrite) Write(p []byte) (int, error) {
	m.max, m.total = max(m.max, len(p)), m.total+len(p)
	return len(p), nil
}

// A workbook goes out in small pieces as it is compressed, not assembled in memory and written
// at once: at a million rows that would be half a gigabyte of buffer.
func TestExportXLSXStreams(t *testing.T) {
	var w maxWrite
	if _, err := sheet.WriteReportsXLSX(&w, sheet.Layout{}, reports(20_000)); err != nil {
		t.Fatal(err)
	}
	if w.total < 1<<20 || w.max > 256<<10 {
		t.Errorf("%d bytes, the largest write %d: want > 1 MiB in writes of at most 256 KiB", w.total, w.max)
	}
	var csvw maxWrite
	if _, err := sheet.WriteReportsCSV(&csvw, sheet.Layout{}, reports(20_000)); err != nil {
		t.Fatal(err)
	}
	if csvw.max > 256<<10 {
		t.Errorf("CSV's largest write %d", csvw.max)
	}
}

// The import template is an import itself: its example row, written with names as people
// write them, passes every check; its second sheet lists what each coded column takes.
func TestImportTemplate(t *testing.T) {
	incs, _ := claimdesk.ReferenceIncidents()
	for _, inc := range incs {
		for _, lang := range []claimdesk.Lang{claimdesk.Korean, claimdesk.English} {
			var buf bytes.Buffer
			if err := sheet.WriteImportTemplate(&buf, inc, lang); err != nil {
				t.Fatal(err)
			}
			tab, err := sheet.Read(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			res, err := claimdesk.CheckImport(claimdesk.Import{Rows: tab.Rows}, func(string) *claimdesk.Incident { return inc },
				inc.StartedAt.AddDate(0, 0, 1))
			if err != nil || len(res.Rows) != 1 || len(res.Rows[0].Errors) != 0 || len(res.Unknown) != 0 {
				t.Errorf("%s %s: the template's example %+v %v\n%q", inc.ID, lang, res, err, tab.Rows)
			}
			if lang == claimdesk.Korean && (tab.Rows[0][0] != "장애" || tab.Rows[1][0] != inc.ID) {
				t.Errorf("%s: first column %q / %q", inc.ID, tab.Rows[0][0], tab.Rows[1][0])
			}
			wb, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			values, _ := wb.GetCols(claimdesk.Message(lang, "template.values"))
			for i := range values {
				values[i] = slices.DeleteFunc(values[i], func(v string) bool { return v == "" })
			}
			if len(values) != 5 || len(values[0]) != len(claimdesk.Regions)+1 || len(values[2]) != len(inc.Services)+1 ||
				values[2][1] != inc.Services[0].Name.In(lang) {
				t.Errorf("%s %s: values sheet %q", inc.ID, lang, values)
			}
		}
	}
}

// Rows formatted a chunk at a time on several cores come out in order, each with its own
// report's cells; a writer that fails stops the export without reading every report.
func TestExportCSVInOrder(t *testing.T) {
	const n = 5_000
	var buf bytes.Buffer
	if rows, err := sheet.WriteReportsCSV(&buf, sheet.Layout{Lang: claimdesk.Korean}, reports(n)); err != nil || rows != n {
		t.Fatalf("%d rows, %v", rows, err)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil || len(records) != n+1 {
		t.Fatalf("%d records, %v", len(records), err)
	}
	for i, rec := range records[1:] {
		receipt := fmt.Sprintf("AAA-%03d-%03d", i/1000, i%1000)
		if rec[0] != receipt || !slices.Contains(rec, strconv.Itoa(1000*i)) {
			t.Fatalf("row %d: %q", i, rec)
		}
	}
	rows, err := sheet.WriteReportsCSV(&failingWriter{after: 3}, sheet.Layout{}, reports(1_000_000))
	if err == nil || rows >= 1_000_000 {
		t.Errorf("a failing writer: %d rows read, %v", rows, err)
	}
}

// failingWriter fails its writes after the first few, as a connection that was reset.
type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, errors.New("connection reset")
	}
	w.after--
	return len(p), nil
}
