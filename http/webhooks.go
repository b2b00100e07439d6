package http

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

// handleAPIWebhookCreate answers POST /api/v1/webhooks ({"url": ..., "events": [...]}): 201
// with the subscription and its signing secret, shown this once.
func (s *Server) handleAPIWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	hook, err := s.Notices.CreateWebhook(r.Context(), req.URL, req.Events)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, "application/json", hook)
	return nil
}

// handleAPIWebhooks answers GET /api/v1/webhooks: the subscriptions, without their secrets.
func (s *Server) handleAPIWebhooks(w http.ResponseWriter, r *http.Request) error {
	hooks, err := s.Notices.Webhooks(r.Context())
	if err != nil {
		return err
	}
	if hooks == nil {
		hooks = []*claimdesk.Webhook{}
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"webhooks": hooks, "events": claimdesk.WebhookEvents})
	return nil
}

// handleAPIDeliveries answers GET /api/v1/webhooks/{id}/deliveries: a subscription's
// messages, newest first, with what the subscriber answered (?limit=, at most 500).
func (s *Server) handleAPIDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathWebhook(r)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	msgs, err := s.Notices.Deliveries(r.Context(), id, limit)
	if err != nil {
		return err
	}
	if msgs == nil {
		msgs = []*claimdesk.Notification{}
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"deliveries": msgs})
	return nil
}

// handleAPIReplay answers POST /api/v1/webhooks/{id}/deliveries/{key}/replay: the message is
// sent again, under the same webhook-id, and the subscription is enabled if it was disabled.
func (s *Server) handleAPIReplay(w http.ResponseWriter, r *http.Request) error {
	id, err := pathWebhook(r)
	if err != nil {
		return err
	}
	if err := s.Notices.Replay(r.Context(), id, r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
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

func pathWebhook(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, claimdesk.Errorm(claimdesk.ENOTFOUND, "webhook_not_found")
	}
	return id, nil
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
