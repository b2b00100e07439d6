package http_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	cdhttp "github.com/claimdesk/claimdesk/http"
)

const testPassword = "correct horse battery staple 9"

// staffSession is a logged-in console user.
type staffSession struct {
	e      *env
	cookie string
	csrf   string
	user   *claimdesk.User
}

// login creates an account with the role and logs it in through the login form.
func (e *env) login(role claimdesk.Role) *staffSession {
	e.t.Helper()
	email := string(role) + fmt.Sprintf("-%d@example.org", time.Now().UnixNano()%1e6)
	u := &claimdesk.User{Email: email, Role: role}
	cli := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	if err := e.srv.Users.CreateUser(cli, u, testPassword); err != nil {
		e.t.Fatal(err)
	}
	r := e.postForm("/console/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"/console"}})
	if r.Status != http.StatusSeeOther {
		e.t.Fatalf("login as %s: %d %s", role, r.Status, r.Body)
	}
	s := &staffSession{e: e, cookie: sessionFrom(e.t, r), user: u}
	home := s.get("/console")
	if home.Status == http.StatusSeeOther { // an analyst's home is the statistics
		home = s.get(home.Header.Get("Location"))
	}
	s.csrf = csrfFrom(e.t, home.Body)
	return s
}

func sessionFrom(t testing.TB, r response) string {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "claimdesk_session" {
			return c.Value
		}
	}
	t.Fatalf("no session cookie in %v", r.Header)
	return ""
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfFrom(t testing.TB, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", truncate(body))
	}
	return m[1]
}

func (s *staffSession) get(path string) response {
	s.e.t.Helper()
	return s.e.do("GET", path, "", "Cookie", "claimdesk_session="+s.cookie)
}

// post sends a console form with the session's CSRF token.
func (s *staffSession) post(path string, v url.Values) response {
	s.e.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	if v.Get("csrf") == "" {
		v.Set("csrf", s.csrf)
	}
	return s.e.postForm(path, v, "Cookie", "claimdesk_session="+s.cookie)
}

// fileReport files a report through the API and returns its receipt and token.
func (e *env) fileReport(edit func(m map[string]any)) (string, string) {
	e.t.Helper()
	var m map[string]any
	json_ := validJSON
	if edit != nil {
		decodeInto(e.t, validJSON, &m)
		edit(m)
		json_ = encode(e.t, m)
	}
	r := e.do("POST", "/api/v1/reports", json_, "Content-Type", "application/json")
	if r.Status != 201 {
		e.t.Fatalf("file report: %d %s", r.Status, r.Body)
	}
	rep := decode[apiReport](e.t, r)
	return rep.Receipt, rep.AccessToken
}

// The role x route table: who may use each console route. Every route the console registers
// must be in it, so a new route cannot slip in unchecked.
func TestRoleRouteTable(t *testing.T) {
	e := newEnv(t)
	receipt, _ := e.fileReport(nil)
	sessions := map[string]*staffSession{
		"intake": e.login(claimdesk.RoleIntake), "reviewer": e.login(claimdesk.RoleReviewer),
		"analyst": e.login(claimdesk.RoleAnalyst), "admin": e.login(claimdesk.RoleAdmin),
	}
	table := []struct {
		route   string // as registered
		path    string
		allowed string // roles, space-separated
	}{
		{"GET /console", "/console", "intake reviewer analyst admin"},
		{"POST /console/logout", "/console/logout", "intake reviewer analyst admin"},
		{"GET /console/reports/{receipt}", "/console/reports/" + receipt, "intake reviewer admin"}, // intake: their own only (here 404)
		{"POST /console/reports/{receipt}/status", "/console/reports/" + receipt + "/status", "reviewer admin"},
		{"POST /console/reports/{receipt}/note", "/console/reports/" + receipt + "/note", "reviewer admin"},
		{"POST /console/reports/{receipt}/assign", "/console/reports/" + receipt + "/assign", "reviewer admin"},
		{"POST /console/reports/{receipt}/merge", "/console/reports/" + receipt + "/merge", "reviewer admin"},
		{"GET /console/reports/{receipt}/documents/{id}", "/console/reports/" + receipt + "/documents/1", "reviewer admin"},
		{"GET /console/messages/{batch}", "/console/messages/b_nosuch", "reviewer admin"},
		{"POST /console/admin/webhooks", "/console/admin/webhooks", "admin"},
		{"GET /console/admin/webhooks/{id}", "/console/admin/webhooks/1", "admin"},
		{"POST /console/admin/webhooks/{id}/replay", "/console/admin/webhooks/1/replay", "admin"},
		{"POST /console/reports/{receipt}/correct", "/console/reports/" + receipt + "/correct", "reviewer admin"},
		{"GET /console/bulk", "/console/bulk?action=status&to=in_review", "reviewer admin"},
		{"POST /console/bulk", "/console/bulk", "reviewer admin"},
		{"GET /console/new", "/console/new", "intake admin"},
		{"POST /console/new", "/console/new?incident=kakao-2022-10", "intake admin"},
		{"GET /console/import", "/console/import", "intake admin"},
		{"POST /console/import", "/console/import", "intake admin"},
		{"GET /console/import/template.xlsx", "/console/import/template.xlsx?incident=kt-2018-11", "intake admin"},
		{"GET /console/imports/{id}/result.csv", "/console/imports/1/result.csv", "intake admin"},
		{"GET /console/admin", "/console/admin", "admin"},
		{"POST /console/admin/users", "/console/admin/users", "admin"},
		{"POST /console/admin/users/disable", "/console/admin/users/disable", "admin"},
		{"POST /console/admin/tokens", "/console/admin/tokens", "admin"},
		{"POST /console/admin/tokens/revoke", "/console/admin/tokens/revoke", "admin"},
		{"GET /console/incidents", "/console/incidents", "reviewer analyst admin"},
		{"GET /console/incidents/{id}", "/console/incidents/kakao-2022-10", "reviewer analyst admin"},
		{"GET /console/incidents/new", "/console/incidents/new", "admin"},
		{"POST /console/incidents/new", "/console/incidents/new", "admin"},
		{"GET /console/incidents/{id}/edit", "/console/incidents/kakao-2022-10/edit", "admin"},
		{"POST /console/incidents/{id}/edit", "/console/incidents/kakao-2022-10/edit", "admin"},
		{"POST /console/incidents/{id}/intake", "/console/incidents/kakao-2022-10/intake", "admin"},
		{"GET /console/reports/{receipt}/evidence/{id}", "/console/reports/" + receipt + "/evidence/1", "reviewer admin"},
		{"GET /console/policies", "/console/policies", "analyst admin"},
		{"POST /console/policies", "/console/policies", "admin"},
		{"GET /console/policies/{id}", "/console/policies/kt-2018-tiers", "analyst admin"},
		{"GET /console/incidents/{id}/payouts", "/console/incidents/kt-2018-11/payouts", "analyst admin"},
		{"POST /console/incidents/{id}/payouts/runs", "/console/incidents/kt-2018-11/payouts/runs", "admin"},
		{"POST /console/payouts/runs/{run}/release", "/console/payouts/runs/1/release", "admin"},
		{"GET /console/payouts/runs/{run}", "/console/payouts/runs/1", "analyst admin"},
		{"POST /console/payouts/runs/{run}/payment-files", "/console/payouts/runs/1/payment-files", "admin"},
		{"GET /console/payment-files/{file}/{name}", "/console/payment-files/1/payments.csv", "admin"},
		{"POST /console/payment-files/{file}/paid", "/console/payment-files/1/paid", "admin"},
		{"POST /console/reports/{receipt}/award", "/console/reports/" + receipt + "/award", "reviewer admin"},
		{"POST /console/reports/{receipt}/award/{decision}", "/console/reports/" + receipt + "/award/approve", "reviewer admin"},
	}
	covered := map[string]bool{}
	for _, row := range table {
		covered[row.route] = true
		method := strings.Fields(row.route)[0]
		for role, s := range sessions {
			if row.route == "POST /console/logout" {
				s = e.login(claimdesk.Role(role)) // logging out must not end the sessions the other rows use
			}
			t.Run(row.route+" as "+role, func(t *testing.T) {
				var r response
				if method == "GET" {
					r = s.get(row.path)
				} else {
					r = s.post(row.path, nil)
				}
				allowed := strings.Contains(" "+row.allowed+" ", " "+role+" ")
				if forbidden := r.Status == http.StatusForbidden || r.Status == http.StatusUnauthorized; forbidden == allowed {
					t.Fatalf("%s as %s: status %d, allowed %v", row.path, role, r.Status, allowed)
				}
				if strings.HasPrefix(r.Header.Get("Location"), "/console/login") && row.route != "POST /console/logout" {
					t.Fatalf("%s as %s: sent to log in", row.path, role)
				}
			})
		}
		t.Run(row.route+" anonymous", func(t *testing.T) {
			var r response
			if method == "GET" {
				r = e.do("GET", row.path, "")
			} else {
				r = e.postForm(row.path, url.Values{})
			}
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/login") {
				t.Fatalf("%s anonymous: %d %s", row.path, r.Status, r.Header.Get("Location"))
			}
		})
	}
	for route := range cdhttp.RoutePerms(e.srv) {
		if !covered[route] {
			t.Errorf("route %s is not in the role x route table", route)
		}
	}
}

func TestLoginAndSessions(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/console", "")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console/login?next=%2Fconsole" {
		t.Fatalf("anonymous console: %d %q", r.Status, r.Header.Get("Location"))
	}
	check(t, e.do("GET", "/console/login", ""), 200, []string{`name="password"`, `autocomplete="current-password"`}, nil)

	rev := e.login(claimdesk.RoleReviewer)
	check(t, e.postForm("/console/login", url.Values{"email": {rev.user.Email}, "password": {"wrong password!"}}), 401,
		[]string{"이메일 또는 비밀번호가 맞지 않습니다"}, nil)
	check(t, e.postForm("/console/login", url.Values{"email": {"nobody@example.org"}, "password": {testPassword}}), 401,
		[]string{"이메일 또는 비밀번호가 맞지 않습니다"}, nil)

	// The cookie is HttpOnly and SameSite; a login made with an old session cookie gets a new
	// one, and the old one stops working (no session fixation).
	r = e.postForm("/console/login", url.Values{"email": {rev.user.Email}, "password": {testPassword}, "next": {"/console/reports/X"}},
		"Cookie", "claimdesk_session="+rev.cookie)
	set := r.Header.Get("Set-Cookie")
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || r.Header.Get("Location") != "/console/reports/X" {
		t.Fatalf("login: %d %q %q", r.Status, set, r.Header.Get("Location"))
	}
	fresh := sessionFrom(t, r)
	if fresh == rev.cookie {
		t.Fatal("the session cookie was not rotated on login")
	}
	if r := rev.get("/console"); r.Status != http.StatusSeeOther {
		t.Errorf("the old session still works: %d", r.Status)
	}
	rev.cookie = fresh
	check(t, rev.get("/console"), 200, nil, nil)
	// next must stay on this site.
	r = e.postForm("/console/login", url.Values{"email": {rev.user.Email}, "password": {testPassword}, "next": {"//evil.example/console"}})
	if r.Header.Get("Location") != "/console" {
		t.Errorf("open redirect: %q", r.Header.Get("Location"))
	}

	// An idle session expires.
	e.db.SetClock(func() time.Time { return time.Now().Add(claimdesk.SessionIdle + time.Minute) })
	if r := rev.get("/console"); r.Status != http.StatusSeeOther {
		t.Errorf("an expired session was accepted: %d", r.Status)
	}
	e.db.SetClock(nil)

	// Logout ends the session.
	s := e.login(claimdesk.RoleReviewer)
	if r := s.post("/console/logout", nil); r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %q", r.Status, r.Header.Get("Set-Cookie"))
	}
	if r := s.get("/console"); r.Status != http.StatusSeeOther {
		t.Errorf("session alive after logout: %d", r.Status)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	receipt, _ := e.fileReport(nil)
	rev := e.login(claimdesk.RoleReviewer)
	note := url.Values{"note": {"메모"}}
	// Without a token, and with another session's.
	r := e.postForm("/console/reports/"+receipt+"/note", url.Values{"note": {"메모"}}, "Cookie", "claimdesk_session="+rev.cookie)
	check(t, r, 403, []string{"보안 확인에 실패했습니다"}, nil)
	other := e.login(claimdesk.RoleReviewer).csrf
	check(t, rev.post("/console/reports/"+receipt+"/note", url.Values{"note": {"메모"}, "csrf": {other}}), 403, nil, nil)
	check(t, rev.post("/console/reports/"+receipt+"/note", note), 303, nil, nil)
	hist := rev.get("/console/reports/" + receipt)
	if strings.Count(hist.Body, "메모</strong>") != 1 {
		t.Errorf("want exactly the one accepted note in the history")
	}
}

func TestLoginThrottling(t *testing.T) {
	e := newEnv(t)
	e.login(claimdesk.RoleReviewer) // one login of the address's allowance
	var last response
	for range 12 {
		last = e.postForm("/console/login", url.Values{"email": {"x@example.org"}, "password": {"wrong password!"}})
	}
	check(t, last, http.StatusTooManyRequests, []string{"로그인 시도가 너무 많습니다"}, nil)
	if last.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestQueuePage(t *testing.T) {
	e := newEnv(t)
	for i := range 55 {
		e.fileReport(func(m map[string]any) {
			m["business_name"] = fmt.Sprintf("가게 %02d", i)
			if i%5 == 0 {
				m["industry"], m["region"] = "transport", "26"
			}
		})
	}
	rev := e.login(claimdesk.RoleReviewer)
	r := rev.get("/console")
	check(t, r, 200, []string{"심사 대기열", "55건", "접수 55", "가게 00", "가게 49", `rel="next"`, `name="q"`}, []string{"가게 50"})
	next := regexp.MustCompile(`href="(/console\?[^"]*after=[^"]+)" rel="next"`).FindStringSubmatch(r.Body)
	if next == nil {
		t.Fatal("no next-page link")
	}
	check(t, rev.get(strings.ReplaceAll(next[1], "&amp;", "&")), 200, []string{"가게 50", "가게 54"}, []string{"가게 49"})
	check(t, rev.get("/console?industry=transport&sort=newest"), 200, []string{"11건", "가게 50", "가게 00"}, []string{"가게 01"})
	check(t, rev.get("/console?q="+url.QueryEscape("가게 07")), 200, []string{"1건", "가게 07"}, []string{"가게 08"})
	check(t, rev.get("/console?from=yesterday"), 200, []string{"YYYY-MM-DD"}, nil)
	// The status tabs keep the other filters.
	check(t, rev.get("/console?industry=transport"), 200, []string{`href="/console?industry=transport&amp;status=received"`}, nil)
}

func TestReviewFlow(t *testing.T) {
	e := newEnv(t)
	receipt, token := e.fileReport(nil)
	rev := e.login(claimdesk.RoleReviewer)
	path := "/console/reports/" + receipt
	check(t, rev.get(path), 200, []string{receipt, "행복떡집", "120-81-47521", "접수", `value="in_review"`, `value="needs_info"`, "처리 기록"}, []string{`value="accepted"`})

	// Asking for information needs a message; the refusal keeps what was typed.
	r := rev.post(path+"/status", url.Values{"to": {"needs_info"}, "reason": {"확인 필요"}})
	check(t, r, 422, []string{"신고인에게 보여 줄 요청 내용을 적어 주세요", ">확인 필요</textarea>"}, nil)
	check(t, rev.post(path+"/status", url.Values{"to": {"needs_info"}, "message": {"매출 감소 자료를 올려 주세요"}}), 303, nil, nil)
	check(t, rev.get(path+"?done=status"), 200, []string{"상태를 바꿨습니다", "매출 감소 자료를 올려 주세요", "보완 요청"}, nil)
	// An impossible transition is refused with a clear message.
	check(t, rev.post(path+"/status", url.Values{"to": {"accepted"}}), 409, []string{"'보완 요청' 상태인 신고는 '인정'(으)로 바꿀 수 없습니다"}, nil)

	// The merchant sees the request, answers and corrects the phone number.
	page := e.do("GET", "/reports/"+receipt+"?token="+token, "")
	check(t, page, 200, []string{"담당자가 자료를 더 요청했습니다", "매출 감소 자료를 올려 주세요", `name="answer"`, `value="010-2345-6789"`}, nil)
	answer := validForm()
	answer.Del("consent") // the answer form does not ask for consent again
	answer.Set("token", token)
	answer.Set("answer", "주문 내역 캡처를 보냈습니다")
	answer.Set("phone", "010-9999-8888")
	bad := url.Values{}
	for k, v := range answer {
		bad[k] = v
	}
	bad.Set("business_number", "120-81-47522")
	check(t, e.postForm("/reports/"+receipt+"/answer", bad), 422, []string{"올바른 사업자등록번호가 아닙니다", "주문 내역 캡처를 보냈습니다"}, nil)
	check(t, e.postForm("/reports/"+receipt+"/answer", url.Values{"token": {"nope"}, "answer": {"x"}}), 404, nil, nil)
	r = e.postForm("/reports/"+receipt+"/answer", answer)
	check(t, r, 303, nil, nil)
	check(t, e.do("GET", r.Header.Get("Location"), ""), 200, []string{"답변을 보냈습니다", "검토 중", "주문 내역 캡처를 보냈습니다"}, []string{`name="answer"`})

	// Back in the queue, with the answer and the correction in the history.
	check(t, rev.get("/console?status=in_review"), 200, []string{receipt}, nil)
	check(t, rev.post(path+"/status", url.Values{"to": {"accepted"}}), 303, nil, nil)
	check(t, rev.get(path), 200, []string{"인정", "신고인 답변", "010-2345-6789 → 010-9999-8888", "주문 내역 캡처를 보냈습니다", "매출 감소 자료를 올려 주세요"}, nil)
	// Notes and assignment.
	check(t, rev.post(path+"/note", url.Values{"note": {"전화로 확인"}}), 303, nil, nil)
	check(t, rev.post(path+"/assign", url.Values{"assignee": {fmt.Sprint(rev.user.ID)}}), 303, nil, nil)
	check(t, rev.get(path), 200, []string{"전화로 확인", `id="assignee">` + rev.user.Email}, nil)
	check(t, rev.get("/console?assigned=me"), 200, []string{receipt}, nil)
}

func TestDuplicatesSideBySide(t *testing.T) {
	e := newEnv(t)
	first, _ := e.fileReport(nil)
	second, _ := e.fileReport(func(m map[string]any) { m["claimed_loss"] = 123456 })
	if _, err := e.db.FlagDuplicates(context.Background()); err != nil {
		t.Fatal(err)
	}
	rev := e.login(claimdesk.RoleReviewer)
	check(t, rev.get("/console?duplicates=1"), 200, []string{second, "중복 의심"}, []string{first + "</a>"})
	page := rev.get("/console/reports/" + second)
	check(t, page, 200, []string{"중복 의심 신고", first, `class="differs">900,000`, "이 신고와 병합"}, nil)
	check(t, rev.post("/console/reports/"+second+"/merge", url.Values{"other": {first}}), 303, nil, nil)
	check(t, rev.get("/console/reports/"+second), 200, []string{"중복 병합", first + "에 병합됨"}, nil)
	check(t, rev.post("/console/reports/"+second+"/merge", url.Values{"other": {"not-a-receipt"}}), 422, []string{"한 글자씩"}, nil)
}

func TestBulkActions(t *testing.T) {
	e := newEnv(t)
	for range 7 {
		e.fileReport(nil)
	}
	e.fileReport(func(m map[string]any) { m["industry"] = "retail" })
	rev := e.login(claimdesk.RoleReviewer)
	r := rev.get("/console/bulk?industry=food&action=status&to=in_review")
	check(t, r, 200, []string{"신고 7건의 상태를 '검토 중'(으)로", `name="industry" value="food"`}, nil)
	check(t, rev.get("/console/bulk?industry=food&action=frobnicate"), 422, []string{"일괄 처리할 작업을 고르세요"}, nil)
	r = rev.post("/console/bulk", url.Values{"industry": {"food"}, "action": {"status"}, "to": {"in_review"}})
	check(t, r, 303, nil, nil)
	check(t, rev.get(r.Header.Get("Location")), 200, []string{"7건을 바꿨고 0건은", "검토 중 7", "접수 1"}, nil)
	r = rev.post("/console/bulk", url.Values{"action": {"assign"}, "assignee": {fmt.Sprint(rev.user.ID)}})
	check(t, rev.get(r.Header.Get("Location")), 200, []string{"8건을 바꿨고"}, nil)
}

func TestStaffEntry(t *testing.T) {
	e := newEnv(t)
	desk := e.login(claimdesk.RoleIntake)
	check(t, desk.get("/console/new"), 200, []string{"어느 장애의 신고인가요?", "/console/new?incident=kakao-2022-10"}, nil)
	check(t, desk.get("/console/new?incident=kakao-2022-10"), 200, []string{`name="business_number"`, "구두 동의"}, nil)
	form := validForm()
	form.Del("consent")
	check(t, desk.post("/console/new?incident=kakao-2022-10", form), 422, []string{"개인정보 수집·이용에 동의해야", `value="행복떡집"`}, nil)
	form.Set("consent", "true")
	r := desk.post("/console/new?incident=kakao-2022-10", form)
	check(t, r, 303, nil, nil)
	loc := r.Header.Get("Location")
	receipt := strings.TrimSuffix(strings.TrimPrefix(loc, "/console/reports/"), "?done=filed")
	check(t, desk.get(loc), 200, []string{"접수번호를 신고인에게 알려 주세요", receipt, "창구·전화 접수", "/reports/" + receipt + "?token="}, []string{"status-form"})
	// Only their own reports: another's is not found, and their list holds theirs alone.
	other, _ := e.fileReport(nil)
	check(t, desk.get("/console/reports/"+other), 404, nil, nil)
	check(t, desk.get("/console"), 200, []string{"내가 입력한 신고", receipt, "1건"}, []string{other})
}

// upload sends a file to the console's import page.
func (s *staffSession) upload(name string, content []byte) response {
	s.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", s.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return s.e.do("POST", "/console/import", body.String(), "Content-Type", mw.FormDataContentType(), "Cookie", "claimdesk_session="+s.cookie)
}

func TestImportUpload(t *testing.T) {
	e := newEnv(t)
	desk := e.login(claimdesk.RoleIntake)
	content, err := os.ReadFile("../sheet/testdata/reports-cp949.csv")
	if err != nil {
		t.Fatal(err)
	}
	upload := func(s *staffSession, name string, content []byte) response { return s.upload(name, content) }
	r := upload(desk, "협회 접수분.csv", content)
	check(t, r, 200, []string{"5줄: 새로 접수 3, 이전에 접수됨 0, 문제 있음 2", "4번째 줄", "사업자등록번호: 올바른 사업자등록번호가 아닙니다", "/console/imports/1/result.csv"}, nil)
	res := desk.get("/console/imports/1/result.csv")
	check(t, res, 200, []string{"row,status,receipt,errors", "4,failed,,"}, nil)
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("result not a download: %v", res.Header)
	}
	// Someone else's import result is not theirs to read.
	check(t, e.login(claimdesk.RoleIntake).get("/console/imports/1/result.csv"), 404, nil, nil)
	check(t, upload(desk, "again.csv", content), 200, []string{"새로 접수 0, 이전에 접수됨 3"}, nil)
	check(t, upload(desk, "junk.xlsx", []byte("PK\x03\x04junk")), 422, []string{"파일을 읽지 못했습니다"}, nil)
	if n := e.countReports(); n != 3 {
		t.Fatalf("%d reports, want 3", n)
	}
	// The page offers a template per incident; filled in as it comes, it imports.
	check(t, desk.get("/console/import"), 200, []string{`/console/import/template.xlsx?incident=kt-2018-11&amp;lang=ko`}, nil)
	tpl := desk.get("/console/import/template.xlsx?incident=kt-2018-11")
	check(t, tpl, 200, nil, nil)
	if !strings.HasPrefix(tpl.Body, "PK") || !strings.Contains(tpl.Header.Get("Content-Disposition"), "template.xlsx") {
		t.Errorf("template: %v", tpl.Header)
	}
	check(t, upload(desk, "양식.xlsx", []byte(tpl.Body)), 200, []string{"1줄: 새로 접수 1"}, nil)
	check(t, desk.get("/console/import/template.xlsx?incident=nope"), 404, nil, nil)
}

func TestAdminPage(t *testing.T) {
	e := newEnv(t)
	admin := e.login(claimdesk.RoleAdmin)
	r := admin.post("/console/admin/users", url.Values{"email": {"new@example.org"}, "role": {"reviewer"}})
	check(t, r, 200, []string{"new@example.org의 비밀값입니다", `id="new-secret"`}, nil)
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Error("a page with a secret may be cached")
	}
	secret := regexp.MustCompile(`id="new-secret">([^<]+)<`).FindStringSubmatch(r.Body)[1]
	check(t, e.postForm("/console/login", url.Values{"email": {"new@example.org"}, "password": {secret}}), 303, nil, nil)
	check(t, admin.post("/console/admin/users", url.Values{"email": {"new@example.org"}, "role": {"reviewer"}}), 409, []string{"이미 있는 이메일입니다"}, nil)

	r = admin.post("/console/admin/tokens", url.Values{"name": {"소상공인연합회"}, "role": {"analyst"}})
	token := regexp.MustCompile(`id="new-secret">(cdk_[a-z0-9]+)<`).FindStringSubmatch(r.Body)
	if token == nil {
		t.Fatalf("no token shown:\n%s", truncate(r.Body))
	}
	receipt, _ := e.fileReport(nil)
	masked := e.do("GET", "/api/v1/reports/"+receipt, "", "Authorization", "Bearer "+token[1])
	check(t, masked, 200, []string{`"representative":"김*지"`, `"phone":"010-****-6789"`}, []string{"김민지", "2345"})
	check(t, admin.post("/console/admin/tokens/revoke", url.Values{"id": {"1"}}), 303, nil, nil)
	check(t, e.do("GET", "/api/v1/reports/"+receipt, "", "Authorization", "Bearer "+token[1]), 401, []string{"폐기"}, nil)
	check(t, admin.post("/console/admin/users/disable", url.Values{"email": {"new@example.org"}}), 303, nil, nil)
	check(t, admin.get("/console/admin?done=admin"), 200, []string{"저장했습니다", "사용 중지됨", "폐기됨"}, nil)
}

// No template splices a query string in after "?": html/template would escape its = and &.
func TestNoSplicedQueries(t *testing.T) {
	files, _ := filepath.Glob("templates/*.html")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "?{{") {
			t.Errorf("%s splices a query after ?: build the whole URL in Go", f)
		}
	}
}
