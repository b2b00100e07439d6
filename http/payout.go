package http

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

// maxDetailReports bounds a simulation answered with every report's payout: past it, the
// answer would be hundreds of megabytes of JSON. The CLI writes such a detail to a file.
const maxDetailReports = 200_000

// simulateRequest is the body of POST /api/v1/incidents/{id}/payouts/simulate.
type simulateRequest struct {
	// Policies are stored policy IDs ("kt-2018-tiers", "kt-2018-tiers@1") or inline policy
	// documents.
	Policies []json.RawMessage `json:"policies"`
	// Detail adds each report's payout, explained in the language of Accept-Language.
	Detail bool `json:"detail"`
}

// handleAPISimulate answers POST /api/v1/incidents/{id}/payouts/simulate.
func (s *Server) handleAPISimulate(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var req simulateRequest
	if err := strictJSON(body, &req); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", err.Error())
	}
	noDeadlines(w) // the body is read; a million reports take seconds, with detail tens of them
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	policies, err := claimdesk.ResolvePolicies(r.Context(), s.Policies, req.Policies)
	if err != nil {
		return err
	}
	if req.Detail {
		// Refused before the work, not after a pass over a million reports.
		counts, err := s.Reports.CountReports(r.Context(), claimdesk.ReportFilter{Incident: inc.ID})
		if err != nil {
			return err
		}
		if counts.Total > maxDetailReports {
			return claimdesk.Errorm(claimdesk.EINVALID, "detail_too_large", maxDetailReports)
		}
	}
	lang := claimdesk.PreferredLang(r.Header.Get("Accept-Language"))
	var detail [][]claimdesk.PayoutDetail
	var emit func(int, *claimdesk.Payout) error
	if req.Detail {
		detail = make([][]claimdesk.PayoutDetail, len(policies))
		emit = func(i int, po *claimdesk.Payout) error {
			if len(detail[i]) >= maxDetailReports {
				return claimdesk.Errorm(claimdesk.EINVALID, "detail_too_large", maxDetailReports)
			}
			detail[i] = append(detail[i], po.Detail(lang))
			return nil
		}
	}
	sim, err := s.Payouts.SimulatePayouts(r.Context(), inc.ID, policies, emit)
	if err != nil {
		return err
	}
	for i := range detail {
		sim.Policies[i].Detail = detail[i]
	}
	writeJSON(w, http.StatusOK, "application/json", sim)
	return nil
}

// handleAPIAdopt answers POST /api/v1/incidents/{id}/payouts/runs: adopt a stored policy
// version, computing a run that waits for a second administrator.
func (s *Server) handleAPIAdopt(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var req struct {
		Policy string `json:"policy"` // "ID" or "ID@VERSION"
	}
	if err := strictJSON(body, &req); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", err.Error())
	}
	noDeadlines(w) // the body is read; a run over a million reports takes about half a minute
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ref, _ := json.Marshal(req.Policy)
	ps, err := claimdesk.ResolvePolicies(r.Context(), s.Policies, []json.RawMessage{ref})
	if err != nil {
		return err
	}
	run, err := s.Payouts.AdoptPolicy(r.Context(), inc.ID, ps[0])
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/payouts/runs/"+strconv.FormatInt(run.ID, 10))
	writeJSON(w, http.StatusCreated, "application/json", run)
	return nil
}

// handleAPIRuns answers GET /api/v1/incidents/{id}/payouts/runs, the newest first.
func (s *Server) handleAPIRuns(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	runs, err := s.Payouts.Runs(r.Context(), inc.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"runs": append([]*claimdesk.PayoutRun{}, runs...)})
	return nil
}

// runID reads the run in the path; a malformed one is a run that does not exist.
func runID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("run"), 10, 64)
	if err != nil || id <= 0 {
		return 0, claimdesk.Errorm(claimdesk.ENOTFOUND, "run_not_found")
	}
	return id, nil
}

// pathRun finds the run in the path.
func (s *Server) pathRun(r *http.Request) (*claimdesk.PayoutRun, error) {
	id, err := runID(r)
	if err != nil {
		return nil, err
	}
	return s.Payouts.FindRun(r.Context(), id)
}
