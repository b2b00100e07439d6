package claimdesk_test

import (
	"os"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
)

// FuzzReadAndCheckImport reads arbitrary files as an import does (CSV in UTF-8 or CP949, or
// XLSX) and validates their rows, with no database, so that it runs thousands of times a
// second: no input may panic, every data row gets one outcome, and a row left to be filed
// passes validation again. (Filing into a real database is store's FuzzImport.)
func FuzzReadAndCheckImport(f *testing.F) {
	for _, name := range []string{"reports-utf8.csv", "reports-cp949.csv", "reports.xlsx"} {
		b, err := os.ReadFile("sheet/testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("incident,business_name\nkakao-2022-10,\"unterminated\n"))
	f.Add([]byte("\ufeff상호,대표자,연락처,시도,업종,피해 서비스,피해 시작일,피해 종료일,피해 금액,동의\n=cmd|' /C calc'!A0,김,010-1234-5678,41,food,talk-channel,44849,2022-10-17,\"1,000\",Y\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	incs, err := claimdesk.ReferenceIncidents()
	if err != nil {
		f.Fatal(err)
	}
	incident := func(id string) *claimdesk.Incident {
		for _, inc := range incs {
			if inc.ID == id {
				return inc
			}
		}
		return nil
	}
	now := time.Date(2022, 10, 21, 12, 0, 0, 0, claimdesk.KST)
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := sheet.Read(data)
		if err != nil {
			return
		}
		res, err := claimdesk.CheckImport(claimdesk.Import{Rows: table.Rows, Incident: "kakao-2022-10"}, incident, now)
		if err != nil {
			if claimdesk.ErrorCode(err) != claimdesk.EINVALID {
				t.Fatalf("check: %v", err)
			}
			return
		}
		for _, row := range res.Rows {
			switch row.Status {
			case claimdesk.ImportFailed:
				if len(row.Errors) == 0 {
					t.Fatalf("row %d failed with no problem named", row.Row)
				}
			case "":
			default:
				t.Fatalf("row %d: %s without filing", row.Row, row.Status)
			}
		}
	})
}
