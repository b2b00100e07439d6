package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// loginPage is the console's door.
type loginPage struct {
	page
	Email, Next, Error string
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if staffOnly(claimdesk.ActorFrom(r.Context())) {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return nil
	}
	p := &loginPage{page: s.newPage(w, r, "login.title"), Next: safeNext(r.URL.Query().Get("next"))}
	p.NoIndex = true
	s.render(w, r, http.StatusOK, "login", p)
	return nil
}

// safeNext keeps a post-login destination only if it is a console page of this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/console"
	}
	return next
}

func (s *Server) handleLoginSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	p := &loginPage{page: s.newPage(w, r, "login.title"), Email: r.PostForm.Get("email"), Next: safeNext(r.PostForm.Get("next"))}
	p.NoIndex = true
	// Throttled per address; per account and address (five failures, then one every three
	// minutes); and per account from anywhere, more slowly. Only failures count against an
	// account, and the answer is the same whether the e-mail has an account or not: an
	// attacker can slow their own guesses, not lock a person out.
	now, addr := time.Now(), s.clientAddr(r)
	account := strings.ToLower(strings.TrimSpace(p.Email))
	wait := time.Duration(0)
	if ok, d := s.loginLimiter.allow(addr, now); !ok {
		wait = d
	}
	wait = max(wait, s.loginPairs.waitFor(account+" "+addr, now), s.loginAccounts.waitFor(account, now))
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		p.Error = p.T("login_throttled")
		s.render(w, r, http.StatusTooManyRequests, "login", p)
		return nil
	}
	u, err := s.Users.Authenticate(r.Context(), p.Email, r.PostForm.Get("password"))
	switch claimdesk.ErrorCode(err) {
	case "":
	case claimdesk.EUNAUTHORIZED:
		s.loginPairs.spend(account+" "+addr, now)
		s.loginAccounts.spend(account, now)
		p.Error = userMessage(err, p.Lang)
		s.render(w, r, http.StatusUnauthorized, "login", p)
		return nil
	default:
		return err
	}
	// A new session at every login, and the old one ended: a session fixed before login
	// (by someone who planted the cookie) is worth nothing after it.
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.Sessions.DeleteSession(r.Context(), c.Value)
	}
	token, err := s.Sessions.CreateSession(r.Context(), u.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookieFor(r, token, 0))
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) sessionCookieFor(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookies || r.TLS != nil, MaxAge: maxAge}
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Sessions.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.sessionCookieFor(r, "", -1))
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
	return nil
}
