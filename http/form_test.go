package http_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

func TestHomePage(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/", "")
	check(t, r, 200, []string{`<html lang="ko">`, "카카오 서비스 장애", "KT 아현지사", `href="/incidents/kakao-2022-10/report"`,
		`href="/incidents/kt-2018-11/report"`, `href="/lookup"`, `href="/?lang=en"`}, []string{"<script"})
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	// The switch sets English and remembers it.
	r = e.do("GET", "/?lang=en", "")
	check(t, r, 200, []string{`<html lang="en">`, "Kakao outage", "Report damage from this outage", `href="/?lang=ko"`}, nil)
	if !strings.Contains(r.Header.Get("Set-Cookie"), "lang=en") {
		t.Errorf("Set-Cookie %q", r.Header.Get("Set-Cookie"))
	}
	check(t, e.do("GET", "/", "", "Cookie", "lang=en"), 200, []string{`<html lang="en">`}, nil)
	// Pages stay Korean whatever the browser's language, until the reader switches.
	check(t, e.do("GET", "/", "", "Accept-Language", "en-US"), 200, []string{`<html lang="ko">`}, nil)
}

func TestReportFormPage(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/incidents/kakao-2022-10/report", "")
	check(t, r, 200, []string{
		"사업자등록번호", `<label for="business_number">`, `name="form_key"`, `method="post"`,
		`value="talk-channel"`, `value="melon"`, "10-15 15:30 ~ 10-19 06:00 (전면 복구 10-20 23:00)", "10-15 15:30 ~ 약 10-16 14:30 (전면 복구 약 10-18 09:00)", `min="2022-10-15"`, `max="2022-10-20"`,
		`<option value="41">경기도</option>`, `value="transport"`, `value="records_unreachable"`, `name="consent"`,
		`aria-describedby="business_number-hint"`,
	}, []string{"aria-invalid", "<script", "error-summary"})
	check(t, e.do("GET", "/incidents/kt-2018-11/report?lang=en", ""), 200, []string{"Card terminals", "Business registration number", "approx."}, nil)
	check(t, e.do("GET", "/incidents/nope/report", ""), 404, []string{"해당 장애를 찾을 수 없습니다"}, nil)
}

var reportPath = regexp.MustCompile(`^/reports/([0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3})\?filed=1&token=([A-Za-z0-9_-]+)$`)

func TestReportFormSubmit(t *testing.T) {
	e := newEnv(t)
	r := e.postForm("/incidents/kakao-2022-10/report", validForm())
	check(t, r, http.StatusSeeOther, nil, nil)
	loc := r.Header.Get("Location")
	m := reportPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location %q", loc)
	}
	receipt := m[1]

	page := e.do("GET", loc, "")
	check(t, page, 200, []string{"신고가 접수되었습니다", receipt, "행복떡집", "120-81-47521", "톡채널", "카카오페이", "900,000원",
		"1,500,000원", "경기도 수원시", "외식업", "웹 신고", "/reports/" + receipt + "?token=", `name="robots" content="noindex`}, nil)
	if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("report page Cache-Control %q", cc)
	}

	// The same form sent again (a double tap, a retry) files nothing new.
	again := e.postForm("/incidents/kakao-2022-10/report", validForm())
	check(t, again, http.StatusSeeOther, nil, nil)
	if again.Header.Get("Location") != loc {
		t.Errorf("resubmission went to %q, want %q", again.Header.Get("Location"), loc)
	}
	if n := e.countReports(); n != 1 {
		t.Fatalf("%d reports after a double submit, want 1", n)
	}

	// The same form with other content: told so, with a fresh key to file it as new.
	changed := validForm()
	changed.Set("claimed_loss", "950000")
	conflict := e.postForm("/incidents/kakao-2022-10/report", changed)
	check(t, conflict, http.StatusConflict, []string{"이미 한 번 다른 내용으로 접수", `value="950000"`}, []string{validForm().Get("form_key")})
	key := regexp.MustCompile(`name="form_key" value="([0-9a-f]+)"`).FindStringSubmatch(conflict.Body)
	changed.Set("form_key", key[1])
	check(t, e.postForm("/incidents/kakao-2022-10/report", changed), http.StatusSeeOther, nil, nil)
	if n := e.countReports(); n != 2 {
		t.Fatalf("%d reports, want 2", n)
	}

	// The report as the API sees it came through the web channel.
	rep := decode[apiReport](t, e.do("GET", "/api/v1/reports/"+receipt, "", "Authorization", "Bearer "+m[2]))
	if rep.Channel != "web" || rep.ClaimedLoss != 900000 || rep.Phone != "010-2345-6789" {
		t.Errorf("stored %+v", rep)
	}
}

func TestReportFormErrors(t *testing.T) {
	e := newEnv(t)
	bad := validForm()
	bad.Set("business_number", "120-81-47522")
	bad.Set("claimed_loss", "구십만원")
	bad.Del("consent")
	r := e.postForm("/incidents/kakao-2022-10/report", bad)
	check(t, r, http.StatusUnprocessableEntity, []string{
		"고칠 곳이 3군데 있습니다", `href="#business_number"`, `id="business_number-error"`,
		"올바른 사업자등록번호가 아닙니다", `aria-describedby="business_number-hint business_number-error"`, `aria-invalid="true"`,
		"금액은 원 단위 숫자로", "동의해야",
		// What the merchant typed is all still there.
		`value="행복떡집"`, `value="120-81-47522"`, `value="구십만원"`, `value="010-2345-6789"`, `value="수원시"`,
		`<option value="41" selected>`, `value="food" checked`, `value="talk-channel" checked`, `value="kakao-pay" checked`,
		`value="orders_lost" checked`, "톡채널 주문 확인 불가", `value="2022-10-17"`,
		// And it is still the same submission.
		`value="` + bad.Get("form_key") + `"`,
	}, []string{`value="kakao-t" checked`})
	// The error sits beside its field: between the field's label and its input.
	i, j, k := strings.Index(r.Body, `<label for="business_number">`), strings.Index(r.Body, `id="business_number-error"`), strings.Index(r.Body, `id="business_number" name="business_number"`)
	if !(i >= 0 && i < j && j < k) {
		t.Errorf("error not placed between label and input: %d %d %d", i, j, k)
	}
	if n := e.countReports(); n != 0 {
		t.Fatalf("an invalid form stored %d reports", n)
	}
	// Corrected and sent again under the same key, it files once.
	bad.Set("business_number", "120-81-47521")
	bad.Set("claimed_loss", "900000")
	bad.Set("consent", "true")
	check(t, e.postForm("/incidents/kakao-2022-10/report", bad), http.StatusSeeOther, nil, nil)

	en := e.postForm("/incidents/kakao-2022-10/report", url.Values{"lang": {"en"}, "form_key": {"ffffffffffffffffffffffffffffffff"}})
	check(t, en, 422, []string{`<html lang="en">`, "This field is required", "Choose at least one affected service"}, []string{"필수 항목입니다"})
}

func TestReportFormRefusals(t *testing.T) {
	e := newEnv(t)
	spam := validForm()
	spam.Set("website", "http://spam.example")
	check(t, e.postForm("/incidents/kakao-2022-10/report", spam), 400, []string{"요청을 처리할 수 없습니다"}, nil)
	// A post from another site (cross-site request forgery) is refused by the browser headers.
	check(t, e.postForm("/incidents/kakao-2022-10/report", validForm(), "Sec-Fetch-Site", "cross-site"), 403, nil, nil)
	big := validForm()
	big.Set("description", strings.Repeat("가", 30000))
	check(t, e.postForm("/incidents/kakao-2022-10/report", big), 413, nil, nil)
	if n := e.countReports(); n != 0 {
		t.Fatalf("refused forms stored %d reports", n)
	}
}

func TestReportPageAccess(t *testing.T) {
	e := newEnv(t)
	loc := e.postForm("/incidents/kakao-2022-10/report", validForm()).Header.Get("Location")
	m := reportPath.FindStringSubmatch(loc)
	check(t, e.do("GET", "/reports/"+m[1], ""), 404, []string{"접근 토큰이 맞지 않습니다"}, []string{"행복떡집"})
	check(t, e.do("GET", "/reports/"+m[1]+"?token=x"+m[2], ""), 404, nil, []string{"행복떡집"})
	check(t, e.do("GET", "/reports/NOT-A-RECEIPT?token="+m[2], ""), 404, []string{"한 글자씩"}, nil)
	// Without filed=1 it is the page the merchant comes back to.
	check(t, e.do("GET", "/reports/"+m[1]+"?token="+m[2], ""), 200, []string{"행복떡집", "접수"}, []string{"신고가 접수되었습니다"})
	check(t, e.do("GET", "/reports/"+m[1]+"?token="+m[2]+"&lang=en", ""), 200, []string{"Received", "Food service", "Web form"}, nil)
}

func TestLookup(t *testing.T) {
	e := newEnv(t)
	loc := e.postForm("/incidents/kakao-2022-10/report", validForm()).Header.Get("Location")
	receipt := reportPath.FindStringSubmatch(loc)[1]
	check(t, e.do("GET", "/lookup", ""), 200, []string{"접수번호", `name="phone"`, "접수번호를 잃어버렸다면", "소상공인연합회 카카오 피해 접수센터"}, nil)

	// The way a person types it after hearing it on the phone still finds it.
	spoken := strings.ToLower(strings.ReplaceAll(receipt, "-", " "))
	r := e.postForm("/lookup", url.Values{"receipt": {spoken}, "phone": {"01023456789"}})
	check(t, r, http.StatusSeeOther, nil, nil)
	if !strings.HasPrefix(r.Header.Get("Location"), "/reports/"+receipt+"?token=") {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	check(t, e.do("GET", r.Header.Get("Location"), ""), 200, []string{"행복떡집"}, nil)

	check(t, e.postForm("/lookup", url.Values{"receipt": {receipt}, "phone": {"010-9999-9999"}}), 422,
		[]string{"일치하는 신고가 없습니다", `value="010-9999-9999"`}, []string{"행복떡집"})
	check(t, e.postForm("/lookup", url.Values{"receipt": {claimdesk.NewReceipt()}, "phone": {"010-2345-6789"}}), 422,
		[]string{"일치하는 신고가 없습니다"}, nil)
	check(t, e.postForm("/lookup", url.Values{"receipt": {"ABC"}, "phone": {"12"}}), 422,
		[]string{"한 글자씩", "휴대전화(010-1234-5678)"}, nil)
}

func TestNotFoundPage(t *testing.T) {
	e := newEnv(t)
	check(t, e.do("GET", "/no/such/page", ""), 404, []string{"요청한 페이지를 찾을 수 없습니다", `href="/"`}, nil)
	check(t, e.do("GET", "/no/such/page?lang=en", ""), 404, []string{"The requested page does not exist"}, nil)
}

func TestStatic(t *testing.T) {
	e := newEnv(t)
	home := e.do("GET", "/", "")
	href := regexp.MustCompile(`href="(/static/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(home.Body)
	if href == nil {
		t.Fatal("no stylesheet link")
	}
	r := e.do("GET", href[1], "")
	check(t, r, 200, []string{".error-message"}, nil)
	if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("headers %v", r.Header)
	}
	check(t, e.do("GET", "/static/", ""), 404, nil, nil)
}

// An incident that no longer takes reports says so instead of showing a form, and a form sent
// to it anyway (opened before it closed) is answered with that message, keeping the input.
func TestClosedIncidentForm(t *testing.T) {
	e := newEnv(t)
	incs := store.NewIncidentService(e.db)
	inc, err := incs.FindIncidentByID(context.Background(), "kt-2018-11")
	if err != nil {
		t.Fatal(err)
	}
	inc.IntakeOpen = false
	if err := incs.UpsertIncident(context.Background(), inc); err != nil {
		t.Fatal(err)
	}
	check(t, e.do("GET", "/incidents/kt-2018-11/report", ""), 200, []string{"접수는 끝났습니다"}, []string{"<form", `name="business_name"`})
	check(t, e.do("GET", "/", ""), 200, []string{"카카오 서비스 장애"}, []string{"KT 아현지사"})
	form := validForm()
	form["services"] = []string{"landline"}
	form.Set("damage_start", "2018-11-24")
	form.Set("damage_end", "2018-11-25")
	check(t, e.postForm("/incidents/kt-2018-11/report", form), 422, []string{"접수는 끝났습니다"}, []string{"<form"})
	if n := e.countReports(); n != 0 {
		t.Fatalf("%d reports filed to a closed incident", n)
	}
}

// A post to an incident that does not exist is a 404 page, whatever its body.
func TestReportFormUnknownIncident(t *testing.T) {
	e := newEnv(t)
	r := e.postForm("/incidents/nope/report", validForm())
	check(t, r, 404, []string{"해당 장애를 찾을 수 없습니다"}, nil)
}

// On an old phone the date fields are plain text: the form takes dates and amounts as people
// write them, as an import does.
func TestReportFormKoreanForms(t *testing.T) {
	e := newEnv(t)
	form := validForm()
	form.Set("damage_start", "2022.10.15")
	form.Set("damage_end", "2022년 10월 17일")
	form.Set("claimed_loss", "90만원")
	form.Set("usual_daily_sales", "150만 원")
	r := e.postForm("/incidents/kakao-2022-10/report", form)
	check(t, r, http.StatusSeeOther, nil, nil)
	check(t, e.do("GET", r.Header.Get("Location"), ""), 200, []string{"900,000원", "1,500,000원", "2022-10-15", "2022-10-17"}, nil)
}
