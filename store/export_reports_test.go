package store_test

import (
	"context"
	"fmt"
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
				if i == 6 {
					r.UsualDailySales, r.Email, r.District = nil, "", ""
				}
				reports = append(reports, r)
				times = append(times, time.Date(2022, 10, 16, 9, 0, i, 0, claimdesk.KST))
			}
			var kt []*claimdesk.Report // another incident's, filed after
			var ktTimes []time.Time
			for i := range 7 {
				r := storetest.DistinctReport(n + i)
				r.Incident, r.Services = "kt-2018-11", []string{"landline"}
				r.DamageStart, r.DamageEnd = claimdesk.Date{Year: 2018, Month: 11, Day: 24}, claimdesk.Date{Year: 2018, Month: 11, Day: 25}
				kt, ktTimes = append(kt, r), append(ktTimes, time.Date(2018, 11, 24, 12, 0, i, 0, claimdesk.KST))
			}
			if err := db.InsertDemoReports(ctx, append(reports, kt...), append(times, ktTimes...)); err != nil {
				t.Fatal(err)
			}
			// Stored by hand (validation refuses it): the separator of SQLite's packed rows.
			reports[5].Description, reports[5].BusinessName = "주문\x1f불가", "가게\x1f1"
			err := store.Write(db, ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE reports SET description = ?, business_name = ? WHERE receipt = ?`,
					reports[5].Description, reports[5].BusinessName, reports[5].Receipt)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			svc := store.NewReportService(db)
			// The first and the last report of the incident in other statuses than the rest: its
			// bounds are found across statuses.
			for _, i := range []int{0, n - 1} {
				if _, err := store.NewReviewService(db).ChangeStatus(ctx, reports[i].Receipt, claimdesk.StatusChange{To: claimdesk.StatusInReview}); err != nil {
					t.Fatal(err)
				}
			}
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
				if i < 8 { // every field of the first few
					w := reports[i]
					sales := func(r *claimdesk.Report) string {
						return fmt.Sprint(r.UsualDailySales != nil && *r.UsualDailySales > 0)
					}
					got := []any{r.Receipt, r.BusinessName, r.Description, r.Email, r.District, sales(r), fmt.Sprint(r.Services),
						fmt.Sprint(r.DamageTypes), r.DamageStart, r.DamageEnd, r.Channel, r.Representative, r.Phone, r.Industry}
					want := []any{w.Receipt, w.BusinessName, w.Description, w.Email, w.District, sales(w), fmt.Sprint(w.Services),
						fmt.Sprint(w.DamageTypes), w.DamageStart, w.DamageEnd, w.Channel, w.Representative, w.Phone, w.Industry}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("row %d:\n got %q\nwant %q", i, got, want)
					}
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
			var ktGot []string
			for r, err := range svc.ExportReports(ctx, claimdesk.ReportFilter{Incident: "kt-2018-11"}) {
				if err != nil {
					t.Fatal(err)
				}
				ktGot = append(ktGot, r.BusinessNumber)
			}
			if len(ktGot) != len(kt) || ktGot[0] != kt[0].BusinessNumber || ktGot[6] != kt[6].BusinessNumber {
				t.Fatalf("the other incident's export: %q", ktGot)
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
