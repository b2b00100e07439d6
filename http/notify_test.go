package http_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/notify"
	"github.com/claimdesk/claimdesk/store"
)

// fileByForm files validForm with extra values and returns the receipt and the report's page
// path with its token (where the form redirects).
func (e *env) fileByForm(extra url.Values) (receipt, page string) {
	e.t.Helper()
	v := validForm()
	v.Set("form_key", fmt.Sprintf("%032x", rand.Uint64()))
	for k, vs := range extra {
		v[k] = vs
	}
	r := e.postForm("/incidents/kakao-2022-10/report", v)
	if r.Status != http.StatusSeeOther {
		e.t.Fatalf("filing: %d %s", r.Status, r.Body)
	}
	page = r.Header.Get("Location")
	u, _ := url.Parse(page)
	return strings.TrimPrefix(u.Path, "/reports/"), page
}

// A merchant chooses on the form how to hear of the report; their page lists what was sent
// and lets them change the choice, refusing a channel without its contact.
func TestMerchantMessages(t *testing.T) {
	e := newEnv(t)
	e.db.SetNotices(store.Notices{Channels: []claimdesk.MessageChannel{claimdesk.BySMS, claimdesk.ByEmail},
		Link: func(r string) string { return "https://claims.example.org/reports/" + r }})

	// E-mail only without an address: refused on the form, with the question named.
	r := e.postForm("/incidents/kakao-2022-10/report", func() url.Values { v := validForm(); v.Set("notify", "email"); return v }())
	check(t, r, http.StatusUnprocessableEntity, []string{"알림을 받을 곳", "이메일 알림을 받으려면 이메일 주소를 입력해 주세요", `value="email" checked`}, nil)

	receipt, page := e.fileByForm(url.Values{"notify": {"sms"}, "email": {"owner@example.org"}, "lang": {"en"}})
	rep, err := e.srv.Reports.FindReportByReceipt(context.Background(), receipt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Notify) != 1 || rep.Notify[0] != claimdesk.BySMS || rep.Lang != claimdesk.English {
		t.Fatalf("stored preferences %v %q: want sms only, English", rep.Notify, rep.Lang)
	}
	got := e.do("GET", page, "")
	check(t, got, http.StatusOK, []string{`id="messages"`, "문자", "010-2345-6789", "보내는 중", `value="sms" checked`, `<option value="en" selected>`}, []string{"owner@example.org</span>"})

	// Change to e-mail, Korean, fewer messages.
	u, _ := url.Parse(page)
	token := u.Query().Get("token")
	r = e.postForm("/reports/"+receipt+"/notifications", url.Values{"token": {token}, "notify": {"email"}, "message_lang": {"ko"}, "fewer_messages": {"true"}})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "prefs=1") {
		t.Fatalf("saving preferences: %d %s", r.Status, r.Body)
	}
	rep, _ = e.srv.Reports.FindReportByReceipt(context.Background(), receipt)
	if len(rep.Notify) != 1 || rep.Notify[0] != claimdesk.ByEmail || rep.Lang != claimdesk.Korean || !rep.FewerMessages {
		t.Fatalf("preferences now %v %q %v", rep.Notify, rep.Lang, rep.FewerMessages)
	}
	check(t, e.do("GET", r.Header.Get("Location"), ""), http.StatusOK, []string{"알림 설정을 저장했습니다", `id="fewer_messages" name="fewer_messages" value="true" checked`}, nil)

	// A wrong token changes nothing; a channel without its contact is refused.
	r = e.postForm("/reports/"+receipt+"/notifications", url.Values{"token": {"nope"}, "notify": {""}})
	if r.Status != http.StatusNotFound {
		t.Fatalf("wrong token: %d", r.Status)
	}
	landline, landPage := e.fileByForm(url.Values{"phone": {"02-123-4567"}})
	lu, _ := url.Parse(landPage)
	r = e.postForm("/reports/"+landline+"/notifications", url.Values{"token": {lu.Query().Get("token")}, "notify": {"sms"}})
	check(t, r, http.StatusUnprocessableEntity, []string{"문자 알림은 휴대전화 번호"}, nil)
	history, err := e.srv.Review.History(cliCtx(), receipt)
	if err != nil {
		t.Fatal(err)
	}
	if last := history[len(history)-1]; last.Action != claimdesk.AuditPreferences {
		t.Fatalf("last history entry %q, want the preferences change", last.Action)
	}

	// Staff see the messages on the report's console page.
	s := e.login(claimdesk.RoleReviewer)
	check(t, s.get("/console/reports/"+receipt), http.StatusOK, []string{`id="messages"`, "보내는 중", "Your report was received", "010-2345-6789"}, nil)
}

func cliCtx() context.Context {
	return claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
}

// Webhooks are registered and read by administrators only, with their secret shown once.
func TestWebhookAPI(t *testing.T) {
	e := newEnv(t)
	admin, reviewer := e.token(claimdesk.RoleAdmin), e.token(claimdesk.RoleReviewer)
	body := `{"url":"https://partner.example.org/hooks","events":["report.created","payout.released"]}`
	r := e.do("POST", "/api/v1/webhooks", body, "Content-Type", "application/json", "Authorization", "Bearer "+reviewer)
	if r.Status != http.StatusForbidden {
		t.Fatalf("reviewer registering: %d", r.Status)
	}
	r = e.do("POST", "/api/v1/webhooks", body, "Content-Type", "application/json", "Authorization", "Bearer "+admin)
	var hook claimdesk.Webhook
	decodeInto(t, r.Body, &hook)
	if r.Status != http.StatusCreated || hook.ID == 0 || !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/webhooks", `{"url":"http://user:pw@partner.example.org","events":[]}`, "Content-Type", "application/json", "Authorization", "Bearer "+admin)
	check(t, r, http.StatusUnprocessableEntity, []string{`"field":"url"`, `"field":"events"`}, nil)
	r = e.do("GET", "/api/v1/webhooks", "", "Authorization", "Bearer "+admin)
	check(t, r, http.StatusOK, []string{`"url":"https://partner.example.org/hooks"`, `"report.status_changed"`}, []string{hook.Secret})

	// A new report makes a delivery, listed with its payload.
	receipt, _ := e.fileByForm(nil)
	r = e.do("GET", "/api/v1/webhooks/"+itoa(hook.ID)+"/deliveries", "", "Authorization", "Bearer "+admin)
	check(t, r, http.StatusOK, []string{`"event":"report.created"`, receipt, `"status":"pending"`}, []string{"010-2345-6789"})
	r = e.do("GET", "/api/v1/reports/"+receipt+"/messages", "", "Authorization", "Bearer "+reviewer)
	check(t, r, http.StatusOK, []string{`"channel":"webhook"`}, nil)
	r = e.do("POST", "/api/v1/webhooks/"+itoa(hook.ID)+"/deliveries/msg_nosuch/replay", "", "Authorization", "Bearer "+admin)
	if r.Status != http.StatusNotFound {
		t.Fatalf("replaying nothing: %d", r.Status)
	}
}

// The lookup page sends a lost receipt to the contacts on file, answering the same whether a
// report matched or not, and never showing the receipt.
func TestRecoverReceipt(t *testing.T) {
	e := newEnv(t)
	r := e.postForm("/lookup/recover", url.Values{"phone": {"010-2345-6789"}, "business_number": {"120-81-47521"}})
	check(t, r, http.StatusServiceUnavailable, []string{"문자·이메일 발송을 쓰지 않아"}, nil)
	e.db.SetNotices(store.Notices{Channels: []claimdesk.MessageChannel{claimdesk.BySMS}, Link: func(r string) string { return "/reports/" + r }})
	receipt, _ := e.fileByForm(nil)
	match := e.postForm("/lookup/recover", url.Values{"phone": {"010-2345-6789"}, "business_number": {"120-81-47521"}})
	check(t, match, http.StatusOK, []string{`id="lost-sent"`}, []string{receipt})
	other := e.postForm("/lookup/recover", url.Values{"phone": {"010-9999-0000"}, "business_number": {"120-81-47521"}})
	check(t, other, http.StatusOK, []string{`id="lost-sent"`}, []string{receipt})
	bad := e.postForm("/lookup/recover", url.Values{"phone": {"12"}, "business_number": {""}})
	check(t, bad, http.StatusUnprocessableEntity, []string{`id="lost-phone-error"`, `id="lost-business-error"`}, []string{`id="lost-sent"`})
	msgs, err := e.srv.Notices.Messages(cliCtx(), receipt)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[1].Event != claimdesk.EventRecovery {
		t.Fatalf("messages %v: want the receipt's and one recovery", msgs)
	}
}

// A reviewer corrects a report in the console (a refused correction shows the form again with
// its problems) and over the API.
func TestCorrection(t *testing.T) {
	e := newEnv(t)
	receipt, _ := e.fileByForm(url.Values{"phone": {"010-2345-6780"}})
	s := e.login(claimdesk.RoleReviewer)
	page := s.get("/console/reports/" + receipt)
	check(t, page, http.StatusOK, []string{`id="correct"`, `action="/console/reports/` + receipt + `/correct"`, `value="010-2345-6780"`}, nil)
	v := validForm()
	v.Set("phone", "010-2345-6789")
	r := s.post("/console/reports/"+receipt+"/correct", v)
	check(t, r, http.StatusUnprocessableEntity, []string{`<details id="correct" open>`, "고친 이유를 적어 주세요", `value="010-2345-6789"`}, nil)
	v.Set("reason", "전화번호 오기")
	r = s.post("/console/reports/"+receipt+"/correct", v)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("correcting: %d %s", r.Status, r.Body)
	}
	rep, _ := e.srv.Reports.FindReportByReceipt(context.Background(), receipt)
	if rep.Phone != "010-2345-6789" {
		t.Fatalf("phone after correction: %s", rep.Phone)
	}

	tok := e.token(claimdesk.RoleReviewer)
	body := `{"changes":{"claimed_loss":1200000,"district":"팔달구"},"reason":"영수증 확인"}`
	r = e.do("POST", "/api/v1/reports/"+receipt+"/correction", body, "Content-Type", "application/json", "Authorization", "Bearer "+tok)
	check(t, r, http.StatusOK, []string{`"claimed_loss":1200000`, `"district":"팔달구"`, `"phone":"010-2345-6789"`}, nil)
	r = e.do("POST", "/api/v1/reports/"+receipt+"/correction", `{"changes":{"phone":"123","colour":"red"},"reason":"x"}`,
		"Content-Type", "application/json", "Authorization", "Bearer "+tok)
	check(t, r, http.StatusUnprocessableEntity, []string{`"field":"phone"`, `"field":"colour"`}, nil)
}

// multipartForm encodes values and files (input name → file name → content).
func multipartForm(values url.Values, files map[string]map[string][]byte) (body, contentType string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range values {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for input, fs := range files {
		for name, data := range fs {
			fw, _ := mw.CreateFormFile(input, name)
			fw.Write(data)
		}
	}
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

// A merchant files with a document; a reviewer asks for another from the checklist; the
// merchant's page asks for it by name and takes it; the reviewer downloads both, sandboxed.
func TestDocumentsFlow(t *testing.T) {
	e := newEnv(t)
	pdf := []byte("%PDF-1.4\n사업자등록증\n%%EOF\n")
	v := validForm()
	body, ct := multipartForm(v, map[string]map[string][]byte{"doc_business_registration": {"등록증.pdf": pdf}, "doc_photos": {"virus.html": []byte("<script>alert(1)</script>")}})
	r := e.do("POST", "/incidents/kakao-2022-10/report", body, "Content-Type", ct)
	check(t, r, http.StatusUnprocessableEntity, []string{"virus.html: 사진(JPG, PNG) 또는 PDF 파일만", "올린 파일은 다시 골라 주세요"}, nil)
	body, ct = multipartForm(v, map[string]map[string][]byte{"doc_business_registration": {"등록증.pdf": pdf}})
	r = e.do("POST", "/incidents/kakao-2022-10/report", body, "Content-Type", ct)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("filing with a document: %d %s", r.Status, r.Body)
	}
	page := r.Header.Get("Location")
	u, _ := url.Parse(page)
	receipt, token := strings.TrimPrefix(u.Path, "/reports/"), u.Query().Get("token")

	s := e.login(claimdesk.RoleReviewer)
	check(t, s.get("/console/reports/"+receipt), http.StatusOK, []string{`id="documents"`, "등록증.pdf", "사업자등록증", `id="request-documents"`}, nil)
	r = s.post("/console/reports/"+receipt+"/status", url.Values{"to": {"needs_info"}, "message": {"가게 안내문 사진을 올려 주세요"}, "documents": {"photos"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("request: %d %s", r.Status, r.Body)
	}
	check(t, e.do("GET", page, ""), http.StatusOK, []string{`id="info-documents"`, "사진 (안내문, 화면 등)", `name="doc_photos"`, `name="doc_other"`, "등록증.pdf"}, []string{`name="doc_sales_records"`})

	png := []byte("\x89PNG\r\n\x1a\nimage")
	answer := validForm() // the answer form carries the report's fields, to correct
	answer.Del("form_key")
	answer.Set("token", token)
	answer.Set("answer", "올립니다")
	body, ct = multipartForm(answer, map[string]map[string][]byte{"doc_photos": {"안내문.png": png}})
	r = e.do("POST", "/reports/"+receipt+"/answer", body, "Content-Type", ct)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("answer with a photo: %d %s", r.Status, r.Body)
	}
	docs, err := e.srv.Review.Documents(cliCtx(), receipt)
	if err != nil || len(docs) != 2 || docs[1].Name != "안내문.png" || docs[1].Source != "answer" {
		t.Fatalf("documents %+v %v", docs, err)
	}
	dl := s.get("/console/reports/" + receipt + "/documents/" + itoa(docs[1].ID))
	if dl.Status != http.StatusOK || dl.Body != string(png) || dl.Header.Get("Content-Security-Policy") != "sandbox" ||
		!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || dl.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d %v", dl.Status, dl.Header)
	}
	if got := e.do("GET", "/console/reports/"+receipt+"/documents/"+itoa(docs[1].ID), ""); got.Status == http.StatusOK {
		t.Fatal("a document served without a session")
	}
}

// A reviewer sends one message to every report of a filter, after a confirmation that counts
// them and shows the message, and follows its progress as the worker sends it.
func TestMessageToMany(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.fileByForm(nil)
	}
	s := e.login(claimdesk.RoleReviewer)
	q := url.Values{"incident": {"kakao-2022-10"}, "action": {"message"}, "message": {"11월 30일까지 매출 자료를 올려 주세요"}}
	check(t, s.get("/console/bulk?"+q.Encode()), http.StatusOK, []string{"3건의 신고인에게", `id="bulk-preview"`, "11월 30일까지"}, nil)
	v := url.Values{"incident": {"kakao-2022-10"}, "action": {"message"}, "message": {"11월 30일까지 매출 자료를 올려 주세요"}}
	r := s.post("/console/bulk", v)
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("with no channel configured: %d, want 503", r.Status)
	}
	e.db.SetNotices(store.Notices{Channels: []claimdesk.MessageChannel{claimdesk.BySMS}, Link: func(r string) string { return "/reports/" + r }})
	r = s.post("/console/bulk", v)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/messages/b_") {
		t.Fatalf("sending: %d %s", r.Status, r.Header.Get("Location"))
	}
	page := s.get(r.Header.Get("Location"))
	check(t, page, http.StatusOK, []string{"3건 중 0건 처리했습니다", `http-equiv="refresh"`, "문자"}, nil)

	// The worker sends them; the page says so and stops reloading.
	gw := &texts{}
	gateway := httptest.NewServer(gw)
	defer gateway.Close()
	w := &notify.Worker{DB: e.db, Senders: map[claimdesk.MessageChannel]notify.Sender{claimdesk.BySMS: &notify.SMS{URL: gateway.URL}}}
	for {
		n, err := w.Once(cliCtx(), []claimdesk.MessageChannel{claimdesk.BySMS})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	gw.wait(t, "11월 30일까지")
	check(t, s.get(r.Header.Get("Location")), http.StatusOK, []string{"3건 중 3건 처리했습니다"}, []string{`http-equiv="refresh"`})
	batch := strings.TrimPrefix(r.Header.Get("Location"), "/console/messages/")
	res := e.do("GET", "/api/v1/messages/batches/"+batch, "", "Authorization", "Bearer "+e.token(claimdesk.RoleReviewer))
	check(t, res, http.StatusOK, []string{`"total":3`, `"done":3`, `"sent":3`}, nil)
}

// An administrator adds a webhook in the console (its secret shown once), reads its
// deliveries with the answers, and replays one.
func TestConsoleWebhooks(t *testing.T) {
	e := newEnv(t)
	s := e.login(claimdesk.RoleAdmin)
	r := s.post("/console/admin/webhooks", url.Values{"url": {"https://partner.example.org/hooks"}, "events": {"report.created", "report.corrected"}})
	check(t, r, http.StatusOK, []string{"whsec_", "https://partner.example.org/hooks"}, nil)
	check(t, s.post("/console/admin/webhooks", url.Values{"url": {"partner"}}), http.StatusUnprocessableEntity, []string{"http:// 또는 https://"}, nil)
	check(t, s.get("/console/admin"), http.StatusOK, []string{`id="webhooks"`, "report.created, report.corrected", "/console/admin/webhooks/1"}, []string{"whsec_"})
	receipt, _ := e.fileByForm(nil)
	page := s.get("/console/admin/webhooks/1")
	check(t, page, http.StatusOK, []string{`id="deliveries"`, "report.created", receipt, "pending"}, nil)
	key := regexp.MustCompile(`<code>(msg_[a-z0-9]+)</code>`).FindStringSubmatch(page.Body)
	if key == nil {
		t.Fatalf("no delivery key on the page")
	}
	r = s.post("/console/admin/webhooks/1/replay", url.Values{"key": {key[1]}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	check(t, s.get("/console/admin/webhooks/9"), http.StatusNotFound, nil, nil)
}

// The compensation page's funnel counts the merchants a stage's message reached: delivered,
// not merely written.
func TestFunnelReached(t *testing.T) {
	e := newEnv(t)
	e.db.SetNotices(store.Notices{Channels: []claimdesk.MessageChannel{claimdesk.BySMS}, Link: func(r string) string { return "/reports/" + r }})
	for range 3 {
		e.fileByForm(nil)
	}
	admin := e.login(claimdesk.RoleAdmin)
	reached := regexp.MustCompile(`id="funnel-reports".*?<td class="num reached">([^<]*)</td>`)
	if m := reached.FindStringSubmatch(admin.get("/console/incidents/kakao-2022-10/payouts").Body); m == nil || m[1] != "0" {
		t.Fatalf("merchants reached before any delivery: %q", m)
	}
	gw := &texts{}
	gateway := httptest.NewServer(gw)
	defer gateway.Close()
	w := &notify.Worker{DB: e.db, Senders: map[claimdesk.MessageChannel]notify.Sender{claimdesk.BySMS: &notify.SMS{URL: gateway.URL}}}
	if n, err := w.Once(cliCtx(), []claimdesk.MessageChannel{claimdesk.BySMS}); err != nil || n != 3 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	page := admin.get("/console/incidents/kakao-2022-10/payouts")
	if m := reached.FindStringSubmatch(page.Body); m == nil || m[1] != "3" {
		t.Fatalf("merchants reached after delivery: %q", m)
	}
	check(t, page, http.StatusOK, []string{"알림이 닿은 신고인", `id="funnel-requests"`}, nil)
}
