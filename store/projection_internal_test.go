package store

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// BenchmarkProjectionCount measures a statistics answer from memory over a million reports, as
// every reader gets it once reports have changed: the tables, under the filters the dashboard
// offers.
//
//	go test -run '^$' -bench ProjectionCount ./store
func BenchmarkProjectionCount(b *testing.B) {
	incs, _ := claimdesk.ReferenceIncidents()
	inc := incs[0]
	for _, i := range incs {
		if i.ID == "kakao-2022-10" {
			inc = i
		}
	}
	p := &projection{services: serviceIDs(inc), biz: map[string]uint32{}}
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1_000_000
	start := kstDay(inc.StartedAt)
	for i := range n {
		p.ids = append(p.ids, int64(i+1))
		p.rows = append(p.rows, projRow{loss: rng.Int64N(100) * 10_000, services: uint64(1)<<rng.IntN(len(inc.Services)) | 1,
			day: start + int32(rng.IntN(20)), biz: uint32(rng.IntN(n * 9 / 10)), status: uint8(rng.IntN(6)), channel: uint8(rng.IntN(4)),
			region: uint8(rng.IntN(17)), industry: uint8(rng.IntN(5))})
	}
	p.biz = make(map[string]uint32, n*9/10)
	for i := range n * 9 / 10 {
		p.biz[strconv.Itoa(i)] = uint32(i)
	}
	p.minDay, p.maxDay = start, start+19
	for _, r := range p.rows {
		p.industry[r.industry]++
	}
	for _, q := range []struct {
		name string
		q    claimdesk.StatsQuery
	}{
		{"all", claimdesk.StatsQuery{}},
		{"busan-retail", claimdesk.StatsQuery{Region: "26", Industry: "retail"}},
		{"received-accepted", claimdesk.StatsQuery{Statuses: []claimdesk.Status{claimdesk.StatusReceived, claimdesk.StatusAccepted}}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				c := p.count(q.q)
				_ = c.Stats(inc, q.q, inc.StartedAt)
			}
		})
	}
}
