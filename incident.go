package claimdesk

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
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

	// IntakeOpen says whether the incident takes new reports; IntakeClosesAt, when set, is
	// when intake closes by itself, announced on the form in advance.
	IntakeOpen     bool      `json:"intake_open"`
	IntakeClosesAt time.Time `json:"intake_closes_at,omitzero"`

	Services []Service `json:"services"`

	// Contact is whom merchants call about their reports (a desk and its number), shown where
	// a merchant who lost the receipt looks for a way back.
	Contact Label `json:"contact,omitzero"`

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
	// Aliases are other names merchants and offices use for the service ("카톡"), which
	// imports accept besides its ID and names.
	Aliases []string `json:"aliases,omitempty"`
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
	if s := inc.service(id); s != nil {
		return *s, true
	}
	return Service{}, false
}

// service is Service without the copy, for loops over many reports.
func (inc *Incident) service(id string) *Service {
	for i := range inc.Services {
		if inc.Services[i].ID == id {
			return &inc.Services[i]
		}
	}
	return nil
}

// TakesReports reports whether the incident takes new reports at now: intake is open and its
// announced closing time, if any, has not come.
func (inc *Incident) TakesReports(now time.Time) bool {
	return inc.IntakeOpen && (inc.IntakeClosesAt.IsZero() || now.Before(inc.IntakeClosesAt))
}

// Complete fills in what an incident written by hand may leave out: a service's outage starts
// with the incident unless it says otherwise, and its category is "other".
func (inc *Incident) Complete() {
	for i := range inc.Services {
		s := &inc.Services[i]
		if s.OutageStart.IsZero() {
			s.OutageStart = inc.StartedAt
		}
		if s.Category == "" {
			s.Category = "other"
		}
	}
}

// FindService returns the ID of the service that text names: its ID, either name or an alias,
// in any case and spacing ("카카오T", "카카오 T", "Kakao T", "kakao-t").
func (inc *Incident) FindService(text string) (string, bool) {
	key := optionKey(text)
	if key == "" {
		return "", false
	}
	for _, s := range inc.Services {
		if key == optionKey(s.ID) || key == optionKey(s.Name.Ko) || key == optionKey(s.Name.En) ||
			slices.ContainsFunc(s.Aliases, func(a string) bool { return optionKey(a) == key }) {
			return s.ID, true
		}
	}
	return "", false
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
		fe.Add("id", "incident_id_invalid")
	}
	for _, t := range []struct {
		field string
		s     *string
		rule  TextRule
	}{
		{"name", &inc.Name.Ko, TextRule{Required: "required", Max: 200}},
		{"name", &inc.Name.En, TextRule{Required: "required", Max: 200}},
		{"platform", &inc.Platform, TextRule{Max: 100}},
		{"summary", &inc.Summary.Ko, TextRule{Max: 5000, Multiline: true}},
		{"summary", &inc.Summary.En, TextRule{Max: 5000, Multiline: true}},
	} {
		CheckText(&fe, t.field, t.s, t.rule)
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
	for i := range inc.Services {
		s := &inc.Services[i]
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
		for _, t := range []*string{&s.Name.Ko, &s.Name.En} {
			CheckText(&fe, field+".name", t, TextRule{Max: 100})
		}
		for _, src := range []*string{&s.MainBack.Source, &s.FullBack.Source} {
			CheckText(&fe, field+".source", src, TextRule{Max: 500})
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

// IncidentService stores incidents. Every change is a new version, kept with who made it, when
// and what changed, and written to the audit trail.
type IncidentService interface {
	// FindIncidentByID returns the incident with id. Returns ENOTFOUND when there is none.
	FindIncidentByID(ctx context.Context, id string) (*Incident, error)

	// FindIncidents returns the incidents that match filter, the most recent first. Returns no
	// code of its own.
	FindIncidents(ctx context.Context, filter IncidentFilter) ([]*Incident, error)

	// CreateIncident stores a new incident as its version 1 and sets inc.Version. Returns
	// EFORBIDDEN unless the actor administers, EINVALID when the incident does not validate,
	// and ECONFLICT "incident_exists" when the ID is taken.
	CreateIncident(ctx context.Context, inc *Incident) error

	// UpdateIncident stores inc as the next version of its incident, when it differs from the
	// stored one, and sets inc.Version; expect, when above 0, is the version the change was
	// made from. Reports take the change at once, on every server. Returns EFORBIDDEN unless
	// the actor administers, ENOTFOUND, EINVALID, ECONFLICT "incident_changed" when the
	// stored version is no longer expect, and ECONFLICT when a service that reports name
	// would be removed.
	UpdateIncident(ctx context.Context, inc *Incident, expect int) error

	// UpsertIncident creates the incident or stores it as its next version, whoever the actor
	// (the data files at start). Services that reports already name cannot be removed:
	// returns ECONFLICT then, and EINVALID when the incident does not validate.
	UpsertIncident(ctx context.Context, inc *Incident) error

	// IncidentVersions returns the incident's stored versions, the first first. Returns
	// ENOTFOUND.
	IncidentVersions(ctx context.Context, id string) ([]*IncidentVersion, error)
}

// IncidentVersion is one stored version of an incident: who made it, when, from where, and
// what it changed from the version before.
type IncidentVersion struct {
	Version int              `json:"version"`
	Origin  string           `json:"origin"` // "file" (a data file) or "edit" (the console or the API)
	Actor   string           `json:"actor"`
	At      time.Time        `json:"at"`
	Changes []IncidentChange `json:"changes"`
	// Incident is the incident as this version left it.
	Incident *Incident `json:"-"`
}

// IncidentChange is one thing a version changed: a field of the incident ("intake_open") or of
// one of its services ("services.talk-channel.main_back"), with its values before and after as
// JSON; From is empty for what was added, To for what was removed.
type IncidentChange struct {
	Field   string `json:"field"`
	Service string `json:"service,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

// DiffIncidents lists what changed from old to new (old nil: everything was added), field by
// field, services by ID, in a stable order. The version is not a change.
func DiffIncidents(old, new *Incident) []IncidentChange {
	var changes []IncidentChange
	diff := func(prefix, service string, a, b map[string]json.RawMessage) {
		keys := slices.Sorted(maps.Keys(a))
		for k := range b {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			derived := service != "" && (k == "outage_end" || k == "approximate") // restated from main_back
			if k == "services" || k == "version" || derived || bytes.Equal(a[k], b[k]) {
				continue
			}
			changes = append(changes, IncidentChange{Field: prefix + k, Service: service, From: string(a[k]), To: string(b[k])})
		}
	}
	var oldServices []Service
	if old != nil {
		oldServices = old.Services
	}
	diff("", "", fieldsOf(old), fieldsOf(new))
	for _, s := range new.Services {
		i := slices.IndexFunc(oldServices, func(o Service) bool { return o.ID == s.ID })
		if i < 0 {
			b, _ := json.Marshal(s)
			changes = append(changes, IncidentChange{Field: "services." + s.ID, Service: s.ID, To: string(b)})
			continue
		}
		diff("services."+s.ID+".", s.ID, fieldsOf(oldServices[i]), fieldsOf(s))
	}
	for _, o := range oldServices {
		if _, ok := new.Service(o.ID); !ok {
			b, _ := json.Marshal(o)
			changes = append(changes, IncidentChange{Field: "services." + o.ID, Service: o.ID, From: string(b)})
		}
	}
	return changes
}

// fieldsOf is v's JSON object, field by field; nil for nil.
func fieldsOf(v any) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if p, ok := v.(*Incident); ok && p == nil {
		return m
	}
	b, _ := json.Marshal(v)
	json.Unmarshal(b, &m)
	return m
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
