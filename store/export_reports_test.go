package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// An export reads the reports in ranges of IDs, several at a time: across ranges it yields every
// report that matches, once, in ID order, with its fields; one stopped early leaves nothing
// behind (a reader holding a connection would block the exports that follow).
func TestExportReportsAcrossRanges(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": openDB, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
			db := open(t)
			const n = 9500 // three ranges
			var reports []*claimdesk.Report
			var times []time.Time
			busan := 0
			for i := range n {
				r := storetest.DistinctReport(i)
				if i%3 == 0 {
					r.Region = "26"
					busan++
				} else {
					r.Region = "11"
				}
				reports = append(reports, r)
				times = append(times, time.Date(2022, 10, 16, 9, 0, i, 0, claimdesk.KST))
			}
			if err := db.InsertDemoReports(ctx, reports, times); err != nil {
				t.Fatal(err)
			}
			svc := store.NewReportService(db)
			var last int64
			i := 0
			for r, err := range svc.ExportReports(ctx, claimdesk.ReportFilter{Incident: "kakao-2022-10"}) {
				if err != nil {
					t.Fatal(err)
				}
				if r.ID <= last || r.BusinessNumber != reports[i].BusinessNumber || r.Region != reports[i].Region ||
					!r.ReceivedAt.Equal(times[i]) || r.ClaimedLoss != reports[i].ClaimedLoss {
					t.Fatalf("row %d: %+v, want %+v after ID %d", i, r, reports[i], last)
				}
				last = r.ID
				i++
			}
			if i != n {
				t.Fatalf("%d reports exported, want %d", i, n)
			}
			got := 0
			for r, err := range svc.ExportReports(ctx, claimdesk.ReportFilter{Incident: "kakao-2022-10", Region: "26"}) {
				if err != nil || r.Region != "26" {
					t.Fatalf("%+v %v", r, err)
				}
				got++
			}
			if got != busan {
				t.Fatalf("%d reports of Busan exported, want %d", got, busan)
			}
			for range 20 {
				k := 0
				for _, err := range svc.ExportReports(ctx, claimdesk.ReportFilter{Incident: "kakao-2022-10"}) {
					if err != nil {
						t.Fatal(err)
					}
					if k++; k == 5000 {
						break
					}
				}
			}
			if rs, err := svc.FindReports(ctx, claimdesk.ReportFilter{Limit: 1}); err != nil || len(rs) != 1 {
				t.Fatalf("after exports stopped early: %v", err)
			}
		})
	}
}
