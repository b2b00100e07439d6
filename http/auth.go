package http

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/claimdesk/claimdesk"
)

// sessionCookie holds a console session's secret.
const sessionCookie = "claimdesk_session"

// withActor works out who is asking: a console session (cookie) or an API token (Bearer
// cdk_...), and puts that actor in the request's context. A report's access token, also sent
// as Bearer, is left to the report handlers. A token that is not valid is answered 401 at once,
// so that a partner learns its token is wrong rather than being treated as anonymous.
func (s *Server) withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := bearerToken(r); ok && strings.HasPrefix(token, claimdesk.TokenPrefix) && s.APITokens != nil {
			t, err := s.APITokens.FindTokenBySecret(r.Context(), token)
			if err != nil {
				s.writeProblem(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(claimdesk.WithActor(r.Context(), t.Actor())))
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && s.Sessions != nil {
			if u, err := s.Sessions.FindSession(r.Context(), c.Value); err == nil {
				next.ServeHTTP(w, r.WithContext(claimdesk.WithActor(r.Context(), u.Actor())))
				return
			} else if claimdesk.ErrorCode(err) != claimdesk.EUNAUTHORIZED {
				s.Logger.Error("find session", "request_id", requestID(r), "err", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// staffOnly reports whether the actor is staff (a console user or an API token).
func staffOnly(a claimdesk.Actor) bool {
	return a.Kind == claimdesk.ActorUser || a.Kind == claimdesk.ActorToken
}

// allow checks the route's permissions for the actor: nil when any of perms is granted
// (no perms: any staff), EUNAUTHORIZED when nobody is logged in, EFORBIDDEN otherwise. It is
// the one check every staff route goes through.
func allow(a claimdesk.Actor, perms ...claimdesk.Permission) error {
	if !staffOnly(a) {
		return claimdesk.Errorm(claimdesk.EUNAUTHORIZED, "session_expired")
	}
	if len(perms) == 0 {
		return nil
	}
	for _, p := range perms {
		if a.Can(p) {
			return nil
		}
	}
	return claimdesk.Errorm(claimdesk.EFORBIDDEN, "forbidden")
}

// staffAPI wraps a JSON handler that needs one of perms.
func (s *Server) staffAPI(h func(w http.ResponseWriter, r *http.Request) error, perms ...claimdesk.Permission) http.Handler {
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		if err := allow(claimdesk.ActorFrom(r.Context()), perms...); err != nil {
			return err
		}
		return h(w, r)
	})
}

// console wraps a console page that needs one of perms. Without a session it sends the
// browser to the login page, to come back afterwards; state-changing requests must carry the
// session's CSRF token.
func (s *Server) console(h func(w http.ResponseWriter, r *http.Request) error, perms ...claimdesk.Permission) http.Handler {
	return s.page(func(w http.ResponseWriter, r *http.Request) error {
		a := claimdesk.ActorFrom(r.Context())
		if a.Kind == claimdesk.ActorToken {
			// The console is for people at a browser; a token's requests belong in the API,
			// where what they send is read as JSON.
			return claimdesk.Errorm(claimdesk.EFORBIDDEN, "console_session_only")
		}
		if err := allow(a, perms...); err != nil {
			if claimdesk.ErrorCode(err) == claimdesk.EUNAUTHORIZED && a.Kind != claimdesk.ActorToken {
				next := r.URL.RequestURI()
				if r.Method != http.MethodGet {
					next = "/console"
				}
				http.Redirect(w, r, "/console/login?"+url.Values{"next": {next}}.Encode(), http.StatusSeeOther)
				return nil
			}
			return err
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.checkCSRF(r); err != nil {
				return err
			}
		}
		return h(w, r)
	})
}

// csrfToken is the token a console form must send back: an HMAC of the session's secret, so it
// needs no storage, changes with every login, and cannot be made without the cookie.
func (s *Server) csrfToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(s.CSRFKey) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, s.CSRFKey)
	m.Write([]byte("csrf:" + c.Value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// checkCSRF refuses a state-changing console request without the session's CSRF token. (API
// tokens send no cookie and need none; cross-site requests are also refused by
// CrossOriginProtection.)
func (s *Server) checkCSRF(r *http.Request) error {
	// Files above 1 MB go to temporary files, which page() removes when the request ends.
	err := r.ParseMultipartForm(1 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return claimdesk.Errorm(claimdesk.ETOOLARGE, "body_too_large", tooLarge.Limit)
	} else if err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	want := s.csrfToken(r)
	if want == "" || !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(want)) {
		return claimdesk.Errorm(claimdesk.EFORBIDDEN, "csrf_invalid")
	}
	return nil
}

// limiter hands out a rate limiter per client address and forgets idle ones.
type limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	clients map[string]*client
	sweep   time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{every: rate.Limit(float64(perMinute) / 60), burst: burst, clients: map[string]*client{}}
}

// allow reports whether addr may act now, and if not how long it should wait.
func (l *limiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reserve(addr, now)
}

// client returns key's limiter, forgetting those idle long enough to be full again.
func (l *limiter) client(key string, now time.Time) *client {
	if now.Sub(l.sweep) > time.Minute {
		full := time.Duration(float64(l.burst)/float64(l.every)) * time.Second
		for k, c := range l.clients {
			if now.Sub(c.seen) > max(10*time.Minute, full) {
				delete(l.clients, k)
			}
		}
		l.sweep = now
	}
	c, ok := l.clients[key]
	if !ok {
		c = &client{lim: rate.NewLimiter(l.every, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	return c
}

// waitFor reports how long key must wait before its next attempt, spending nothing: a login
// spends only when it fails (see spend).
func (l *limiter) waitFor(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.client(key, now)
	if c.lim.TokensAt(now) >= 1 {
		return 0
	}
	res := c.lim.ReserveN(now, 1)
	defer res.CancelAt(now)
	return res.DelayFrom(now)
}

// spend counts one attempt of key.
func (l *limiter) spend(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reserve(key, now)
}

func (l *limiter) reserve(addr string, now time.Time) (bool, time.Duration) {
	c := l.client(addr, now)
	res := c.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// SetRateLimit sets the per-address limit name ("intake": reports and merchants' answers;
// "lookup": receipt-and-phone lookups) to perMinute with bursts of burst; perMinute 0 turns it
// off. Call it before serving.
func (s *Server) SetRateLimit(name string, perMinute, burst int) {
	if perMinute <= 0 {
		delete(s.limits, name)
		return
	}
	s.limits[name] = newLimiter(perMinute, max(burst, 1))
}

// throttle refuses public requests from an address past the named limit, with 429 and
// Retry-After. Staff and partner systems (any valid session or API token) are not limited:
// they are known, and a partner relays many merchants from one address.
func (s *Server) throttle(name string, h func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		l := s.limits[name]
		if l == nil || staffOnly(claimdesk.ActorFrom(r.Context())) {
			return h(w, r)
		}
		if ok, wait := l.allow(s.clientAddr(r), s.Now()); !ok {
			secs := int(wait.Seconds()) + 1
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.Metrics.limited.WithLabelValues(name).Inc()
			return claimdesk.Errorm(claimdesk.ELOCKED, "rate_limited", secs)
		}
		return h(w, r)
	}
}

// clientAddr is the request's client IP address (without the port): the connection's, or
// behind a trusted proxy the last address of X-Forwarded-For.
func (s *Server) clientAddr(r *http.Request) string {
	if s.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
