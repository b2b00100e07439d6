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

// StatsBuilder accumulates reports into an incident's statistics, in one pass.
type StatsBuilder struct {
	inc        *Incident
	q          StatsQuery
	total      int
	loss       int64
	businesses map[uint64]struct{} // hashes of the business keys: a million strings cost more
	services   map[string]int
	industries map[string]int
	regions    map[string]int
	statuses   map[Status]int
	days       map[Date]int
	paid       int
	losses     map[string][]int64
}

// NewStatsBuilder starts the statistics of inc for the query q.
func NewStatsBuilder(inc *Incident, q StatsQuery) *StatsBuilder {
	return &StatsBuilder{inc: inc, q: q, businesses: map[uint64]struct{}{}, services: map[string]int{},
		industries: map[string]int{}, regions: map[string]int{}, statuses: map[Status]int{},
		days: map[Date]int{}, losses: map[string][]int64{}}
}

// Matches reports whether a report is in the query, for stores that cannot filter themselves.
func (q StatsQuery) Matches(r *StatsRow) bool {
	d := DateOf(r.ReceivedAt)
	return (len(q.Statuses) == 0 || slices.Contains(q.Statuses, r.Status)) &&
		(q.From.IsZero() || !d.Before(q.From)) && (q.To.IsZero() || !d.After(q.To)) &&
		(q.Region == "" || q.Region == r.Region) && (q.Industry == "" || q.Industry == r.Industry) &&
		(q.Channel == "" || q.Channel == r.Channel)
}

// Add counts one report.
func (b *StatsBuilder) Add(r *StatsRow) {
	b.total++
	b.loss += r.ClaimedLoss
	// A business is its business number, or its phone when it has none. 64-bit hashes stand
	// for the keys: a collision among a million is less likely than one in ten million.
	h := fnv.New64a()
	if r.BusinessNumber != "" {
		h.Write([]byte("brn:" + r.BusinessNumber))
	} else {
		h.Write([]byte("phone:" + r.Phone))
	}
	b.businesses[h.Sum64()] = struct{}{}
	paid := false
	for _, s := range r.Services {
		b.services[s]++
		if svc, ok := b.inc.Service(s); ok && svc.Paid {
			paid = true
		}
	}
	if paid {
		b.paid++
	}
	b.industries[r.Industry]++
	b.regions[r.Region]++
	b.statuses[r.Status]++
	b.days[DateOf(r.ReceivedAt)]++
	b.losses[r.Industry] = append(b.losses[r.Industry], r.ClaimedLoss)
}

// Stats returns the tables, as of asOf.
func (b *StatsBuilder) Stats(asOf time.Time) *Stats {
	s := &Stats{Incident: b.inc.ID, AsOf: asOf.In(KST), Filter: b.q, TotalReports: b.total,
		TotalBusinesses: len(b.businesses), TotalClaimedLoss: b.loss, ByDay: []DayCount{}}
	share := func(n int) float64 { return Share(n, b.total) }
	// Services in the incident's order of importance: most named first, then as listed.
	for _, svc := range b.inc.Services {
		s.ByService = append(s.ByService, ServiceCount{svc.ID, svc.Name, svc.Paid, b.services[svc.ID], share(b.services[svc.ID])})
	}
	sort.SliceStable(s.ByService, func(i, j int) bool { return s.ByService[i].Count > s.ByService[j].Count })
	for _, o := range Industries {
		s.ByIndustry = append(s.ByIndustry, CodeCount{Industry: o.Code, Name: o.Label, Count: b.industries[o.Code], Share: share(b.industries[o.Code])})
	}
	for _, o := range Regions {
		s.ByRegion = append(s.ByRegion, CodeCount{Region: o.Code, Name: o.Label, Count: b.regions[o.Code], Share: share(b.regions[o.Code])})
	}
	sort.SliceStable(s.ByRegion, func(i, j int) bool { return s.ByRegion[i].Count > s.ByRegion[j].Count })
	s.PaidVsFree = PaidVsFree{Paid: ShareCount{b.paid, share(b.paid)}, Free: ShareCount{b.total - b.paid, share(b.total - b.paid)}}
	if len(b.days) > 0 {
		var first, last Date
		for d := range b.days {
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
			cum += b.days[d]
			s.ByDay = append(s.ByDay, DayCount{d, b.days[d], cum})
		}
	}
	for _, o := range Industries {
		l := b.losses[o.Code]
		slices.Sort(l)
		il := IndustryLoss{Industry: o.Code, Name: o.Label, Count: len(l)}
		for _, v := range l {
			il.Sum += v
		}
		il.Median, il.P90 = nearestRank(l, 0.5), nearestRank(l, 0.9)
		s.LossByIndustry = append(s.LossByIndustry, il)
	}
	for _, o := range Statuses {
		n := b.statuses[Status(o.Code)]
		s.ByStatus = append(s.ByStatus, StatusCount{Status(o.Code), o.Label, n, share(n)})
	}
	return s
}

// Share is n of total as a fraction rounded to four decimals; 0 when total is 0.
func Share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(total)*10000) / 10000
}

// nearestRank is the p-th percentile of sorted values by the nearest-rank method: the value at
// rank ceil(p*n). 0 for no values.
func nearestRank(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
