package http_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/claimdesk/claimdesk"
)

// required reports whether the environment demands the named test dependency
// (CLAIMDESK_REQUIRE=chromium,postgres), so that CI fails instead of skipping silently.
func required(name string) bool {
	return slices.Contains(strings.Split(os.Getenv("CLAIMDESK_REQUIRE"), ","), name)
}

// newBrowser starts a headless Chromium for the test: Debian's package, or CLAIMDESK_CHROMIUM.
// Without one the test is skipped, unless CLAIMDESK_REQUIRE names chromium.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CLAIMDESK_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if required("chromium") {
			t.Fatal("chromium is required (CLAIMDESK_REQUIRE) but not installed: apt-get install chromium")
		}
		t.Skip("skipping browser test: no chromium (apt-get install chromium, or set CLAIMDESK_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	// Under a loaded machine Chromium now and then fails to start ("Zygote could not fork"):
	// it is started here, and again up to twice, before the test relies on it.
	for attempt := 1; ; attempt++ {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(actx)
		ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
		cancel := func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
		_, err := chromedp.Run(ctx, chromedp.Navigate("about:blank"))
		if err == nil {
			t.Cleanup(cancel)
			return ctx
		}
		cancel()
		if attempt == 3 {
			t.Fatalf("chromium did not start, three times: %v", err)
		}
		t.Logf("chromium did not start (attempt %d), starting it again: %.200v", attempt, err)
		time.Sleep(time.Second)
	}
}

// browser wraps a tab with helpers that fail the test on error.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func (b browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func run[T any](b browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func (b browser) text(sel string) string {
	b.t.Helper()
	return run(b, chromedp.Text(chromedp.CSS(sel)))
}
func (b browser) value(sel string) string {
	b.t.Helper()
	return run(b, chromedp.Value(chromedp.CSS(sel)))
}
func (b browser) eval(js string) bool { b.t.Helper(); return run(b, chromedp.Evaluate[bool](js)) }

// submitAndWait clicks sel and waits for the next page to load: waiting for an element is not
// enough when the page being left has one by the same name.
func (b browser) submitAndWait(sel string) {
	b.t.Helper()
	// A click from the page's own script returns before the navigation it starts.
	run(b, chromedp.Evaluate[bool](`window.__leaving = true; document.querySelector(`+strconv.Quote(sel)+`).click(); true`))
	// Ask from Go, again and again: a script waiting inside the page dies with the page.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!window.__leaving && document.readyState === "complete"`))
		if err == nil && ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("no new page after clicking %s", sel)
}

// screenshot saves the page as a test artifact: in CLAIMDESK_ARTIFACTS when set, else in the
// test's temporary directory.
func (b browser) screenshot(name string) {
	b.t.Helper()
	png := run(b, chromedp.FullScreenshot(100))
	dir := os.Getenv("CLAIMDESK_ARTIFACTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// A merchant on a phone opens the site, switches language and back, fills the Korean form with a
// mistyped business number, sees the message beside that field with the rest of their input
// kept, corrects it with the keyboard, and gets their receipt.
func TestBrowserReportForm(t *testing.T) {
	e := newEnv(t)
	b := browser{t, newBrowser(t)}
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(e.ts.URL+"/"))
	if h1 := b.text("h1"); h1 != "피해 신고" {
		t.Fatalf("home h1 %q", h1)
	}
	b.do(chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)))
	if h1 := b.text("h1"); h1 != "Report damage" {
		t.Fatalf("English home h1 %q", h1)
	}
	b.do(chromedp.Click(chromedp.CSS(`a[hreflang="ko"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="ko"]`)))
	b.screenshot("home-ko")

	b.do(chromedp.Click(chromedp.CSS(`a[href="/incidents/kakao-2022-10/report"]`)),
		chromedp.WaitVisible(chromedp.ID("business_name")))
	b.do(
		chromedp.SendKeys(chromedp.ID("business_name"), "행복떡집"),
		chromedp.SendKeys(chromedp.ID("business_number"), "120-81-47522"),
		chromedp.SendKeys(chromedp.ID("representative"), "김민지"),
		chromedp.SendKeys(chromedp.ID("phone"), "010-2345-6789"),
		chromedp.SetValue(chromedp.ID("region"), "41"),
		chromedp.SendKeys(chromedp.ID("district"), "수원시"),
		chromedp.Click(chromedp.CSS(`input[name=industry][value=food]`)),
		chromedp.Click(chromedp.CSS(`input[name=services][value=talk-channel]`)),
		chromedp.Click(chromedp.CSS(`input[name=services][value=kakao-pay]`)),
		chromedp.Click(chromedp.CSS(`input[name=damage_types][value=orders_lost]`)),
		chromedp.SetValue(chromedp.ID("damage_start"), "2022-10-15"),
		chromedp.SetValue(chromedp.ID("damage_end"), "2022-10-17"),
		chromedp.SendKeys(chromedp.ID("usual_daily_sales"), "1,500,000"),
		chromedp.SendKeys(chromedp.ID("claimed_loss"), "900,000"),
		chromedp.SendKeys(chromedp.ID("description"), "톡채널 주문 확인 불가"),
		chromedp.Click(chromedp.ID("consent")),
	)
	b.screenshot("form-filled")
	b.do(chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("business_number-error")))
	b.screenshot("form-error")

	if msg := b.text("#business_number-error"); !strings.Contains(msg, "올바른 사업자등록번호가 아닙니다") {
		t.Errorf("error beside the field: %q", msg)
	}
	if s := b.text(".error-summary"); !strings.Contains(s, "고칠 곳이 1군데") || !strings.Contains(s, "사업자등록번호: 올바른") {
		t.Errorf("error summary: %q", s)
	}
	// Everything else the merchant entered is still there.
	for sel, want := range map[string]string{
		"#business_name": "행복떡집", "#business_number": "120-81-47522", "#representative": "김민지",
		"#phone": "010-2345-6789", "#region": "41", "#district": "수원시", "#damage_start": "2022-10-15",
		"#damage_end": "2022-10-17", "#usual_daily_sales": "1,500,000", "#claimed_loss": "900,000",
		"#description": "톡채널 주문 확인 불가",
	} {
		if got := b.value(sel); got != want {
			t.Errorf("%s = %q after the error, want %q", sel, got, want)
		}
	}
	for _, sel := range []string{`input[value=talk-channel]`, `input[value=kakao-pay]`, `input[value=food]`, `input[value=orders_lost]`, `#consent`} {
		if !b.eval(`document.querySelector('` + sel + `').checked`) {
			t.Errorf("%s unchecked after the error", sel)
		}
	}
	// The message sits between the field's label and its input, right above the input.
	if !b.eval(`(() => {
		const l = document.querySelector('label[for=business_number]').getBoundingClientRect();
		const e = document.getElementById('business_number-error').getBoundingClientRect();
		const i = document.getElementById('business_number').getBoundingClientRect();
		return l.bottom <= e.top && e.bottom <= i.top && i.top - e.bottom < 48;
	})()`) {
		t.Error("the error message is not beside its field")
	}
	if b.value("#business_number") == "" || !b.eval(`document.getElementById('business_number').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the field is not marked invalid")
	}

	// Correct it and send the form with the Enter key, as a keyboard user would.
	b.do(chromedp.Clear(chromedp.ID("business_number")),
		chromedp.SendKeys(chromedp.ID("business_number"), "120-81-47521"),
		chromedp.SendKeys(chromedp.ID("claimed_loss"), kb.Enter),
		chromedp.WaitVisible(chromedp.ID("receipt")))
	b.screenshot("receipt")
	receipt := b.text("#receipt")
	if !regexp.MustCompile(`^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$`).MatchString(receipt) {
		t.Fatalf("receipt %q", receipt)
	}
	if h := b.text(".success h1"); h != "신고가 접수되었습니다" {
		t.Errorf("success heading %q", h)
	}
	link := run(b, chromedp.Evaluate[string](`document.querySelector("#report-link").href`)) // resolved against the page
	if !strings.Contains(link, "/reports/"+receipt+"?token=") {
		t.Errorf("keepable link %q", link)
	}
	if n := e.countReports(); n != 1 {
		t.Fatalf("%d reports stored, want 1", n)
	}
	// The link alone brings the report back in a fresh visit.
	b.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("receipt")))
	if got := b.text("#receipt"); got != receipt {
		t.Errorf("link opened %q, want %q", got, receipt)
	}
}

func TestBrowserReviewFlow(t *testing.T) {
	e := newEnv(t)
	b := browser{t, newBrowser(t)}
	receipt, token := e.fileReport(func(m map[string]any) { m["business_name"] = "달빛 반찬가게" })
	e.fileReport(func(m map[string]any) { m["business_name"] = "다른 가게"; m["industry"] = "retail" })
	rev := e.login(claimdesk.RoleReviewer)

	// The console sends a stranger to the login page, and back after logging in.
	b.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.ts.URL+"/console"), chromedp.WaitVisible(chromedp.ID("password")))
	b.do(chromedp.SendKeys(chromedp.ID("email"), rev.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	b.submitAndWait(`button[type=submit]`)
	if got := b.text("#total"); got != "2건" {
		t.Fatalf("queue total %q", got)
	}
	// Filter: food only, and a word of the name.
	b.do(chromedp.SetValue(chromedp.ID("f-industry"), "food"), chromedp.SendKeys(chromedp.ID("f-q"), "반찬가"))
	b.submitAndWait(`.filters button[type=submit]`)
	if got := b.text("#total"); got != "1건" {
		t.Fatalf("filtered total %q", got)
	}
	b.screenshot("console-queue")
	b.submitAndWait(`a.receipt-link`)
	if got := b.text("#receipt"); got != receipt {
		t.Fatalf("opened %q, want %q", got, receipt)
	}
	b.do(chromedp.Click(chromedp.CSS(`input[name=to][value=needs_info]`)),
		chromedp.SendKeys(chromedp.ID("message"), "장애 기간의 주문 취소 내역을 올려 주세요"))
	b.submitAndWait(`#status-form button[type=submit]`)
	if got := b.text("#status"); got != "보완 요청" {
		t.Fatalf("status %q", got)
	}
	b.screenshot("console-detail")

	// The merchant, on a phone, answers and corrects their phone number.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(e.ts.URL+"/reports/"+receipt+"?token="+token), chromedp.WaitVisible(chromedp.ID("request")))
	if got := b.text("#info-request"); got != "장애 기간의 주문 취소 내역을 올려 주세요" {
		t.Fatalf("the merchant sees %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("answer"), "취소 내역 캡처 3장을 문자로 보냈습니다"),
		chromedp.Click(chromedp.CSS(`details > summary`)),
		chromedp.Clear(chromedp.ID("phone")), chromedp.SendKeys(chromedp.ID("phone"), "010-7777-6666"))
	b.screenshot("merchant-answer")
	b.submitAndWait(`#request button[type=submit]`)
	if got := b.text("#status"); got != "검토 중" {
		b.screenshot("merchant-answer-refused")
		t.Fatalf("after the answer: %q\n%s", got, b.text("main"))
	}

	// The reviewer sees the answer and the correction, and accepts.
	b.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.ts.URL+"/console/reports/"+receipt), chromedp.WaitVisible(chromedp.ID("status-form")))
	if got := b.text("#info-answer"); got != "취소 내역 캡처 3장을 문자로 보냈습니다" {
		t.Errorf("answer on the console %q", got)
	}
	if h := b.text("#history"); !strings.Contains(h, "010-2345-6789 → 010-7777-6666") {
		t.Errorf("history lacks the correction:\n%s", h)
	}
	b.do(chromedp.Click(chromedp.CSS(`input[name=to][value=accepted]`)))
	b.submitAndWait(`#status-form button[type=submit]`)
	if got := b.text("#status"); got != "인정" {
		t.Fatalf("status %q", got)
	}
	b.screenshot("console-accepted")
}

// The dashboard draws its charts and tables in a real browser; the public page reads on a
// phone. Screenshots of both are kept as artifacts.
func TestBrowserDashboard(t *testing.T) {
	e := goldenEnv(t)
	b := browser{t, newBrowser(t)}
	ana := e.login(claimdesk.RoleAnalyst)
	b.do(chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(e.ts.URL+"/console/login"), chromedp.WaitVisible(chromedp.ID("password")))
	b.do(chromedp.SendKeys(chromedp.ID("email"), ana.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	b.submitAndWait(`button[type=submit]`)
	if got := b.text("h1"); !strings.Contains(got, "피해 규모") {
		t.Fatalf("an analyst lands on %q", got)
	}
	if got := b.text("#total-reports"); got != "12" {
		t.Errorf("total %q", got)
	}
	// Every chart has drawn bars of some size, and labels the reader can see.
	for _, id := range []string{"chart-service", "chart-industry", "chart-region", "chart-paid", "chart-status", "chart-days"} {
		if !b.eval(`(() => { const s = document.getElementById('` + id + `'); const r = s.getBoundingClientRect();
			const bars = [...s.querySelectorAll('rect')].filter(x => x.getBBox().width > 0 && x.getBBox().height > 0);
			return r.width > 300 && r.height > 40 && bars.length > 0; })()`) {
			t.Errorf("chart %s is not drawn", id)
		}
	}
	if !b.eval(`[...document.querySelectorAll('#chart-service text.label')].some(t => t.textContent === '톡채널' && t.getBBox().width > 10)`) {
		t.Error("the service chart's labels are not drawn")
	}
	// Each section has its table, with the same numbers.
	if got := b.text("#by_service tbody tr:first-child td:last-child"); got != "50.00%" {
		t.Errorf("first service share %q", got)
	}
	b.screenshot("dashboard")
	// A filter narrows every table.
	b.do(chromedp.SetValue(chromedp.ID("d-region"), "11"))
	b.submitAndWait(`.filters button[type=submit]`)
	if got := b.text("#total-reports"); got != "5" {
		t.Errorf("Seoul total %q", got)
	}
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(e.ts.URL+"/incidents/kakao-2022-10"),
		chromedp.WaitVisible(chromedp.ID("total-reports")))
	if got := b.text("#total-loss"); got != "9,050,000원" {
		t.Errorf("public total loss %q", got)
	}
	b.screenshot("public-incident")
}

// Two merchants on phones see their offers once their reports are accepted: one accepts with a
// bank account (after a refused first try), the other contests with a photo of their books.
func TestBrowserOffer(t *testing.T) {
	e := newEnv(t)
	b := browser{t, newBrowser(t)}
	first, firstToken := e.fileReport(func(m map[string]any) { m["business_name"] = "해오름 분식"; m["claimed_loss"] = 300000 })
	second, secondToken := e.fileReport(func(m map[string]any) { m["business_name"] = "바다 횟집"; m["claimed_loss"] = 450000 })
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	e.accept(first)
	e.accept(second)

	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(e.ts.URL+"/reports/"+first+"?token="+firstToken), chromedp.WaitVisible(chromedp.ID("offer")))
	if got := b.text("#offer-amount"); got != "30,000원" {
		t.Fatalf("offered %q", got)
	}
	if got := b.text("#offer-explanation"); !strings.Contains(got, "300,000원") || !strings.Contains(got, "30,000원") {
		t.Errorf("explanation %q", got)
	}
	b.screenshot("merchant-offer")
	// The holder is forgotten: the error says so beside the field, and the rest is kept.
	b.do(chromedp.SendKeys(chromedp.ID("bank"), "KB국민은행"), chromedp.SendKeys(chromedp.ID("account_number"), "123456-01-234567"))
	b.submitAndWait(`#accept-submit`)
	if got := b.text("#account_holder-error"); !strings.Contains(got, "필수") && !strings.Contains(got, "적어") {
		t.Errorf("holder error %q", got)
	}
	if got := b.value("#account_number"); got != "123456-01-234567" {
		t.Errorf("account number kept as %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("account_holder"), "김해오"))
	b.submitAndWait(`#accept-submit`)
	if got := b.text("#offer-response"); !strings.Contains(got, "KB국민은행 ****4567 (김해오)") {
		t.Fatalf("after accepting: %q", got)
	}
	if b.eval(`document.querySelector("#accept") !== null`) {
		t.Error("the accept form is still shown")
	}
	b.screenshot("merchant-offer-accepted")

	// The second merchant contests with a photo.
	photo := filepath.Join(t.TempDir(), "매출장부.png")
	if err := os.WriteFile(photo, tinyPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(e.ts.URL+"/reports/"+second+"?token="+secondToken), chromedp.WaitVisible(chromedp.ID("offer")))
	if got := b.text("#offer-amount"); got != "50,000원" {
		t.Fatalf("offered %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`#contest > summary`)), chromedp.WaitVisible(chromedp.ID("message")),
		chromedp.SendKeys(chromedp.ID("message"), "닷새 동안 예약을 못 받았습니다. 장부 사진을 올립니다."),
		chromedp.SetUploadFiles(chromedp.ID("evidence"), []string{photo}))
	b.screenshot("merchant-contest")
	b.submitAndWait(`#contest-submit`)
	if got := b.text("#offer-response"); !strings.Contains(got, "매출장부.png") || !strings.Contains(got, "닷새 동안") {
		t.Fatalf("after contesting: %q", got)
	}
	o := e.offer(second)
	if o.Response == nil || len(o.Response.Evidence) != 1 || o.Response.Evidence[0].ContentType != "image/png" {
		t.Fatalf("stored %+v", o.Response)
	}
	if got := b.text("#status"); got != "검토 중" {
		t.Errorf("status after the contest %q", got)
	}
	b.screenshot("merchant-offer-contested")

	// An administrator sees the funnel, the run and a simulation on the console.
	adm := e.login(claimdesk.RoleAdmin)
	b.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.ts.URL+"/console/login"), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), adm.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	b.submitAndWait(`button[type=submit]`)
	b.do(chromedp.Navigate(e.ts.URL+"/console/incidents/kakao-2022-10/payouts"), chromedp.WaitVisible(chromedp.ID("funnel")),
		chromedp.Click(chromedp.CSS(`input[name=policy][value="kakao-2022-brackets@1"]`)))
	b.submitAndWait(`#simulate`)
	if got := b.text("#funnel-agreed td.num"); got != "1" {
		t.Errorf("merchants who agreed: %q", got)
	}
	if !b.eval(`document.querySelector("#sim-table") !== null`) {
		t.Error("no simulation table")
	}
	b.screenshot("console-payouts")
}

// tinyPNG is a real 2x2 PNG image.
func tinyPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// loginAs makes a staff account with the role and logs the browser in with it.
func (b browser) loginAs(e *env, role claimdesk.Role) *staffSession {
	b.t.Helper()
	s := e.login(role)
	if b.eval(`document.querySelector("form[action='/console/logout'] button") !== null`) {
		b.submitAndWait(`form[action='/console/logout'] button`) // whoever was logged in leaves first
	}
	b.do(chromedp.Navigate(e.ts.URL+"/console/login"), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), s.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	b.submitAndWait(`button[type=submit]`)
	return s
}

// A report the policy refers to review gets an individual award, all on phones: a reviewer
// proposes it (after a refused amount above the claim), an administrator approves it, and the
// merchant sees it with its reason, accepts it, and sees the payment owed.
func TestBrowserAward(t *testing.T) {
	e := newEnv(t)
	b := browser{t, newBrowser(t)}
	receipt, token := e.fileReport(func(m map[string]any) { m["business_name"] = "은하 제과"; m["claimed_loss"] = 900000 })
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	e.accept(receipt)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)
	noOverflow := `document.documentElement.scrollWidth <= window.innerWidth`

	b.do(phone)
	b.loginAs(e, claimdesk.RoleReviewer)
	b.do(chromedp.Navigate(e.ts.URL+"/console/reports/"+receipt), chromedp.WaitVisible(chromedp.ID("award-form")))
	if got := b.text("#award-amount-hint"); !strings.Contains(got, "900,000원") {
		t.Errorf("amount hint %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("award-amount"), "1,000,000"), chromedp.SendKeys(chromedp.ID("award-reason"), "매출 장부와 카드 매출 내역 확인"))
	b.submitAndWait(`#award-propose`)
	if got := b.text(".error-summary"); !strings.Contains(got, "900,000") {
		t.Fatalf("an award above the claim: %q", got)
	}
	if got := b.value("#award-reason"); got != "매출 장부와 카드 매출 내역 확인" {
		t.Errorf("reason kept as %q", got)
	}
	b.do(chromedp.Clear(chromedp.ID("award-amount")), chromedp.SendKeys(chromedp.ID("award-amount"), "700,000"))
	b.submitAndWait(`#award-propose`)
	if got := b.text("#award-pending"); !strings.Contains(got, "700,000원") || !strings.Contains(got, "카드 매출") {
		t.Fatalf("pending award %q", got)
	}
	if b.eval(`document.querySelector("#award-approve") !== null`) {
		t.Error("the proposer is offered the approval")
	}
	if !b.eval(noOverflow) {
		t.Error("the report page is wider than the phone")
	}
	b.screenshot("award-proposed")

	b.loginAs(e, claimdesk.RoleAdmin)
	b.do(chromedp.Navigate(e.ts.URL+"/console/reports/"+receipt), chromedp.WaitVisible(chromedp.ID("award-approve")))
	b.submitAndWait(`#award-approve`)
	if got := b.text("#award-history"); !strings.Contains(got, "승인됨") {
		t.Fatalf("awards after approval %q", got)
	}

	b.do(chromedp.Navigate(e.ts.URL+"/reports/"+receipt+"?token="+token), chromedp.WaitVisible(chromedp.ID("offer")))
	if got := b.text("#offer-amount"); got != "700,000원" {
		t.Fatalf("offered %q", got)
	}
	if got := b.text("#offer-explanation"); !strings.Contains(got, "카드 매출 내역 확인") {
		t.Errorf("explanation %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("bank"), "신한은행"), chromedp.SendKeys(chromedp.ID("account_number"), "110-123-456789"),
		chromedp.SendKeys(chromedp.ID("account_holder"), "박은하"))
	b.submitAndWait(`#accept-submit`)
	if got := b.text("#offer-payments"); !strings.Contains(got, "700,000원") || !strings.Contains(got, "지급 예정") {
		t.Fatalf("payments after accepting %q", got)
	}
	if !b.eval(noOverflow) {
		t.Error("the merchant's page is wider than the phone")
	}
	b.screenshot("award-accepted")
}

// Real data on real screens: with a report filed years after the outage among those of its
// weeks, the public page, the dashboard and the queue fit a phone (390 px) and a desktop
// (1280 px) without sideways scrolling, stay a bounded height, never break a number or a
// receipt, and keep the chart's labels inside it. Screenshots of each are kept.
func TestBrowserLayoutsWithLateReport(t *testing.T) {
	e := newEnv(t)
	at := func(s string) { tm, _ := time.Parse(time.RFC3339, s); e.db.SetClock(func() time.Time { return tm }) }
	for i, day := range []string{"2022-10-15T16:00:00+09:00", "2022-10-16T09:00:00+09:00", "2022-10-17T11:00:00+09:00", "2022-10-20T10:00:00+09:00"} {
		at(day)
		e.fileReport(func(m map[string]any) {
			m["business_name"] = "행복한 떡집 본점 " + strconv.Itoa(i)
			m["claimed_loss"] = 9_876_543_210 - i
		})
	}
	at("2026-12-02T10:00:00+09:00")
	e.fileReport(func(m map[string]any) { m["business_name"] = "늦게 신고한 가게" })
	e.db.SetClock(nil)

	adm := e.login(claimdesk.RoleAdmin)
	b := browser{t, newBrowser(t)}
	b.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.ts.URL+"/console/login"), chromedp.WaitVisible(chromedp.ID("password")))
	b.do(chromedp.SendKeys(chromedp.ID("email"), adm.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	b.submitAndWait(`button[type=submit]`)

	pages := []struct{ name, path string }{
		{"public-late", "/incidents/kakao-2022-10"},
		{"dashboard-late", "/console/incidents/kakao-2022-10"},
		{"queue-late", "/console?incident=kakao-2022-10"},
	}
	for _, width := range []int64{390, 1280} {
		if width == 390 {
			b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		} else {
			b.do(chromedp.EmulateViewport(1280, 900))
		}
		for _, p := range pages {
			b.do(chromedp.Navigate(e.ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main")))
			name := p.name + "-" + strconv.FormatInt(width, 10)
			if !b.eval(`document.documentElement.scrollWidth <= window.innerWidth`) {
				t.Errorf("%s: the page is wider than the screen (%v > %v)", name,
					run(b, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)), width)
			}
			if h := run(b, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`)); h > 15000 {
				t.Errorf("%s: the page is %v px high", name, h)
			}
			// Numbers and receipts are never split across lines.
			broken := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('td.num, .receipt-link, td.date, span.date')]
				.filter(el => { const r = document.createRange(); r.selectNodeContents(el);
					const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top))); return tops.size > 1; })
				.map(el => el.textContent.trim())`))
			if len(broken) > 0 {
				t.Errorf("%s: broken across lines: %q", name, broken)
			}
			if p.name != "queue-late" {
				// The chart's labels stay inside it.
				if !b.eval(`[...document.querySelectorAll('#chart-days text')].every(t => { const b = t.getBBox(); return b.x >= 0 && b.x + b.width <= 640; })`) {
					t.Errorf("%s: a label of the days chart falls outside it", name)
				}
			}
			b.screenshot(name)
		}
	}
}
