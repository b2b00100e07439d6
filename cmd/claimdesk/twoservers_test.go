package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk/pgtest"
)

// Two serve processes share one PostgreSQL database, as app servers behind a load balancer do:
// reports filed on both at once never share a receipt, a key sent to both gives one report,
// a console session opened on one works on the other, and the audit trail stays one chain.
func TestTwoServersOneDatabase(t *testing.T) {
	dir, dsn := t.TempDir(), pgtest.DSN(t) // the directory holds the shared audit key
	a := startServer(t, dir, "--db", dsn)
	b := startServer(t, dir, "--db", dsn)
	servers := []*server{a, b}
	client := &http.Client{Timeout: 20 * time.Second}

	// Distinct reports on both at once.
	var mu sync.Mutex
	var got []*acked
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				n := w*1000 + i
				r, err := postReport(client, servers[n%2].url, n, fmt.Sprintf("two-%d", n))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.receipt] {
			t.Fatalf("receipt %s issued twice", r.receipt)
		}
		seen[r.receipt] = true
	}
	// Each is readable from the other server.
	for i, r := range got {
		if status, _ := getReport(t, servers[(i+1)%2].url, r.receipt, r.token); status != 200 {
			t.Fatalf("report %s: %d from the other server", r.receipt, status)
		}
	}

	// The same key, sent to both at the same moment: one report, one 201.
	for k := range 20 {
		key, body := fmt.Sprintf("both-%d", k), reportBody(int64(50_000+k))
		var receipts [2]string
		var statuses [2]int
		var kw sync.WaitGroup
		for i, s := range servers {
			kw.Go(func() {
				req, _ := http.NewRequest("POST", s.url+"/api/v1/reports", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", key)
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				statuses[i] = resp.StatusCode
				receipts[i] = field(string(b), "receipt")
			})
		}
		kw.Wait()
		if receipts[0] == "" || receipts[0] != receipts[1] {
			t.Fatalf("key %s: receipts %v", key, receipts)
		}
		if statuses[0]+statuses[1] != 201+200 {
			t.Fatalf("key %s: statuses %v, want one 201 and one 200", key, statuses)
		}
	}

	// A console session made on one server is good on the other.
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"user", "add", "--data", dir, "--db", dsn, "--email", "rev@example.org", "--role", "reviewer"},
		strings.NewReader("correct horse battery staple\n"), &out, &errOut); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut.String())
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := browser.PostForm(a.url+"/console/login", url.Values{"email": {"rev@example.org"}, "password": {"correct horse battery staple"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	aURL, _ := url.Parse(a.url)
	bURL, _ := url.Parse(b.url)
	jar.SetCookies(bURL, jar.Cookies(aURL)) // one site behind a load balancer: the same cookie goes to both
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = browser.Get(b.url + "/console")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "rev@example.org") {
		t.Fatalf("the session from server A on server B: %d", resp.StatusCode)
	}

	// An incident created and opened on one server takes reports on the other at once: no
	// restart, no waiting for a cache.
	out.Reset()
	if code := run(t.Context(), []string{"token", "create", "--data", dir, "--db", dsn, "--role", "admin", "--name", "ops"},
		nil, &out, &errOut); code != 0 {
		t.Fatalf("token create: %d %s", code, errOut.String())
	}
	adminToken := regexp.MustCompile(`cdk_[a-z0-9]+`).FindString(out.String())
	send := func(method, url, body string, header ...string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+adminToken)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	drill := `{"incident":"drill-2026-12","business_name":"훈련상회","business_number":"120-81-47521","representative":"김민지",
		"phone":"010-2345-6789","region":"11","industry":"retail","services":["pay"],"damage_start":"2026-11-30","damage_end":"2026-11-30",
		"claimed_loss":100000,"consent":true}`
	if code, body := send("POST", a.url+"/api/v1/incidents", `{"id":"drill-2026-12","name":{"ko":"훈련","en":"Drill"},
		"start":"2026-11-30T09:00:00+09:00","services":[{"id":"pay","name":{"ko":"결제","en":"Payments"},"paid":true}]}`); code != 201 {
		t.Fatalf("create on A: %d %s", code, body)
	}
	if code, _ := send("POST", b.url+"/api/v1/reports", drill); code != 422 {
		t.Fatalf("a report on B before intake opened: %d", code) // B now holds the closed incident in its cache
	}
	if code, body := send("PATCH", a.url+"/api/v1/incidents/drill-2026-12", `{"intake_open":true}`, "Content-Type", "application/merge-patch+json"); code != 200 {
		t.Fatalf("open on A: %d %s", code, body)
	}
	if code, body := send("POST", b.url+"/api/v1/reports", drill); code != 201 {
		t.Fatalf("a report on B right after intake opened on A: %d %s", code, body)
	}

	// The two writers took turns: the audit trail is one unbroken chain.
	out.Reset()
	if code := run(t.Context(), []string{"audit", "verify", "--data", dir, "--db", dsn}, nil, &out, &errOut); code != 0 {
		t.Fatalf("audit verify: %d %s %s", code, out.String(), errOut.String())
	}
	t.Logf("%d reports from two processes, 20 keys sent to both, one session, audit: %s", len(got), strings.TrimSpace(out.String()))
}

// field pulls a string field out of a JSON answer.
func field(body, name string) string {
	_, after, ok := strings.Cut(body, `"`+name+`":"`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, `"`)
	return v
}
