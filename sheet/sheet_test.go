package sheet_test

import (
	"os"
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
