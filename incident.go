package claimdesk

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"time"
)

// Incident is one platform outage that merchants report damage from, such as the Kakao outage
// after the Pangyo data-center fire of 2022-10-15.
type Incident struct {
	ID       string `json:"id"`
	Name     Label  `json:"name"`
	Platform string `json:"platform"`
	Summary  Label  `json:"summary"`

	// StartedAt is when the first service went down; EndedAt when the last came back, zero
	// while the outage goes on.
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`

	// DamageUntil is the last day a report's damage may run to; zero means the day of EndedAt
	// (or today, while the outage goes on).
	DamageUntil Date `json:"damage_until,omitzero"`

	// IntakeOpen says whether the incident takes new reports.
	IntakeOpen bool `json:"intake_open"`

	Services []Service `json:"services"`

	// Notes says how the data was put together and what in it is approximate.
	Notes   Label    `json:"notes,omitzero"`
	Sources []string `json:"sources,omitempty"`
}

// Service is one service an incident took down, with its own outage window.
type Service struct {
	ID          string    `json:"id"`
	Name        Label     `json:"name"`
	Description Label     `json:"description,omitzero"`
	Category    string    `json:"category"`
	Paid        bool      `json:"paid"` // merchants pay for it (fees, commission, subscription)
	OutageStart time.Time `json:"outage_start"`
	OutageEnd   time.Time `json:"outage_end,omitzero"` // zero while still down
	// Approximate marks a window whose times the sources give only roughly; Note says how.
	Approximate bool  `json:"approximate,omitempty"`
	Note        Label `json:"note,omitzero"`
}

// Service returns the incident's service with id, and false when it has none.
func (inc *Incident) Service(id string) (Service, bool) {
	for _, s := range inc.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// DamagePeriod returns the first and last day a report's damage may cover: from the day the
// outage started to DamageUntil, the day it ended, or today while it goes on.
func (inc *Incident) DamagePeriod(now time.Time) (first, last Date) {
	first = DateOf(inc.StartedAt)
	switch {
	case !inc.DamageUntil.IsZero():
		last = inc.DamageUntil
	case !inc.EndedAt.IsZero():
		last = DateOf(inc.EndedAt)
	default:
		last = DateOf(now)
	}
	return first, last
}

var incidentID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$`)

// Validate checks that the incident is coherent: identifiers, names, and outage windows that
// start before they end and lie within the incident.
func (inc *Incident) Validate() error {
	var fe FieldErrors
	if !incidentID.MatchString(inc.ID) {
		fe.Add("id", "required")
	}
	if inc.Name.Ko == "" || inc.Name.En == "" {
		fe.Add("name", "required")
	}
	if inc.StartedAt.IsZero() {
		fe.Add("started_at", "required")
	}
	if !inc.EndedAt.IsZero() && inc.EndedAt.Before(inc.StartedAt) {
		fe.Add("ended_at", "date_order")
	}
	if len(inc.Services) == 0 {
		fe.Add("services", "services_required")
	}
	seen := map[string]bool{}
	for _, s := range inc.Services {
		field := "services." + s.ID
		switch {
		case !incidentID.MatchString(s.ID):
			fe.Add(field, "required")
		case seen[s.ID]:
			fe.Add(field, "service_repeated", s.ID)
		case s.Name.Ko == "" || s.Name.En == "":
			fe.Add(field+".name", "required")
		case s.OutageStart.Before(inc.StartedAt):
			fe.Add(field+".outage_start", "date_outside", inc.StartedAt.In(KST).Format(time.DateTime), "")
		case !s.OutageEnd.IsZero() && !s.OutageEnd.After(s.OutageStart):
			fe.Add(field+".outage_end", "date_order")
		case !s.OutageEnd.IsZero() && !inc.EndedAt.IsZero() && s.OutageEnd.After(inc.EndedAt):
			fe.Add(field+".outage_end", "date_outside", "", inc.EndedAt.In(KST).Format(time.DateTime))
		}
		seen[s.ID] = true
	}
	return fe.Err()
}

// IncidentService stores incidents.
type IncidentService interface {
	// FindIncidentByID returns the incident with id. Returns ENOTFOUND when there is none.
	FindIncidentByID(ctx context.Context, id string) (*Incident, error)

	// FindIncidents returns the incidents that match filter, the most recent first. Returns no
	// code of its own.
	FindIncidents(ctx context.Context, filter IncidentFilter) ([]*Incident, error)

	// UpsertIncident creates the incident or replaces its data and services. Services that
	// reports already name cannot be removed: returns ECONFLICT then, and EINVALID when the
	// incident does not validate.
	UpsertIncident(ctx context.Context, inc *Incident) error
}

// IncidentFilter selects incidents.
type IncidentFilter struct {
	IntakeOpen *bool // only incidents that do (true) or do not (false) take reports
}

//go:embed incidents/*.json
var referenceFiles embed.FS

// ReferenceIncidents returns the incidents that ship with claimdesk, read from the data files
// in incidents/: the Kakao outage of 2022-10 and the KT Ahyeon fire of 2018-11.
func ReferenceIncidents() ([]*Incident, error) {
	return ReadIncidentFiles(referenceFiles, "incidents")
}

// ReadIncidentFiles reads every *.json incident file in dir of fsys, in name order. A missing
// dir holds no incidents; a file that does not parse or validate is an error naming it.
func ReadIncidentFiles(fsys fs.FS, dir string) ([]*Incident, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []*Incident
	for _, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		inc, err := ParseIncident(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, inc)
	}
	return out, nil
}

// ParseIncident reads an incident data file (the JSON form of Incident) and validates it.
// Unknown keys are refused, so that a typo in a hand-written file does not pass unnoticed.
func ParseIncident(b []byte) (*Incident, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var inc Incident
	if err := dec.Decode(&inc); err != nil {
		return nil, Errorf(EINVALID, "incident file: %v", err)
	}
	if err := inc.Validate(); err != nil {
		return nil, fmt.Errorf("incident %q: %w", inc.ID, err)
	}
	return &inc, nil
}
