package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// BenchmarkCreateReport stores reports from 50 concurrent writers, durably (synchronous=FULL),
// with group commit and with one report per commit, to show what grouping buys.
//
//	go test -run '^$' -bench CreateReport -benchtime 20000x ./sqlite
func BenchmarkCreateReport(b *testing.B) {
	for _, bc := range []struct {
		name     string
		maxBatch int
	}{{"group-commit", 0}, {"one-per-commit", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, filepath.Join(b.TempDir(), store.FileName), store.Options{MaxBatch: bc.maxBatch})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := store.SeedReferenceIncidents(ctx, store.NewIncidentService(db)); err != nil {
				b.Fatal(err)
			}
			reports := store.NewReportService(db)
			before := db.Stats()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range 50 {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						r := storetest.DistinctReport(int(i))
						idem := claimdesk.Idempotency{Key: "bench-" + r.BusinessName, Fingerprint: r.Fingerprint()}
						if _, _, err := reports.CreateReport(ctx, &claimdesk.ReportInput{Report: *r}, idem); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			st := db.Stats()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reports/s")
			b.ReportMetric(float64(st.Writes-before.Writes)/float64(st.Commits-before.Commits), "reports/commit")
		})
	}
}
