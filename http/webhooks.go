package http

import (
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

func pathWebhook(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, claimdesk.Errorm(claimdesk.ENOTFOUND, "webhook_not_found")
	}
	return id, nil
}
