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
)

// BenchmarkIntake files reports through the JSON API from 50 concurrent clients into a real
// server on a loopback port, with its SQLite file in synchronous=FULL mode: every 201 counted
// here was fsynced before it was sent. Clients and server share this machine's cores.
//
//	go test -run '^$' -bench Intake -benchtime 20000x ./cmd/claimdesk
func BenchmarkIntake(b *testing.B) {
	const clients = 50
	m := &Main{DataDir: b.TempDir(), Addr: "127.0.0.1:0"}
	if err := m.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	url := m.HTTP.URL() + "/api/v1/reports"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}

	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
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
	st := m.DB.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reports/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(st.Writes)/float64(max(st.Commits, 1)), "reports/commit")
	b.ReportMetric(0, "ns/op") // the figures above are the ones that mean something here
}
