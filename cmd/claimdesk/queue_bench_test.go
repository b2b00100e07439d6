package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

// benchData returns a data directory holding n demo reports of kakao-2022-10, built once and
// kept in the temporary directory (building a million takes a few minutes): set
// CLAIMDESK_BENCH_REPORTS to change n.
func benchData(b *testing.B) (string, int) {
	b.Helper()
	n := 1_000_000
	if v := os.Getenv("CLAIMDESK_BENCH_REPORTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	migrations, _ := filepath.Glob("../../store/migrations/sqlite/*.sql")
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("claimdesk-bench-%d-m%d", n, len(migrations)))
	if _, err := os.Stat(filepath.Join(dir, "complete")); err != nil {
		os.RemoveAll(dir)
		b.Logf("building %d demo reports in %s (once)", n, dir)
		if code, out, errOut := runB(b, "demo", "--data", dir, "--reports", strconv.Itoa(n)); code != 0 {
			b.Fatalf("demo: %s%s", out, errOut)
		}
		os.WriteFile(filepath.Join(dir, "complete"), nil, 0o644)
	}
	return dir, n
}

func runB(b *testing.B, args ...string) (int, string, string) {
	var stdout, stderr strings.Builder
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// BenchmarkQueue renders review queue pages (50 reports each, with counts) over a million
// reports, as a logged-in reviewer, through the real server.
//
//	go test -run '^$' -bench Queue -benchtime 50x ./cmd/claimdesk
func BenchmarkQueue(b *testing.B) {
	m, n := openBenchData(b)
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "bench"})
	users := store.NewUserService(m.DB)
	users.Hasher = claimdesk.PasswordHasher{Memory: 1024, Time: 1, Threads: 1}
	u := &claimdesk.User{Email: fmt.Sprintf("bench-%d@example.org", os.Getpid()), Role: claimdesk.RoleReviewer}
	if err := users.CreateUser(ctx, u, "benchmark password"); err != nil {
		b.Fatal(err)
	}
	token, err := users.CreateSession(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	// A receipt and a business number from the data, for the searches.
	sample, err := store.NewReportService(m.DB).FindReports(ctx, claimdesk.ReportFilter{Limit: 1, Sort: claimdesk.SortNewest})
	if err != nil || len(sample) == 0 {
		b.Fatalf("no reports: %v", err)
	}
	deep := sample[0].ID - int64(n/10) // a page 90% of the way down, oldest first
	pages := []struct{ name, query string }{
		{"first-page", ""},
		{"incident", "incident=kakao-2022-10"},
		{"status", "incident=kakao-2022-10&status=received"},
		{"deep-page", "incident=kakao-2022-10&after=" + strconv.FormatInt(deep, 10)},
		{"newest", "incident=kakao-2022-10&sort=newest"},
		{"largest-loss", "incident=kakao-2022-10&sort=loss_desc"},
		{"loss-range", "incident=kakao-2022-10&loss_min=1000000&loss_max=2000000"},
		{"industry-region", "incident=kakao-2022-10&industry=transport&region=26"},
		{"rare-region", "incident=kakao-2022-10&region=36"},
		{"service", "incident=kakao-2022-10&service=melon"},
		{"received-day", "incident=kakao-2022-10&from=2022-10-20&to=2022-10-20"},
		{"name-search", "incident=kakao-2022-10&q=" + "반찬가게"},
		{"short-name-search", "incident=kakao-2022-10&q=" + "떡집"},
		{"receipt", "q=" + sample[0].Receipt},
		{"business-number-start", "q=" + sample[0].BusinessNumber[:6]},
		{"everything", "incident=kakao-2022-10&status=received&industry=food&region=41&service=talk-channel&loss_min=100000&sort=loss_desc"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", m.HTTP.URL()+"/console?"+p.query, nil)
			req.AddCookie(&http.Cookie{Name: "claimdesk_session", Value: token})
			for b.Loop() {
				benchGet(b, req)
			}
		})
	}
}

// benchGet sends req and reads the whole answer, which must be 200.
func benchGet(b *testing.B, req *http.Request) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkStats measures the statistics over a million reports: through the real server (from
// memory, as every reader gets them), and the one scan that builds them when a server starts.
//
//	go test -run '^$' -bench Stats -benchtime 5x ./cmd/claimdesk
func BenchmarkStats(b *testing.B) {
	m, _ := openBenchData(b)
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "bench"})
	token, _, err := store.NewTokenService(m.DB).CreateToken(ctx, "bench", claimdesk.RoleAnalyst, "")
	if err != nil {
		b.Fatal(err)
	}
	get := func(b *testing.B, path string) {
		req, _ := http.NewRequest("GET", m.HTTP.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		benchGet(b, req)
	}
	for _, q := range []struct{ name, query string }{{"all", ""}, {"seoul-food", "?region=11&industry=food"}} {
		b.Run("server-"+q.name, func(b *testing.B) {
			get(b, "/api/v1/incidents/kakao-2022-10/stats"+q.query) // built, if the warm-up has not yet
			for b.Loop() {
				get(b, "/api/v1/incidents/kakao-2022-10/stats"+q.query)
			}
		})
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			db, err := store.Open(ctx, filepath.Join(m.DataDir, store.FileName), store.Options{}) // a second server's first view
			if err != nil {
				b.Fatal(err)
			}
			if _, err := store.NewStatsService(db).IncidentStats(ctx, "kakao-2022-10", claimdesk.StatsQuery{}); err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
}

// BenchmarkPublicPage renders the public page of an incident with a million reports, as the
// press and the public see it (the statistics come from the cache).
//
//	go test -run '^$' -bench PublicPage ./cmd/claimdesk
func BenchmarkPublicPage(b *testing.B) {
	m, _ := openBenchData(b)
	h := m.HTTP.Handler()
	get := func(b *testing.B, path string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
	for _, lang := range []string{"ko", "en"} {
		b.Run(lang, func(b *testing.B) {
			path := "/incidents/kakao-2022-10?lang=" + lang
			get(b, path) // the statistics, computed once
			b.ReportAllocs()
			for b.Loop() {
				get(b, path)
			}
		})
	}
}

// openBenchData opens the million-report benchmark database (made on first use) as the server
// would, and closes it after the benchmark. It returns how many reports the data has.
func openBenchData(b *testing.B) (*Main, int) {
	dir, n := benchData(b)
	m := &Main{DataDir: dir, Addr: "127.0.0.1:0"}
	if err := m.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m, n
}

// BenchmarkSimulate runs three policies over a million reports: the Kakao 2022 brackets, a
// formula and a flat amount scaled to a budget; "detail" also explains every payout (a second
// pass, as adoption does).
//
//	go test -run '^$' -bench Simulate -benchtime 2x -timeout 30m ./cmd/claimdesk
func BenchmarkSimulate(b *testing.B) {
	m, reports := openBenchData(b)
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "bench"})
	brackets, err := store.NewPolicyService(m.DB).FindPolicy(ctx, "kakao-2022-brackets", 0)
	if err != nil {
		b.Fatal(err)
	}
	formula, err := claimdesk.ParsePolicy([]byte(`{"id":"bench-formula","name":{"ko":"공식","en":"Formula"},"kind":"formula",
		"formula":{"rate":0.8,"margins":{"food":0.3,"services":0.35},"default_margin":0.2,"floor":100000,"cap":10000000}}`))
	if err != nil {
		b.Fatal(err)
	}
	flat, err := claimdesk.ParsePolicy([]byte(`{"id":"bench-flat","name":{"ko":"정액","en":"Flat"},"kind":"flat",
		"flat":{"amount":50000,"paid":100000},"budget":50000000000}`))
	if err != nil {
		b.Fatal(err)
	}
	policies := []*claimdesk.Policy{brackets, formula, flat}
	payouts := store.NewPayoutService(m.DB)
	for _, detail := range []bool{false, true} {
		b.Run(map[bool]string{false: "totals", true: "detail"}[detail], func(b *testing.B) {
			for b.Loop() {
				n := 0
				var emit func(int, *claimdesk.Payout) error
				if detail {
					emit = func(int, *claimdesk.Payout) error { n++; return nil }
				}
				sim, err := payouts.SimulatePayouts(ctx, "kakao-2022-10", policies, emit)
				if err != nil {
					b.Fatal(err)
				}
				if sim.Reports < reports || (detail && n != 3*sim.Reports) {
					b.Fatalf("%d reports, %d payouts", sim.Reports, n)
				}
			}
		})
	}
}
