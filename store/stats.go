package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/claimdesk/claimdesk"
)

// StatsService computes incidents' statistics from the database, one pass over the matching reports,
// and keeps recent results: a dashboard, the public page and exports all ask for the same
// tables, often, while reports keep arriving.
type StatsService struct {
	db *DB

	// MaxStale is how old a result may be served while reports change; StaleFactor times how
	// long it took to compute, if that is longer. A result is also served, however old,
	// while nothing has been written since it was computed.
	MaxStale    time.Duration
	StaleFactor float64

	mu    sync.Mutex
	cache map[string]*statsEntry
}

var _ claimdesk.StatsService = (*StatsService)(nil)

type statsEntry struct {
	mu       sync.Mutex // held while computing: one computation per key at a time
	stats    *claimdesk.Stats
	version  int64 // the database's write count when computed
	computed time.Time
	took     time.Duration // how long the computation took
	used     time.Time
}

// stale is how old e may be served while reports change: MaxStale, or StaleFactor times what e
// took to compute, whichever is longer. A result that takes seconds (a million reports) is
// then not recomputed more than a tenth of the time: the refresh must not eat the cores intake
// needs.
func (s *StatsService) stale(e *statsEntry) time.Duration {
	return max(s.MaxStale, time.Duration(s.StaleFactor*float64(e.took)))
}

// maxStatsEntries bounds the cache: filtered views beyond it are computed afresh.
const maxStatsEntries = 256

// NewStatsService returns a StatsService on db, and starts refreshing the results that are in
// use, a background task of db's until it closes.
func NewStatsService(db *DB) *StatsService {
	s := &StatsService{db: db, MaxStale: 5 * time.Second, StaleFactor: 10, cache: map[string]*statsEntry{}}
	db.goBackground("statistics refresh", s.refreshLoop)
	return s
}

// Warm computes, in the background, the unfiltered statistics of the incidents taking
// reports, so that the first visitor of a dashboard or a public page does not wait for them.
func (s *StatsService) Warm(ctx context.Context) {
	open := true
	incs, err := NewIncidentService(s.db).FindIncidents(ctx, claimdesk.IncidentFilter{IntakeOpen: &open})
	if err != nil {
		s.db.logger.Warn("warm statistics", "err", err)
		return
	}
	s.db.goBackground("statistics warm-up", func(ctx context.Context) {
		for _, inc := range incs {
			if _, err := s.IncidentStats(ctx, inc.ID, claimdesk.StatsQuery{}); err != nil && ctx.Err() == nil {
				s.db.logger.Warn("warm statistics", "incident", inc.ID, "err", err)
			}
		}
	})
}

// IncidentStats returns the incident's statistics for q, from the cache when fresh enough.
func (s *StatsService) IncidentStats(ctx context.Context, incident string, q claimdesk.StatsQuery) (*claimdesk.Stats, error) {
	if _, err := s.db.incident(ctx, incident); err != nil {
		return nil, err
	}
	k, _ := json.Marshal(q)
	key := incident + "|" + string(k)
	s.mu.Lock()
	e, ok := s.cache[key]
	if !ok {
		if len(s.cache) >= maxStatsEntries {
			s.evictLocked()
		}
		e = &statsEntry{}
		s.cache[key] = e
	}
	e.used = time.Now()
	s.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stats != nil && (e.version == s.db.dataVersion() || time.Since(e.computed) < s.stale(e)) {
		return e.stats, nil
	}
	return s.compute(ctx, e, incident, q)
}

// compute runs the query and fills e; e.mu is held.
func (s *StatsService) compute(ctx context.Context, e *statsEntry, incident string, q claimdesk.StatsQuery) (*claimdesk.Stats, error) {
	version, start := s.db.dataVersion(), time.Now()
	st, err := s.db.computeStats(ctx, incident, q)
	if err != nil {
		return nil, err
	}
	e.stats, e.version, e.computed, e.took = st, version, time.Now(), time.Since(start)
	return st, nil
}

func (s *StatsService) evictLocked() {
	var oldest string
	var at time.Time
	for k, e := range s.cache {
		if oldest == "" || e.used.Before(at) {
			oldest, at = k, e.used
		}
	}
	delete(s.cache, oldest)
}

// refreshLoop recomputes the results asked for in the last ten minutes whose data has changed,
// once they are stale, so that their next reader does not wait.
func (s *StatsService) refreshLoop(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.mu.Lock()
		var todo []string
		for k, e := range s.cache {
			if time.Since(e.used) > 10*time.Minute {
				delete(s.cache, k)
				continue
			}
			todo = append(todo, k)
		}
		s.mu.Unlock()
		for _, k := range todo {
			s.mu.Lock()
			e := s.cache[k]
			s.mu.Unlock()
			if e == nil || !e.mu.TryLock() {
				continue // being computed by a reader
			}
			if e.stats != nil && e.version != s.db.dataVersion() && time.Since(e.computed) >= s.stale(e) {
				incident, qs, _ := strings.Cut(k, "|")
				var q claimdesk.StatsQuery
				json.Unmarshal([]byte(qs), &q)
				if _, err := s.compute(ctx, e, incident, q); err != nil && ctx.Err() == nil {
					s.db.logger.Warn("refresh statistics", "incident", incident, "err", err)
				}
			}
			e.mu.Unlock()
		}
	}
}

// computeStats reads the matching reports in one pass and builds the tables.
func (db *DB) computeStats(ctx context.Context, incident string, q claimdesk.StatsQuery) (*claimdesk.Stats, error) {
	inc, err := db.incident(ctx, incident)
	if err != nil {
		return nil, err
	}
	// The whole incident is read, so the table is scanned in order (the + keeps SQLite from
	// walking an incident_id index and seeking into the table for every row: random reads, ten
	// times slower at a million reports).
	where, args := []string{"+incident_id = ?"}, []any{incident}
	if len(q.Statuses) > 0 {
		where = append(where, "+status IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(q.Statuses)), ", ")+")")
		for _, st := range q.Statuses {
			args = append(args, st)
		}
	}
	if !q.From.IsZero() {
		where, args = append(where, "+received_at >= ?"), append(args, formatTime(q.From.Start()))
	}
	if !q.To.IsZero() {
		where, args = append(where, "+received_at < ?"), append(args, formatTime(q.To.Start().AddDate(0, 0, 1)))
	}
	for _, c := range []struct{ col, v string }{{"region", q.Region}, {"industry", q.Industry}, {"channel", string(q.Channel)}} {
		if c.v != "" {
			where, args = append(where, "+"+c.col+" = ?"), append(args, c.v)
		}
	}
	rows, err := db.query(ctx, `SELECT status, channel, region, industry, received_at, claimed_loss,
		business_number, phone, services FROM reports WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	defer rows.Close()
	b := claimdesk.NewStatsBuilder(inc, q)
	var r claimdesk.StatsRow
	var received, services string
	// Many reports share an hour: parse each hour once (the statistics need the KST day).
	hours := map[string]time.Time{}
	for rows.Next() {
		if err := rows.Scan(&r.Status, &r.Channel, &r.Region, &r.Industry, &received, &r.ClaimedLoss,
			&r.BusinessNumber, &r.Phone, &services); err != nil {
			return nil, err
		}
		if len(received) < 13 {
			return nil, fmt.Errorf("statistics: stored time %q", received)
		}
		at, ok := hours[received[:13]]
		if !ok {
			if at, err = parseTime(received[:13] + ":00:00.000000Z"); err != nil {
				return nil, err
			}
			hours[received[:13]] = at
		}
		r.ReceivedAt = at
		r.Services = r.Services[:0]
		for rest := services; rest != ""; {
			var svc string
			svc, rest, _ = strings.Cut(rest, ";")
			r.Services = append(r.Services, svc)
		}
		b.Add(&r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return b.Stats(db.Now()), nil
}
