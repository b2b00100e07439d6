package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
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

// CreateIncident stores a new incident as its version 1.
func (s *IncidentService) CreateIncident(ctx context.Context, inc *Incident) error {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return err
	}
	return s.store(ctx, inc, originEdit, -1)
}

// UpdateIncident stores inc as the next version of its incident.
func (s *IncidentService) UpdateIncident(ctx context.Context, inc *Incident, expect int) error {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return err
	}
	if expect <= 0 {
		expect = 0
	}
	if _, err := s.db.incident(ctx, inc.ID); err != nil {
		return err
	}
	return s.store(ctx, inc, originEdit, expect)
}

// UpsertIncident creates or updates the incident.
func (s *IncidentService) UpsertIncident(ctx context.Context, inc *Incident) error {
	return s.store(ctx, inc, originEdit, 0)
}

// Where a version comes from.
const (
	originFile = "file" // a data file, at start
	originEdit = "edit" // the console, the API or a test
)

// store writes inc as the next version of its incident, unless nothing changed. expect is the
// version the change was made from (0: any; -1: the incident must be new). A version from a
// file may name its number (inc.Version above the stored one); otherwise it is the next.
func (s *IncidentService) store(ctx context.Context, inc *Incident, origin string, expect int) error {
	inc.Complete()
	if err := inc.Validate(); err != nil {
		return err
	}
	actor := claimdesk.ActorFrom(ctx)
	err := s.db.write(ctx, func(tx *Tx) error {
		var doc string
		version := 0
		err := tx.QueryRowContext(ctx, `SELECT doc, version FROM incidents WHERE id = ?`, inc.ID).Scan(&doc, &version)
		var old *Incident
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case expect < 0:
			return claimdesk.Errorm(claimdesk.ECONFLICT, "incident_exists", inc.ID)
		case expect > 0 && version != expect:
			return claimdesk.Errorm(claimdesk.ECONFLICT, "incident_changed", version)
		default:
			if old, err = decodeIncident(doc); err != nil {
				return err
			}
		}
		changes := claimdesk.DiffIncidents(old, inc)
		if old != nil && len(changes) == 0 {
			inc.Version = version
			return nil
		}
		next := version + 1
		if origin == originFile && inc.Version > next {
			next = inc.Version
		}
		inc.Version = next
		b, err := json.Marshal(inc)
		if err != nil {
			return err
		}
		now := formatTime(s.db.Now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, doc, started_at, intake_open, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, started_at = excluded.started_at,
				intake_open = excluded.intake_open, version = excluded.version, updated_at = excluded.updated_at`,
			inc.ID, string(b), formatTime(inc.StartedAt), inc.IntakeOpen, next, now, now); err != nil {
			return err
		}
		ch, _ := json.Marshal(changes)
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_versions (incident_id, version, doc, changes, origin, actor, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, inc.ID, next, string(b), string(ch), origin, actor.String(), now); err != nil {
			return err
		}
		if err := syncIncidentServices(ctx, tx, inc); err != nil {
			return err
		}
		if origin == originFile && old == nil {
			// A data file read for the first time is its own record (and every start of a
			// new database would otherwise begin the trail with it); what changes an
			// incident afterwards, from a file or an edit, is audited.
			return nil
		}
		fields := make([]string, len(changes))
		for i, c := range changes {
			fields[i] = c.Field
		}
		sum := sha256.Sum256(b)
		return s.db.audit(ctx, tx, claimdesk.AuditIncident, 0, "", map[string]any{"incident": inc.ID, "version": next,
			"origin": origin, "changed": fields, "sha256": hex.EncodeToString(sum[:])})
	})
	if err != nil {
		return fmt.Errorf("store incident %s: %w", inc.ID, err)
	}
	s.db.incidents.forget(inc.ID)
	return nil
}

// IncidentVersions returns the incident's versions, the first first.
func (s *IncidentService) IncidentVersions(ctx context.Context, id string) ([]*claimdesk.IncidentVersion, error) {
	if _, err := s.db.incident(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, `SELECT version, doc, changes, origin, actor, at FROM incident_versions
		WHERE incident_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("incident versions: %w", err)
	}
	defer rows.Close()
	var out []*claimdesk.IncidentVersion
	for rows.Next() {
		v := &claimdesk.IncidentVersion{}
		var doc, changes, at string
		if err := rows.Scan(&v.Version, &doc, &changes, &v.Origin, &v.Actor, &at); err != nil {
			return nil, err
		}
		if v.Incident, err = decodeIncident(doc); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(changes), &v.Changes); err != nil {
			return nil, fmt.Errorf("incident %s version %d: %w", id, v.Version, err)
		}
		v.At, _ = parseTime(at)
		out = append(out, v)
	}
	return out, rows.Err()
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

// SeedIncidents stores incidents read from data files. A file and an edit made in the console
// or by API resolve by version, never silently: a file is stored when the incident is new,
// when it names a version above the stored one, or when the stored version came from a file
// too (the operator changed the file); otherwise the edit stands, and the log says that the
// file was left aside and how to apply it.
func SeedIncidents(ctx context.Context, s *IncidentService, incs []*Incident) error {
	for _, inc := range incs {
		inc.Complete()
		stored, err := s.FindIncidentByID(ctx, inc.ID)
		if err != nil && claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
			return err
		}
		if err == nil {
			if len(claimdesk.DiffIncidents(stored, inc)) == 0 {
				continue
			}
			var origin, actor string
			err := s.db.reader().QueryRowContext(ctx, `SELECT origin, actor FROM incident_versions
				WHERE incident_id = ? AND version = ?`, inc.ID, stored.Version).Scan(&origin, &actor)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if origin == originEdit && inc.Version <= stored.Version {
				s.db.logger.Warn("incident data file not applied: the database holds a later edit",
					"incident", inc.ID, "file_version", inc.Version, "stored_version", stored.Version, "edited_by", actor,
					"to_apply", fmt.Sprintf(`set "version": %d or more in the file`, stored.Version+1))
				continue
			}
		}
		if err := s.store(ctx, inc, originFile, 0); err != nil {
			return err
		}
		s.db.logger.Info("stored incident from its data file", "incident", inc.ID, "version", inc.Version)
	}
	return nil
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

// get returns the cached incident: a copy, or with shared the cache's own, which the caller
// must not change.
func (c *incidentCache) get(id string, now time.Time, shared bool) (*Incident, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || now.Sub(e.fetched) > c.ttl {
		return nil, false
	}
	if shared {
		return e.inc, true
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

// freshIncident returns the incident with id as the database holds it now, past the cache: for
// a report that the cached incident refuses (intake closed, a date outside its windows), which
// another server may have changed a moment ago.
func (db *DB) freshIncident(ctx context.Context, id string) (*Incident, error) {
	db.incidents.forget(id)
	return db.incident(ctx, id)
}

// incident returns the incident with id, through the cache.
func (db *DB) incident(ctx context.Context, id string) (*Incident, error) {
	return db.cachedIncident(ctx, id, false)
}

// incidentToRead is incident for a caller that only reads it, without the copy: intake checks
// every report against its incident, and the copy was a tenth of what intake allocated.
func (db *DB) incidentToRead(ctx context.Context, id string) (*Incident, error) {
	return db.cachedIncident(ctx, id, true)
}

func (db *DB) cachedIncident(ctx context.Context, id string, shared bool) (*Incident, error) {
	now := time.Now() // the cache ages in real time, whatever clock the store reports
	if inc, ok := db.incidents.get(id, now, shared); ok {
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
