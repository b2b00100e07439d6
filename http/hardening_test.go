package http_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	cdhttp "github.com/claimdesk/claimdesk/http"
)

// Intake staff read the reports they entered through the API, as in the console, and no
// other; reviewers read any; analysts any, masked.
func TestReportAPIVisibility(t *testing.T) {
	e := newEnv(t)
	desk, other := e.token(claimdesk.RoleIntake), e.token(claimdesk.RoleIntake)
	json := []string{"Content-Type", "application/json"}
	mine := decode[apiReport](t, e.do("POST", "/api/v1/reports", validJSON, append(json, "Authorization", "Bearer "+desk)...))
	public, _ := e.fileReport(nil)
	read := func(receipt, token string) response {
		return e.do("GET", "/api/v1/reports/"+receipt, "", "Authorization", "Bearer "+token)
	}
	check(t, read(mine.Receipt, desk), 200, []string{"120-81-47521"}, nil)
	check(t, read(public, desk), 404, nil, []string{"120-81-47521"})
	check(t, read(mine.Receipt, other), 404, nil, nil)
	check(t, read(public, e.token(claimdesk.RoleReviewer)), 200, []string{"120-81-47521"}, nil)
	check(t, read(public, e.token(claimdesk.RoleAnalyst)), 200, nil, []string{"120-81-47521"})
}

// Metric labels come from closed sets: a client's made-up methods do not grow them.
func TestMetricLabelsClosed(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"ZZTOP", "BREW", "PROPFIND"} {
		e.do(m, "/healthz", "")
	}
	metrics := e.do("GET", "/metrics", "").Body
	for _, m := range []string{"ZZTOP", "BREW", "PROPFIND"} {
		if strings.Contains(metrics, m) {
			t.Errorf("method %s is a metric label", m)
		}
	}
	if !strings.Contains(metrics, `method="other"`) {
		t.Error("no other method counted")
	}
}

// Uploads leave no temporary file behind, whatever the answer: refused for want of an offer,
// refused as unreadable, too large, or taken.
func TestUploadsLeaveNoTempFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t)
	spilled := func() int {
		n := 0
		filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "multipart-") {
				n++
			}
			return nil
		})
		return n
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3<<20)...) // over the 1 MB kept in memory
	receipt, token := e.fileReport(func(m map[string]any) { m["claimed_loss"] = 300000 })
	path := "/reports/" + receipt + "/offer?token=" + token
	check(t, e.contest(path, "x", map[string][]byte{"a.png": png, "b.png": png}), 404, nil, nil) // no offer yet
	if n := spilled(); n != 0 {
		t.Fatalf("%d temporary files left by a refused contest", n)
	}
	desk := e.login(claimdesk.RoleIntake)
	check(t, desk.upload("big.csv", bytes.Repeat([]byte("x"), 3<<20)), 422, nil, nil)
	check(t, desk.upload("huge.csv", bytes.Repeat([]byte("x"), 30<<20)), 413, nil, nil)
	if n := spilled(); n != 0 {
		t.Fatalf("%d temporary files left by refused imports", n)
	}
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	e.accept(receipt)
	check(t, e.contest(path, "장부 사진", map[string][]byte{"a.png": png}), 303, nil, nil)
	if n := spilled(); n != 0 {
		t.Fatalf("%d temporary files left by a contest taken", n)
	}
}

// Whoever sees personal data masked cannot search by it: a business number that exists and one
// that does not get the same answer, refused with the reason; a receipt still finds its report.
func TestNoMaskedSearchOracle(t *testing.T) {
	e := newEnv(t)
	receipt, _ := e.fileReport(nil)
	analyst := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAnalyst)}
	export := "/api/v1/incidents/kakao-2022-10/export/reports.csv?q="
	hit, miss := e.do("GET", export+"120-81-47521", "", analyst...), e.do("GET", export+"120-81-47529", "", analyst...)
	check(t, hit, 422, []string{"search_masked"}, nil)
	if hit.Status != miss.Status || len(hit.Body) != len(miss.Body) {
		t.Errorf("a number on file answers %d (%d bytes), one not on file %d (%d bytes)", hit.Status, len(hit.Body), miss.Status, len(miss.Body))
	}
	check(t, e.do("GET", export+"김민", "", analyst...), 422, nil, nil)
	check(t, e.do("GET", export+receipt, "", analyst...), 200, []string{receipt, "120-81-*****"}, []string{"120-81-47521"})
	admin := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAdmin)}
	check(t, e.do("GET", export+"120-81-47521", "", admin...), 200, []string{receipt}, nil)
}

// Nobody can lock a person out by failing on purpose, nor learn which e-mails have accounts:
// an attacker's address is throttled on the account after five failures, the same for an
// e-mail with no account, while the person logs in from their own address.
func TestLoginThrottleCannotLockOut(t *testing.T) {
	e := newEnv(t)
	e.srv.TrustProxy = true
	victim := e.login(claimdesk.RoleAdmin)
	ghost := strings.Replace(victim.user.Email, "admin", "admon", 1) // as long, no account
	attack := func(email, from string) []int {
		var got []int
		for range 7 {
			r := e.postForm("/console/login", url.Values{"email": {email}, "password": {"not the password"}}, "X-Forwarded-For", from)
			got = append(got, r.Status)
		}
		return got
	}
	real, fake := attack(victim.user.Email, "203.0.113.66"), attack(ghost, "203.0.113.67")
	if !slices.Equal(real, fake) || real[4] != http.StatusUnauthorized || real[5] != http.StatusTooManyRequests {
		t.Fatalf("an account answers %v, no account %v", real, fake)
	}
	r := e.postForm("/console/login", url.Values{"email": {victim.user.Email}, "password": {testPassword}, "next": {"/console"}}, "X-Forwarded-For", "198.51.100.20")
	check(t, r, http.StatusSeeOther, nil, nil)
	// The attacker's address stays throttled on that account, even with the right password.
	r = e.postForm("/console/login", url.Values{"email": {victim.user.Email}, "password": {testPassword}}, "X-Forwarded-For", "203.0.113.66")
	check(t, r, http.StatusTooManyRequests, []string{"로그인 시도가 너무 많습니다"}, nil)
}

// Hostile characters are refused wherever text comes in, with the field named, and a file name
// is shown cleaned: the API's JSON, a contest message, a reviewer's reason.
func TestHostileCharactersRefused(t *testing.T) {
	e := newEnv(t)
	json := []string{"Content-Type", "application/json"}
	for _, bad := range []string{`행복\u202e떡집`, `행복\u200b떡집`, `행복\u0000떡집`} {
		body := strings.Replace(validJSON, `"행복떡집"`, `"`+bad+`"`, 1)
		check(t, e.do("POST", "/api/v1/reports", body, json...), 422, []string{`"field":"business_name"`, `"code":"control_chars"`}, nil)
	}
	if n := e.countReports(); n != 0 {
		t.Fatalf("%d reports stored", n)
	}
	receipt, token := e.fileReport(func(m map[string]any) { m["claimed_loss"] = 300000 })
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	e.accept(receipt)
	path := "/reports/" + receipt + "/offer?token=" + token
	check(t, e.contest(path, "널 문자\x00", nil), 422, []string{"보이지 않는 문자"}, nil)
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	check(t, e.contest(path, "장부 사진입니다", map[string][]byte{"passwd\u202egnp.pdf": png}), 303, nil, nil)
	if o := e.offer(receipt); o.Response == nil || len(o.Response.Evidence) != 1 || o.Response.Evidence[0].Name != "passwdgnp.pdf" {
		t.Fatalf("evidence stored as %+v", o.Response)
	}
	rev := []string{"Authorization", "Bearer " + e.personToken(claimdesk.RoleReviewer), "Content-Type", "application/json"}
	check(t, e.do("POST", "/api/v1/reports/"+receipt+"/status", `{"status":"rejected","reason":"사유\u202e"}`, rev...), 422,
		[]string{`"field":"reason"`}, nil)
}

// The link that carries a report's token is never made from the Host header a client sends:
// relative without a configured public URL, absolute with it.
func TestMerchantLinkIgnoresHost(t *testing.T) {
	e := newEnv(t)
	receipt, token := e.fileReport(nil)
	page := "/reports/" + receipt + "?token=" + token
	r := e.do("GET", page, "", "Host", "evil.example", "X-Forwarded-Proto", "https")
	check(t, r, 200, []string{`href="/reports/` + receipt + `?token=`}, []string{"evil.example"})
	e.srv.PublicURL = "https://claims.example.org"
	check(t, e.do("GET", page, "", "Host", "evil.example"), 200, []string{`href="https://claims.example.org/reports/` + receipt}, []string{"evil.example"})
}

// The console is for sessions: an API token gets 403 there, saying where it belongs, on pages
// and on forms alike.
func TestConsoleRefusesTokens(t *testing.T) {
	e := newEnv(t)
	admin := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAdmin)}
	check(t, e.do("GET", "/console", "", admin...), 403, []string{"/api/v1/"}, nil)
	form := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, admin...)
	check(t, e.do("POST", "/console/admin/users", "email=x%40example.org&role=admin", form...), 403, []string{"/api/v1/"}, nil)
	cli := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	if _, err := e.srv.Users.FindUserByEmail(cli, "x@example.org"); claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
		t.Errorf("a token made an account through the console: %v", err)
	}
}

// slowPost sends a request whose body arrives in pieces, pause apart, as from a slow phone, and
// returns the answer's status (0 when the server gave up on the connection).
func slowPost(t *testing.T, e *env, path, contentType string, body []byte, pieces int, pause time.Duration) int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: claims.test\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		path, contentType, len(body))
	size := (len(body) + pieces - 1) / pieces
	for len(body) > 0 {
		time.Sleep(pause)
		n := min(size, len(body))
		if _, err := conn.Write(body[:n]); err != nil {
			return 0
		}
		body = body[n:]
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// An upload has a time budget of its own, long enough for a slow phone, while other bodies must
// come quickly (here both budgets are shortened, the upload's staying the longer).
func TestUploadTimeBudget(t *testing.T) {
	e := newEnv(t)
	e.srv.Budgets = cdhttp.Budgets{Read: 300 * time.Millisecond, Write: 5 * time.Second, Upload: 10 * time.Second}
	if got := slowPost(t, e, "/api/v1/reports", "application/json", []byte(validJSON), 6, 150*time.Millisecond); got == http.StatusCreated {
		t.Errorf("a slow JSON body was taken")
	}
	if n := e.countReports(); n != 0 {
		t.Fatalf("%d reports stored from a body that came too slowly", n)
	}
	receipt, token := e.fileReport(func(m map[string]any) { m["claimed_loss"] = 300000 })
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	e.accept(receipt)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("answer", "contest")
	mw.WriteField("message", "장부 사진을 느린 전화로 보냅니다")
	fw, _ := mw.CreateFormFile("evidence", "장부.png")
	fw.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200<<10)...))
	mw.Close()
	path := "/reports/" + receipt + "/offer?token=" + token
	if got := slowPost(t, e, path, mw.FormDataContentType(), body.Bytes(), 6, 150*time.Millisecond); got != http.StatusSeeOther {
		t.Fatalf("a slow upload answered %d, want 303", got)
	}
}

// A server missing a service is refused when it is built, naming what is missing, rather than
// failing on the first request that needs it.
func TestNewServerRefusesUnsetServices(t *testing.T) {
	e := newEnv(t)
	svc := e.srv.Services
	svc.Payouts = nil
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, "Payouts") || strings.Contains(msg, "Reports") {
			t.Errorf("NewServer without Payouts: panic %q, want one naming Payouts alone", msg)
		}
	}()
	cdhttp.NewServer(svc)
}

// A form posted from another site is refused with a page in the reader's language, and an API
// call from a browser on another site with a problem document: never Go's own English text.
func TestCrossOriginRefusalWorded(t *testing.T) {
	e := newEnv(t)
	cross := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}
	r := e.do("POST", "/incidents/kakao-2022-10/report", "business_name=x", cross...)
	check(t, r, 403, []string{"다른 사이트에서 보낸 요청은 받지 않습니다", `<html lang="ko">`}, []string{"cross-origin request"})
	api := e.do("POST", "/api/v1/reports", validJSON, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/json")
	check(t, api, 403, []string{`"code":"cross_origin"`, "다른 사이트"}, nil)
}
