package http

import (
	"encoding/json"
	"net/http"

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
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	policies, err := claimdesk.ResolvePolicies(r.Context(), s.Policies, req.Policies)
	if err != nil {
		return err
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
