package claimdesk_test

import (
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
	"github.com/claimdesk/claimdesk/storetest"
)

// FuzzReadAndCheckImport reads arbitrary files as an import does (CSV in UTF-8 or CP949, or
// XLSX) and validates their rows, with no database, so that it runs thousands of times a
// second: no input may panic, every data row gets one outcome, and a row left to be filed
// passes validation again. (Filing into a real database is store's FuzzImport.)
func FuzzReadAndCheckImport(f *testing.F) {
	storetest.ImportSeeds(f, "sheet/testdata")
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
