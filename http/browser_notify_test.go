package http_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/notify"
	"github.com/claimdesk/claimdesk/store"
)

// texts is an SMS gateway for tests: it keeps every text it is given.
type texts struct {
	mu   sync.Mutex
	sent []string
}

func (g *texts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m struct{ To, Text, ID string }
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.sent = append(g.sent, m.Text)
	g.mu.Unlock()
}

// wait returns the first text that contains want, failing the test after 20 s.
func (g *texts) wait(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		for _, s := range g.sent {
			if strings.Contains(s, want) {
				g.mu.Unlock()
				return s
			}
		}
		g.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no text containing %q; got %q", want, g.sent)
	return ""
}

// A merchant files with a document on a phone; a reviewer asks for another; the merchant
// opens the link of the text message they were sent and answers with the file.
func TestBrowserDocumentsByMessage(t *testing.T) {
	e := newEnv(t)
	b := browser{t, newBrowser(t)}
	gw := &texts{}
	gateway := httptest.NewServer(gw)
	defer gateway.Close()
	e.db.SetNotices(store.Notices{Channels: []claimdesk.MessageChannel{claimdesk.BySMS}, Link: func(r string) string {
		return e.ts.URL + "/reports/" + r + "?token=" + e.srv.ReportTokens.Token(r)
	}})
	w := &notify.Worker{DB: e.db, Poll: 50 * time.Millisecond,
		Senders: map[claimdesk.MessageChannel]notify.Sender{claimdesk.BySMS: &notify.SMS{URL: gateway.URL}}}
	w.Start()
	defer w.Stop()
	dir := t.TempDir()
	pdf, photo := filepath.Join(dir, "사업자등록증.pdf"), filepath.Join(dir, "안내문.png")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, tinyPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}

	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)
	b.do(phone, chromedp.Navigate(e.ts.URL+"/incidents/kakao-2022-10/report"), chromedp.WaitVisible(chromedp.ID("business_name")))
	b.do(
		chromedp.SendKeys(chromedp.ID("business_name"), "행복떡집"),
		chromedp.SendKeys(chromedp.ID("business_number"), "120-81-47521"),
		chromedp.SendKeys(chromedp.ID("representative"), "김민지"),
		chromedp.SendKeys(chromedp.ID("phone"), "010-2345-6789"),
		chromedp.SetValue(chromedp.ID("region"), "41"),
		chromedp.Click(chromedp.CSS(`input[name=industry][value=food]`)),
		chromedp.Click(chromedp.CSS(`input[name=services][value=talk-channel]`)),
		chromedp.SetValue(chromedp.ID("damage_start"), "2022-10-15"),
		chromedp.SetValue(chromedp.ID("damage_end"), "2022-10-16"),
		chromedp.SendKeys(chromedp.ID("claimed_loss"), "300,000"),
		chromedp.SetUploadFiles(chromedp.ID("doc_business_registration"), []string{pdf}),
		chromedp.Click(chromedp.ID("consent")),
	)
	b.screenshot("form-with-document")
	b.submitAndWait(`form button[type=submit]`)
	receipt := b.text("#receipt")
	if !regexp.MustCompile(`^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$`).MatchString(receipt) {
		t.Fatalf("no receipt after filing: %q\n%s", receipt, b.text("main"))
	}
	if got := gw.wait(t, receipt); !strings.Contains(got, "접수되었습니다") {
		t.Errorf("receipt text %q", got)
	}

	// The reviewer sees the document and asks for a photo from the checklist.
	b.do(chromedp.EmulateViewport(1280, 900))
	b.loginAs(e, claimdesk.RoleReviewer)
	b.do(chromedp.Navigate(e.ts.URL+"/console/reports/"+receipt), chromedp.WaitVisible(chromedp.ID("documents")))
	if got := b.text("#documents"); !strings.Contains(got, "사업자등록증.pdf") {
		t.Fatalf("documents on the console: %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`input[name=to][value=needs_info]`)),
		chromedp.SendKeys(chromedp.ID("message"), "가게에 붙인 장애 안내문 사진을 올려 주세요"),
		chromedp.Click(chromedp.CSS(`input[name=documents][value=photos]`)))
	b.submitAndWait(`#status-form button[type=submit]`)

	// The merchant opens the link of the text they were sent.
	text := gw.wait(t, "안내문 사진")
	link := regexp.MustCompile(`https?://\S+/reports/\S+`).FindString(text)
	if link == "" || !strings.Contains(text, "보내 주실 자료: 사진") {
		t.Fatalf("request text %q: want the documents named and the link", text)
	}
	b.do(phone, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("request")))
	if got := b.text("#info-documents"); !strings.Contains(got, "사진") {
		t.Fatalf("the page asks for %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("answer"), "안내문 사진 올립니다"),
		chromedp.SetUploadFiles(chromedp.ID("doc_photos"), []string{photo}))
	b.screenshot("merchant-answer-with-photo")
	b.submitAndWait(`#request button[type=submit]`)
	if got := b.text("#status"); got != "검토 중" {
		t.Fatalf("after the answer: %q\n%s", got, b.text("main"))
	}
	if got := b.text("#sent-documents"); !strings.Contains(got, "안내문.png") || !strings.Contains(got, "사업자등록증.pdf") {
		t.Errorf("documents on the merchant's page: %q", got)
	}

	// The reviewer finds the photo beside the request.
	b.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.ts.URL+"/console/reports/"+receipt), chromedp.WaitVisible(chromedp.ID("documents")))
	if got := b.text("#documents"); !strings.Contains(got, "안내문.png") || !strings.Contains(got, "답변과 함께") {
		t.Fatalf("documents after the answer: %q", got)
	}
	b.screenshot("console-documents")
}
