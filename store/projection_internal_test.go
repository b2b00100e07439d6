package store

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

// BenchmarkProjectionCount measures a statistics answer from memory over a million reports, as
// every reader gets it once reports have changed: the tables, under the filters the dashboard
// offers, from the kept counts ("kept") and on a filter's first ask, which builds its view
// ("first").
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
	p := &projection{services: serviceIDs(inc), all: newRunning(), views: map[string]*view{}}
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1_000_000
	start := kstDay(inc.StartedAt)
	for i := range n {
		p.ids = append(p.ids, int64(i+1))
		p.rows = append(p.rows, projRow{loss: rng.Int64N(100) * 10_000, services: uint64(1)<<rng.IntN(len(inc.Services)) | 1,
			day: start + int32(rng.IntN(20)), biz: uint32(rng.IntN(n * 9 / 10)), status: uint8(rng.IntN(6)), channel: uint8(rng.IntN(4)),
			region: uint8(rng.IntN(17)), industry: uint8(rng.IntN(5))})
	}
	for _, r := range p.rows {
		p.all.add(&r, p.paidMask, 1)
	}
	for _, q := range []struct {
		name string
		q    claimdesk.StatsQuery
	}{
		{"all", claimdesk.StatsQuery{}},
		{"busan-retail", claimdesk.StatsQuery{Region: "26", Industry: "retail"}},
		{"received-accepted", claimdesk.StatsQuery{Statuses: []claimdesk.Status{claimdesk.StatusReceived, claimdesk.StatusAccepted}}},
	} {
		for _, first := range []bool{false, true} {
			b.Run(q.name+map[bool]string{false: "/kept", true: "/first"}[first], func(b *testing.B) {
				for b.Loop() {
					if first {
						clear(p.views)
					}
					c := p.view(statsKey(q.q), q.q).counts(p)
					_ = c.Stats(inc, q.q, inc.StartedAt)
				}
			})
		}
	}
}

// countRows counts the rows that pass f one by one: what the kept counts must equal.
func (p *projection) countRows(f projFilter) claimdesk.StatsCounts {
	c := claimdesk.StatsCounts{Services: map[string]int{}, Industries: map[string]int{}, Regions: map[string]int{},
		Statuses: map[claimdesk.Status]int{}, Days: map[claimdesk.Date]int{}, Losses: map[string]claimdesk.LossSummary{}}
	for _, id := range p.services {
		c.Services[id] = 0
	}
	for _, o := range claimdesk.Regions {
		c.Regions[o.Code] = 0
	}
	for _, o := range claimdesk.Statuses {
		c.Statuses[claimdesk.Status(o.Code)] = 0
	}
	losses := make([][]int64, len(claimdesk.Industries))
	seen := map[uint32]bool{}
	for i := range p.rows {
		r := &p.rows[i]
		if !f.match(r) {
			continue
		}
		c.Total++
		c.Loss += r.loss
		seen[r.biz] = true
		if r.services&p.paidMask != 0 {
			c.Paid++
		}
		for m := r.services; m != 0; m &= m - 1 {
			c.Services[p.services[bits.TrailingZeros64(m)]]++
		}
		if int(r.industry) < len(losses) {
			losses[r.industry] = append(losses[r.industry], r.loss)
		}
		if int(r.region) < len(claimdesk.Regions) {
			c.Regions[claimdesk.Regions[r.region].Code]++
		}
		if int(r.status) < len(claimdesk.Statuses) {
			c.Statuses[claimdesk.Status(claimdesk.Statuses[r.status].Code)]++
		}
		c.Days[dayDate(r.day)]++
	}
	c.Businesses = len(seen)
	for i, o := range claimdesk.Industries {
		c.Industries[o.Code] = len(losses[i])
		c.Losses[o.Code] = claimdesk.SummarizeLosses(losses[i])
	}
	return c
}

// The unfiltered counts kept as rows are applied, and a view's, equal a count of the rows after
// new rows and replaced ones: the same answer as a query that names every status (which counts
// the rows).
func TestRunningCountsMatchTally(t *testing.T) {
	incs, _ := claimdesk.ReferenceIncidents()
	inc := incs[0]
	var all []claimdesk.Status
	for _, o := range claimdesk.Statuses {
		all = append(all, claimdesk.Status(o.Code))
	}
	p := &projection{services: serviceIDs(inc), district: map[string]uint32{}, all: newRunning()}
	// A view of every row. Its 300 businesses file several times each: their rows counted in
	// the map, down to one (a bit) and to none as rows are replaced.
	every := newRunning()
	p.views = map[string]*view{"every": {f: filterOf(claimdesk.StatsQuery{Statuses: all}), agg: every}}
	for i, s := range inc.Services {
		if s.Paid {
			p.paidMask |= 1 << i
		}
	}
	rng := rand.New(rand.NewPCG(3, 5))
	start := inc.StartedAt.In(claimdesk.KST)
	row := func(id int64) *scannedRow {
		// Losses from a few round values (many equal, as claims are) and from anywhere.
		loss := []int64{0, 7, 500_000, 1_000_000, 1_000_000, rng.Int64N(1 << 40)}[rng.IntN(6)]
		return &scannedRow{id: id, incident: inc.ID, status: claimdesk.Statuses[rng.IntN(len(claimdesk.Statuses))].Code,
			channel: "web", region: claimdesk.Regions[rng.IntN(len(claimdesk.Regions))].Code,
			industry: claimdesk.Industries[rng.IntN(len(claimdesk.Industries))].Code,
			received: start.Add(time.Duration(rng.IntN(10*24)) * time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"),
			loss:     loss, brn: strconv.Itoa(rng.IntN(300)), services: inc.Services[rng.IntN(len(inc.Services))].ID,
			receipt: "R" + strconv.FormatInt(id, 10), start: "2022-10-15", end: "2022-10-16"}
	}
	for step := range 3000 {
		id := int64(step + 1)
		if step > 10 && rng.IntN(3) == 0 {
			id = int64(rng.IntN(step) + 1) // a report changed: its row replaced
		}
		if err := p.apply(row(id)); err != nil {
			t.Fatal(err)
		}
		if step%250 != 249 {
			continue
		}
		want := p.countRows(filterOf(claimdesk.StatsQuery{Statuses: all}))
		for name, got := range map[string]claimdesk.StatsCounts{"unfiltered": p.all.counts(p), "view": every.counts(p)} {
			if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w {
				t.Fatalf("after %d rows, %s:\n kept    %s\n counted %s", step+1, name, g, w)
			}
		}
	}
}

// A business's number is the same each time its key comes again, and differs from every other
// key's, whether the key fits the array (up to 31 bytes) or goes to the map of longer ones.
func TestBusinessNumbers(t *testing.T) {
	var bs businesses
	keys := []string{"", "a", "a\x00", "brn:123-45-67890", "phone:010-1234-5678", strings.Repeat("x", 31), strings.Repeat("x", 32),
		strings.Repeat("x", 31) + "y", "phone:+82 10-1234-5678 내선 123"}
	for round := range 2 {
		for i, k := range keys {
			if got := bs.number(k); got != uint32(i) {
				t.Fatalf("round %d: %q numbered %d, want %d", round, k, got, i)
			}
		}
	}
}

// A projection's rows give back each report's receipt as last applied: in the row when it has
// the printed form's length, in the map of others when not, and moved between them when a
// report's receipt changes from one to the other.
func TestProjectedReceipts(t *testing.T) {
	incs, _ := claimdesk.ReferenceIncidents()
	inc := incs[0]
	p := &projection{services: serviceIDs(inc), district: map[string]uint32{}, all: newRunning()}
	want := map[int64]string{}
	apply := func(id int64, receipt string) {
		r := &scannedRow{id: id, incident: inc.ID, status: "received", channel: "web", region: "11", industry: "food",
			received: "2022-10-16T01:00:00.000000Z", brn: "123-45-67890", receipt: receipt, start: "2022-10-15", end: "2022-10-16"}
		if err := p.apply(r); err != nil {
			t.Fatal(err)
		}
		want[id] = receipt
	}
	apply(1, "7QX-4M9-AKP")
	apply(2, "KD-2018-00042") // an older form
	apply(3, "000-0HM-X5Z")
	apply(2, "P9P-4S0-QCJ") // now in the row
	apply(3, "LEGACY-3")    // now in the map
	apply(5, "2TJ-2TD-6JM")
	receipt := receiptsOf(p.ids, p.pay, p.long)
	for i, id := range p.ids {
		if got := receipt(i); got != want[id] {
			t.Errorf("report %d: %q, want %q", id, got, want[id])
		}
	}
	if len(p.long) != 1 {
		t.Errorf("%d receipts kept outside the rows, want 1: %v", len(p.long), p.long)
	}
}
