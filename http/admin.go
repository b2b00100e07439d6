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

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	id, _ := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	return s.adminDone(w, r, s.APITokens.RevokeToken(r.Context(), id), p)
}
