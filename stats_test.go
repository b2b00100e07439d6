package claimdesk_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

func TestStatsBuilder(t *testing.T) {
	inc := kakao(t)
	day := func(d int, h int) time.Time { return time.Date(2022, 10, d, h, 0, 0, 0, claimdesk.KST) }
	rows := []claimdesk.StatsRow{
		{Status: "received", Channel: "api", Region: "11", Industry: "food", ReceivedAt: day(17, 9), ClaimedLoss: 100000, BusinessNumber: "124-81-00998", Services: []string{"talk-channel", "kakao-pay"}},
		{Status: "received", Channel: "web", Region: "41", Industry: "food", ReceivedAt: day(17, 23), ClaimedLoss: 200000, BusinessNumber: "120-81-47521", Services: []string{"talk-channel"}},
		{Status: "accepted", Channel: "web", Region: "50", Industry: "transport", ReceivedAt: day(19, 10), ClaimedLoss: 300000, Phone: "010-1000-0003", Services: []string{"kakao-t"}},
		{Status: "received", Channel: "web", Region: "11", Industry: "services", ReceivedAt: day(19, 11), ClaimedLoss: 400000, BusinessNumber: "120-81-47521", Services: []string{"talk-channel", "kakao-pay"}},
	}
	b := claimdesk.NewStatsBuilder(inc, claimdesk.StatsQuery{})
	for i := range rows {
		b.Add(&rows[i])
	}
	s := b.Stats(day(21, 12))
	if s.TotalReports != 4 || s.TotalClaimedLoss != 1_000_000 || s.TotalBusinesses != 3 {
		t.Errorf("totals %d %d %d", s.TotalReports, s.TotalClaimedLoss, s.TotalBusinesses)
	}
	services := map[string]claimdesk.ServiceCount{}
	for _, sc := range s.ByService {
		services[sc.Service] = sc
	}
	if services["talk-channel"].Share != 0.75 || services["kakao-pay"].Share != 0.5 || services["kakao-t"].Share != 0.25 ||
		services["melon"].Count != 0 || !services["kakao-pay"].Paid || s.ByService[0].Service != "talk-channel" || len(s.ByService) != 11 {
		t.Errorf("by service %+v", s.ByService)
	}
	if s.ByIndustry[0].Industry != "food" || s.ByIndustry[0].Share != 0.5 || s.ByIndustry[2].Share != 0.25 {
		t.Errorf("by industry %+v", s.ByIndustry)
	}
	if s.ByRegion[0].Region != "11" || s.ByRegion[0].Share != 0.5 || len(s.ByRegion) != 17 {
		t.Errorf("by region %+v", s.ByRegion[:3])
	}
	if s.PaidVsFree.Paid.Count != 3 || s.PaidVsFree.Free.Share != 0.25 {
		t.Errorf("paid vs free %+v", s.PaidVsFree)
	}
	// Three days, the quiet one in between included.
	if len(s.ByDay) != 3 || s.ByDay[1].Count != 0 || s.ByDay[1].Cumulative != 2 || s.ByDay[2].Cumulative != 4 || s.ByDay[0].Date.String() != "2022-10-17" {
		t.Errorf("by day %+v", s.ByDay)
	}
	food := s.LossByIndustry[0]
	if food.Sum != 300000 || food.Median != 100000 || food.P90 != 200000 {
		t.Errorf("food losses %+v", food)
	}
	if s.ByStatus[0].Count != 3 || s.ByStatus[3].Status != "accepted" || s.ByStatus[3].Count != 1 {
		t.Errorf("by status %+v", s.ByStatus)
	}
	// Nothing yet: zero shares, no days, no division by zero.
	empty := claimdesk.NewStatsBuilder(inc, claimdesk.StatsQuery{}).Stats(day(21, 12))
	if empty.TotalReports != 0 || empty.ByService[0].Share != 0 || len(empty.ByDay) != 0 || empty.LossByIndustry[0].Median != 0 {
		t.Errorf("empty stats %+v", empty)
	}
}

func TestStatsQueryMatches(t *testing.T) {
	r := &claimdesk.StatsRow{Status: "received", Channel: "web", Region: "11", Industry: "food",
		ReceivedAt: time.Date(2022, 10, 18, 23, 30, 0, 0, claimdesk.KST)}
	d := func(s string) claimdesk.Date { v, _ := claimdesk.ParseDate(s); return v }
	for _, tt := range []struct {
		q    claimdesk.StatsQuery
		want bool
	}{
		{claimdesk.StatsQuery{}, true},
		{claimdesk.StatsQuery{From: d("2022-10-18"), To: d("2022-10-18")}, true}, // 23:30 KST is still the 18th
		{claimdesk.StatsQuery{From: d("2022-10-19")}, false},
		{claimdesk.StatsQuery{Statuses: []claimdesk.Status{"accepted"}}, false},
		{claimdesk.StatsQuery{Region: "11", Industry: "food", Channel: "web"}, true},
		{claimdesk.StatsQuery{Channel: "api"}, false},
	} {
		if got := tt.q.Matches(r); got != tt.want {
			t.Errorf("%+v: %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestShare(t *testing.T) {
	for _, tt := range []struct {
		n, total int
		want     float64
	}{{1, 3, 0.3333}, {2, 3, 0.6667}, {0, 0, 0}, {496, 1000, 0.496}, {1, 8, 0.125}} {
		if got := claimdesk.Share(tt.n, tt.total); got != tt.want {
			t.Errorf("Share(%d, %d) = %v, want %v", tt.n, tt.total, got, tt.want)
		}
	}
}

// With no reports every table is still there, empty or zero, never null: a partner's parser
// and the dashboard see the same shape on the first day as on the last.
func TestStatsOfNoReports(t *testing.T) {
	s := claimdesk.NewStatsBuilder(kakao(t), claimdesk.StatsQuery{}).Stats(time.Date(2022, 10, 15, 16, 0, 0, 0, claimdesk.KST))
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("null")) || !bytes.Contains(b, []byte(`"by_day":[]`)) || !bytes.Contains(b, []byte(`"share":0`)) {
		t.Errorf("stats of no reports: %s", b)
	}
	if len(s.ByIndustry) != len(claimdesk.Industries) || len(s.ByStatus) != len(claimdesk.Statuses) {
		t.Errorf("%d industries, %d statuses", len(s.ByIndustry), len(s.ByStatus))
	}
}

// Selection finds the same median and 90th percentile as sorting, by the nearest-rank method,
// whatever the values (ties, one value, already sorted, reversed).
func TestSummarizeLosses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		v := make([]int64, n)
		for i := range v {
			switch n % 4 {
			case 0:
				v[i] = rng.Int64N(10) * 10000 // many ties
			case 1:
				v[i] = int64(i) // sorted
			case 2:
				v[i] = int64(n - i) // reversed
			default:
				v[i] = rng.Int64N(1 << 40)
			}
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		rank := func(p float64) int64 {
			if n == 0 {
				return 0
			}
			return sorted[max(int(math.Ceil(p*float64(n))), 1)-1]
		}
		var sum int64
		for _, x := range v {
			sum += x
		}
		got := claimdesk.SummarizeLosses(v)
		if got.Count != n || got.Sum != sum || got.Median != rank(0.5) || got.P90 != rank(0.9) {
			t.Fatalf("n=%d: %+v, want median %d p90 %d sum %d", n, got, rank(0.5), rank(0.9), sum)
		}
	}
}
