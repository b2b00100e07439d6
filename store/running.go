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

// A filter is kept the same way, as a view, from its first ask: the dashboard's filters are
// asked again and again while the outage goes on. The views are few (maxViews, the least
// recently used dropped) and each is built by one pass over the rows, which costs about what
// counting them once would.

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

// view returns the counts that answer q (asked under key): the unfiltered ones, or a view,
// built if it is not kept. The caller holds the write lock.
func (p *projection) view(key string, q claimdesk.StatsQuery) *running {
	if unfiltered(q) {
		return p.all
	}
	p.tick++
	if v := p.views[key]; v != nil {
		v.used = p.tick
		return v.agg
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
	v := &view{f: filterOf(q), agg: newRunning(), used: p.tick}
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
	firstDay                      int32            // the day of days[0]
	days                          []int            // rows by day received, from firstDay
	seen                          []uint64         // a bit per business with a row (projection.biz's numbers)
	multi                         map[uint32]int32 // rows per business, for those with more than one
	businesses                    int              // businesses with a row
	losses                        [256]*lossBuckets
}

func newRunning() *running { return &running{multi: map[uint32]int32{}} }

// bump adds d to business b's rows, and returns what it was. Most businesses file once: a
// bit each says it has a row, and only those with more are counted in a map. The bits of a
// million businesses take 125 kB, which stays in the processor's cache as a view is built.
func (a *running) bump(b uint32, d int32) int32 {
	w, bit := int(b/64), uint64(1)<<(b%64)
	if w >= len(a.seen) {
		a.seen = append(a.seen, make([]uint64, w+1-len(a.seen))...)
	}
	was := int32(0)
	if a.seen[w]&bit != 0 {
		was = 1
		if n, ok := a.multi[b]; ok {
			was = n
		}
	}
	switch now := was + d; {
	case now <= 0:
		a.seen[w] &^= bit
	case now == 1:
		a.seen[w] |= bit
		if was > 1 {
			delete(a.multi, b)
		}
	default:
		a.seen[w] |= bit
		a.multi[b] = now
	}
	return was
}

// addDay adds d to the rows received on day.
func (a *running) addDay(day int32, d int) {
	switch {
	case len(a.days) == 0:
		a.firstDay, a.days = day, []int{0}
	case day < a.firstDay:
		a.days = append(make([]int, a.firstDay-day, int(a.firstDay-day)+len(a.days)), a.days...)
		a.firstDay = day
	case int(day-a.firstDay) >= len(a.days):
		a.days = append(a.days, make([]int, int(day-a.firstDay)+1-len(a.days))...)
	}
	a.days[day-a.firstDay] += d
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
	a.addDay(r.day, d)
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
	for i, n := range a.days {
		if n != 0 {
			c.Days[dayDate(a.firstDay+int32(i))] = n
		}
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
