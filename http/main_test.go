package http_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/claimdesk/claimdesk"
	cdhttp "github.com/claimdesk/claimdesk/http"
	"github.com/claimdesk/claimdesk/pgtest"
	"github.com/claimdesk/claimdesk/store"
)

var (
	serversMu sync.Mutex
	servers   []*cdhttp.Server
)

// TestMain fails the run when a page template was never executed by any test: a template no
// test renders is a template nobody knows works.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && len(servers) > 0 {
		executed := map[string]bool{}
		for _, s := range servers {
			for n := range cdhttp.ExecutedPages(s) {
				executed[n] = true
			}
		}
		for _, n := range cdhttp.PageNames(servers[0]) {
			if !executed[n] {
				fmt.Fprintf(os.Stderr, "FAIL: page template %q was never executed by a test\n", n)
				code = 1
			}
		}
	}
	pgtest.Stop()
	os.Exit(code)
}

// env is a server on a real SQLite database in a temporary directory, with the reference
// incidents; with CLAIMDESK_TEST_STORE=postgres, on a fresh PostgreSQL database instead (the
// whole HTTP suite then runs on PostgreSQL: CLAIMDESK_TEST_STORE=postgres go test ./http).
type env struct {
	t      testing.TB
	srv    *cdhttp.Server
	db     *store.DB
	ts     *httptest.Server
	client *http.Client
	people int // staff accounts made by personToken
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	var db *store.DB
	var err error
	if os.Getenv("CLAIMDESK_TEST_STORE") == "postgres" {
		db, err = store.OpenPostgres(ctx, pgtest.DSN(t), store.Options{})
	} else {
		db, err = store.Open(ctx, filepath.Join(t.TempDir(), store.FileName), store.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SeedReferenceIncidents(ctx, store.NewIncidentService(db)); err != nil {
		t.Fatal(err)
	}
	if err := store.SeedBuiltinPolicies(ctx, store.NewPolicyService(db)); err != nil {
		t.Fatal(err)
	}
	key, err := db.Secret(ctx, "report-access-tokens")
	if err != nil {
		t.Fatal(err)
	}
	cheap := claimdesk.PasswordHasher{Memory: 1024, Time: 1, Threads: 1} // same format, cheap
	s := cdhttp.NewServer(store.NewServices(ctx, db, store.ServiceOptions{PasswordHasher: &cheap}))
	s.ReportTokens, s.Ready = claimdesk.NewReportTokens(key), db.Ping
	s.CSRFKey = []byte("0123456789abcdef0123456789abcdef")
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); db.Close() })
	serversMu.Lock()
	servers = append(servers, s)
	serversMu.Unlock()
	// Redirects are part of what is tested, so the client does not follow them.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, srv: s, db: db, ts: ts, client: client}
}

// response is what a test looks at.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (e *env) do(method, path, body string, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (e *env) postForm(path string, v url.Values, header ...string) response {
	e.t.Helper()
	return e.do("POST", path, v.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

// countReports returns how many reports the database holds.
func (e *env) countReports() int {
	e.t.Helper()
	all, err := store.NewReportService(e.db).FindReports(context.Background(), claimdesk.ReportFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(all)
}

// check asserts a response's status and what its body must and must not contain.
func check(t testing.TB, r response, status int, contains []string, notContains []string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.Status, status, r.Body)
	}
	// A message with a formatting mistake ("%!d(MISSING)") must never reach a person.
	if strings.Contains(r.Body, "%!") {
		t.Errorf("body holds a formatting error; body:\n%s", truncate(r.Body))
	}
	// Pages escape quotes and ampersands: compare with the text as a reader sees it too.
	text := html.UnescapeString(r.Body)
	for _, s := range contains {
		if !strings.Contains(r.Body, s) && !strings.Contains(text, s) {
			t.Errorf("body lacks %q; body:\n%s", s, truncate(r.Body))
		}
	}
	for _, s := range notContains {
		if strings.Contains(r.Body, s) {
			t.Errorf("body holds %q; body:\n%s", s, truncate(r.Body))
		}
	}
}

func truncate(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// validForm is the report form as a merchant fills it in.
func validForm() url.Values {
	return url.Values{
		"business_name": {"행복떡집"}, "business_number": {"120-81-47521"}, "representative": {"김민지"},
		"phone": {"010-2345-6789"}, "region": {"41"}, "district": {"수원시"}, "industry": {"food"},
		"services": {"talk-channel", "kakao-pay"}, "damage_types": {"orders_lost"},
		"damage_start": {"2022-10-15"}, "damage_end": {"2022-10-17"}, "usual_daily_sales": {"1,500,000"},
		"claimed_loss": {"900,000"}, "description": {"톡채널 주문 확인 불가"}, "consent": {"true"},
		"form_key": {"0123456789abcdef0123456789abcdef"},
	}
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

func decodeInto(t testing.TB, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatal(err)
	}
}

func encode(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
