package http

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// handleAPIListIncidents answers GET /api/v1/incidents; ?open=true lists only the incidents that
// take reports.
func (s *Server) handleAPIListIncidents(w http.ResponseWriter, r *http.Request) error {
	var filter claimdesk.IncidentFilter
	switch r.URL.Query().Get("open") {
	case "true":
		open := true
		filter.IntakeOpen = &open
	case "false":
		closed := false
		filter.IntakeOpen = &closed
	}
	incs, err := s.Incidents.FindIncidents(r.Context(), filter)
	if err != nil {
		return err
	}
	if incs == nil {
		incs = []*claimdesk.Incident{}
	}
	writeJSON(w, http.StatusOK, "application/json", struct {
		Incidents []*claimdesk.Incident `json:"incidents"`
	}{incs})
	return nil
}

// handleAPIGetIncident answers GET /api/v1/incidents/{id}.
func (s *Server) handleAPIGetIncident(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", versionTag(inc.Version))
	writeJSON(w, http.StatusOK, "application/json", inc)
	return nil
}

// incidentInput is an incident as an administrator sends it; "start" may stand for
// "started_at".
type incidentInput struct {
	claimdesk.Incident
	Start time.Time `json:"start,omitzero"`
}

func (in *incidentInput) incident() *claimdesk.Incident {
	inc := in.Incident
	if inc.StartedAt.IsZero() {
		inc.StartedAt = in.Start
	}
	inc.Version = 0 // the store gives versions
	return &inc
}

// handleAPICreateIncident answers POST /api/v1/incidents: a new incident, which takes reports
// at once if it says intake_open. 201 with the incident and its Location.
func (s *Server) handleAPICreateIncident(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var in incidentInput
	if err := strictJSON(body, &in); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", err.Error())
	}
	inc := in.incident()
	if err := s.Incidents.CreateIncident(r.Context(), inc); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/incidents/"+inc.ID)
	w.Header().Set("ETag", versionTag(inc.Version))
	writeJSON(w, http.StatusCreated, "application/json", inc)
	return nil
}

// handleAPIPatchIncident answers PATCH /api/v1/incidents/{id} with a JSON merge patch (RFC
// 7386): {"intake_open": true}, {"ended_at": "…"}. "services" may be an object by service
// ID, each a merge patch of that service ({"services": {"talk-channel": {"main_back": {…}}}};
// null removes it); an array replaces them all. With If-Match: "N" the change is refused
// (409) unless the incident is still at version N.
func (s *Server) handleAPIPatchIncident(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var patch map[string]any
	if err := json.Unmarshal(body, &patch); err != nil || patch == nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", "a JSON object")
	}
	stored, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	// The patch is applied to the version just read: stored only over that version, so that a
	// change made meanwhile (on another server) is refused rather than undone.
	expect := stored.Version
	if m := r.Header.Get("If-Match"); m != "" {
		if expect, err = strconv.Atoi(strings.Trim(strings.TrimPrefix(m, "W/"), `"`)); err != nil || expect < 1 {
			return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", "If-Match: a version, \"3\"")
		}
	}
	var doc map[string]any
	b, _ := json.Marshal(stored)
	json.Unmarshal(b, &doc)
	if services, ok := patch["services"].(map[string]any); ok {
		doc["services"] = patchServices(doc["services"], services)
		delete(patch, "services")
	}
	merged, _ := json.Marshal(mergePatch(doc, patch))
	var in incidentInput
	if err := strictJSON(merged, &in); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", err.Error())
	}
	inc := in.incident()
	inc.ID = stored.ID // the address names the incident
	if err := s.Incidents.UpdateIncident(r.Context(), inc, expect); err != nil {
		return err
	}
	w.Header().Set("ETag", versionTag(inc.Version))
	writeJSON(w, http.StatusOK, "application/json", inc)
	return nil
}

// handleAPIIncidentVersions answers GET /api/v1/incidents/{id}/versions: who changed what,
// when, version by version.
func (s *Server) handleAPIIncidentVersions(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.Incidents.IncidentVersions(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []*claimdesk.IncidentVersion{}
	}
	writeJSON(w, http.StatusOK, "application/json", struct {
		Versions []*claimdesk.IncidentVersion `json:"versions"`
	}{vs})
	return nil
}

func versionTag(v int) string { return `"` + strconv.Itoa(v) + `"` }

// mergePatch applies an RFC 7386 merge patch to target: objects merge key by key, null
// removes, anything else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// patchServices applies a patch by service ID to a list of services: an ID listed merges into
// that service (a new ID adds one), null removes it; the order stays.
func patchServices(list any, byID map[string]any) []any {
	services, _ := list.([]any)
	var out []any
	for _, s := range services {
		m, _ := s.(map[string]any)
		id, _ := m["id"].(string)
		p, ok := byID[id]
		switch {
		case !ok:
			out = append(out, s)
		case p != nil:
			out = append(out, mergePatch(m, p))
		}
		delete(byID, id)
	}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		if p := byID[id]; p != nil {
			out = append(out, mergePatch(map[string]any{"id": id}, p))
		}
	}
	return out
}
