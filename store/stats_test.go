package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// Statistics are served from the cache while nothing changes, or while they are younger than
// MaxStale; then they are computed again.
func TestStatsCache(t *testing.T) {
	db := openDB(t)
	s := newStore(db)
	stats := store.NewStatsService(db)
	stats.MaxStale = time.Hour
	ctx := context.Background()
	file := func() {
		if _, _, err := s.Reports.CreateReport(ctx, &claimdesk.ReportInput{Report: *storetest.DistinctReport(int(time.Now().UnixNano() % 1e6))}, claimdesk.Idempotency{}); err != nil {
			t.Fatal(err)
		}
	}
	file()
	a, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{})
	b, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{})
	if a != b || a.TotalReports != 1 {
		t.Fatalf("unchanged data computed again (%p, %p) or wrong: %d", a, b, a.TotalReports)
	}
	file()
	c, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{})
	if c != a {
		t.Fatal("a result younger than MaxStale was not served")
	}
	stats.MaxStale, stats.StaleFactor = 0, 0
	d, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{})
	if d.TotalReports != 2 {
		t.Fatalf("stale result served past MaxStale: %d", d.TotalReports)
	}
	// Another filter is another entry.
	e, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{Region: "26"})
	if e.TotalReports != 0 {
		t.Fatalf("filtered %d", e.TotalReports)
	}
}
