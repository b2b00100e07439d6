// Package http serves claimdesk over HTTP: the JSON API under /api/v1/ for partner systems, and
// server-rendered pages for merchants that work on an old phone without JavaScript.
package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/claimdesk/claimdesk"
)

// Server is claimdesk's HTTP server, on the services it is given.
type Server struct {
	claimdesk.Services

	// ReportTokens signs the access tokens of reports; CSRFKey the console's CSRF tokens.
	ReportTokens *claimdesk.ReportTokens
	CSRFKey      []byte

	// SecureCookies marks the session cookie Secure: set it when the server is reached over
	// HTTPS (a request that came over TLS gets a Secure cookie anyway).
	SecureCookies bool

	// Ready reports whether the database is usable, for /readyz.
	Ready func(ctx context.Context) error

	Logger  *slog.Logger
	Metrics *Metrics
	Now     func() time.Time

	// Budgets bound how long a request may take to arrive and be answered.
	Budgets Budgets

	// PublicURL, when set, is where merchants reach the service (no trailing slash): the links
	// given to them are absolute with it. Without it they are relative.
	PublicURL string

	// MaxBodyBytes limits request bodies; MaxUploadBytes uploaded import files.
	MaxBodyBytes   int64
	MaxUploadBytes int64

	routePerms   map[string][]claimdesk.Permission // console routes and what they need, for tests
	ln           net.Listener
	loginLimiter *limiter
	// Login failures per account and address, and per account from anywhere.
	loginPairs, loginAccounts *limiter
	// TrustProxy takes the client's address from the last X-Forwarded-For entry, which the
	// reverse proxy in front appended: set it only behind one, or clients could pose as others.
	TrustProxy bool

	limits      map[string]*limiter // per-address limits on public requests, by name (see SetRateLimit)
	publicPages sync.Map            // "incident|lang" -> *renderedPage
	server      *http.Server
	mux         *http.ServeMux
	pages       *pages
	handler     http.Handler
}

// NewServer returns a Server with its routes on svc. Every service must be set: a server
// missing one would fail on the first request that needs it, so NewServer panics instead.
func NewServer(svc claimdesk.Services) *Server {
	if unset := svc.Unset(); len(unset) > 0 {
		panic(fmt.Sprintf("http.NewServer: services not set: %s", strings.Join(unset, ", ")))
	}
	s := &Server{
		Services:       svc,
		Logger:         slog.New(slog.DiscardHandler),
		Metrics:        NewMetrics(),
		Now:            time.Now,
		Budgets:        DefaultBudgets,
		MaxBodyBytes:   64 << 10,
		MaxUploadBytes: 20 << 20,
		loginLimiter:   newLimiter(10, 10), // 10 logins a minute per address, 10 at once
		loginPairs:     &limiter{every: rate.Every(3 * time.Minute), burst: 5, clients: map[string]*client{}},
		loginAccounts:  &limiter{every: rate.Every(30 * time.Second), burst: 30, clients: map[string]*client{}},
		// Generous for intake: many merchants share one address behind a mobile carrier's
		// NAT. Strict for lookups, which could otherwise be used to guess receipts and phones.
		limits:     map[string]*limiter{"intake": newLimiter(120, 60), "lookup": newLimiter(20, 10)},
		mux:        http.NewServeMux(),
		routePerms: map[string][]claimdesk.Permission{},
		pages:      mustParsePages(),
	}
	s.routes()
	// Cross-origin protection refuses unsafe requests a browser sends from another site (the
	// CSRF of a form post); requests without browser headers, such as partners' API calls,
	// pass.
	cop := http.NewCrossOriginProtection()
	refuse := func(http.ResponseWriter, *http.Request) error {
		return claimdesk.Errorm(claimdesk.EFORBIDDEN, "cross_origin")
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Refused in the reader's language, as a page or a problem document, never Go's text.
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.api(refuse).ServeHTTP(w, r)
		} else {
			s.page(refuse).ServeHTTP(w, r)
		}
	}))
	s.handler = s.withRequest(cop.Handler(s.withActor(s.mux)))
	s.server = &http.Server{
		Handler: s.handler,
		// Headers must come fast; each request then gets its own budget to read its body and
		// answer (see withRequest), longer for uploads.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.mux.Handle("GET /static/", s.staticHandler())
	s.mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) { s.Metrics.Handler().ServeHTTP(w, r) })

	s.mux.Handle("POST /api/v1/reports", s.api(s.throttle("intake", s.handleAPICreateReport)))
	s.mux.Handle("GET /api/v1/reports/{receipt}", s.api(s.handleAPIGetReport))
	s.mux.Handle("GET /api/v1/incidents", s.api(s.handleAPIListIncidents))
	s.mux.Handle("GET /api/v1/incidents/{id}", s.api(s.handleAPIGetIncident))
	s.mux.Handle("POST /api/v1/incidents", s.staffAPI(s.handleAPICreateIncident, claimdesk.PermAdmin))
	s.mux.Handle("PATCH /api/v1/incidents/{id}", s.staffAPI(s.handleAPIPatchIncident, claimdesk.PermAdmin))
	s.mux.Handle("GET /api/v1/incidents/{id}/versions", s.staffAPI(s.handleAPIIncidentVersions, claimdesk.PermAdmin))
	s.mux.Handle("GET /api/v1/incidents/{id}/stats", s.staffAPI(s.handleAPIStats, claimdesk.PermStats))
	s.mux.Handle("GET /api/v1/incidents/{id}/stats/{file}", s.staffAPI(s.handleStatsTable, claimdesk.PermStats))
	s.mux.Handle("GET /api/v1/incidents/{id}/export/{file}", s.staffAPI(s.handleExportReports, claimdesk.PermExport))
	s.mux.Handle("POST /api/v1/incidents/{id}/payouts/simulate", s.staffAPI(s.handleAPISimulate, claimdesk.PermSimulate))
	s.mux.Handle("POST /api/v1/incidents/{id}/payouts/runs", s.staffAPI(s.handleAPIAdopt, claimdesk.PermPayouts))
	s.mux.Handle("GET /api/v1/incidents/{id}/payouts/runs", s.staffAPI(s.handleAPIRuns, claimdesk.PermSimulate))
	s.mux.Handle("GET /api/v1/payouts/runs/{run}", s.staffAPI(onRun(http.StatusOK, s.handleAPIRun), claimdesk.PermSimulate))
	s.mux.Handle("POST /api/v1/payouts/runs/{run}/release", s.staffAPI(onRun(http.StatusOK, s.handleAPIRelease), claimdesk.PermPayouts))
	s.mux.Handle("POST /api/v1/payouts/runs/{run}/paid", s.staffAPI(onRun(http.StatusOK, s.handleAPIRunPaid), claimdesk.PermPayouts))
	s.mux.Handle("POST /api/v1/payouts/runs/{run}/payment-files", s.staffAPI(onRun(http.StatusCreated, s.handleAPIExport), claimdesk.PermPayouts))
	s.mux.Handle("GET /api/v1/payouts/runs/{run}/payment-files", s.staffAPI(onRun(http.StatusOK, s.handleAPIPaymentFiles), claimdesk.PermPayouts))
	s.mux.Handle("GET /api/v1/payouts/runs/{run}/{name}", s.staffAPI(s.handleRunPayments, claimdesk.PermPayouts))
	s.mux.Handle("GET /api/v1/payment-files/{file}", s.staffAPI(s.handleAPIPaymentFile, claimdesk.PermPayouts))
	s.mux.Handle("GET /api/v1/payment-files/{file}/{name}", s.staffAPI(s.handleFileDownload, claimdesk.PermPayouts))
	s.mux.Handle("POST /api/v1/payment-files/{file}/paid", s.staffAPI(s.handleAPIFilePaid, claimdesk.PermPayouts))
	s.mux.Handle("POST /api/v1/reports/{receipt}/status", s.staffAPI(s.handleAPIStatus, claimdesk.PermReview))
	s.mux.Handle("GET /api/v1/reports/{receipt}/offer", s.api(s.handleAPIOffer))
	s.mux.Handle("POST /api/v1/reports/{receipt}/offer", s.api(s.throttle("intake", s.handleAPIOfferAnswer)))
	s.mux.Handle("GET /api/v1/reports/{receipt}/awards", s.staffAPI(s.handleAPIAwards, claimdesk.PermReview))
	s.mux.Handle("POST /api/v1/reports/{receipt}/award", s.staffAPI(s.handleAPIAwardPropose, claimdesk.PermReview))
	s.mux.Handle("POST /api/v1/reports/{receipt}/award/{decision}", s.staffAPI(s.handleAPIAwardDecide, claimdesk.PermReview, claimdesk.PermPayouts))
	s.mux.Handle("POST /api/v1/webhooks", s.staffAPI(s.handleAPIWebhookCreate, claimdesk.PermAdmin))
	s.mux.Handle("GET /api/v1/webhooks", s.staffAPI(s.handleAPIWebhooks, claimdesk.PermAdmin))
	s.mux.Handle("GET /api/v1/webhooks/{id}/deliveries", s.staffAPI(s.handleAPIDeliveries, claimdesk.PermAdmin))
	s.mux.Handle("POST /api/v1/webhooks/{id}/deliveries/{key}/replay", s.staffAPI(s.handleAPIReplay, claimdesk.PermAdmin))
	s.mux.Handle("POST /api/v1/reports/{receipt}/correction", s.staffAPI(s.handleAPICorrect, claimdesk.PermReview))
	s.mux.Handle("GET /api/v1/messages/batches/{batch}", s.staffAPI(s.handleAPIBatch, claimdesk.PermReview))
	s.mux.Handle("GET /api/v1/reports/{receipt}/messages", s.staffAPI(s.handleAPIMessages, claimdesk.PermReview))
	s.mux.HandleFunc("GET /api/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Write(claimdesk.OpenAPI)
	})
	s.mux.Handle("/api/", s.api(s.handleAPINotFound))

	s.consoleRoutes()

	s.mux.Handle("GET /{$}", s.page(s.handleHome))
	s.mux.Handle("GET /incidents/{id}", s.page(s.handleIncidentPage))
	s.mux.Handle("GET /incidents/{id}/report", s.page(s.handleReportForm))
	s.mux.Handle("POST /incidents/{id}/report", s.page(s.throttle("intake", s.handleReportFormSubmit)))
	s.mux.Handle("GET /reports/{receipt}", s.page(s.handleReportPage))
	s.mux.Handle("POST /reports/{receipt}/answer", s.page(s.throttle("intake", s.handleAnswer)))
	s.mux.Handle("POST /reports/{receipt}/notifications", s.page(s.throttle("intake", s.handlePreferences)))
	s.mux.Handle("POST /reports/{receipt}/offer", s.page(s.throttle("intake", s.handleOffer)))
	s.mux.Handle("GET /lookup", s.page(s.handleLookup))
	s.mux.Handle("POST /lookup", s.page(s.throttle("lookup", s.handleLookupSubmit)))
	s.mux.Handle("POST /lookup/recover", s.page(s.throttle("lookup", s.handleRecover)))
	s.mux.Handle("/", s.page(func(w http.ResponseWriter, r *http.Request) error {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}))
}

// handleAPINotFound answers API requests no route takes: 405 with Allow when the path exists
// under another method, 404 otherwise, both as problem documents.
func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) error {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/api/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return claimdesk.Errorm(claimdesk.EMETHOD, "method_not_allowed")
	}
	return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
}

// Handler returns the server's handler, for in-process tests.
func (s *Server) Handler() http.Handler { return s.handler }

// Open starts listening on addr ("127.0.0.1:8080"; port 0 picks a free one) and serves in the
// background.
func (s *Server) Open(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	go func() {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("serve", "err", err)
		}
	}()
	return nil
}

// Addr returns the address the server listens on, once open.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL returns the server's base URL, once open.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops accepting connections and waits for the requests in flight to finish, until ctx
// ends.
func (s *Server) Close(ctx context.Context) error {
	return s.server.Shutdown(ctx)
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.Logger.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unavailable\n"))
			return
		}
	}
	w.Write([]byte("ok\n"))
}

type ctxKey int

const requestIDKey ctxKey = iota

// requestID returns the ID given to the request, which is in its log line and in any error a
// person sees, so that the two can be matched.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// withRequest gives every request an ID, security headers and a log line, and turns a panic
// into a 500.
// Budgets are the time a request has to send its body (Read) and to be answered (Write); an
// upload, a multipart form, gets Upload for both: the largest allowed, 25 MB of evidence, takes
// 200 s at 1 Mbit/s.
type Budgets struct{ Read, Write, Upload time.Duration }

// DefaultBudgets are the server's budgets unless set otherwise.
var DefaultBudgets = Budgets{Read: 30 * time.Second, Write: 60 * time.Second, Upload: 5 * time.Minute}

// noDeadlines lifts a request's deadlines for a long streamed answer (a million rows). The read
// deadline goes too: past it, the server would cancel the request while it still writes.
func noDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
}

func (s *Server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(start.Add(s.Budgets.Read))
		rc.SetWriteDeadline(start.Add(s.Budgets.Write))
		h := w.Header()
		h.Set("X-Request-ID", id)
		h.Set("X-Content-Type-Options", "nosniff")
		// No scripts, no third parties; pages load only their own stylesheet.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		// Report pages carry their access token in the address: never leak it to another site.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")

		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.Error("panic", "request_id", id, "panic", p)
				if !rec.wrote {
					s.writeProblem(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			// The mux records the matched pattern on the request it was given, which is r.
			took := time.Since(start)
			s.Metrics.observe(r.Pattern, r.Method, rec.status, took)
			s.Logger.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "route", r.Pattern,
				"status", rec.status, "bytes", rec.bytes, "duration_ms", float64(took.Microseconds())/1000)
		}()
		next.ServeHTTP(rec, r)
	})
}

func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
