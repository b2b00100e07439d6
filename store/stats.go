package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// StatsService answers incidents' statistics from memory (see projection.go): never stale,
// whatever the filter, on every server.
type StatsService struct {
	db *DB
}

var _ claimdesk.StatsService = (*StatsService)(nil)

// NewStatsService returns a StatsService on db.
func NewStatsService(db *DB) *StatsService { return &StatsService{db: db} }

// Warm builds, in the background, the statistics of the incidents taking reports, so that the
// first visitor of a dashboard does not wait for the scan.
func (s *StatsService) Warm(ctx context.Context) {
	open := true
	incs, err := NewIncidentService(s.db).FindIncidents(ctx, claimdesk.IncidentFilter{IntakeOpen: &open})
	if err != nil {
		s.db.logger.Warn("warm statistics", "err", err)
		return
	}
	s.db.goBackground("statistics warm-up", func(ctx context.Context) {
		for _, inc := range incs {
			start := time.Now()
			if _, err := s.IncidentStats(ctx, inc.ID, claimdesk.StatsQuery{}); err != nil && ctx.Err() == nil {
				s.db.logger.Warn("warm statistics", "incident", inc.ID, "err", err)
			} else if err == nil {
				s.db.logger.Info("statistics in memory", "incident", inc.ID, "took", time.Since(start).Round(time.Millisecond))
			}
		}
	})
}

// IncidentStats returns the incident's statistics for q, including every report committed
// before it was asked (AsOf, at most catchUpEvery earlier).
func (s *StatsService) IncidentStats(ctx context.Context, incident string, q claimdesk.StatsQuery) (*claimdesk.Stats, error) {
	inc, err := s.db.incident(ctx, incident)
	if err != nil {
		return nil, err
	}
	if !projectable(inc) {
		return s.db.computeStats(ctx, incident, q)
	}
	return s.db.projectedStats(ctx, inc, q)
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
