package sheet_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk/sheet"
)

func read(t *testing.T, name string) *sheet.Table {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := sheet.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestReadFormats(t *testing.T) {
	tests := []struct {
		file, format, encoding, header string
	}{
		{"reports-utf8.csv", "csv", "utf-8", "incident"},
		{"reports-cp949.csv", "csv", "cp949", "장애"},
		{"reports.xlsx", "xlsx", "", "incident"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tab := read(t, tt.file)
			if tab.Format != tt.format || tab.Encoding != tt.encoding {
				t.Errorf("format %s/%s, want %s/%s", tab.Format, tab.Encoding, tt.format, tt.encoding)
			}
			if len(tab.Rows) < 7 || tab.Rows[0][0] != tt.header {
				t.Fatalf("%d rows, header %q", len(tab.Rows), tab.Rows[0])
			}
			if got := sheet.Cell(tab.Rows[1], 1); got != "가나다식당" {
				t.Errorf("first business %q: Korean text garbled?", got)
			}
		})
	}
	// The quoted comma and quotes of a CSV cell survive.
	if got := read(t, "reports-utf8.csv").Rows[1][13]; got != `주문 확인 불가, 예약 "취소"` {
		t.Errorf("quoted cell %q", got)
	}
	// XLSX date cells come as Excel serial numbers, number cells as digits.
	x := read(t, "reports.xlsx")
	if x.Rows[1][9] != "44849" || x.Rows[1][12] != "300000" || x.Rows[1][14] != "1" {
		t.Errorf("raw XLSX cells: %q %q %q", x.Rows[1][9], x.Rows[1][12], x.Rows[1][14])
	}
}

func TestReadRefusesGarbage(t *testing.T) {
	if _, err := sheet.Read([]byte("PK\x03\x04not really a zip")); err == nil {
		t.Error("a broken XLSX was read")
	}
	if _, err := sheet.Read([]byte{0xff, 0xfe, 0xfd, 0x80, 0x81}); err == nil {
		t.Error("bytes that are neither UTF-8 nor CP949 were read")
	}
	tab, err := sheet.Read([]byte("\xef\xbb\xbfincident,business_name\n"))
	if err != nil || tab.Rows[0][0] != "incident" {
		t.Errorf("BOM not stripped: %q %v", tab.Rows, err)
	}
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+82": "'+82", "-1": "'-1", "@x": "'@x", "행복떡집": "행복떡집", "": ""} {
		if got := sheet.Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

// craftedXLSX writes a one-sheet workbook whose worksheet XML is sheetData's content, as an
// attacker would write it by hand.
func craftedXLSX(t *testing.T, sheetData func(w io.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	for name, content := range parts {
		w, _ := z.Create(name)
		io.WriteString(w, content)
	}
	w, _ := z.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	sheetData(w)
	io.WriteString(w, `</sheetData></worksheet>`)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Crafted workbooks are refused with the limit they break, without taking memory: cells in
// the last column (each row would be padded to 16,384 cells), a cell too long, and a worksheet
// that unzips to far more than it weighs.
func TestReadRefusesCraftedXLSX(t *testing.T) {
	wide := craftedXLSX(t, func(w io.Writer) {
		for i := 1; i <= 1500; i++ {
			fmt.Fprintf(w, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, i, i)
		}
	})
	long := craftedXLSX(t, func(w io.Writer) {
		fmt.Fprintf(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>%s</t></is></c></row>`, strings.Repeat("가", 20_000))
	})
	bomb := craftedXLSX(t, func(w io.Writer) {
		row := []byte(`<row><c t="inlineStr"><is><t>` + strings.Repeat("0", 1000) + `</t></is></c></row>`)
		for range 300_000 { // 300 MB unzipped
			w.Write(row)
		}
	})
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"wide", wide, "column 16384, past the 100 columns"},
		{"long cell", long, "more than 32768 bytes"},
		{"bomb", bomb, "more than 200 MB once unzipped"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := sheet.Read(tt.data)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%d bytes read: %v", len(tt.data), err)
			}
			if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<20 {
				t.Errorf("the heap grew by %d MB", grew>>20)
			}
		})
	}
}
