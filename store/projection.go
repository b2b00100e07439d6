package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/claimdesk/claimdesk"
)

// The statistics are answered from memory: each incident's reports held as compact rows (a
// byte per code, a day number, a business number, a bitmask of services: about 32 bytes a
// report), built once from one scan and kept up to date by following the reports' change
// numbers (see Tx.nextChange). Before answering, the store asks for the changes after the last
// it applied: every report committed before that question, by this process or another, is in
// the answer, and AsOf says when the question was asked. Any filter is then a pass over memory.

// catchUpEvery bounds how often the changes are asked for while this process writes nothing: a
// crowd of readers shares one question every so often, and another server's commits are in an
// answer at most this much after them. This process's own commits are asked for at once.
const catchUpEvery = 50 * time.Millisecond

// projections are the in-memory statistics of the incidents asked about so far.
type projections struct {
	mu         sync.RWMutex
	started    bool
	seq        int64     // the changes applied, through this number
	caughtUp   time.Time // when the last question for changes was asked (real time, for the bound)
	asOf       time.Time // the same by the store's clock, for the answers' AsOf
	written    int64     // this process's commits then (DB.version): its own writes are read at once
	byIncident map[string]*projection
}

// projection is one incident's reports in memory.
type projection struct {
	services []string // the incident's service IDs: bit i of a row's mask is services[i]
	paidMask uint64
	ids      []int64 // the reports' IDs, ascending, beside their rows
	rows     []projRow
	biz      map[string]uint32 // business keys, numbered (see claimdesk.BusinessKey)
	changes  int               // rows applied since the projection was built: a result cache key
	results  map[string]*projResult
}

type projRow struct {
	loss                              int64
	services                          uint64
	day                               int32 // days since 1970-01-01, KST
	biz                               uint32
	status, channel, region, industry uint8
}

type projResult struct {
	changes int
	stats   *claimdesk.Stats
}

// noCode marks a value that is not in its list.
const noCode = 255

var projChannels = []claimdesk.Channel{claimdesk.ChannelWeb, claimdesk.ChannelAPI, claimdesk.ChannelStaff, claimdesk.ChannelImport}

func codeIndex(o claimdesk.Options, code string) uint8 {
	for i, opt := range o {
		if opt.Code == code {
			return uint8(i)
		}
	}
	return noCode
}

func channelIndex(c claimdesk.Channel) uint8 {
	if i := slices.Index(projChannels, c); i >= 0 {
		return uint8(i)
	}
	return noCode
}

// kstDay is the KST day of t as a day number, and back.
func kstDay(t time.Time) int32 { return int32((t.Unix() + 9*3600) / 86400) }

func dayDate(d int32) claimdesk.Date { return claimdesk.DateOf(time.Unix(int64(d)*86400-9*3600, 0)) }

// projectable reports whether inc's services fit a row's bitmask.
func projectable(inc *claimdesk.Incident) bool { return len(inc.Services) <= 64 }

// projectedStats answers q for inc from memory, asking for the changes first (at most every
// catchUpEvery), and building the incident's projection on first use.
func (db *DB) projectedStats(ctx context.Context, inc *claimdesk.Incident, q claimdesk.StatsQuery) (*claimdesk.Stats, error) {
	ps := &db.projections
	ps.mu.Lock()
	p, err := ps.prepare(ctx, db, inc)
	if err != nil {
		ps.mu.Unlock()
		return nil, err
	}
	asOf := ps.asOf
	key := statsKey(q)
	if r := p.results[key]; r != nil && r.changes == p.changes {
		ps.mu.Unlock()
		return r.stats, nil
	}
	changes := p.changes
	ps.mu.Unlock()

	ps.mu.RLock()
	c := p.count(q)
	ps.mu.RUnlock()
	st := c.Stats(inc, q, asOf)

	ps.mu.Lock()
	if len(p.results) >= maxStatsEntries {
		clear(p.results)
	}
	p.results[key] = &projResult{changes, st}
	ps.mu.Unlock()
	return st, nil
}

// maxStatsEntries bounds each incident's kept results: filtered views beyond it start afresh.
const maxStatsEntries = 256

func statsKey(q claimdesk.StatsQuery) string {
	st := make([]string, len(q.Statuses))
	for i, s := range q.Statuses {
		st[i] = string(s)
	}
	return strings.Join(st, ",") + "|" + q.From.String() + "|" + q.To.String() + "|" + q.Region + "|" + q.Industry + "|" + string(q.Channel)
}

// prepare brings the projections up to date and returns inc's, built if need be; ps.mu is held.
func (ps *projections) prepare(ctx context.Context, db *DB, inc *claimdesk.Incident) (*projection, error) {
	if !ps.started {
		// The changes to follow are those after now: what is committed now, a build reads.
		var last sql.NullInt64
		if err := db.reader().QueryRowContext(ctx, `SELECT max(change_seq) FROM reports`).Scan(&last); err != nil {
			return nil, fmt.Errorf("statistics: %w", err)
		}
		ps.seq, ps.started, ps.caughtUp, ps.asOf, ps.byIncident = last.Int64, true, time.Now(), db.Now(), map[string]*projection{}
	}
	if time.Since(ps.caughtUp) >= catchUpEvery || db.version.Load() != ps.written {
		if err := ps.catchUp(ctx, db); err != nil {
			return nil, err
		}
	}
	p := ps.byIncident[inc.ID]
	if p == nil || !slices.Equal(p.services, serviceIDs(inc)) {
		// New, or its services changed (their bits with them): built again.
		var err error
		if p, err = buildProjection(ctx, db, inc); err != nil {
			return nil, err
		}
		ps.byIncident[inc.ID] = p
	}
	return p, nil
}

func serviceIDs(inc *claimdesk.Incident) []string {
	ids := make([]string, len(inc.Services))
	for i, s := range inc.Services {
		ids[i] = s.ID
	}
	return ids
}

// projColumns are what a projection reads of a report.
const projColumns = `id, change_seq, incident_id, status, channel, region, industry, received_at, claimed_loss, business_number, phone, services`

// catchUp applies the changes since the last; ps.mu is held.
func (ps *projections) catchUp(ctx context.Context, db *DB) error {
	asked, asOf, written := time.Now(), db.Now(), db.version.Load()
	rows, err := db.reader().QueryContext(ctx, `SELECT `+projColumns+` FROM reports WHERE change_seq > ? ORDER BY change_seq`, ps.seq)
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	defer rows.Close()
	var r scannedRow
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return err
		}
		if p := ps.byIncident[r.incident]; p != nil {
			if err := p.apply(&r); err != nil {
				return err
			}
		}
		ps.seq = max(ps.seq, r.seq)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	ps.caughtUp, ps.asOf, ps.written = asked, asOf, written
	return nil
}

// buildProjection reads all of inc's reports.
func buildProjection(ctx context.Context, db *DB, inc *claimdesk.Incident) (*projection, error) {
	p := &projection{services: serviceIDs(inc), biz: map[string]uint32{}, results: map[string]*projResult{}}
	for i, s := range inc.Services {
		if s.Paid {
			p.paidMask |= 1 << i
		}
	}
	// The + keeps SQLite on the table, read in order (see computeStats).
	rows, err := db.reader().QueryContext(ctx, `SELECT `+projColumns+` FROM reports WHERE +incident_id = ? ORDER BY id`, inc.ID)
	if err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	defer rows.Close()
	var r scannedRow
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, err
		}
		if err := p.apply(&r); err != nil {
			return nil, err
		}
	}
	return p, rows.Err()
}

// scannedRow is a report as a projection reads it.
type scannedRow struct {
	id, seq, loss                                      int64
	incident, status, channel, region, industry, phone string
	received, brn, services                            string
	hours                                              map[string]time.Time // parsed hours, reused
}

func (r *scannedRow) scan(rows *sql.Rows) error {
	return rows.Scan(&r.id, &r.seq, &r.incident, &r.status, &r.channel, &r.region, &r.industry, &r.received, &r.loss,
		&r.brn, &r.phone, &r.services)
}

// day is the row's KST day; many reports share an hour, parsed once.
func (r *scannedRow) day() (int32, error) {
	if len(r.received) < 13 {
		return 0, fmt.Errorf("statistics: stored time %q", r.received)
	}
	if r.hours == nil {
		r.hours = map[string]time.Time{}
	}
	at, ok := r.hours[r.received[:13]]
	if !ok {
		var err error
		if at, err = parseTime(r.received[:13] + ":00:00.000000Z"); err != nil {
			return 0, err
		}
		r.hours[r.received[:13]] = at
	}
	return kstDay(at), nil
}

// apply puts a report's current state in the projection: a new row, or its row replaced.
func (p *projection) apply(r *scannedRow) error {
	day, err := r.day()
	if err != nil {
		return err
	}
	key := claimdesk.BusinessKey(r.brn, r.phone)
	b, ok := p.biz[key]
	if !ok {
		b = uint32(len(p.biz))
		p.biz[key] = b
	}
	row := projRow{loss: r.loss, day: day, biz: b, status: codeIndex(claimdesk.Statuses, r.status),
		channel: channelIndex(claimdesk.Channel(r.channel)), region: codeIndex(claimdesk.Regions, r.region),
		industry: codeIndex(claimdesk.Industries, r.industry)}
	for rest := r.services; rest != ""; {
		var svc string
		svc, rest, _ = strings.Cut(rest, ";")
		if i := slices.Index(p.services, svc); i >= 0 {
			row.services |= 1 << i
		}
	}
	p.changes++
	n := len(p.ids)
	if n == 0 || p.ids[n-1] < r.id { // the usual case: a new report
		p.ids, p.rows = append(p.ids, r.id), append(p.rows, row)
		return nil
	}
	i := sort.Search(n, func(i int) bool { return p.ids[i] >= r.id })
	if i < n && p.ids[i] == r.id {
		p.rows[i] = row
		return nil
	}
	p.ids, p.rows = slices.Insert(p.ids, i, r.id), slices.Insert(p.rows, i, row)
	return nil
}

// count tallies the rows that match q.
func (p *projection) count(q claimdesk.StatsQuery) claimdesk.StatsCounts {
	var statusMask uint32
	for _, st := range q.Statuses {
		if i := codeIndex(claimdesk.Statuses, string(st)); i != noCode {
			statusMask |= 1 << i
		}
	}
	anyStatus := len(q.Statuses) == 0
	from, to := int32(-1<<31), int32(1<<31-1)
	if !q.From.IsZero() {
		from = kstDay(q.From.Start())
	}
	if !q.To.IsZero() {
		to = kstDay(q.To.Start())
	}
	match := func(code string, idx func() uint8) (uint8, bool) {
		if code == "" {
			return 0, false
		}
		return idx(), true
	}
	region, byRegion := match(q.Region, func() uint8 { return codeIndex(claimdesk.Regions, q.Region) })
	industry, byIndustry := match(q.Industry, func() uint8 { return codeIndex(claimdesk.Industries, q.Industry) })
	channel, byChannel := match(string(q.Channel), func() uint8 { return channelIndex(q.Channel) })
	if (byRegion && region == noCode) || (byIndustry && industry == noCode) || (byChannel && channel == noCode) {
		statusMask, anyStatus = 0, false // a code that is not in its list matches nothing
	}

	var (
		total, paid                   int
		loss                          int64
		services                      [64]int
		industries, regions, statuses [256]int
		days                          = map[int32]int{}
		losses                        [256][]int64
		seen                          = make([]uint64, len(p.biz)/64+1)
		businesses                    int
	)
	for i := range p.rows {
		r := &p.rows[i]
		if (!anyStatus && statusMask&(1<<r.status) == 0) || r.day < from || r.day > to ||
			(byRegion && r.region != region) || (byIndustry && r.industry != industry) || (byChannel && r.channel != channel) {
			continue
		}
		total++
		loss += r.loss
		if seen[r.biz/64]&(1<<(r.biz%64)) == 0 {
			seen[r.biz/64] |= 1 << (r.biz % 64)
			businesses++
		}
		if r.services&p.paidMask != 0 {
			paid++
		}
		for m := r.services; m != 0; m &= m - 1 {
			services[bits.TrailingZeros64(m)]++
		}
		industries[r.industry]++
		regions[r.region]++
		statuses[r.status]++
		days[r.day]++
		losses[r.industry] = append(losses[r.industry], r.loss)
	}
	c := claimdesk.StatsCounts{Total: total, Paid: paid, Businesses: businesses, Loss: loss,
		Services: map[string]int{}, Industries: map[string]int{}, Regions: map[string]int{},
		Statuses: map[claimdesk.Status]int{}, Days: map[claimdesk.Date]int{}, Losses: map[string]claimdesk.LossSummary{}}
	for i, id := range p.services {
		c.Services[id] = services[i]
	}
	for i, o := range claimdesk.Industries {
		c.Industries[o.Code] = industries[i]
		c.Losses[o.Code] = claimdesk.SummarizeLosses(losses[i])
	}
	for i, o := range claimdesk.Regions {
		c.Regions[o.Code] = regions[i]
	}
	for i, o := range claimdesk.Statuses {
		c.Statuses[claimdesk.Status(o.Code)] = statuses[i]
	}
	for d, n := range days {
		c.Days[dayDate(d)] = n
	}
	return c
}
