package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"maps"
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
// the answer, and AsOf says when the question was asked. The unfiltered counts, and a view of
// each filter asked lately, are kept as rows are applied (see running.go).

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
	services  []string // the incident's service IDs: bit i of a row's mask is services[i]
	paidMask  uint64
	ids       []int64 // the reports' IDs, ascending, beside their rows
	rows      []projRow
	pay       []payRow // what policies read besides, beside the rows (see reports)
	biz       businesses
	long      map[int64]string // receipts that do not fit payRow.receipt, by report ID
	districts []string         // district names by number, and their numbers
	district  map[string]uint32
	changes   int      // rows applied since the projection was built: a result cache key
	all       *running // the unfiltered counts, kept as rows are applied
	views     map[string]*view
	tick      int // questions answered by views, for the least recently used
	results   map[string]*projResult
}

type projRow struct {
	loss                              int64
	services                          uint64
	day                               int32 // days since 1970-01-01, KST
	biz                               uint32
	status, channel, region, industry uint8
}

// payRow is what compensation policies read of a report beyond the statistics' row. Neither
// it nor projRow holds a pointer: the garbage collector has no million of anything to walk,
// and a copy of the rows is a plain copy of memory.
type payRow struct {
	receipt                [receiptSize]byte // its printed form ("7QX-4M9-AKP"); zero for one in projection.long
	district               uint32            // interned (see projection.districts)
	damageStart, damageEnd int32             // day numbers
	sales                  int64             // usual daily sales; -1 for none given
}

// receiptSize is the length of a receipt's printed form (see claimdesk.NewReceipt).
const receiptSize = 11

// businesses numbers a projection's businesses (their claimdesk.BusinessKey) in the order first
// seen. A key is held in an array, not a string, so that a million of them are no work for the
// garbage collector; a key longer than the array goes to a map of strings.
type businesses struct {
	short map[shortKey]uint32
	long  map[string]uint32
}

type shortKey struct {
	n    uint8
	text [31]byte
}

// number returns the business's number, giving it the next if it is new.
func (bs *businesses) number(key string) uint32 {
	next := uint32(len(bs.short) + len(bs.long))
	if len(key) > len(shortKey{}.text) {
		return numberIn(&bs.long, key, next)
	}
	k := shortKey{n: uint8(len(key))}
	copy(k.text[:], key)
	return numberIn(&bs.short, k, next)
}

// numberIn returns k's number in *m, giving it next if it has none.
func numberIn[K comparable](m *map[K]uint32, k K, next uint32) uint32 {
	if b, ok := (*m)[k]; ok {
		return b
	}
	if *m == nil {
		*m = map[K]uint32{}
	}
	(*m)[k] = next
	return next
}

type projResult struct {
	changes int
	stats   *claimdesk.Stats
}

var projChannels = []claimdesk.Channel{claimdesk.ChannelWeb, claimdesk.ChannelAPI, claimdesk.ChannelStaff, claimdesk.ChannelImport}

func channelIndex(c claimdesk.Channel) uint8 {
	if i := slices.Index(projChannels, c); i >= 0 {
		return uint8(i)
	}
	return claimdesk.NotListed
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

	c := p.view(key, q).counts(p)
	ps.mu.Unlock()
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
const projColumns = `id, change_seq, incident_id, status, channel, region, industry, received_at, claimed_loss, business_number, phone, services,
	receipt, district, damage_start, damage_end, usual_daily_sales`

// catchUp applies the changes since the last; ps.mu is held.
func (ps *projections) catchUp(ctx context.Context, db *DB) error {
	asked, asOf, written := time.Now(), db.Now(), db.version.Load()
	rows, err := db.reader().QueryContext(ctx, `SELECT `+db.selectColumns(projColumns, packedProjColumns)+` FROM reports WHERE change_seq > ? ORDER BY change_seq`, ps.seq)
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	defer rows.Close()
	var r scannedRow
	fields := r.fields()
	for rows.Next() {
		if err := db.scanRow(ctx, rows, projColumns, fields); err != nil {
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
	p := &projection{services: serviceIDs(inc), district: map[string]uint32{}, results: map[string]*projResult{},
		all: newRunning(), views: map[string]*view{}}
	for i, s := range inc.Services {
		if s.Paid {
			p.paidMask |= 1 << i
		}
	}
	// Room for the rows the counts hold and as many again as an eighth of them: growing the
	// slices copies them, and at a million rows each copy took tens of milliseconds.
	var n int64
	if err := db.reader().QueryRowContext(ctx, `SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM report_counts WHERE incident_id = ?`,
		inc.ID).Scan(&n); err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	size := int(n + n/8)
	p.ids, p.rows, p.pay = make([]int64, 0, size), make([]projRow, 0, size), make([]payRow, 0, size)
	// The + keeps SQLite on the table, read in order (see computeStats).
	rows, err := db.reader().QueryContext(ctx, `SELECT `+db.selectColumns(projColumns, packedProjColumns)+` FROM reports WHERE +incident_id = ? ORDER BY id`, inc.ID)
	if err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	defer rows.Close()
	var r scannedRow
	fields := r.fields()
	for rows.Next() {
		if err := db.scanRow(ctx, rows, projColumns, fields); err != nil {
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
	receipt, district, start, end                      string
	sales                                              sql.NullInt64
	hours                                              map[string]time.Time // parsed hours, reused
	dates                                              map[string]int32     // parsed dates, reused
}

// fields are what a row of projColumns scans into.
func (r *scannedRow) fields() []any {
	return []any{&r.id, &r.seq, &r.incident, &r.status, &r.channel, &r.region, &r.industry, &r.received, &r.loss,
		&r.brn, &r.phone, &r.services, &r.receipt, &r.district, &r.start, &r.end, &r.sales}
}

// packedProjColumns are projColumns packed (see scanRow).
var packedProjColumns = packColumns(projColumns)

// date is a stored date ("2022-10-15") as a day number.
func (r *scannedRow) date(s string) (int32, error) {
	if r.dates == nil {
		r.dates = map[string]int32{}
	}
	if d, ok := r.dates[s]; ok {
		return d, nil
	}
	d, err := claimdesk.ParseDate(s)
	if err != nil {
		return 0, fmt.Errorf("report %s: %w", r.receipt, err)
	}
	r.dates[s] = kstDay(d.Start())
	return r.dates[s], nil
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
	row := projRow{loss: r.loss, day: day, biz: p.biz.number(claimdesk.BusinessKey(r.brn, r.phone)), status: claimdesk.Statuses.Position(r.status),
		channel: channelIndex(claimdesk.Channel(r.channel)), region: claimdesk.Regions.Position(r.region),
		industry: claimdesk.Industries.Position(r.industry)}
	for rest := r.services; rest != ""; {
		var svc string
		svc, rest, _ = strings.Cut(rest, ";")
		if i := slices.Index(p.services, svc); i >= 0 {
			row.services |= 1 << i
		}
	}
	start, err := r.date(r.start)
	if err != nil {
		return err
	}
	end, err := r.date(r.end)
	if err != nil {
		return err
	}
	dist, ok := p.district[r.district]
	if !ok {
		dist = uint32(len(p.districts))
		d := strings.Clone(r.district) // the scanned text may be part of a whole packed row
		p.district[d], p.districts = dist, append(p.districts, d)
	}
	pay := payRow{district: dist, damageStart: start, damageEnd: end, sales: -1}
	if r.sales.Valid {
		pay.sales = r.sales.Int64
	}
	if len(r.receipt) == receiptSize {
		copy(pay.receipt[:], r.receipt)
		delete(p.long, r.id)
	} else {
		if p.long == nil {
			p.long = map[int64]string{}
		}
		p.long[r.id] = strings.Clone(r.receipt)
	}
	p.changes++
	p.keep(&row, 1)
	n := len(p.ids)
	if n == 0 || p.ids[n-1] < r.id { // the usual case: a new report
		p.ids, p.rows, p.pay = append(p.ids, r.id), append(p.rows, row), append(p.pay, pay)
		return nil
	}
	i := sort.Search(n, func(i int) bool { return p.ids[i] >= r.id })
	if i < n && p.ids[i] == r.id {
		p.keep(&p.rows[i], -1)
		p.rows[i], p.pay[i] = row, pay
		return nil
	}
	p.ids, p.rows, p.pay = slices.Insert(p.ids, i, r.id), slices.Insert(p.rows, i, row), slices.Insert(p.pay, i, pay)
	return nil
}

// filterOf is q in the terms of a projection's rows.
func filterOf(q claimdesk.StatsQuery) projFilter {
	var statusMask uint32
	for _, st := range q.Statuses {
		if i := claimdesk.Statuses.Position(string(st)); i != claimdesk.NotListed {
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
	region, byRegion := match(q.Region, func() uint8 { return claimdesk.Regions.Position(q.Region) })
	industry, byIndustry := match(q.Industry, func() uint8 { return claimdesk.Industries.Position(q.Industry) })
	channel, byChannel := match(string(q.Channel), func() uint8 { return channelIndex(q.Channel) })
	if (byRegion && region == claimdesk.NotListed) || (byIndustry && industry == claimdesk.NotListed) || (byChannel && channel == claimdesk.NotListed) {
		statusMask, anyStatus = 0, false // a code that is not in its list matches nothing
	}

	return projFilter{anyStatus: anyStatus, statusMask: statusMask, from: from, to: to, region: region, industry: industry,
		channel: channel, byRegion: byRegion, byIndustry: byIndustry, byChannel: byChannel}
}

// match reports whether a row passes f.
func (f *projFilter) match(r *projRow) bool {
	return (f.anyStatus || f.statusMask&(1<<r.status) != 0) && r.day >= f.from && r.day <= f.to &&
		(!f.byRegion || r.region == f.region) && (!f.byIndustry || r.industry == f.industry) && (!f.byChannel || r.channel == f.channel)
}

// projFilter is a statistics query in the terms of a projection's rows.
type projFilter struct {
	anyStatus                       bool
	statusMask                      uint32
	from, to                        int32
	region, industry, channel       uint8
	byRegion, byIndustry, byChannel bool
}

// receiptsOf returns the receipt of each row of pay, whose IDs are ids, and of which those in
// long are not in payRow.receipt. The receipts are one string, each a slice of it: two copies
// of 11 bytes a report instead of an allocation each.
func receiptsOf(ids []int64, pay []payRow, long map[int64]string) func(i int) string {
	text := make([]byte, 0, len(pay)*receiptSize)
	for i := range pay {
		text = append(text, pay[i].receipt[:]...)
	}
	receipts := string(text)
	return func(i int) string {
		if pay[i].receipt[0] == 0 {
			return long[ids[i]]
		}
		return receipts[i*receiptSize : (i+1)*receiptSize]
	}
}

// projectedReports returns inc's reports as compensation policies read them, from memory: a copy
// of the rows taken at once (a simulation does not hold the statistics up): how many, and a
// function that yields those from the from-th up to the to-th, in ID order, one Report reused
// from row to row (its Receipt, Industry and Region may be kept; nothing else). Ranges may be
// read at once from several goroutines.
func (db *DB) projectedReports(ctx context.Context, inc *claimdesk.Incident) (int, func(from, to int) iter.Seq2[*claimdesk.Report, error], error) {
	ps := &db.projections
	ps.mu.Lock()
	p, err := ps.prepare(ctx, db, inc)
	if err != nil {
		ps.mu.Unlock()
		return 0, nil, err
	}
	ids, rows, pay, services, districts := slices.Clone(p.ids), slices.Clone(p.rows), slices.Clone(p.pay), p.services, slices.Clone(p.districts)
	long := maps.Clone(p.long)
	ps.mu.Unlock()
	receipt := receiptsOf(ids, pay, long)
	code := func(o claimdesk.Options, i uint8) string {
		if int(i) < len(o) {
			return o[i].Code
		}
		return ""
	}
	return len(rows), func(from, to int) iter.Seq2[*claimdesk.Report, error] {
		return func(yield func(*claimdesk.Report, error) bool) {
			r := &claimdesk.Report{Incident: inc.ID}
			var sales int64
			for i := from; i < to; i++ {
				row, pr := &rows[i], &pay[i]
				r.ID, r.Receipt, r.ClaimedLoss = ids[i], receipt(i), row.loss
				r.Status = claimdesk.Status(code(claimdesk.Statuses, row.status))
				r.Region, r.Industry = code(claimdesk.Regions, row.region), code(claimdesk.Industries, row.industry)
				r.Channel, r.District = "", districts[pr.district]
				if int(row.channel) < len(projChannels) {
					r.Channel = projChannels[row.channel]
				}
				r.Services = r.Services[:0]
				for m := row.services; m != 0; m &= m - 1 {
					r.Services = append(r.Services, services[bits.TrailingZeros64(m)])
				}
				r.DamageStart, r.DamageEnd = dayDate(pr.damageStart), dayDate(pr.damageEnd)
				r.UsualDailySales = nil
				if pr.sales >= 0 {
					sales = pr.sales
					r.UsualDailySales = &sales
				}
				if i%4096 == 0 && ctx.Err() != nil {
					yield(nil, ctx.Err())
					return
				}
				if !yield(r, nil) {
					return
				}
			}
		}
	}, nil
}
