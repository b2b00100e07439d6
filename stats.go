package claimdesk

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"time"
)

// Stats are the damage-scale tables of one incident, as the federation published them in 2022:
// shares by affected service (several per report, so they add up to more than 100%), by
// industry, by region, paid against free services, reports per day, claimed loss by industry,
// and the review funnel. Shares are fractions rounded to four decimals; the same numbers appear
// on the pages and in the exports.
type Stats struct {
	Incident         string     `json:"incident"`
	AsOf             time.Time  `json:"as_of"` // when these were computed
	Filter           StatsQuery `json:"filter"`
	TotalReports     int        `json:"total_reports"`
	TotalBusinesses  int        `json:"total_businesses"` // distinct business numbers (phones, for reports without one)
	TotalClaimedLoss int64      `json:"total_claimed_loss"`

	ByService      []ServiceCount `json:"by_service"`
	ByIndustry     []CodeCount    `json:"by_industry"`
	ByRegion       []CodeCount    `json:"by_region"`
	PaidVsFree     PaidVsFree     `json:"paid_vs_free"`
	ByDay          []DayCount     `json:"by_day"`
	LossByIndustry []IndustryLoss `json:"loss_by_industry"`
	ByStatus       []StatusCount  `json:"by_status"`
}

// StatsQuery narrows the statistics; empty fields do not.
type StatsQuery struct {
	Statuses []Status `json:"status,omitempty"`
	From     Date     `json:"from,omitzero"` // received on or after, KST
	To       Date     `json:"to,omitzero"`   // received on or before, KST
	Region   string   `json:"region,omitempty"`
	Industry string   `json:"industry,omitempty"`
	Channel  Channel  `json:"channel,omitempty"`
}

// ServiceCount is how many reports named a service.
type ServiceCount struct {
	Service string  `json:"service"`
	Name    Label   `json:"name"`
	Paid    bool    `json:"paid"`
	Count   int     `json:"count"`
	Share   float64 `json:"share"`
}

// CodeCount is how many reports have one value of a coded field (an industry, a region).
type CodeCount struct {
	Industry string  `json:"industry,omitempty"`
	Region   string  `json:"region,omitempty"`
	Name     Label   `json:"name"`
	Count    int     `json:"count"`
	Share    float64 `json:"share"`
}

// Code is the industry or region code of a row.
func (c CodeCount) Code() string { return c.Industry + c.Region }

// PaidVsFree splits reports into those naming at least one paid service and those naming only
// free ones.
type PaidVsFree struct {
	Paid ShareCount `json:"paid"`
	Free ShareCount `json:"free"`
}

// ShareCount is a count and its share of all reports.
type ShareCount struct {
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

// DayCount is the reports received on one KST day, and the running total.
type DayCount struct {
	Date       Date `json:"date"`
	Count      int  `json:"count"`
	Cumulative int  `json:"cumulative"`
}

// IndustryLoss summarises the claimed losses of one industry. The median and the 90th
// percentile are by the nearest-rank method: actual claims, whole won.
type IndustryLoss struct {
	Industry string `json:"industry"`
	Name     Label  `json:"name"`
	Count    int    `json:"count"`
	Sum      int64  `json:"sum"`
	Median   int64  `json:"median"`
	P90      int64  `json:"p90"`
}

// StatusCount is one step of the review funnel.
type StatusCount struct {
	Status Status  `json:"status"`
	Name   Label   `json:"name"`
	Count  int     `json:"count"`
	Share  float64 `json:"share"`
}

// StatsService computes an incident's statistics.
type StatsService interface {
	// IncidentStats returns the tables for the reports of the incident that match q. They
	// may be a few seconds old (AsOf says when), so that a dashboard watched during an intake
	// storm does not recompute them for every viewer. Returns ENOTFOUND.
	IncidentStats(ctx context.Context, incident string, q StatsQuery) (*Stats, error)
}

// StatsRow is what the statistics need of one report.
type StatsRow struct {
	Status         Status
	Channel        Channel
	Region         string
	Industry       string
	ReceivedAt     time.Time
	ClaimedLoss    int64
	BusinessNumber string
	Phone          string
	Services       []string
}

// StatsCounts are the tallies an incident's tables are made of, however they were counted: one
// pass of a StatsBuilder over stored rows, or the in-memory projection of a store.
type StatsCounts struct {
	Total, Paid, Businesses int
	Loss                    int64
	Services                map[string]int
	Industries              map[string]int
	Regions                 map[string]int
	Statuses                map[Status]int
	Days                    map[Date]int
	Losses                  map[string]LossSummary // by industry
}

// LossSummary is the count, sum, median and 90th percentile of some claimed losses.
type LossSummary struct {
	Count       int
	Sum         int64
	Median, P90 int64
}

// LossRanks are the ranks (from 0, in ascending order) of the median and of the 90th percentile
// among n losses, by the nearest-rank method.
func LossRanks(n int) (median, p90 int) {
	rank := func(p float64) int { return max(int(math.Ceil(p*float64(n))), 1) - 1 }
	return rank(0.5), rank(0.9)
}

// SummarizeLosses summarises losses, reordering them: the median and the 90th percentile are by
// the nearest-rank method (actual claims, whole won), found by selection rather than a sort.
func SummarizeLosses(losses []int64) LossSummary {
	l := LossSummary{Count: len(losses)}
	for _, v := range losses {
		l.Sum += v
	}
	if len(losses) == 0 {
		return l
	}
	m, p := LossRanks(len(losses))
	l.Median = selectRank(losses, m)
	l.P90 = selectRank(losses[m:], p-m) // selection left everything from m on at least the median
	return l
}

// selectRank returns the value at rank k (from 0) of v as sorted, reordering v so that what is
// before k is no greater and what is after no smaller (Hoare's selection, median of three).
func selectRank(v []int64, k int) int64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// Stats lays the counts out as the tables of inc for q, as of asOf.
func (c *StatsCounts) Stats(inc *Incident, q StatsQuery, asOf time.Time) *Stats {
	s := &Stats{Incident: inc.ID, AsOf: asOf.In(KST), Filter: q, TotalReports: c.Total,
		TotalBusinesses: c.Businesses, TotalClaimedLoss: c.Loss, ByDay: []DayCount{}}
	share := func(n int) float64 { return Share(n, c.Total) }
	// Services in the incident's order of importance: most named first, then as listed.
	for _, svc := range inc.Services {
		s.ByService = append(s.ByService, ServiceCount{svc.ID, svc.Name, svc.Paid, c.Services[svc.ID], share(c.Services[svc.ID])})
	}
	sort.SliceStable(s.ByService, func(i, j int) bool { return s.ByService[i].Count > s.ByService[j].Count })
	for _, o := range Industries {
		s.ByIndustry = append(s.ByIndustry, CodeCount{Industry: o.Code, Name: o.Label, Count: c.Industries[o.Code], Share: share(c.Industries[o.Code])})
	}
	for _, o := range Regions {
		s.ByRegion = append(s.ByRegion, CodeCount{Region: o.Code, Name: o.Label, Count: c.Regions[o.Code], Share: share(c.Regions[o.Code])})
	}
	sort.SliceStable(s.ByRegion, func(i, j int) bool { return s.ByRegion[i].Count > s.ByRegion[j].Count })
	s.PaidVsFree = PaidVsFree{Paid: ShareCount{c.Paid, share(c.Paid)}, Free: ShareCount{c.Total - c.Paid, share(c.Total - c.Paid)}}
	if len(c.Days) > 0 {
		var first, last Date
		for d := range c.Days {
			if first.IsZero() || d.Before(first) {
				first = d
			}
			if d.After(last) {
				last = d
			}
		}
		cum := 0
		// Every day from the first report to the last, quiet days included, so the timeline
		// is a timeline.
		for d := first; !d.After(last); d = DateOf(d.Start().AddDate(0, 0, 1)) {
			cum += c.Days[d]
			s.ByDay = append(s.ByDay, DayCount{d, c.Days[d], cum})
		}
	}
	for _, o := range Industries {
		l := c.Losses[o.Code]
		s.LossByIndustry = append(s.LossByIndustry, IndustryLoss{Industry: o.Code, Name: o.Label, Count: l.Count, Sum: l.Sum,
			Median: l.Median, P90: l.P90})
	}
	for _, o := range Statuses {
		n := c.Statuses[Status(o.Code)]
		s.ByStatus = append(s.ByStatus, StatusCount{Status(o.Code), o.Label, n, share(n)})
	}
	return s
}

// StatsBuilder accumulates reports into an incident's statistics, in one pass.
type StatsBuilder struct {
	inc        *Incident
	q          StatsQuery
	c          StatsCounts
	businesses map[uint64]struct{} // hashes of the business keys: a million strings cost more
	losses     map[string][]int64
}

// NewStatsBuilder starts the statistics of inc for the query q.
func NewStatsBuilder(inc *Incident, q StatsQuery) *StatsBuilder {
	return &StatsBuilder{inc: inc, q: q, businesses: map[uint64]struct{}{}, losses: map[string][]int64{},
		c: StatsCounts{Services: map[string]int{}, Industries: map[string]int{}, Regions: map[string]int{},
			Statuses: map[Status]int{}, Days: map[Date]int{}}}
}

// Matches reports whether a report is in the query, for stores that cannot filter themselves.
func (q StatsQuery) Matches(r *StatsRow) bool {
	d := DateOf(r.ReceivedAt)
	return (len(q.Statuses) == 0 || slices.Contains(q.Statuses, r.Status)) &&
		(q.From.IsZero() || !d.Before(q.From)) && (q.To.IsZero() || !d.After(q.To)) &&
		(q.Region == "" || q.Region == r.Region) && (q.Industry == "" || q.Industry == r.Industry) &&
		(q.Channel == "" || q.Channel == r.Channel)
}

// BusinessKey is what counts a business once: its business number, or its phone when it has
// none.
func BusinessKey(businessNumber, phone string) string {
	if businessNumber != "" {
		return "brn:" + businessNumber
	}
	return "phone:" + phone
}

// Add counts one report.
func (b *StatsBuilder) Add(r *StatsRow) {
	c := &b.c
	c.Total++
	c.Loss += r.ClaimedLoss
	// 64-bit hashes stand for the business keys: a collision among a million is less likely
	// than one in ten million.
	h := fnv.New64a()
	h.Write([]byte(BusinessKey(r.BusinessNumber, r.Phone)))
	b.businesses[h.Sum64()] = struct{}{}
	paid := false
	for _, s := range r.Services {
		c.Services[s]++
		if svc, ok := b.inc.Service(s); ok && svc.Paid {
			paid = true
		}
	}
	if paid {
		c.Paid++
	}
	c.Industries[r.Industry]++
	c.Regions[r.Region]++
	c.Statuses[r.Status]++
	c.Days[DateOf(r.ReceivedAt)]++
	b.losses[r.Industry] = append(b.losses[r.Industry], r.ClaimedLoss)
}

// Stats returns the tables, as of asOf.
func (b *StatsBuilder) Stats(asOf time.Time) *Stats {
	b.c.Businesses = len(b.businesses)
	b.c.Losses = map[string]LossSummary{}
	for ind, l := range b.losses {
		b.c.Losses[ind] = SummarizeLosses(l)
	}
	return b.c.Stats(b.inc, b.q, asOf)
}

// Share is n of total as a fraction rounded to four decimals; 0 when total is 0.
func Share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(total)*10000) / 10000
}
