package http_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

// releaseRun adopts policy for the incident with one administrator, releases it with another,
// and returns the run.
func (e *env) releaseRun(incident, policy string) claimdesk.PayoutRun {
	e.t.Helper()
	r := e.do("POST", "/api/v1/incidents/"+incident+"/payouts/runs", `{"policy":"`+policy+`"}`,
		"Authorization", "Bearer "+e.personToken(claimdesk.RoleAdmin), "Content-Type", "application/json")
	check(e.t, r, 201, nil, nil)
	run := decode[claimdesk.PayoutRun](e.t, r)
	check(e.t, e.do("POST", "/api/v1/payouts/runs/"+itoa(run.ID)+"/release", "", "Authorization", "Bearer "+e.personToken(claimdesk.RoleAdmin)), 200, nil, nil)
	return run
}

// accept moves a report to accepted in review.
func (e *env) accept(receipt string) {
	e.t.Helper()
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	review := store.NewReviewService(e.db)
	for _, to := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
		if _, err := review.ChangeStatus(ctx, receipt, claimdesk.StatusChange{To: to}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// merchantPage is the address of a report's page with its token.
func (e *env) merchantPage(receipt string, query ...string) string {
	q := url.Values{"token": {e.srv.ReportTokens.Token(receipt)}}
	for i := 0; i+1 < len(query); i += 2 {
		q.Set(query[i], query[i+1])
	}
	return "/reports/" + receipt + "?" + q.Encode()
}

// offerPath is where the offer forms of a report are sent.
func (e *env) offerPath(receipt string, lang string) string {
	return "/reports/" + receipt + "/offer?" + url.Values{"token": {e.srv.ReportTokens.Token(receipt)}, "lang": {lang}}.Encode()
}

// contest sends a contest form with files, as a browser does.
func (e *env) contest(path, message string, files map[string][]byte) response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("answer", "contest")
	mw.WriteField("message", message)
	if len(files) == 0 { // what a browser sends when no file was chosen
		w, _ := mw.CreateFormFile("evidence", "")
		w.Write(nil)
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile("evidence", name)
		w.Write(data)
	}
	mw.Close()
	return e.do("POST", path, body.String(), "Content-Type", mw.FormDataContentType())
}

func (e *env) offer(receipt string) *claimdesk.Offer {
	e.t.Helper()
	o, err := store.NewPayoutService(e.db).Offer(context.Background(), receipt)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func TestOfferAccepted(t *testing.T) {
	e := newEnv(t)
	small, referred := e.fileLoss("300000"), e.fileLoss("900000")
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	// Not accepted in review yet: no offer on the page.
	check(t, e.do("GET", e.merchantPage(small), ""), 200, []string{"행복떡집"}, []string{`id="offer"`})
	e.accept(small)
	e.accept(referred)
	check(t, e.do("GET", e.merchantPage(small), ""), 200, []string{`id="offer-amount">30,000원`, "피해액 300,000원", "이의 신청"}, nil)
	check(t, e.do("GET", e.merchantPage(small, "lang", "en"), ""), 200, []string{"30,000 KRW", "loss 300,000 KRW", "Contest the amount"}, nil)
	check(t, e.do("GET", e.merchantPage(referred), ""), 200, []string{"담당자가 자료를 보고"}, []string{`id="accept"`, `id="contest"`})

	// A wrong account is refused in the page's language, keeps what was typed, stores nothing.
	bad := url.Values{"answer": {"accept"}, "bank": {"KB국민은행"}, "account_number": {"1234-ab"}, "account_holder": {"김민지"}}
	check(t, e.postForm(e.offerPath(small, "en"), bad), 422, []string{"There are 1 things to fix", "8 to 20 digits", `value="1234-ab"`, `value="김민지"`}, nil)
	check(t, e.postForm(e.offerPath(small, "ko")+"x", bad), 404, nil, nil)
	if e.offer(small).Response != nil {
		t.Fatal("a refused answer was stored")
	}
	good := url.Values{"answer": {"accept"}, "bank": {"KB국민은행"}, "account_number": {"123456-01-234567"}, "account_holder": {"김민지"}}
	r := e.postForm(e.offerPath(small, "ko"), good)
	check(t, r, 303, nil, nil)
	if !strings.Contains(r.Header.Get("Location"), "offer=accepted") {
		t.Errorf("redirect to %q", r.Header.Get("Location"))
	}
	check(t, e.do("GET", r.Header.Get("Location"), ""), 200, []string{"알려 주신 계좌로", "KB국민은행 ****4567 (김민지)"}, []string{"123456-01-234567", `id="accept"`})
	if o := e.offer(small); o.Response == nil || !o.Response.Accepted || o.Response.Bank.Number != "123456-01-234567" {
		t.Errorf("stored %+v", o.Response)
	}
	// Answered once: a second answer is refused.
	check(t, e.postForm(e.offerPath(small, "ko"), good), 409, []string{"이미 답했거나"}, nil)
}

func TestOfferContested(t *testing.T) {
	e := newEnv(t)
	mid := e.fileLoss("450000")
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	e.accept(mid)
	path := e.offerPath(mid, "ko")
	pdf := []byte("%PDF-1.4\n장부\n%%EOF\n")

	check(t, e.contest(path, "", nil), 422, []string{"이의 신청 사유를 적어 주세요"}, nil)
	check(t, e.contest(path, "문을 닫은 날이 더 깁니다", map[string][]byte{"run.exe": []byte("MZ\x90\x00")}), 422,
		[]string{"run.exe: 사진(JPG, PNG) 또는 PDF", "문을 닫은 날이 더 깁니다</textarea>", "파일은 다시 골라"}, nil)
	big := map[string][]byte{"a.pdf": pdf, "b.pdf": append(append([]byte{}, pdf...), make([]byte, claimdesk.MaxEvidenceBytes)...)}
	check(t, e.contest(path, "큰 파일", big), 422, []string{"b.pdf: 파일은 5MB 이하"}, nil)
	var six = map[string][]byte{}
	for _, n := range []string{"1", "2", "3", "4", "5", "6"} {
		six[n+".pdf"] = append(make([]byte, 0, 5<<20), pdf...)
		six[n+".pdf"] = append(six[n+".pdf"], make([]byte, 5<<20-len(pdf))...)
	}
	check(t, e.contest(path, "여섯 개", six), 422, []string{"너무 큽니다"}, nil)
	if o := e.offer(mid); o.Response != nil {
		t.Fatal("a refused contest was stored")
	}

	r := e.contest(path, "문을 닫은 날이 더 깁니다", map[string][]byte{"장부.pdf": pdf})
	check(t, r, 303, nil, nil)
	check(t, e.do("GET", r.Header.Get("Location"), ""), 200, []string{"이의 신청을 받았습니다", "장부.pdf", "문을 닫은 날이 더 깁니다"}, []string{`id="contest"`})
	o := e.offer(mid)
	if o.Response == nil || o.Response.Accepted || len(o.Response.Evidence) != 1 || o.Response.Evidence[0].Size != int64(len(pdf)) {
		t.Fatalf("stored %+v", o.Response)
	}
	rep, _ := store.NewReportService(e.db).FindReportByReceipt(context.Background(), mid)
	if rep.Status != claimdesk.StatusInReview {
		t.Errorf("a contested report is %s", rep.Status)
	}
}
