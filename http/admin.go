package http

import (
	"net/http"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

// adminPage lists staff accounts and API tokens.
type adminPage struct {
	consolePage
	Users     []*claimdesk.User
	Tokens    []*claimdesk.APIToken
	Roles     []choice
	Error     string
	NewSecret string // a token or password just made: shown this once
	NewFor    string
	Webhooks  []*claimdesk.Webhook
	Events    []string // what a webhook can subscribe to
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, p *adminPage) error {
	var err error
	if p.Users, err = s.Users.FindUsers(r.Context()); err != nil {
		return err
	}
	if p.Tokens, err = s.APITokens.FindTokens(r.Context()); err != nil {
		return err
	}
	for _, o := range claimdesk.Roles {
		p.Roles = append(p.Roles, choice{Value: o.Code, Label: o.Label.In(p.Lang)})
	}
	if p.Webhooks, err = s.Notices.Webhooks(r.Context()); err != nil {
		return err
	}
	p.Events = claimdesk.WebhookEvents
	// A page with a secret on it must not be cached anywhere.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "admin", p)
	return nil
}

func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) error {
	return s.renderAdmin(w, r, http.StatusOK, &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")})
}

// adminDone shows the admin page again, with the error of a refused change.
func (s *Server) adminDone(w http.ResponseWriter, r *http.Request, err error, p *adminPage) error {
	if err == nil {
		if p.NewSecret != "" {
			return s.renderAdmin(w, r, http.StatusOK, p)
		}
		http.Redirect(w, r, "/console/admin?done=admin", http.StatusSeeOther)
		return nil
	}
	switch claimdesk.ErrorCode(err) {
	case claimdesk.EINVALID, claimdesk.ECONFLICT, claimdesk.ENOTFOUND:
		p.Error = userMessage(err, p.Lang)
		if fe := claimdesk.FieldErrorsOf(err); len(fe) > 0 {
			p.Error = fe[0].Message(p.Lang)
		}
		return s.renderAdmin(w, r, statusOf(claimdesk.ErrorCode(err)), p)
	}
	return err
}

func (s *Server) handleUserAdd(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	password := r.PostForm.Get("password")
	if password == "" {
		password = claimdesk.NewSecret("")[:20]
		p.NewSecret = password
	}
	u := &claimdesk.User{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Role: claimdesk.Role(r.PostForm.Get("role"))}
	err := s.Users.CreateUser(r.Context(), u, password)
	if err != nil {
		p.NewSecret = ""
	}
	p.NewFor = u.Email
	return s.adminDone(w, r, err, p)
}

func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	return s.adminDone(w, r, s.Users.DisableUser(r.Context(), r.PostForm.Get("email")), p)
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	role, person := claimdesk.Role(r.PostForm.Get("role")), ""
	if role == "me" {
		role, person = "", claimdesk.ActorFrom(r.Context()).Name
	}
	secret, t, err := s.APITokens.CreateToken(r.Context(), r.PostForm.Get("name"), role, person)
	if err == nil {
		p.NewSecret, p.NewFor = secret, t.Name
	}
	return s.adminDone(w, r, err, p)
}

func (s *Server) handleWebhookAdd(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	hook, err := s.Notices.CreateWebhook(r.Context(), r.PostForm.Get("url"), r.PostForm["events"])
	if err == nil {
		p.NewSecret, p.NewFor = hook.Secret, hook.URL
	}
	return s.adminDone(w, r, err, p)
}

// deliveriesPage lists a webhook's deliveries with the subscriber's answers.
type deliveriesPage struct {
	consolePage
	Webhook    *claimdesk.Webhook
	Deliveries []*claimdesk.Notification
}

func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathWebhook(r)
	if err != nil {
		return err
	}
	hooks, err := s.Notices.Webhooks(r.Context())
	if err != nil {
		return err
	}
	p := &deliveriesPage{consolePage: s.newConsolePage(w, r, "webhooks.deliveries")}
	for _, h := range hooks {
		if h.ID == id {
			p.Webhook = h
		}
	}
	if p.Webhook == nil {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "webhook_not_found")
	}
	if p.Deliveries, err = s.Notices.Deliveries(r.Context(), id, 200); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "deliveries", p)
	return nil
}

func (s *Server) handleReplay(w http.ResponseWriter, r *http.Request) error {
	id, err := pathWebhook(r)
	if err != nil {
		return err
	}
	if err := s.Notices.Replay(r.Context(), id, r.PostForm.Get("key")); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/admin/webhooks/"+strconv.FormatInt(id, 10)+"?done=replay", http.StatusSeeOther)
	return nil
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	id, _ := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	return s.adminDone(w, r, s.APITokens.RevokeToken(r.Context(), id), p)
}
