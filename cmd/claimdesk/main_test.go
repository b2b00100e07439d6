package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/pgtest"
)

// TestMain lets the test binary stand in for the claimdesk binary: run with CLAIMDESK_TEST_MAIN=1
// it is claimdesk, so the end-to-end tests can start, kill and restart a real server process
// without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("CLAIMDESK_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	// The tests make their own databases: a CLAIMDESK_DB or CLAIMDESK_DATA in the shell of
	// whoever runs them must never send a test's writes to a real one.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case !strings.HasPrefix(name, "CLAIMDESK_"), name == "CLAIMDESK_REQUIRE", name == "CLAIMDESK_ARTIFACTS",
			strings.HasPrefix(name, "CLAIMDESK_TEST_"), strings.HasPrefix(name, "CLAIMDESK_BENCH_"):
		default:
			os.Unsetenv(name)
		}
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// server is a claimdesk process started by a test.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
	mu     sync.Mutex
	log    bytes.Buffer
}

// startServer runs "claimdesk serve" on a free port with dataDir (and the further arguments,
// such as --db), and waits until it listens.
func startServer(t *testing.T, dataDir string, args ...string) *server {
	t.Helper()
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--intake-limit", "0"}, args...) // the load comes from one address
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CLAIMDESK_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			var entry struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
				listening <- entry.URL
			}
		}
		// Only once every line is read: Wait closes the pipe, and a line still in it would be
		// lost (the last, "stopped", most of all).
		cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.kill() })
	select {
	case s.url = <-listening:
	case <-s.exited:
		t.Fatalf("server exited before listening:\n%s", s.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not listen within 30s:\n%s", s.logs())
	}
	return s
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// kill ends the process with SIGKILL: no shutdown, no flush, as in a crash or a power cut of the
// process (the operating system keeps what was fsynced).
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// reportBody returns report n: a business of its own (name, business number, phone) with a
// loss of its own.
func reportBody(n int64) string {
	brn := claimdesk.MakeBusinessNumber(int(101000000 + n*7919%898999999))
	return fmt.Sprintf(reportTemplate, n, brn, n/10000%10000, n%10000, 100000+n)
}

const reportTemplate = `{"incident":"kakao-2022-10","business_name":"가게 %d","business_number":"%s","representative":"김민지","phone":"010-%04d-%04d","region":"41","industry":"food","services":["talk-channel"],"damage_types":["orders_lost"],"damage_start":"2022-10-15","damage_end":"2022-10-17","claimed_loss":%d,"consent":true}`

// load files reports from many clients at once until stopped, keeping what was acknowledged.
type load struct {
	mu   sync.Mutex
	got  []*acked
	done chan struct{}
	wg   sync.WaitGroup
}

// startLoad runs workers calling file(worker, i) for i = 0, 1, ... until stop. A failed call
// goes to onErr, which ends its worker; with onErr nil, failures are skipped.
func startLoad(workers int, file func(w, i int) (*acked, error), onErr func(...any)) *load {
	l := &load{done: make(chan struct{})}
	for w := range workers {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				default:
				}
				a, err := file(w, i)
				if err != nil {
					if onErr != nil {
						onErr(err)
						return
					}
					continue
				}
				l.mu.Lock()
				l.got = append(l.got, a)
				l.mu.Unlock()
			}
		})
	}
	return l
}

// acked returns the reports acknowledged so far.
func (l *load) acked() []*acked {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*acked(nil), l.got...)
}

// waitFor waits until n reports are acknowledged, or for at most max.
func (l *load) waitFor(n int, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		enough := len(l.got) >= n
		l.mu.Unlock()
		if enough {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the load, waits for its workers, and returns every report acknowledged.
func (l *load) stop() []*acked {
	close(l.done)
	l.wg.Wait()
	return l.acked()
}

// acked is a report the server acknowledged, with the answer it gave.
type acked struct {
	receipt, token, key string
	body                string
	answer              map[string]any
}

func postReport(client *http.Client, base string, n int, key string) (*acked, error) {
	body := reportBody(int64(n))
	req, _ := http.NewRequest("POST", base+"/api/v1/reports", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err // the answer did not arrive whole: not an acknowledgement
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	a := &acked{key: key, body: body}
	if err := json.Unmarshal(b, &a.answer); err != nil {
		return nil, err
	}
	a.receipt, a.token = a.answer["receipt"].(string), a.answer["access_token"].(string)
	delete(a.answer, "access_token")
	return a, nil
}

func postForm(client *http.Client, base string, n int) (*acked, error) {
	form := url.Values{
		"business_name": {fmt.Sprintf("폼 가게 %d", n)}, "business_number": {"124-81-00998"}, "representative": {"이하나"},
		"phone": {"02-123-4567"}, "region": {"11"}, "industry": {"retail"}, "services": {"kakao-pay", "gift"},
		"damage_start": {"2022-10-15"}, "damage_end": {"2022-10-16"}, "claimed_loss": {"250,000"}, "consent": {"true"},
		"form_key": {fmt.Sprintf("%032x", n)},
	}
	resp, err := client.PostForm(base+"/incidents/kakao-2022-10/report", form)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("form status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	return &acked{receipt: strings.TrimPrefix(loc.Path, "/reports/"), token: loc.Query().Get("token"),
		answer: map[string]any{"business_name": form.Get("business_name"), "claimed_loss": 250000.0, "phone": "02-123-4567", "channel": "web"}}, nil
}

func getReport(t *testing.T, base, receipt, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/reports/"+receipt, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// Reports are filed by API and form from many clients at once; the server is killed with SIGKILL
// while they are still coming; after a restart every report that was acknowledged is there,
// exactly as acknowledged.
func TestKillNineKeepsAcknowledgedReports(t *testing.T) {
	dir := t.TempDir()
	killNine(t, func() *server { return startServer(t, dir) })
}

// The same on PostgreSQL: what it acknowledged was committed there.
func TestKillNineKeepsAcknowledgedReportsPostgres(t *testing.T) {
	dir, dsn := t.TempDir(), pgtest.DSN(t)
	killNine(t, func() *server { return startServer(t, dir, "--db", dsn) })
}

func killNine(t *testing.T, start func() *server) {
	srv := start()
	client := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	l := startLoad(16, func(w, i int) (*acked, error) {
		n := w*100000 + i
		if i%5 == 4 {
			return postForm(client, srv.url, n)
		}
		return postReport(client, srv.url, n, fmt.Sprintf("crash-%d", n))
	}, nil) // a failure was in flight when the server died: never acknowledged
	// Kill once a good number is acknowledged, with the load still running.
	l.waitFor(400, 30*time.Second)
	srv.kill()
	got := l.stop()
	if len(got) < 100 {
		t.Fatalf("only %d reports acknowledged before the kill", len(got))
	}

	srv = start()
	forms := 0
	for _, a := range got {
		status, stored := getReport(t, srv.url, a.receipt, a.token)
		if status != 200 {
			t.Fatalf("acknowledged report %s: status %d after restart", a.receipt, status)
		}
		if a.body == "" { // filed by form: check what the form said
			forms++
			for k, v := range a.answer {
				if !reflect.DeepEqual(stored[k], v) {
					t.Errorf("%s: %s = %v, want %v", a.receipt, k, stored[k], v)
				}
			}
			continue
		}
		if !reflect.DeepEqual(stored, a.answer) {
			t.Fatalf("report %s changed across the crash:\n got %v\nwant %v", a.receipt, stored, a.answer)
		}
	}
	if forms == 0 {
		t.Error("no form submission was acknowledged")
	}
	// A client that never saw its answer retries after the restart and gets the same report.
	last := got[len(got)-1]
	if last.body != "" {
		req, _ := http.NewRequest("POST", srv.url+"/api/v1/reports", strings.NewReader(last.body))
		req.Header.Set("Idempotency-Key", last.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != 200 || m["receipt"] != last.receipt {
			t.Errorf("retry after restart: %d %v, want 200 %s", resp.StatusCode, m["receipt"], last.receipt)
		}
	}
	t.Logf("%d reports acknowledged before SIGKILL (%d by form), all intact after restart", len(got), forms)
}

// SIGTERM stops new connections but lets a request already being sent finish, then exits 0.
func TestSIGTERMDrainsRequestsInFlight(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	body := reportBody(1)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	half := len(body) / 2
	conn.Write([]byte(body[:half]))
	time.Sleep(100 * time.Millisecond) // let the server start reading the request

	srv.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	select {
	case <-srv.exited:
		t.Fatalf("server exited with a request in flight:\n%s", srv.logs())
	default:
	}
	if _, err := http.Get(srv.url + "/healthz"); err == nil {
		t.Error("server still accepts new connections after SIGTERM")
	}
	conn.Write([]byte(body[half:]))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("request in flight got %d", resp.StatusCode)
	}
	select {
	case <-srv.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit after draining")
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, srv.logs())
	}
	if !strings.Contains(srv.logs(), `"msg":"stopped"`) {
		t.Errorf("no orderly stop in the log:\n%s", srv.logs())
	}
	srv = startServer(t, dir)
	if status, _ := getReport(t, srv.url, rep["receipt"].(string), rep["access_token"].(string)); status != 200 {
		t.Fatalf("report filed during shutdown: status %d after restart", status)
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		stdin    string
		env      map[string]string
		code     int
		stdout   string
		stderr   string
		wantFile string
	}{
		{name: "no command", args: nil, code: 2, stderr: "Usage:"},
		{name: "help", args: []string{"help"}, code: 0, stdout: "claimdesk serve"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`},
		{name: "migrate", args: []string{"migrate", "--data", filepath.Join(dir, "a")}, code: 0,
			stdout: "0001_init.sql", wantFile: filepath.Join(dir, "a", "claimdesk.db")},
		{name: "migrate again", args: []string{"migrate", "--data", filepath.Join(dir, "a")}, code: 0, stdout: "0002_console.sql"},
		{name: "migrate from env", args: []string{"migrate"}, env: map[string]string{"CLAIMDESK_DATA": filepath.Join(dir, "b")},
			code: 0, wantFile: filepath.Join(dir, "b", "claimdesk.db")},
		{name: "bad flag", args: []string{"serve", "--nope"}, code: 2, stderr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"migrate", "extra"}, code: 2, stderr: "unexpected arguments"},
		{name: "serve on a bad address", args: []string{"serve", "--addr", "nonsense", "--data", filepath.Join(dir, "c")}, code: 1, stderr: "listen on nonsense"},
		{name: "serve with a bad log format", args: []string{"serve", "--log-format", "xml", "--data", filepath.Join(dir, "c")}, code: 1, stderr: "unknown log format"},
		{name: "data dir is a file", args: []string{"migrate", "--data", filepath.Join(dir, "a", "claimdesk.db")}, code: 1, stderr: "claimdesk migrate:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("stdout %q (want %q), stderr %q (want %q)", stdout.String(), tt.stdout, stderr.String(), tt.stderr)
			}
			if tt.wantFile != "" {
				if _, err := os.Stat(tt.wantFile); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// The in-process Main, as other tests and benchmarks use it: open on port 0, serve, close.
func TestMainInProcess(t *testing.T) {
	m := &Main{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(m.HTTP.URL() + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(m.HTTP.URL() + "/healthz"); err == nil {
		t.Fatal("still serving after Close")
	}
}

// The profiler is off unless asked for, and then served on its own address only.
func TestDebugAddr(t *testing.T) {
	m := &Main{DataDir: t.TempDir(), Addr: "127.0.0.1:0", DebugAddr: "127.0.0.1:0"}
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resp, err := http.Get(m.DebugURL() + "goroutine?debug=1")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("profiler: %v %v", resp, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "goroutine profile") {
		t.Errorf("goroutine profile: %.200s", b)
	}
	if resp, err := http.Get(m.HTTP.URL() + "/debug/pprof/"); err != nil || resp.StatusCode != 404 {
		t.Errorf("the profiler on the service's address: %v %v", resp, err)
	}
	off := &Main{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	if err := off.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if off.DebugURL() != "" {
		t.Error("a profiler without --debug-addr")
	}
}

// An operator adds an incident by dropping its data file into DIR/incidents and restarting; a
// broken file stops the start with a message that says what is wrong with it.
func TestIncidentDataFiles(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "incidents"), 0o755)
	doc := `{"id":"coupang-2026-01","name":{"ko":"쿠팡이츠 장애","en":"Coupang Eats outage"},"platform":"Coupang",
	"started_at":"2026-01-10T11:00:00+09:00","ended_at":"2026-01-10T20:00:00+09:00","intake_open":true,
	"services":[{"id":"eats-orders","name":{"ko":"주문 접수","en":"Order intake"},"category":"commerce","paid":true,
	"outage_start":"2026-01-10T11:00:00+09:00","outage_end":"2026-01-10T20:00:00+09:00"}]}`
	os.WriteFile(filepath.Join(dir, "incidents", "coupang-2026-01.json"), []byte(doc), 0o644)
	m := &Main{DataDir: dir, Addr: "127.0.0.1:0"}
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(m.HTTP.URL() + "/api/v1/incidents/coupang-2026-01")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("new incident: %v %v", resp, err)
	}
	resp.Body.Close()
	m.Close()

	broken := strings.Replace(doc, `"outage_end":"2026-01-10T20:00:00+09:00"`, `"outage_end":"2026-01-10T10:00:00+09:00"`, 1)
	os.WriteFile(filepath.Join(dir, "incidents", "coupang-2026-01.json"), []byte(broken), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"migrate", "--data", dir}, nil, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d with a broken incident file", code)
	}
	for _, want := range []string{"coupang-2026-01.json", "services.eats-orders.main_back", "comes back after its outage started"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// A backup taken from a serving process under a load of reports holds every report
// acknowledged before it began; restored with its audit key into a new data directory, it
// serves them unchanged and its audit trail verifies.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	client := &http.Client{Timeout: 10 * time.Second}
	l := startLoad(8, func(w, i int) (*acked, error) {
		n := w*100000 + i
		return postReport(client, srv.url, n, fmt.Sprintf("backup-%d", n))
	}, t.Error)
	l.waitFor(500, 30*time.Second)
	before := l.acked()
	backup := filepath.Join(t.TempDir(), "backup.db")
	var out, errOut strings.Builder
	code := run(t.Context(), []string{"backup", "--data", dir, "--to", backup}, nil, &out, &errOut)
	during := len(l.stop()) - len(before)
	if code != 0 {
		t.Fatalf("backup: %d %s", code, errOut.String())
	}
	srv.kill()

	restored := filepath.Join(t.TempDir(), "restored")
	if code := run(t.Context(), []string{"restore", "--data", restored, "--from", backup, "--audit-key", filepath.Join(dir, auditKeyFile)}, nil, &out, &errOut); code != 0 {
		t.Fatalf("restore: %d %s", code, errOut.String())
	}
	if code := run(t.Context(), []string{"restore", "--data", restored, "--from", backup}, nil, &out, &errOut); code == 0 {
		t.Error("a second restore overwrote the first")
	}
	srv = startServer(t, restored)
	for _, a := range before {
		status, stored := getReport(t, srv.url, a.receipt, a.token)
		if status != 200 || !reflect.DeepEqual(stored, a.answer) {
			t.Fatalf("report %s, acknowledged before the backup: status %d, %v", a.receipt, status, stored)
		}
	}
	srv.kill()
	out.Reset()
	if code := run(t.Context(), []string{"audit", "verify", "--data", restored}, nil, &out, &errOut); code != 0 {
		t.Errorf("audit verify after restore: %d %s %s", code, out.String(), errOut.String())
	}
	t.Logf("%d reports acknowledged before the backup (%d more while it ran), all in it", len(before), during)
}

// /metrics tells Prometheus what the server did: the report filed, by incident and channel;
// the request, by route and status; the group commit; the connection pools.
func TestMetrics(t *testing.T) {
	srv := startServer(t, t.TempDir())
	if _, err := postReport(http.DefaultClient, srv.url, 1, "metrics-1"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.url + "/nowhere/" + strings.Repeat("x", 20))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	for _, want := range []string{
		`claimdesk_reports_received_total{channel="api",incident="kakao-2022-10"} 1`,
		`claimdesk_http_requests_total{code="201",method="POST",route="POST /api/v1/reports"} 1`,
		`claimdesk_http_request_duration_seconds_count{route="POST /api/v1/reports"} 1`,
		`claimdesk_http_requests_total{code="404",method="GET",route="/"} 1`,
		`claimdesk_db_commit_batch_size_count`,
		`claimdesk_db_pool_max_open_connections{pool="writer"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
