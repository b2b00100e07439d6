package demo_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/demo"
)

func incident(t *testing.T, id string) *claimdesk.Incident {
	incs, err := claimdesk.ReferenceIncidents()
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range incs {
		if inc.ID == id {
			return inc
		}
	}
	t.Fatalf("no %s", id)
	return nil
}

// Demo reports are valid, and their shares are those the federation published, within a
// sampling margin.
func TestGenerator(t *testing.T) {
	inc := incident(t, "kakao-2022-10")
	g := demo.New(inc, 7)
	const n = 20000
	services, industries := map[string]int{}, map[string]int{}
	var losses []int64
	var first, last time.Time
	perDay := map[claimdesk.Date]int{}
	for i := range n {
		r, at := g.Report()
		if err := r.Validate(inc, time.Now()); err != nil {
			t.Fatalf("report %d invalid: %v\n%+v", i, err, r)
		}
		for _, s := range r.Services {
			services[s]++
		}
		industries[r.Industry]++
		losses = append(losses, r.ClaimedLoss)
		perDay[claimdesk.DateOf(at)]++
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	share := func(c int) float64 { return float64(c) / n }
	for id, want := range map[string]float64{"talk-channel": 0.496, "kakao-pay": 0.3793, "login": 0.2513} {
		if got := share(services[id]); math.Abs(got-want) > 0.03 {
			t.Errorf("service %s: share %.3f, want about %.3f", id, got, want)
		}
	}
	for id, want := range map[string]float64{"food": 0.2692, "transport": 0.2017, "other": 0.1339} {
		if got := share(industries[id]); math.Abs(got-want) > 0.02 {
			t.Errorf("industry %s: share %.3f, want about %.3f", id, got, want)
		}
	}
	slices.Sort(losses)
	if median := losses[n/2]; median < 200_000 || median > 800_000 {
		t.Errorf("median loss %d", median)
	}
	if claimdesk.DateOf(first).String() != "2022-10-16" || last.Sub(first) > 19*24*time.Hour {
		t.Errorf("received from %v to %v", first, last)
	}
	// Fewer each day, as in 2022: the last day is not a heap of the tail.
	if a, b := perDay[claimdesk.DateOf(first)], perDay[claimdesk.DateOf(last)]; b*10 > a {
		t.Errorf("%d reports on the first day, %d on the last", a, b)
	}
	// The same seed makes the same reports.
	a, _ := demo.New(inc, 3).Report()
	b, _ := demo.New(inc, 3).Report()
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("the generator is not deterministic")
	}
	// Another incident's reports are valid for it.
	kt := incident(t, "kt-2018-11")
	k := demo.New(kt, 1)
	for range 500 {
		r, _ := k.Report()
		if err := r.Validate(kt, time.Now()); err != nil {
			t.Fatalf("KT report invalid: %v", err)
		}
	}
}
