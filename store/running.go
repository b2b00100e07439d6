package store

import (
	"maps"
	"math/bits"
	"slices"

	"github.com/claimdesk/claimdesk"
)

// The unfiltered statistics — the dashboard's first view, the public page — are the question
// asked most, and during an outage every question follows a commit. A projection therefore
// keeps them as its rows change (running), so that they cost no pass over a million rows: each
// applied row adds itself, and a row replaced takes its old self away first. The losses of an
// industry are kept in buckets by magnitude, each a count by value, so that an exact median or
// 90th percentile is a walk over the bucket counts and a sort of one bucket's distinct values.

// A filter asked a second time is kept the same way, as a view: the dashboard's filters are
// asked again and again while the outage goes on. The views are few (maxViews, the least
// recently used dropped) and each is built by one pass over the rows. A filter asked once is
// counted over the rows (projection.count).

// view is a filter's counts, kept as rows are applied.
type view struct {
	f    projFilter
	agg  *running
	used int // projection.tick when last asked
}

// maxViews bounds the filters kept per incident.
const maxViews = 8

// keep counts r in the unfiltered counts and in the views it passes, once more or once less.
func (p *projection) keep(r *projRow, d int) {
	p.all.add(r, p.paidMask, d)
	for _, v := range p.views {
		if v.f.match(r) {
			v.agg.add(r, p.paidMask, d)
		}
	}
}

// view returns the view of q (asked under key), built if q was asked before; nil for the
// unfiltered question (always kept) and for a first ask. The caller holds the write lock.
func (p *projection) view(key string, q claimdesk.StatsQuery) *running {
	if unfiltered(q) {
		return nil
	}
	p.tick++
	if v := p.views[key]; v != nil {
		v.used = p.tick
		return v.agg
	}
	if !p.asked[key] {
		if len(p.asked) >= maxStatsEntries {
			clear(p.asked)
		}
		p.asked[key] = true
		return nil
	}
	if len(p.views) >= maxViews {
		oldest := ""
		for k, v := range p.views {
			if oldest == "" || v.used < p.views[oldest].used {
				oldest = k
			}
		}
		delete(p.views, oldest)
	}
	v := &view{f: filterOf(q), agg: newSparseRunning(), used: p.tick}
	for i := range p.rows {
		if v.f.match(&p.rows[i]) {
			v.agg.add(&p.rows[i], p.paidMask, 1)
		}
	}
	p.views[key] = v
	return v.agg
}

// unfiltered reports whether q asks for every report.
func unfiltered(q claimdesk.StatsQuery) bool {
	return len(q.Statuses) == 0 && q.From.IsZero() && q.To.IsZero() && q.Region == "" && q.Industry == "" && q.Channel == ""
}

// running is a projection's unfiltered counts, or a view's.
type running struct {
	total, paid                   int
	loss                          int64
	services                      [64]int
	industries, regions, statuses [256]int
	days                          map[int32]int
	byBusiness                    []int32          // rows per business (projection.biz's numbers)
	sparse                        map[uint32]int32 // the same while few (a narrow view), then byBusiness
	sparseMax                     int              // how many businesses sparse holds before byBusiness takes over
	businesses                    int              // businesses with a row
	losses                        [256]*lossBuckets
}

func newRunning() *running { return &running{days: map[int32]int{}} }

// newSparseRunning is a view's: its count per business starts as a map, which a narrow filter
// keeps small, and becomes an array of the incident's size past sparseBusinesses.
func newSparseRunning() *running {
	a := newRunning()
	a.sparse, a.sparseMax = map[uint32]int32{}, sparseBusinesses
	return a
}

// sparseBusinesses is where a view's map of businesses (some 30 bytes an entry) gives way to an
// array (4 bytes for each of the incident's businesses).
const sparseBusinesses = 1 << 16

// bump adds d to business b's rows, and returns what it was.
func (a *running) bump(b uint32, d int32) int32 {
	if a.sparse != nil {
		was := a.sparse[b]
		if was+d == 0 {
			delete(a.sparse, b)
		} else {
			a.sparse[b] = was + d
		}
		if len(a.sparse) > a.sparseMax {
			for k, n := range a.sparse {
				for int(k) >= len(a.byBusiness) {
					a.byBusiness = append(a.byBusiness, 0)
				}
				a.byBusiness[k] = n
			}
			a.sparse = nil
		}
		return was
	}
	for int(b) >= len(a.byBusiness) {
		a.byBusiness = append(a.byBusiness, 0)
	}
	was := a.byBusiness[b]
	a.byBusiness[b] += d
	return was
}

// add counts r once more (d = 1) or once less (d = -1).
func (a *running) add(r *projRow, paidMask uint64, d int) {
	a.total += d
	a.loss += int64(d) * r.loss
	if r.services&paidMask != 0 {
		a.paid += d
	}
	for m := r.services; m != 0; m &= m - 1 {
		a.services[bits.TrailingZeros64(m)] += d
	}
	a.industries[r.industry] += d
	a.regions[r.region] += d
	a.statuses[r.status] += d
	if a.days[r.day] += d; a.days[r.day] == 0 {
		delete(a.days, r.day)
	}
	switch was := a.bump(r.biz, int32(d)); {
	case was == 0 && d > 0:
		a.businesses++
	case was == 1 && d < 0:
		a.businesses--
	}
	l := a.losses[r.industry]
	if l == nil {
		l = &lossBuckets{}
		a.losses[r.industry] = l
	}
	l.add(r.loss, d)
}

// counts are the statistics of every row, as projection.count gives them for an empty query.
func (a *running) counts(p *projection) claimdesk.StatsCounts {
	c := claimdesk.StatsCounts{Total: a.total, Paid: a.paid, Businesses: a.businesses, Loss: a.loss,
		Services: map[string]int{}, Industries: map[string]int{}, Regions: map[string]int{},
		Statuses: map[claimdesk.Status]int{}, Days: map[claimdesk.Date]int{}, Losses: map[string]claimdesk.LossSummary{}}
	for i, id := range p.services {
		c.Services[id] = a.services[i]
	}
	for i, o := range claimdesk.Industries {
		c.Industries[o.Code] = a.industries[i]
		c.Losses[o.Code] = a.losses[i].summary()
	}
	for i, o := range claimdesk.Regions {
		c.Regions[o.Code] = a.regions[i]
	}
	for i, o := range claimdesk.Statuses {
		c.Statuses[claimdesk.Status(o.Code)] = a.statuses[i]
	}
	for d, n := range a.days {
		c.Days[dayDate(d)] = n
	}
	return c
}

// lossBuckets is a multiset of losses: bucket i holds the values whose bucketOf is i, as a
// count by value.
type lossBuckets struct {
	n      int
	sum    int64
	counts [lossBucketCount]int
	values [lossBucketCount]map[int64]int
}

// lossBucketCount covers every int64 at 16 buckets per power of two (see bucketOf).
const lossBucketCount = 1024

// bucketOf orders values by magnitude: 0 to 15 each their own, then 16 buckets per power of two.
// Losses are never negative; a negative value goes with 0.
func bucketOf(v int64) int {
	if v < 16 {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - 1 // 4 and up
	return (e-3)*16 + int(v>>(e-4)&15)
}

func (l *lossBuckets) add(v int64, d int) {
	i := bucketOf(v)
	if l.values[i] == nil {
		l.values[i] = map[int64]int{}
	}
	l.n, l.sum, l.counts[i] = l.n+d, l.sum+int64(d)*v, l.counts[i]+d
	if l.values[i][v] += d; l.values[i][v] == 0 {
		delete(l.values[i], v)
	}
}

// summary is claimdesk.SummarizeLosses of the values, without them.
func (l *lossBuckets) summary() claimdesk.LossSummary {
	if l == nil || l.n == 0 {
		return claimdesk.LossSummary{}
	}
	median, p90 := claimdesk.LossRanks(l.n)
	return claimdesk.LossSummary{Count: l.n, Sum: l.sum, Median: l.at(median), P90: l.at(p90)}
}

// at is the value of rank k (from 0) in ascending order.
func (l *lossBuckets) at(k int) int64 {
	for i, n := range l.counts {
		if k >= n {
			k -= n
			continue
		}
		for _, v := range slices.Sorted(maps.Keys(l.values[i])) {
			if k < l.values[i][v] {
				return v
			}
			k -= l.values[i][v]
		}
	}
	return 0 // k beyond the values: not asked
}
