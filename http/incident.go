package http

import (
	"net/http"

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
	writeJSON(w, http.StatusOK, "application/json", inc)
	return nil
}
