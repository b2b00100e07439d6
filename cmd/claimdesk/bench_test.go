package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk/pgtest"
)

// BenchmarkIntake files reports through the JSON API from 50 concurrent clients into a real
// server on a loopback port, with its SQLite file in synchronous=FULL mode: every 201 counted
// here was fsynced before it was sent. Clients and server share this machine's cores.
//
//	go test -run '^$' -bench Intake -benchtime 20000x ./cmd/claimdesk
func BenchmarkIntake(b *testing.B) {
	benchIntake(b, openMains(b, 1, ""))
}

// BenchmarkIntakePostgres is the same against a PostgreSQL server (the tests' throwaway
// cluster, fsync on), with one app server and with two sharing the database, the clients
// spread over both as a load balancer would.
func BenchmarkIntakePostgres(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("servers=%d", n), func(b *testing.B) {
			benchIntake(b, openMains(b, n, pgtest.DSN(b)))
		})
	}
}

// openMains starts n servers on one database (SQLite in a temporary directory when dsn is "").
func openMains(b *testing.B, n int, dsn string) []*Main {
	dir := b.TempDir()
	var mains []*Main
	for range n {
		m := &Main{DataDir: dir, DatabaseURL: dsn, Addr: "127.0.0.1:0"}
		if err := m.Open(b.Context()); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Close() })
		mains = append(mains, m)
	}
	return mains
}

func benchIntake(b *testing.B, mains []*Main) {
	const clients = 50
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}

	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		url := mains[c%len(mains)].HTTP.URL() + "/api/v1/reports"
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				body := reportBody(i)
				req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failures.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[i] = time.Since(t0)
				if resp.StatusCode != http.StatusCreated {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d submissions failed", n, b.N)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(float64(len(latencies)-1)*p)].Microseconds()) / 1000
	}
	var writes, commits int64
	for _, m := range mains {
		st := m.DB.Stats()
		writes, commits = writes+st.Writes, commits+st.Commits
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reports/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(writes)/float64(max(commits, 1)), "reports/commit")
	b.ReportMetric(0, "ns/op") // the figures above are the ones that mean something here
}
