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
	ID string `json:"id"`
	// Version counts the incident's changes: each change made in the console or by API is
	// stored as the next version, and a data file says which version it holds, so that a file
	// and an edit of the same incident resolve by version (see store.SeedIncidents).
	Version  int    `json:"version,omitempty"`
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

// Service is one service an incident took down, with its own outage window: from OutageStart
// to its restoration, of which the sources often give two, "main functions back" and "fully
// back". Policies say which one they count (Policy.Restored).
type Service struct {
	ID          string    `json:"id"`
	Name        Label     `json:"name"`
	Description Label     `json:"description,omitzero"`
	Category    string    `json:"category"`
	Paid        bool      `json:"paid"` // merchants pay for it (fees, commission, subscription)
	OutageStart time.Time `json:"outage_start"`
	// MainBack is when the service's main functions were back, FullBack when it was fully back;
	// zero while not yet (or not announced). A service that came back at once has both.
	MainBack Restoration `json:"main_back,omitzero"`
	FullBack Restoration `json:"full_back,omitzero"`
	Note     Label       `json:"note,omitzero"`
}

// Restoration is when a service came back, as announced: the time, whether the sources give it
// only roughly, and where it comes from (a link, or a note naming the source).
type Restoration struct {
	At          time.Time `json:"at"`
	Approximate bool      `json:"approximate,omitempty"`
	Source      string    `json:"source,omitempty"`
}

// RestoredKind says which restoration ends an outage window.
type RestoredKind string

// The restoration kinds.
const (
	RestoredMain RestoredKind = "main" // main functions back; the default
	RestoredFull RestoredKind = "full" // fully back
)

// Back returns the restoration that ends the service's outage under kind. Under main it is the
// main functions' restoration, or the full one when only that is known; zero while the
// service is not back.
func (s Service) Back(kind RestoredKind) Restoration {
	if kind != RestoredFull && !s.MainBack.At.IsZero() {
		return s.MainBack
	}
	return s.FullBack
}

// serviceFields is Service without its JSON methods.
type serviceFields Service

// serviceJSON is a service as JSON: its fields, and the window under the default kind as the
// first version wrote it (outage_end, approximate), which readers of that version still use.
type serviceJSON struct {
	serviceFields
	OutageEnd   time.Time `json:"outage_end,omitzero"`
	Approximate bool      `json:"approximate,omitempty"`
}

// MarshalJSON writes the service with outage_end and approximate under the default kind.
func (s Service) MarshalJSON() ([]byte, error) {
	back := s.Back(RestoredMain)
	return json.Marshal(serviceJSON{serviceFields(s), back.At, back.Approximate})
}

// UnmarshalJSON reads a service; one written with only outage_end (data files and stored
// incidents of the first version) gets it as both restorations.
func (s *Service) UnmarshalJSON(b []byte) error {
	var v serviceJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Service(v.serviceFields)
	if s.MainBack.At.IsZero() && s.FullBack.At.IsZero() && !v.OutageEnd.IsZero() {
		s.MainBack = Restoration{At: v.OutageEnd, Approximate: v.Approximate}
		s.FullBack = s.MainBack
	}
	return nil
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
		}
		for _, r := range []struct {
			name string
			back Restoration
		}{{"main_back", s.MainBack}, {"full_back", s.FullBack}} {
			switch at := r.back.At; {
			case at.IsZero():
			case !at.After(s.OutageStart):
				fe.Add(field+"."+r.name, "restored_before_start")
			case !inc.EndedAt.IsZero() && at.After(inc.EndedAt):
				fe.Add(field+"."+r.name, "date_outside", "", inc.EndedAt.In(KST).Format(time.DateTime))
			}
		}
		if !s.MainBack.At.IsZero() && !s.FullBack.At.IsZero() && s.FullBack.At.Before(s.MainBack.At) {
			fe.Add(field+".full_back", "restored_order")
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
