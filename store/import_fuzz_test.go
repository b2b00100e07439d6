package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// FuzzImport reads arbitrary files as the import does (CSV in UTF-8 or CP949, or XLSX) and
// files their rows into a real database: no input may panic, every row gets an outcome, and
// every row reported filed is stored.
func FuzzImport(f *testing.F) {
	storetest.ImportSeeds(f, "../sheet/testdata")
	db := openDB(f)
	reports, incidents := store.NewReportService(db), store.NewIncidentService(db)
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "fuzz"})
	now := time.Date(2022, 10, 21, 12, 0, 0, 0, claimdesk.KST)
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := sheet.Read(data)
		if err != nil || len(table.Rows) > 1000 {
			return // (large files are the import test's; here they only slow the search)
		}
		res, err := claimdesk.RunImport(ctx, reports, incidents, claimdesk.Import{Rows: table.Rows, Incident: "kakao-2022-10"}, now)
		if err != nil {
			if claimdesk.ErrorCode(err) != claimdesk.EINVALID {
				t.Fatalf("import: %v", err)
			}
			return
		}
		if res.Imported+res.Existing+res.Failed+res.Skipped != len(res.Rows) {
			t.Fatalf("outcomes %+v do not add up to %d rows", res, len(res.Rows))
		}
		for _, row := range res.Rows {
			if row.Status == claimdesk.ImportImported || row.Status == claimdesk.ImportExisting {
				if _, err := reports.FindReportByReceipt(ctx, row.Receipt); err != nil {
					t.Fatalf("row %d reported %s as %s but it is not stored: %v", row.Row, row.Status, row.Receipt, err)
				}
			}
		}
	})
}
