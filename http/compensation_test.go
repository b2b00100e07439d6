package http_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

// The console's policies: a refused document is explained by field and stores nothing; a good
// one becomes a version with its document shown as stored.
func TestConsolePolicies(t *testing.T) {
	e := newEnv(t)
	admin, analyst := e.login(claimdesk.RoleAdmin), e.login(claimdesk.RoleAnalyst)
	check(t, analyst.get("/console/policies"), 200, []string{"kt-2018-tiers", "kakao-2022-brackets"}, []string{`id="add-policy"`})
	check(t, admin.get("/console/policies"), 200, []string{`id="add-policy"`}, nil)

	bad := `{"id": "flat-test", "name": {"ko": "정액", "en": "Flat"}, "kind": "flat", "flat": {"amount": -5}}`
	check(t, admin.post("/console/policies", url.Values{"document": {bad}}), 422, []string{`id="policy-errors"`, "flat.amount", "flat-test"}, nil)
	check(t, admin.post("/console/policies", url.Values{"document": {"{not json"}}), 422, []string{`id="policy-errors"`}, nil)
	check(t, admin.get("/console/policies/flat-test"), 404, nil, nil)

	good := `{"id": "flat-test", "name": {"ko": "정액 3만원", "en": "Flat 30,000"}, "kind": "flat", "flat": {"amount": 30000},
		"eligibility": {"incidents": ["kakao-2022-10"]}}`
	r := admin.post("/console/policies", url.Values{"document": {good}})
	check(t, r, 303, nil, nil)
	if loc := r.Header.Get("Location"); loc != "/console/policies/flat-test?version=1&done=policy" {
		t.Fatalf("redirect %q", loc)
	}
	check(t, analyst.get("/console/policies/flat-test"), 200, []string{`id="policy-version">1<`, "&#34;amount&#34;: 30000", "kakao-2022-10/payouts?policy=flat-test%401"}, nil)
	check(t, analyst.post("/console/policies", url.Values{"document": {good}}), 403, nil, nil)
}

// An incident's compensation page: two policies side by side, a run adopted by one
// administrator and released by another, the payment file, and the funnel.
func TestConsolePayouts(t *testing.T) {
	e := newEnv(t)
	first, second, analyst := e.login(claimdesk.RoleAdmin), e.login(claimdesk.RoleAdmin), e.login(claimdesk.RoleAnalyst)
	small, mid := e.fileLoss("300000"), e.fileLoss("450000")
	e.fileLoss("900000")
	e.accept(small)
	e.accept(mid)
	page := "/console/incidents/kakao-2022-10/payouts"

	// A policy for another incident is refused, saying which.
	check(t, analyst.get(page+"?policy=kakao-2022-brackets&policy=kt-2018-tiers"), 200, []string{"kt-2018-tiers"}, []string{`id="sim-table"`})
	flat := `{"id": "flat-40k", "name": {"ko": "정액 4만원", "en": "Flat 40,000"}, "kind": "flat", "flat": {"amount": 40000},
		"eligibility": {"incidents": ["kakao-2022-10"]}}`
	check(t, first.post("/console/policies", url.Values{"document": {flat}}), 303, nil, nil)
	// Side by side: the brackets give 80,000 and refer the 900,000 claim; the flat policy gives
	// 120,000; the referred report differs most.
	sim := analyst.get(page + "?policy=kakao-2022-brackets&policy=flat-40k%401")
	check(t, sim, 200, []string{`id="sim-table"`, "80,000원", "120,000원", `id="sim-differences"`}, []string{`id="adopt"`})
	if !regexp.MustCompile(`(?s)id="sim-differences".*?<code>[0-9A-Z-]+</code></th><td class="num">-</td><td class="num">40,000원`).MatchString(sim.Body) {
		t.Errorf("the referred report is not the first difference")
	}
	check(t, analyst.get(page+"?policy=nope"), 200, []string{"nope"}, []string{`id="sim-table"`})

	check(t, first.post(page+"/runs", url.Values{"policy": {"kakao-2022-brackets@1"}}), 303, nil, nil)
	mine := first.get(page)
	check(t, mine, 200, []string{"다른 관리자의 승인을 기다립니다", "80,000원"}, nil)
	link := regexp.MustCompile(`href="(/console/payouts/runs/\d+)">승인`).FindStringSubmatch(second.get(page).Body)
	if link == nil {
		t.Fatal("the second administrator is not offered the release")
	}
	run := link[1]
	// The run's page: what releasing it makes payable, by stage; only the second person may.
	check(t, first.get(run), 200, []string{`id="fig-payable"`, "다른 관리자의 승인을 기다립니다"}, []string{`id="release"`})
	check(t, analyst.get(run), 200, []string{`id="fig-offers"`, `id="run-incident-version"`}, []string{`id="release"`})
	rp := second.get(run)
	check(t, rp, 200, []string{`id="release"`, `name="expect_count" value="2"`, `name="expect_sum" value="80000"`, "2건 80,000원 지급 승인"}, nil)
	release := func() url.Values { return url.Values{"expect_count": {"2"}, "expect_sum": {"80000"}} }
	check(t, first.post(run+"/release", release()), 403, []string{"다른 관리자"}, nil)
	// A figure that changed since the page was read is not released: the page shows the new one.
	review := store.NewReviewService(e.db)
	cli := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	if _, err := review.ChangeStatus(cli, mid, claimdesk.StatusChange{To: claimdesk.StatusInReview, Reason: "다시 보기"}); err != nil {
		t.Fatal(err)
	}
	check(t, second.post(run+"/release", release()), 409, []string{"1건 30,000원"}, nil)
	if _, err := review.ChangeStatus(cli, mid, claimdesk.StatusChange{To: claimdesk.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	check(t, analyst.post(run+"/release", release()), 403, nil, nil)
	check(t, second.post(run+"/release", release()), 303, nil, nil)
	after := second.get(page)
	check(t, after, 200, []string{"지급 승인됨", `id="funnel-offered"`}, []string{`class="release"`})

	// A merchant accepts; the payment waits for a payment file, made and downloaded once.
	e.postForm(e.offerPath(small, "ko"), url.Values{"answer": {"accept"}, "bank": {"KB국민은행"}, "account_number": {"123456-01-234567"}, "account_holder": {"김민지"}})
	check(t, second.get(run), 200, []string{`id="fig-waiting"`, `id="export"`, "대기 중인 1건 30,000원"}, []string{`id="payment-files"`})
	check(t, analyst.post(run+"/payment-files", nil), 403, nil, nil)
	check(t, second.post(run+"/payment-files", nil), 303, nil, nil)
	check(t, second.post(run+"/payment-files", nil), 409, []string{"지급 파일에 넣을 건이 없습니다"}, nil)
	files := second.get(run)
	check(t, files, 200, []string{`id="payment-files"`, "/console/payment-files/1/payments.csv"}, []string{`id="export"`})
	csv := second.get("/console/payment-files/1/payments.csv")
	check(t, csv, 200, []string{small, "30000", "123456-01-234567"}, []string{mid})
	check(t, analyst.get("/console/payment-files/1/payments.csv"), 403, nil, nil)
	check(t, second.post("/console/payment-files/1/paid", nil), 303, nil, nil)
	check(t, second.post("/console/payment-files/1/paid", nil), 409, nil, nil)
	funnel := analyst.get(page).Body
	for _, want := range []string{`id="funnel-reports"><th scope="row">신고</th><td class="num">3<`, `id="funnel-offered"><th scope="row">보상액 안내</th><td class="num">2<`,
		`id="funnel-paid"><th scope="row">지급 완료</th><td class="num">1<`} {
		if !strings.Contains(funnel, want) {
			t.Errorf("funnel lacks %s", want)
		}
	}
	if !regexp.MustCompile(`class="stall"><th scope="row">[^<]+</th>`).MatchString(funnel) {
		t.Error("no stage is marked as the stall")
	}
	if strings.Contains(funnel, `id="not-in-run"`) {
		t.Error("reports said to be missing from the run")
	}
	// A report filed after the release is not in the run: the page says what to do.
	e.fileLoss("100000")
	check(t, analyst.get(page), 200, []string{`id="not-in-run">마지막 지급 회차 뒤에 들어온 신고 1건`}, nil)
}

// A reviewer sees the merchant's contest on the report and downloads its evidence as sent.
func TestConsoleEvidence(t *testing.T) {
	e := newEnv(t)
	mid := e.fileLoss("450000")
	e.releaseRun("kakao-2022-10", "kakao-2022-brackets")
	e.accept(mid)
	pdf := []byte("%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n")
	check(t, e.contest(e.offerPath(mid, "ko"), "닫은 날이 더 깁니다", map[string][]byte{"장부 1.pdf": pdf}), 303, nil, nil)
	rev := e.login(claimdesk.RoleReviewer)
	detail := rev.get("/console/reports/" + mid)
	check(t, detail, 200, []string{`id="detail-offer"`, "닫은 날이 더 깁니다", "장부 1.pdf"}, nil)
	link := regexp.MustCompile(`href="(/console/reports/[^"]+/evidence/\d+)"`).FindStringSubmatch(detail.Body)
	if link == nil {
		t.Fatal("no evidence link")
	}
	f := rev.get(link[1])
	check(t, f, 200, nil, nil)
	if f.Body != string(pdf) || f.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(f.Header.Get("Content-Disposition"), "attachment") || f.Header.Get("Content-Security-Policy") != "sandbox" {
		t.Errorf("evidence download %v %q", f.Header, f.Body)
	}
	check(t, rev.get("/console/reports/"+mid+"/evidence/999"), 404, nil, nil)
}
