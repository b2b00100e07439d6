package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
	cdhttp "github.com/claimdesk/claimdesk/http"
	"github.com/claimdesk/claimdesk/notify"
	"github.com/claimdesk/claimdesk/store"
	"golang.org/x/time/rate"
)

// Main is a running claimdesk: its database and its HTTP server. Tests start one on port 0 with
// a temporary data directory.
type Main struct {
	DataDir     string
	DatabaseURL string // PostgreSQL; "" for SQLite in DataDir
	Addr        string
	Logger      *slog.Logger

	// ShutdownTimeout bounds how long Close waits for requests in flight.
	ShutdownTimeout time.Duration

	// SecureCookies marks the console's session cookie Secure (behind HTTPS).
	SecureCookies bool

	// PublicURL is where merchants reach the service (https://claims.example.org): the
	// merchant's links are made with it, never with a request's Host header.
	PublicURL string

	// BehindProxy takes client addresses from X-Forwarded-For. IntakeLimit and LookupLimit are
	// per-address limits a minute on public requests (0: none); see cdhttp.Server.SetRateLimit.
	BehindProxy              bool
	IntakeLimit, LookupLimit int

	// DebugAddr, when set, serves Go's profiler (/debug/pprof/) there, apart from the service:
	// for an operator's next profile. Off by default; keep it on 127.0.0.1.
	DebugAddr string
	debug     *http.Server
	debugLn   net.Listener

	// Messages to merchants: an SMS gateway (SMSURL, with SMSToken as its bearer token) and an
	// SMTP server (SMTP, an smtp:// URL, sending as MailFrom); each channel is off unless
	// configured. Partners' webhooks are always delivered. SMSRate paces text messages (a
	// second; 0: as fast as the gateway answers).
	SMSURL, SMSToken string
	SMTP, MailFrom   string
	SMSRate          float64
	SenderName       string // in brackets at the start of every message: the operator's name
	worker           *notify.Worker

	DB   *store.DB
	HTTP *cdhttp.Server
}

// Open opens the database (creating and migrating it on first start), seeds the reference
// incidents, and starts serving.
func (m *Main) Open(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	metrics := cdhttp.NewMetrics()
	db, err := openDBWith(ctx, &place{Dir: m.DataDir, DB: m.DatabaseURL}, store.Options{Logger: m.Logger, Observer: metrics})
	if err != nil {
		return err
	}
	m.DB = db
	metrics.WatchPools(func() map[string]sql.DBStats {
		w, r := db.PoolStats()
		return map[string]sql.DBStats{"writer": w, "readers": r}
	})
	key, err := db.Secret(ctx, "report-access-tokens")
	if err != nil {
		db.Close()
		return fmt.Errorf("read token key: %w", err)
	}
	csrfKey, err := db.Secret(ctx, "csrf")
	if err != nil {
		db.Close()
		return fmt.Errorf("read CSRF key: %w", err)
	}

	s := cdhttp.NewServer(store.NewServices(ctx, db, store.ServiceOptions{WarmStats: true}))
	s.Metrics = metrics
	s.ReportTokens = claimdesk.NewReportTokens(key)
	s.CSRFKey = csrfKey
	s.SecureCookies = m.SecureCookies
	s.TrustProxy = m.BehindProxy
	s.PublicURL = m.PublicURL
	s.SetRateLimit("intake", m.IntakeLimit, m.IntakeLimit/2)
	s.SetRateLimit("lookup", m.LookupLimit, m.LookupLimit/2)
	s.Ready = db.Ping
	s.Logger = m.Logger
	m.HTTP = s
	worker, err := m.outbox(db, s, metrics)
	if err != nil {
		db.Close()
		return err
	}
	if err := s.Open(m.Addr); err != nil {
		db.Close()
		return err
	}
	m.worker = worker
	worker.Start()
	if m.DebugAddr != "" {
		if err := m.openDebug(); err != nil {
			s.Close(ctx)
			db.Close()
			return err
		}
	}
	return nil
}

// outbox configures the messages the database writes and the worker that delivers them.
// Without --public-url the links in messages use the address the server listens on, which
// only suits a test: the log says so.
func (m *Main) outbox(db *store.DB, s *cdhttp.Server, metrics *cdhttp.Metrics) (*notify.Worker, error) {
	w := &notify.Worker{DB: db, Logger: m.Logger, Observer: metrics,
		Senders: map[claimdesk.MessageChannel]notify.Sender{claimdesk.ByWebhook: &notify.Webhooks{}},
		Limits:  map[claimdesk.MessageChannel]*rate.Limiter{}}
	var channels []claimdesk.MessageChannel
	if m.SMSURL != "" {
		u, err := url.Parse(m.SMSURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--sms-url %q: want the gateway's http(s) URL", m.SMSURL)
		}
		w.Senders[claimdesk.BySMS] = &notify.SMS{URL: m.SMSURL, Token: m.SMSToken}
		if m.SMSRate > 0 {
			w.Limits[claimdesk.BySMS] = rate.NewLimiter(rate.Limit(m.SMSRate), 1)
		}
		channels = append(channels, claimdesk.BySMS)
	}
	if m.SMTP != "" || m.MailFrom != "" {
		mail, err := notify.ParseSMTP(m.SMTP, m.MailFrom)
		if err != nil {
			return nil, err
		}
		w.Senders[claimdesk.ByEmail] = mail
		channels = append(channels, claimdesk.ByEmail)
	}
	if len(channels) > 0 && m.PublicURL == "" {
		m.Logger.Warn("messages to merchants link to the address this server listens on: set --public-url to where merchants reach it")
	}
	db.SetNotices(store.Notices{Channels: channels, Sender: m.SenderName, Link: func(receipt string) string {
		base := m.PublicURL
		if base == "" {
			base = s.URL()
		}
		return base + "/reports/" + receipt + "?" + url.Values{"token": {s.ReportTokens.Token(receipt)}}.Encode()
	}})
	m.Logger.Info("outbox", "channels", append(channels, claimdesk.ByWebhook))
	return w, nil
}

// openDebug serves the profiler on DebugAddr, on a mux of its own: nothing of it reaches the
// service's address.
func (m *Main) openDebug() error {
	ln, err := net.Listen("tcp", m.DebugAddr)
	if err != nil {
		return fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.debug, m.debugLn = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln
	go m.debug.Serve(ln)
	m.Logger.Info("profiler", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return nil
}

// DebugURL is where the profiler answers, "" when it is off.
func (m *Main) DebugURL() string {
	if m.debugLn == nil {
		return ""
	}
	return "http://" + m.debugLn.Addr().String() + "/debug/pprof/"
}

// openDB opens the database in dataDir and stores the incidents of the data files in it: the
// reference incidents that ship with claimdesk, and any DIR/incidents/*.json an operator added
// (which wins over a reference incident with the same ID). The commands that open it leave the
// duplicate scan to the server (or run it themselves, as import does).
func openDB(ctx context.Context, at *place, logger *slog.Logger) (*store.DB, error) {
	return openDBWith(ctx, at, store.Options{Logger: logger, NoDuplicateScan: true})
}

// openDBWith is openDB with the database's options; the audit key is read from the data
// directory whichever the database.
func openDBWith(ctx context.Context, at *place, opts store.Options) (*store.DB, error) {
	dataDir := at.Dir
	incs, err := incidentFiles(dataDir)
	if err != nil {
		return nil, err
	}
	key, err := auditKey(dataDir)
	if err != nil {
		return nil, err
	}
	opts.AuditKey = key
	if opts.CheckpointFile == "" {
		opts.CheckpointFile = filepath.Join(dataDir, store.CheckpointFile)
	}
	var db *store.DB
	if strings.HasPrefix(at.DB, "postgres://") || strings.HasPrefix(at.DB, "postgresql://") {
		db, err = store.OpenPostgres(ctx, at.DB, opts)
	} else if at.DB != "" {
		return nil, fmt.Errorf("--db %q: want a postgres:// URL (or none, for SQLite in the data directory)", at.DB)
	} else {
		db, err = store.Open(ctx, filepath.Join(dataDir, store.FileName), opts)
	}
	if err != nil {
		return nil, err
	}
	if err := store.SeedIncidents(ctx, store.NewIncidentService(db), incs); err != nil {
		db.Close()
		return nil, fmt.Errorf("store incidents: %w", err)
	}
	if err := store.SeedBuiltinPolicies(ctx, store.NewPolicyService(db)); err != nil {
		db.Close()
		return nil, fmt.Errorf("store built-in policies: %w", err)
	}
	return db, nil
}

// auditKeyFile holds the key of the audit trail's hash chain, beside the database but not in it:
// whoever can edit the database cannot re-forge the chain without it. Back it up apart from the
// database.
const auditKeyFile = "audit.key"

// auditKey reads DATA/audit.key, making it on first use.
func auditKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, auditKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, err
		}
		key := make([]byte, 32)
		rand.Read(key)
		text := hex.EncodeToString(key) + "\n"
		// O_EXCL: two commands starting at once must not each make a key.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return auditKey(dataDir)
		} else if err != nil {
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
		if _, err := f.WriteString(text); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		return key, f.Close()
	} else if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return parseAuditKey(path, b)
}

// readAuditKey reads an audit key from path (another server's DATA/audit.key).
func readAuditKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseAuditKey(path, b)
}

func parseAuditKey(path string, b []byte) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("%s is not an audit key (64 hexadecimal digits, as DATA/audit.key holds)", path)
	}
	return key, nil
}

// incidentFiles returns the reference incidents overlaid with those in DIR/incidents.
func incidentFiles(dataDir string) ([]*claimdesk.Incident, error) {
	ref, err := claimdesk.ReferenceIncidents()
	if err != nil {
		return nil, err
	}
	local, err := claimdesk.ReadIncidentFiles(os.DirFS(dataDir), "incidents")
	if err != nil {
		return nil, fmt.Errorf("incident file in %s: %w", dataDir, explain(err))
	}
	byID := map[string]int{}
	for i, inc := range ref {
		byID[inc.ID] = i
	}
	for _, inc := range local {
		if i, ok := byID[inc.ID]; ok {
			ref[i] = inc
		} else {
			ref = append(ref, inc)
		}
	}
	return ref, nil
}

// describe writes err for an operator's terminal: field problems one per line, in English.
// explained is an error as the command line prints it (see describe), still wrapping the
// error, so that callers can test it with errors.Is and errors.As.
type explained struct{ err error }

func (e explained) Error() string { return describe(e.err) }
func (e explained) Unwrap() error { return e.err }

// explain wraps err to be printed as describe words it.
func explain(err error) error {
	if err == nil {
		return nil
	}
	return explained{err}
}

func describe(err error) string {
	fe := claimdesk.FieldErrorsOf(err)
	if len(fe) == 0 {
		var e *claimdesk.Error
		if errors.As(err, &e) {
			return e.Localized(claimdesk.English)
		}
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(strings.SplitN(err.Error(), ": claimdesk error", 2)[0])
	for _, f := range fe {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message(claimdesk.English))
	}
	return b.String()
}

// Close stops taking requests, lets those in flight finish (up to ShutdownTimeout), and closes
// the database after its last write.
func (m *Main) Close() error {
	timeout := m.ShutdownTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	if m.debug != nil {
		m.debug.Close()
	}
	if m.HTTP != nil {
		err = m.HTTP.Close(ctx)
	}
	if m.worker != nil {
		m.worker.Stop()
	}
	if m.DB != nil {
		if cerr := m.DB.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// ServeCommand is "claimdesk serve".
type ServeCommand struct {
	Stdout, Stderr io.Writer
}

// Run serves until ctx ends (SIGINT or SIGTERM), then drains and exits.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", c.Stderr)
	addr := fs.String("addr", envOr("CLAIMDESK_ADDR", "127.0.0.1:8080"), "address to listen on (env CLAIMDESK_ADDR)")
	data := dataFlag(fs)
	logFormat := fs.String("log-format", envOr("CLAIMDESK_LOG_FORMAT", "json"), "log format: json or text (env CLAIMDESK_LOG_FORMAT)")
	shutdown := fs.Duration("shutdown-timeout", 30*time.Second, "how long to wait for requests in flight on SIGTERM")
	secure := fs.Bool("secure-cookies", os.Getenv("CLAIMDESK_SECURE_COOKIES") == "1", "mark the console's session cookie Secure: set it when serving behind HTTPS (env CLAIMDESK_SECURE_COOKIES=1)")
	proxy := fs.Bool("behind-proxy", os.Getenv("CLAIMDESK_BEHIND_PROXY") == "1", "take clients' addresses from X-Forwarded-For, for the rate limits: set it only behind a reverse proxy (env CLAIMDESK_BEHIND_PROXY=1)")
	publicURL := fs.String("public-url", os.Getenv("CLAIMDESK_PUBLIC_URL"), "where merchants reach the service, e.g. https://claims.example.org: the links given to them are made with it; without it they are relative (env CLAIMDESK_PUBLIC_URL)")
	intake := fs.Int("intake-limit", envInt("CLAIMDESK_INTAKE_LIMIT", 120), "reports and merchants' answers a minute per client address, 0 for none (env CLAIMDESK_INTAKE_LIMIT)")
	lookup := fs.Int("lookup-limit", envInt("CLAIMDESK_LOOKUP_LIMIT", 20), "report lookups a minute per client address, 0 for none (env CLAIMDESK_LOOKUP_LIMIT)")
	smsURL := fs.String("sms-url", os.Getenv("CLAIMDESK_SMS_URL"), "SMS gateway: text messages to merchants are POSTed there as JSON {to, text, id}; off when empty (env CLAIMDESK_SMS_URL)")
	smsToken := fs.String("sms-token", os.Getenv("CLAIMDESK_SMS_TOKEN"), "bearer token for the SMS gateway (env CLAIMDESK_SMS_TOKEN)")
	smsRate := fs.Float64("sms-rate", envFloat("CLAIMDESK_SMS_RATE", 0), "text messages a second at most, as the gateway allows; 0 for no pacing (env CLAIMDESK_SMS_RATE)")
	smtpURL := fs.String("smtp", os.Getenv("CLAIMDESK_SMTP"), "SMTP server for e-mail to merchants, smtp://user:password@host:587 (STARTTLS when offered) or smtps://host:465; off when empty (env CLAIMDESK_SMTP)")
	mailFrom := fs.String("mail-from", os.Getenv("CLAIMDESK_MAIL_FROM"), "the address e-mail comes from, e.g. '피해접수센터 <claims@example.org>' (env CLAIMDESK_MAIL_FROM)")
	senderName := fs.String("sender-name", os.Getenv("CLAIMDESK_SENDER_NAME"), "who messages to merchants are from, in brackets at their start, e.g. 소상공인연합회 (default 피해접수센터) (env CLAIMDESK_SENDER_NAME)")
	debugAddr := fs.String("debug-addr", os.Getenv("CLAIMDESK_DEBUG_ADDR"), "serve Go's profiler (/debug/pprof/) at this address, e.g. 127.0.0.1:6060; off by default (env CLAIMDESK_DEBUG_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := newLogger(c.Stderr, *logFormat)
	if err != nil {
		return err
	}
	if *publicURL != "" {
		u, err := url.Parse(*publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url %q: want an address such as https://claims.example.org", *publicURL)
		}
		*publicURL = strings.TrimSuffix(u.String(), "/")
	}
	m := &Main{DataDir: data.Dir, DatabaseURL: data.DB, Addr: *addr, Logger: logger, ShutdownTimeout: *shutdown, SecureCookies: *secure,
		BehindProxy: *proxy, IntakeLimit: *intake, LookupLimit: *lookup, PublicURL: *publicURL, DebugAddr: *debugAddr,
		SMSURL: *smsURL, SMSToken: *smsToken, SMSRate: *smsRate, SMTP: *smtpURL, MailFrom: *mailFrom, SenderName: *senderName}
	if err := m.Open(ctx); err != nil {
		return err
	}
	logger.Info("listening", "addr", m.HTTP.Addr(), "url", m.HTTP.URL(), "data", m.DB.Path())
	<-ctx.Done()
	logger.Info("shutting down: finishing requests in flight")
	if err := m.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	st := m.DB.Stats()
	logger.Info("stopped", "commits", st.Commits, "writes", st.Writes, "max_batch", st.MaxBatch)
	return nil
}

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("unknown log format %q (want json or text)", format)
}

// MigrateCommand is "claimdesk migrate".
type MigrateCommand struct {
	Stdout, Stderr io.Writer
}

// Run creates or upgrades the database and seeds the reference incidents.
func (c *MigrateCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate", c.Stderr)
	data := dataFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	names, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: %d migrations applied\n", db.Path(), len(names))
	for _, n := range names {
		fmt.Fprintf(c.Stdout, "  %s\n", n)
	}
	return nil
}
