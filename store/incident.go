package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/claimdesk/claimdesk"
)

// IncidentService stores incidents in the database.
type IncidentService struct {
	db *DB
}

var _ claimdesk.IncidentService = (*IncidentService)(nil)

// NewIncidentService returns an IncidentService on db.
func NewIncidentService(db *DB) *IncidentService { return &IncidentService{db: db} }

// FindIncidentByID returns the incident with id. Every report submission looks its incident up,
// so incidents are served from a cache that this process refreshes when it writes one and
// otherwise at most a couple of seconds late.
func (s *IncidentService) FindIncidentByID(ctx context.Context, id string) (*Incident, error) {
	return s.db.incident(ctx, id)
}

// Incident is claimdesk.Incident; the alias keeps signatures short.
type Incident = claimdesk.Incident

// FindIncidents returns the incidents that match filter, the most recent first.
func (s *IncidentService) FindIncidents(ctx context.Context, filter claimdesk.IncidentFilter) ([]*Incident, error) {
	q := `SELECT doc FROM incidents`
	var args []any
	if filter.IntakeOpen != nil {
		q += ` WHERE intake_open = ?`
		args = append(args, *filter.IntakeOpen)
	}
	rows, err := s.db.query(ctx, q+` ORDER BY started_at DESC, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find incidents: %w", err)
	}
	defer rows.Close()
	var out []*Incident
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		inc, err := decodeIncident(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, inc)
	}
	return out, rows.Err()
}

// UpsertIncident creates or replaces the incident.
func (s *IncidentService) UpsertIncident(ctx context.Context, inc *Incident) error {
	if err := inc.Validate(); err != nil {
		return err
	}
	doc, err := json.Marshal(inc)
	if err != nil {
		return err
	}
	now := formatTime(s.db.Now())
	err = s.db.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, doc, started_at, intake_open, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, started_at = excluded.started_at,
				intake_open = excluded.intake_open, updated_at = excluded.updated_at`,
			inc.ID, string(doc), formatTime(inc.StartedAt), inc.IntakeOpen, now, now); err != nil {
			return err
		}
		return syncIncidentServices(ctx, tx, inc)
	})
	if err != nil {
		return fmt.Errorf("upsert incident %s: %w", inc.ID, err)
	}
	s.db.incidents.forget(inc.ID)
	return nil
}

// syncIncidentServices makes incident_services match inc.Services. A service that reports name
// cannot go: the foreign key refuses, and the caller gets ECONFLICT.
func syncIncidentServices(ctx context.Context, tx *Tx, inc *Incident) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM incident_services WHERE incident_id = ?`, inc.ID)
	if err != nil {
		return err
	}
	var existing []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		existing = append(existing, id)
	}
	rows.Close()
	for _, svc := range inc.Services {
		if !slices.Contains(existing, svc.ID) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO incident_services (incident_id, id) VALUES (?, ?)`, inc.ID, svc.ID); err != nil {
				return err
			}
		}
	}
	for _, id := range existing {
		if _, ok := inc.Service(id); ok {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM report_services WHERE incident_id = ? AND service_id = ?`,
			inc.ID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return claimdesk.Errorf(claimdesk.ECONFLICT, "service %s of incident %s is named by %d reports and cannot be removed", id, inc.ID, n)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_services WHERE incident_id = ? AND id = ?`, inc.ID, id); err != nil {
			return err
		}
	}
	return nil
}

// SeedReferenceIncidents stores the incidents that ship with claimdesk (see SeedIncidents).
func SeedReferenceIncidents(ctx context.Context, s *IncidentService) error {
	incs, err := claimdesk.ReferenceIncidents()
	if err != nil {
		return err
	}
	return SeedIncidents(ctx, s, incs)
}

// SeedIncidents stores incidents read from data files: each is created, or updated when its
// file has changed since it was stored, and left alone otherwise.
func SeedIncidents(ctx context.Context, s *IncidentService, incs []*Incident) error {
	for _, inc := range incs {
		stored, err := s.FindIncidentByID(ctx, inc.ID)
		if err == nil && sameIncident(stored, inc) {
			continue
		} else if err != nil && claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
			return err
		}
		if err := s.UpsertIncident(ctx, inc); err != nil {
			return err
		}
		s.db.logger.Info("stored incident from its data file", "incident", inc.ID)
	}
	return nil
}

func sameIncident(a, b *Incident) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func decodeIncident(doc string) (*Incident, error) {
	var inc Incident
	if err := json.Unmarshal([]byte(doc), &inc); err != nil {
		return nil, fmt.Errorf("stored incident: %w", err)
	}
	return &inc, nil
}

// incidentCache keeps recently read incidents. Each caller gets its own copy, so nobody can
// change another's.
type incidentCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]cachedIncident
}

type cachedIncident struct {
	inc     *Incident
	fetched time.Time
}

func (c *incidentCache) get(id string, now time.Time) (*Incident, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || now.Sub(e.fetched) > c.ttl {
		return nil, false
	}
	return cloneIncident(e.inc), true
}

func (c *incidentCache) put(inc *Incident, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedIncident{}
	}
	c.entries[inc.ID] = cachedIncident{cloneIncident(inc), now}
}

func (c *incidentCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

func cloneIncident(inc *Incident) *Incident {
	c := *inc
	c.Services = slices.Clone(inc.Services)
	c.Sources = slices.Clone(inc.Sources)
	return &c
}

// incident returns the incident with id, through the cache.
func (db *DB) incident(ctx context.Context, id string) (*Incident, error) {
	now := time.Now() // the cache ages in real time, whatever clock the store reports
	if inc, ok := db.incidents.get(id, now); ok {
		return inc, nil
	}
	var doc string
	err := db.reader().QueryRowContext(ctx, `SELECT doc FROM incidents WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "incident_not_found")
	} else if err != nil {
		return nil, fmt.Errorf("find incident %s: %w", id, err)
	}
	inc, err := decodeIncident(doc)
	if err != nil {
		return nil, err
	}
	db.incidents.put(inc, now)
	return inc, nil
}
