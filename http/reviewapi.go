package http

import (
	"encoding/json"
	"net/http"

	"github.com/claimdesk/claimdesk"
)

// The reviewers' API on one report: decisions, corrections, and what was sent about it.

// handleAPIStatus answers POST /api/v1/reports/{receipt}/status: a review decision, as in the
// console ({"status": "accepted"}, with "reason" to reject or reopen and "message" to ask the
// merchant for more).
func (s *Server) handleAPIStatus(w http.ResponseWriter, r *http.Request) error {
	receipt, err := pathReceipt(r)
	if err != nil {
		return err
	}
	var req struct {
		Status    claimdesk.Status `json:"status"`
		Reason    string           `json:"reason"`
		Message   string           `json:"message"`
		Documents []string         `json:"documents"`
	}
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	rep, err := s.Review.ChangeStatus(r.Context(), receipt, claimdesk.StatusChange{To: req.Status, Reason: req.Reason, Message: req.Message, Documents: req.Documents})
	if err != nil {
		return err
	}
	if !claimdesk.ActorFrom(r.Context()).Can(claimdesk.PermPersonalData) {
		rep = rep.Masked()
	}
	writeJSON(w, http.StatusOK, "application/json", s.reportJSON(rep, false))
	return nil
}

// handleAPICorrect answers POST /api/v1/reports/{receipt}/correction: {"changes": {field:
// value, ...}, "reason": why}. The changes are input fields of docs/api.md, laid over the
// report as it is; the whole is validated like a new report.
func (s *Server) handleAPICorrect(w http.ResponseWriter, r *http.Request) error {
	receipt, err := pathReceipt(r)
	if err != nil {
		return err
	}
	var req struct {
		Changes map[string]json.RawMessage `json:"changes"`
		Reason  string                     `json:"reason"`
	}
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	current, err := s.Reports.FindReportByReceipt(r.Context(), receipt)
	if err != nil {
		return err
	}
	b, err := json.Marshal(current)
	if err != nil {
		return err
	}
	var all, fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	fields = map[string]json.RawMessage{}
	for _, f := range claimdesk.Fields {
		if v, ok := all[f.Code]; ok {
			fields[f.Code] = v
		}
	}
	for k, v := range req.Changes {
		fields[k] = v
	}
	b, err = json.Marshal(fields)
	if err != nil {
		return err
	}
	in, err := claimdesk.ParseReportJSON(b)
	if err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	rep, err := s.Review.Correct(r.Context(), receipt, claimdesk.Correction{Report: *in, Reason: req.Reason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", rep)
	return nil
}

// handleAPIMessages answers GET /api/v1/reports/{receipt}/messages: what was sent about the
// report, through which channel, and whether it was delivered.
func (s *Server) handleAPIMessages(w http.ResponseWriter, r *http.Request) error {
	receipt, err := pathReceipt(r)
	if err != nil {
		return err
	}
	if _, err := s.Reports.FindReportByReceipt(r.Context(), receipt); err != nil {
		return err
	}
	msgs, err := s.Notices.Messages(r.Context(), receipt)
	if err != nil {
		return err
	}
	if msgs == nil {
		msgs = []*claimdesk.Notification{}
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"messages": msgs})
	return nil
}
