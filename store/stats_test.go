package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/pgtest"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// The statistics in memory equal a full recomputation from the tables after every kind of
// write (create, import, status change, merge, a merchant's corrections, demo batches), under
// every filter, on SQLite and on PostgreSQL; and a second server, writing too, converges within
// the stated bound. The writes are a random sequence, the same for each seed.
func TestStatsProjectionMatchesTables(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := t.TempDir() + "/" + store.FileName
		testProjection(t, openAt(t, path), openAt(t, path))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		testProjection(t, openPostgresAt(t, dsn), openPostgresAt(t, dsn))
	})
}

func testProjection(t *testing.T, db, other *store.DB) {
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	stats, otherStats := store.NewStatsService(db), store.NewStatsService(other)
	reports, otherReports := store.NewReportService(db), store.NewReportService(other)
	review := store.NewReviewService(db)
	rng := rand.New(rand.NewPCG(7, 11))
	queries := []claimdesk.StatsQuery{{}, {Statuses: []claimdesk.Status{claimdesk.StatusReceived, claimdesk.StatusAccepted}},
		{Region: "11"}, {Industry: "retail"}, {Channel: claimdesk.ChannelImport}, {Region: "99"},
		{From: claimdesk.Date{Year: 2026, Month: 11, Day: 2}, To: claimdesk.Date{Year: 2026, Month: 11, Day: 3}},
		{Region: "41", Industry: "food", Statuses: []claimdesk.Status{claimdesk.StatusInReview}}}
	compare := func(s *store.StatsService, step string) {
		t.Helper()
		for _, q := range queries {
			got, err := s.IncidentStats(ctx, "kakao-2022-10", q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := store.RecomputeStats(db, ctx, "kakao-2022-10", q)
			if err != nil {
				t.Fatal(err)
			}
			g, w := *got, *want
			g.AsOf, w.AsOf = time.Time{}, time.Time{}
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			if string(gj) != string(wj) {
				t.Fatalf("after %s, %+v:\n in memory %s\n tables    %s", step, q, gj, wj)
			}
		}
	}
	var filed []*claimdesk.Report
	newReport := func(n int) *claimdesk.Report {
		r := storetest.DistinctReport(1000 + n)
		r.Region = []string{"11", "26", "41"}[rng.IntN(3)]
		r.Industry = []string{"food", "retail", "services"}[rng.IntN(3)]
		r.Services = []string{[]string{"talk-channel", "kakao-pay", "kakao-t"}[rng.IntN(3)]}
		if rng.IntN(2) == 0 {
			r.Services = append(r.Services, "melon")
		}
		r.ClaimedLoss = rng.Int64N(20) * 50_000
		if rng.IntN(5) == 0 {
			r.BusinessNumber, r.NoBusinessNumberReason = "", "대리운전 기사" // counted by phone
		}
		return r
	}
	day := time.Date(2026, 11, 1, 23, 30, 0, 0, claimdesk.KST)
	compare(stats, "nothing") // builds the projection
	for step := range 60 {
		day = day.Add(time.Duration(rng.IntN(20)) * time.Hour)
		db.SetClock(func() time.Time { return day })
		switch op := rng.IntN(7); {
		case op <= 1 || len(filed) < 4: // a report, by API or import
			r := newReport(step)
			if op == 1 {
				r.Channel = claimdesk.ChannelImport
			}
			stored, _, err := reports.CreateReport(ctx, &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			filed = append(filed, stored)
		case op == 2: // a status change, where the review allows one
			r := filed[rng.IntN(len(filed))]
			cur, _ := reports.FindReportByReceipt(ctx, r.Receipt)
			for _, to := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted, claimdesk.StatusRejected} {
				if claimdesk.CanTransition(cur.Status, to) {
					review.ChangeStatus(ctx, r.Receipt, claimdesk.StatusChange{To: to, Reason: "시험"})
					break
				}
			}
		case op == 3: // a merge
			a, b := filed[rng.IntN(len(filed))], filed[rng.IntN(len(filed))]
			review.Merge(ctx, a.Receipt, b.Receipt, "시험") // refused when they cannot be merged: also a case
		case op == 4: // a request for information, answered with corrections
			r := filed[rng.IntN(len(filed))]
			if _, err := review.ChangeStatus(ctx, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: "금액을 고쳐 주세요"}); err != nil {
				continue
			}
			cur, _ := reports.FindReportByReceipt(ctx, r.Receipt)
			corrected := *cur
			corrected.Region, corrected.Industry, corrected.ClaimedLoss = "26", "retail", cur.ClaimedLoss+10_000
			corrected.Services = []string{"kakao-map"}
			if _, err := review.Answer(ctx, r.Receipt, claimdesk.MerchantAnswer{Message: "고쳤습니다", Report: claimdesk.ReportInput{Report: corrected}}); err != nil {
				t.Fatalf("answer: %v", err)
			}
		case op == 5: // a demo batch
			var batch []*claimdesk.Report
			var at []time.Time
			for i := range 3 {
				batch = append(batch, newReport(10_000+step*10+i))
				at = append(at, day.Add(-time.Duration(i)*time.Hour))
			}
			if err := db.InsertDemoReports(ctx, batch, at); err != nil {
				t.Fatal(err)
			}
		default: // another server files; this one sees it within the bound
			if _, _, err := otherReports.CreateReport(ctx, &claimdesk.ReportInput{Report: *newReport(20_000 + step)}, claimdesk.Idempotency{}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(60 * time.Millisecond) // catchUpEvery and a little
		}
		compare(stats, fmt.Sprintf("step %d", step))
	}
	// The other server, which wrote a little and read nothing yet, agrees too.
	time.Sleep(60 * time.Millisecond)
	compare(otherStats, "the end, on the other server")

	// Simulations from memory give what the tables give: every payout, explained.
	ps, err := claimdesk.BuiltinPolicies()
	if err != nil {
		t.Fatal(err)
	}
	var policies []*claimdesk.Policy
	for _, p := range ps {
		if p.ForIncident("kakao-2022-10") {
			policies = append(policies, p)
		}
	}
	formula, err := claimdesk.ParsePolicy([]byte(`{"id":"sim-formula","name":{"ko":"f","en":"f"},"kind":"formula","restored":"full",
		"eligibility":{"districts":{"41":["수원시"]},"channels":["api"]},"formula":{"rate":0.8,"default_margin":0.2},"budget":5000000}`))
	if err != nil {
		t.Fatal(err)
	}
	policies = append(policies, formula)
	run := func(sim func(emit func(int, *claimdesk.Payout) error) (*claimdesk.Simulation, error)) string {
		var lines []string
		res, err := sim(func(i int, po *claimdesk.Payout) error {
			lines = append(lines, fmt.Sprintf("%d %s %s %d %d %v %s %s", i, po.Receipt, po.Outcome, po.Amount, po.Days, po.Hours, po.Service, po.Explanation.Ko))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		res.AsOf = time.Time{}
		b, _ := json.Marshal(res)
		return string(b) + "\n" + strings.Join(lines, "\n")
	}
	db.SetClock(func() time.Time { return day })
	fromMemory := run(func(emit func(int, *claimdesk.Payout) error) (*claimdesk.Simulation, error) {
		return store.NewPayoutService(db).SimulatePayouts(ctx, "kakao-2022-10", policies, emit)
	})
	fromTables := run(func(emit func(int, *claimdesk.Payout) error) (*claimdesk.Simulation, error) {
		return store.SimulateFromTables(db, ctx, "kakao-2022-10", policies, emit)
	})
	if fromMemory != fromTables || !strings.Contains(fromMemory, "원") {
		t.Errorf("simulation from memory:\n%s\nfrom the tables:\n%s", fromMemory, fromTables)
	}
}

// What the projection answers is fresh: a report is counted the moment its write returns.
func TestStatsNeverStale(t *testing.T) {
	db := openDB(t)
	stats := store.NewStatsService(db)
	ctx := context.Background()
	for i := range 3 {
		if _, _, err := store.NewReportService(db).CreateReport(ctx, &claimdesk.ReportInput{Report: *storetest.DistinctReport(i)}, claimdesk.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		st, err := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{})
		if err != nil || st.TotalReports != i+1 {
			t.Fatalf("after %d reports: %d, %v", i+1, st.TotalReports, err)
		}
	}
	a, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{})
	b, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{})
	if a != b {
		t.Error("unchanged data gave a new result: readers of the public page would render it again")
	}
	if e, _ := stats.IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{Region: "26"}); e.TotalReports != 0 {
		t.Fatalf("filtered %d", e.TotalReports)
	}
}
