package storetest

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

// Outbox is the worker's side of the outbox, for the suite.
type Outbox struct {
	// SetChannels switches the merchant channels on (the server does it from its flags).
	SetChannels func(channels ...claimdesk.MessageChannel)
	// Claim claims up to n due messages of every channel for lease.
	Claim func(ctx context.Context, n int, lease time.Duration) ([]*claimdesk.Notification, error)
	// Record records a claimed message as sent, or as failed to be retried a minute later.
	Record func(ctx context.Context, m *claimdesk.Notification, sent bool) error
	// Remind writes the reminders of offers whose window to contest ends within `within`.
	Remind func(ctx context.Context, within time.Duration) (int, error)
}

// messages returns the report's messages by channel, failing the test on error.
func messages(t *testing.T, s Store, receipt string) map[claimdesk.MessageChannel][]*claimdesk.Notification {
	t.Helper()
	msgs, err := s.Notices.Messages(ctx(t), receipt)
	if err != nil {
		t.Fatal(err)
	}
	by := map[claimdesk.MessageChannel][]*claimdesk.Notification{}
	for _, m := range msgs {
		by[m.Channel] = append(by[m.Channel], m)
	}
	return by
}

func count(by map[claimdesk.MessageChannel][]*claimdesk.Notification) map[claimdesk.MessageChannel]int {
	n := map[claimdesk.MessageChannel]int{}
	for c, l := range by {
		n[c] = len(l)
	}
	return n
}

// A message exists exactly when its event was committed: a report's receipt, a request for
// information and a decision write theirs, in the merchant's channels (SMS to a mobile
// number, e-mail) and to the webhooks subscribed; a refused change, a replayed report and a
// report undone for a taken key write none.
func testOutboxWithEvents(t *testing.T, s Store) {
	c := ctx(t)
	s.Outbox.SetChannels(claimdesk.BySMS, claimdesk.ByEmail)
	hook, err := s.Notices.CreateWebhook(c, "https://partner.example.org/hooks", []string{claimdesk.EventReportCreated, claimdesk.EventStatusChanged})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hook.Secret, "whsec_") || hook.ID == 0 {
		t.Fatalf("webhook %+v: want an ID and a whsec_ secret", hook)
	}
	_, err = s.Notices.CreateWebhook(c, "ftp://partner.example.org", []string{"report.deleted"})
	wantFields(t, err, "url:webhook_url_invalid", "events:webhook_event_unknown")

	idem := claimdesk.Idempotency{Key: "outbox-1", Fingerprint: "f1"}
	r := mustCreate(t, s, NewReport(1), idem)
	by := messages(t, s, r.Receipt)
	if got := count(by); got[claimdesk.BySMS] != 1 || got[claimdesk.ByEmail] != 1 || got[claimdesk.ByWebhook] != 1 {
		t.Fatalf("messages of a new report: %v, want one SMS, one e-mail, one webhook", got)
	}
	sms := by[claimdesk.BySMS][0]
	if sms.To != "010-2345-6789" || !strings.Contains(sms.Body, r.Receipt) || !strings.Contains(sms.Body, "/reports/"+r.Receipt) ||
		sms.Status != claimdesk.MessagePending || sms.Event != claimdesk.EventReportCreated {
		t.Fatalf("SMS %+v: want to the phone, pending, with the receipt and the link", sms)
	}
	if mail := by[claimdesk.ByEmail][0]; mail.To != "owner@example.com" || !strings.Contains(mail.Subject, r.Receipt) {
		t.Fatalf("e-mail %+v: want to the address, the receipt in the subject", mail)
	}
	if wh := by[claimdesk.ByWebhook][0]; !strings.Contains(wh.Body, r.Receipt) || strings.Contains(wh.Body, "010") || strings.Contains(wh.Body, "김민지") {
		t.Fatalf("webhook payload %s: want the receipt and no personal data", wh.Body)
	}

	// A replay writes nothing; a refused change writes nothing.
	if _, created, err := s.Reports.CreateReport(c, &claimdesk.ReportInput{Report: *NewReport(1)}, idem); err != nil || created {
		t.Fatalf("replay: created %v, %v", created, err)
	}
	_, err = s.Review.ChangeStatus(c, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusAccepted})
	wantCode(t, err, claimdesk.ECONFLICT)
	if got := count(messages(t, s, r.Receipt)); got[claimdesk.BySMS] != 1 || got[claimdesk.ByWebhook] != 1 {
		t.Fatalf("after a replay and a refused change: %v, want nothing new", got)
	}

	// A request for information reaches the merchant with its words.
	ask := "사업자등록증 사본을 올려 주세요"
	if _, err := s.Review.ChangeStatus(c, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: ask}); err != nil {
		t.Fatal(err)
	}
	by = messages(t, s, r.Receipt)
	if got := count(by); got[claimdesk.BySMS] != 2 || got[claimdesk.ByEmail] != 2 || got[claimdesk.ByWebhook] != 2 {
		t.Fatalf("after a request: %v, want a second of each", got)
	}
	if m := by[claimdesk.BySMS][1]; !strings.Contains(m.Body, ask) || !strings.Contains(m.Body, r.Receipt) {
		t.Fatalf("request SMS %q: want the request and the receipt", m.Body)
	}
	if wh := by[claimdesk.ByWebhook][1]; !strings.Contains(wh.Body, `"previous_status":"received"`) || !strings.Contains(wh.Body, `"status":"needs_info"`) {
		t.Fatalf("status webhook %s", wh.Body)
	}

	// A merchant who chose e-mail only and fewer messages: no SMS, and nothing of a move
	// into review (the webhook still hears of it).
	quiet := NewReport(2)
	quiet.Notify, quiet.FewerMessages, quiet.Lang = []claimdesk.MessageChannel{claimdesk.ByEmail}, true, claimdesk.English
	q := mustCreate(t, s, quiet, claimdesk.Idempotency{})
	if _, err := s.Review.ChangeStatus(c, q.Receipt, claimdesk.StatusChange{To: claimdesk.StatusInReview}); err != nil {
		t.Fatal(err)
	}
	by = messages(t, s, q.Receipt)
	if got := count(by); got[claimdesk.BySMS] != 0 || got[claimdesk.ByEmail] != 1 || got[claimdesk.ByWebhook] != 2 {
		t.Fatalf("e-mail only, fewer messages: %v, want one e-mail (the receipt) and both webhooks", got)
	}
	if m := by[claimdesk.ByEmail][0]; !strings.Contains(m.Body, "Receipt "+q.Receipt) {
		t.Fatalf("English e-mail %q", m.Body)
	}
	bad := NewReport(3)
	bad.Phone, bad.Notify = "02-123-4567", []claimdesk.MessageChannel{claimdesk.BySMS}
	_, _, err = s.Reports.CreateReport(c, &claimdesk.ReportInput{Report: *bad}, claimdesk.Idempotency{})
	wantFields(t, err, "notify:notify_sms_needs_mobile")

	// Concurrent retries of one key: one report, one set of messages.
	var wg sync.WaitGroup
	receipts := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, _, err := s.Reports.CreateReport(c, &claimdesk.ReportInput{Report: *NewReport(4)}, claimdesk.Idempotency{Key: "outbox-4", Fingerprint: "f4"})
			if err != nil {
				t.Error(err)
				return
			}
			receipts <- got.Receipt
		}()
	}
	wg.Wait()
	close(receipts)
	first := <-receipts
	if got := count(messages(t, s, first)); got[claimdesk.BySMS] != 1 || got[claimdesk.ByEmail] != 1 || got[claimdesk.ByWebhook] != 1 {
		t.Fatalf("eight retries of one report: %v, want one of each", got)
	}
	total := 0
	for {
		claimed, err := s.Outbox.Claim(c, 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) == 0 {
			break
		}
		total += len(claimed)
	}
	if total != 3+3+3+3 {
		t.Fatalf("%d messages in the outbox, want 12 (3 reports' receipts, a request, a move into review)", total)
	}
}

// Claims are exclusive while their lease runs, from this handle or a second server's; an
// outcome is recorded only by the claim it belongs to; a failure is retried later.
func testOutboxClaims(t *testing.T, s Store) {
	c := ctx(t)
	s.Outbox.SetChannels(claimdesk.BySMS, claimdesk.ByEmail)
	other := s.Second(t)
	const reports = 30
	for i := range reports {
		mustCreate(t, s, DistinctReport(i), claimdesk.Idempotency{}) // SMS and e-mail each
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for _, st := range []Store{s, other, s, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				claimed, err := st.Outbox.Claim(c, 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(claimed) == 0 {
					return
				}
				for _, m := range claimed {
					if err := st.Outbox.Record(c, m, true); err != nil {
						t.Error(err)
					}
					mu.Lock()
					seen[m.Key]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 2*reports {
		t.Fatalf("%d messages claimed, want %d", len(seen), 2*reports)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("message %s claimed %d times", k, n)
		}
	}

	// A failure comes back after its retry time, not before; a stale outcome is ignored.
	r := mustCreate(t, s, NewReport(99), claimdesk.Idempotency{})
	claimed, err := s.Outbox.Claim(c, 10, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d, %v: want the new report's two", len(claimed), err)
	}
	if err := s.Outbox.Record(c, claimed[0], false); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Outbox.Claim(c, 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed %d again at once, want none until the retry time", len(again))
	}
	start := time.Now()
	s.SetNow(start.Add(2 * time.Minute))
	again, err := s.Outbox.Claim(c, 10, time.Minute)
	if err != nil || len(again) != 2 {
		t.Fatalf("after the retry time and the lease: claimed %d, %v, want both", len(again), err)
	}
	if err := s.Outbox.Record(c, claimed[1], true); err != nil { // its lease ended: ignored
		t.Fatal(err)
	}
	for _, m := range messages(t, s, r.Receipt)[claimdesk.BySMS] {
		if m.Status != claimdesk.MessagePending || m.Attempts != 2 {
			t.Fatalf("message %s: %s after %d attempts, want pending after 2 (the stale outcome ignored)", m.Key, m.Status, m.Attempts)
		}
	}
	for _, m := range again {
		if err := s.Outbox.Record(c, m, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range messages(t, s, r.Receipt)[claimdesk.BySMS] {
		if m.Status != claimdesk.MessageSent || m.SentAt == nil {
			t.Fatalf("message %s: %s, want sent", m.Key, m.Status)
		}
	}
}

// A released run tells each merchant it shows an offer to the amount and the last day to
// contest it, and its subscribers the run once; a merchant's answer reaches the subscribers,
// not the merchant.
func testOutboxOffers(t *testing.T, s Store) {
	p := landlinePolicy(t, s, "landline-flat", true)
	s.Outbox.SetChannels(claimdesk.BySMS)
	if _, err := s.Notices.CreateWebhook(ctx(t), "https://partner.example.org/money", []string{claimdesk.EventPayoutReleased, claimdesk.EventOfferAnswered}); err != nil {
		t.Fatal(err)
	}
	covered := mustCreate(t, s, ktReport(1, "2018-11-25"), claimdesk.Idempotency{})
	other := ktReport(2, "2018-11-25")
	other.Services = []string{"card-terminal"}
	uncovered := mustCreate(t, s, other, claimdesk.Idempotency{})
	run := adoptAndRelease(t, s, p)
	sms := messages(t, s, covered.Receipt)[claimdesk.BySMS]
	until := claimdesk.DateOf(run.ReleasedAt.Add(7 * 24 * time.Hour)).String()
	if len(sms) != 2 || sms[1].Event != claimdesk.EventPayoutReleased || !strings.Contains(sms[1].Body, "100,000원") || !strings.Contains(sms[1].Body, until) {
		t.Fatalf("covered report's texts %v: want the receipt, then the offer of 100,000원 until %s", sms, until)
	}
	if got := count(messages(t, s, uncovered.Receipt)); got[claimdesk.BySMS] != 1 {
		t.Fatalf("uncovered report's messages %v: want only its receipt", got)
	}
	merchant := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant})
	if _, err := s.Payouts.RespondToOffer(merchant, uncovered.Receipt, claimdesk.OfferResponse{Message: "카드 단말기도 유선이었습니다"}, nil); err != nil {
		t.Fatal(err)
	}
	by := messages(t, s, uncovered.Receipt)
	if len(by[claimdesk.BySMS]) != 1 || len(by[claimdesk.ByWebhook]) != 1 || !strings.Contains(by[claimdesk.ByWebhook][0].Body, `"answer":"contested"`) {
		t.Fatalf("after a contest: %v, want no text to the merchant (they did it) and the partner told", count(by))
	}
	claimed, err := s.Outbox.Claim(ctx(t), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, m := range claimed {
		if m.Channel == claimdesk.ByWebhook && m.Event == claimdesk.EventPayoutReleased {
			runs++
			if !strings.Contains(m.Body, `"offers":1`) || m.Receipt != "" {
				t.Fatalf("run webhook %s", m.Body)
			}
		}
	}
	if runs != 1 {
		t.Fatalf("%d webhooks of the run, want 1", runs)
	}

	// Accepted and paid: the merchant is told the payment.
	bank := claimdesk.BankAccount{Bank: "신한은행", Number: "110-123-456789", Holder: "박서준"}
	if _, err := s.Payouts.RespondToOffer(merchant, covered.Receipt, claimdesk.OfferResponse{Accepted: true, Bank: bank}, nil); err != nil {
		t.Fatal(err)
	}
	for _, st := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
		if _, err := s.Review.ChangeStatus(ctx(t), covered.Receipt, claimdesk.StatusChange{To: st}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Payouts.ExportPayments(admin(t, 2), run.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Payouts.MarkPaid(admin(t, 3), run.ID); err != nil {
		t.Fatal(err)
	}
	sms = messages(t, s, covered.Receipt)[claimdesk.BySMS]
	if last := sms[len(sms)-1]; len(sms) != 5 || last.Event != claimdesk.EventPaymentMade || !strings.Contains(last.Body, "보상금 100,000원을") {
		t.Fatalf("covered report's texts after payment: %v", sms)
	}

	// The funnel counts the merchants each stage's message reached, once delivered.
	s.SetNow(time.Now().Add(2 * time.Minute)) // past the leases of the claims above
	for {
		claimed, err := s.Outbox.Claim(ctx(t), 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) == 0 {
			break
		}
		for _, m := range claimed {
			if err := s.Outbox.Record(ctx(t), m, m.To != uncovered.Phone); err != nil { // the uncovered merchant's texts fail
				t.Fatal(err)
			}
		}
	}
	f, err := s.Payouts.Funnel(ctx(t), "kt-2018-11")
	if err != nil || f.Reached["reports"] != 1 || f.Reached["offered"] != 1 || f.Reached["paid"] != 1 {
		t.Fatalf("funnel reached %v, %v: want the covered merchant at each stage, the uncovered one nowhere", f.Reached, err)
	}
}

// A merchant who lost the receipt gets it at the contacts on file, by phone and business
// number together, at most MaxRecoveries times a day; a wrong pair writes nothing.
func testOutboxRecovery(t *testing.T, s Store) {
	merchant := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant})
	_, err := s.Notices.Recover(merchant, "010-2345-6789", "120-81-47521")
	wantCode(t, err, claimdesk.EUNAVAILABLE) // no channel to send it through
	s.Outbox.SetChannels(claimdesk.BySMS, claimdesk.ByEmail)
	r := mustCreate(t, s, NewReport(1), claimdesk.Idempotency{})
	for _, wrong := range [][2]string{{"010-2345-6780", "120-81-47521"}, {"010-2345-6789", "220-81-62517"}, {"", ""}, {"abc", "123"}} {
		if n, err := s.Notices.Recover(merchant, wrong[0], wrong[1]); err != nil || n != 0 {
			t.Fatalf("Recover(%q, %q) = %d, %v: want nothing sent", wrong[0], wrong[1], n, err)
		}
	}
	for i := range claimdesk.MaxRecoveries + 1 {
		n, err := s.Notices.Recover(merchant, "01023456789", "1208147521") // as typed, without dashes
		want := 1
		if i == claimdesk.MaxRecoveries {
			want = 0
		}
		if err != nil || n != want {
			t.Fatalf("recovery %d: %d sent, %v; want %d", i+1, n, err, want)
		}
	}
	by := messages(t, s, r.Receipt)
	recovered := 0
	for _, m := range by[claimdesk.BySMS] {
		if m.Event == claimdesk.EventRecovery {
			recovered++
			if !strings.Contains(m.Body, r.Receipt) || !strings.Contains(m.Body, "/reports/"+r.Receipt) {
				t.Fatalf("recovery text %q: want the receipt and the link", m.Body)
			}
		}
	}
	if recovered != claimdesk.MaxRecoveries || len(by[claimdesk.ByEmail]) != 1+claimdesk.MaxRecoveries {
		t.Fatalf("%d recovery texts, %d e-mails: want %d of each (and the receipt's e-mail)", recovered, len(by[claimdesk.ByEmail]), claimdesk.MaxRecoveries)
	}
	s.SetNow(time.Now().Add(25 * time.Hour))
	if n, err := s.Notices.Recover(merchant, "010-2345-6789", "120-81-47521"); err != nil || n != 1 {
		t.Fatalf("a day later: %d, %v; want it sent again", n, err)
	}
}

// A reviewer corrects a report's fields with a reason: validated like a new report, audited
// with the old and new values (and verifiable), and told to the merchant at the corrected
// contact.
func testCorrection(t *testing.T, s Store) {
	s.Outbox.SetChannels(claimdesk.BySMS)
	orig := NewReport(1)
	orig.Phone = "010-2345-6780" // the typo
	r := mustCreate(t, s, orig, claimdesk.Idempotency{})
	fixed := *r
	fixed.Phone, fixed.Services = "010-2345-6789", []string{"talk-channel"}
	correct := func(ctx context.Context, rep claimdesk.Report, reason string) (*claimdesk.Report, error) {
		return s.Review.Correct(ctx, r.Receipt, claimdesk.Correction{Report: claimdesk.ReportInput{Report: rep}, Reason: reason})
	}
	merchant := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant})
	_, err := correct(merchant, fixed, "전화번호 오기")
	wantCode(t, err, claimdesk.EFORBIDDEN)
	_, err = correct(ctx(t), fixed, "")
	wantFields(t, err, "reason:correction_reason")
	_, err = correct(ctx(t), *r, "바꿀 것 없음")
	wantFields(t, err, "reason:correction_empty")
	bad := fixed
	bad.Phone, bad.Services = "12345", []string{"no-such-service"}
	_, err = correct(ctx(t), bad, "전화번호 오기")
	wantFields(t, err, "phone:phone_invalid", "services:service_unknown")
	if got, _ := s.Reports.FindReportByReceipt(ctx(t), r.Receipt); got.Phone != orig.Phone {
		t.Fatalf("a refused correction changed the phone to %s", got.Phone)
	}

	got, err := correct(ctx(t), fixed, "전화번호 오기 (통화로 확인)")
	if err != nil {
		t.Fatal(err)
	}
	if got.Phone != "010-2345-6789" || len(got.Services) != 1 || got.Status != r.Status {
		t.Fatalf("corrected report %+v", got)
	}
	history, err := s.Review.History(ctx(t), r.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	last := history[len(history)-1]
	changes, _ := last.Detail["changes"].(map[string]any)
	phone, _ := changes["phone"].([]any)
	if last.Action != claimdesk.AuditCorrected || len(phone) != 2 || phone[0] != orig.Phone || phone[1] != "010-2345-6789" || last.Detail["reason"] == "" {
		t.Fatalf("history entry %+v: want the correction with the old and new phone and the reason", last)
	}
	sms := messages(t, s, r.Receipt)[claimdesk.BySMS]
	if len(sms) != 2 || sms[1].To != "010-2345-6789" || !strings.Contains(sms[1].Body, "연락처, 피해 서비스") || !strings.Contains(sms[1].Body, "통화로 확인") {
		t.Fatalf("texts %v: want the receipt (to the typo), then the correction to the corrected number, naming the fields and the reason", sms)
	}
	v, err := s.Audit.VerifyAudit(ctx(t), nil)
	if err != nil || !v.OK() || v.RowProblems != 0 {
		t.Fatalf("verify after a correction: %+v %v", v, err)
	}
}

// Documents come with a report (the PDF and the sales spreadsheet kept, a file of another
// type refused with the report) and with an answer to a request that names them; the request
// tells the merchant which; staff read them back byte for byte.
func testDocuments(t *testing.T, s Store) {
	s.Outbox.SetChannels(claimdesk.BySMS)
	pdf := []byte("%PDF-1.4\n사업자등록증\n%%EOF\n")
	csv := []byte("날짜,매출\n2022-10-15,0\n2022-10-16,12000\n")
	file := func(kind, name string, data []byte) claimdesk.DocumentFile {
		return claimdesk.DocumentFile{Kind: kind, EvidenceFile: claimdesk.EvidenceFile{Name: name, Data: data}}
	}
	in := &claimdesk.ReportInput{Report: *NewReport(1), Documents: []claimdesk.DocumentFile{file("business_registration", "사업자등록증.pdf", pdf), file("photos", "a.exe", []byte("MZ\x90\x00"))}}
	_, _, err := s.Reports.CreateReport(ctx(t), in, claimdesk.Idempotency{})
	wantFields(t, err, "documents:evidence_type")
	in.Documents[1] = file("sales_records", "매출.csv", csv)
	r, _, err := s.Reports.CreateReport(ctx(t), in, claimdesk.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := s.Review.Documents(ctx(t), r.Receipt)
	if err != nil || len(docs) != 2 || docs[0].ContentType != "application/pdf" || docs[1].ContentType != "text/csv" || docs[1].Source != "filing" || len(docs[0].SHA256) != 64 {
		t.Fatalf("documents %+v, %v", docs, err)
	}
	_, err = s.Review.ChangeStatus(ctx(t), r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: "사진도 올려 주세요", Documents: []string{"photos", "passport"}})
	wantFields(t, err, "documents:document_unknown_request")
	got, err := s.Review.ChangeStatus(ctx(t), r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: "사진도 올려 주세요", Documents: []string{"photos"}})
	if err != nil || len(got.InfoDocuments) != 1 || got.InfoDocuments[0] != "photos" {
		t.Fatalf("request %+v, %v", got, err)
	}
	if sms := messages(t, s, r.Receipt)[claimdesk.BySMS]; len(sms) != 2 || !strings.Contains(sms[1].Body, "보내 주실 자료: 사진") {
		t.Fatalf("request text %v: want the documents named", sms)
	}
	png := []byte("\x89PNG\r\n\x1a\nimage")
	merchant := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant})
	same := claimdesk.ReportInput{Report: *got}
	same.Report.Phone = "01023456789" // the same number as typed without dashes: stored normalised
	answered, err := s.Review.Answer(merchant, r.Receipt, claimdesk.MerchantAnswer{Report: same, Documents: []claimdesk.DocumentFile{file("photos", "../../안내문.png", png)}})
	if err != nil {
		t.Fatal(err)
	}
	if answered.Phone != "010-2345-6789" {
		t.Fatalf("phone after the answer %q, want it normalised", answered.Phone)
	}
	docs, _ = s.Review.Documents(ctx(t), r.Receipt)
	if len(docs) != 3 || docs[2].Source != "answer" || strings.ContainsAny(docs[2].Name, "/\\") || !strings.HasSuffix(docs[2].Name, "안내문.png") {
		t.Fatalf("after the answer: %+v", docs)
	}
	d, data, err := s.Review.DocumentFile(ctx(t), r.Receipt, docs[2].ID)
	if err != nil || string(data) != string(png) || d.ContentType != "image/png" {
		t.Fatalf("document file %+v %q %v", d, data, err)
	}
	_, _, err = s.Review.DocumentFile(merchant, r.Receipt, docs[2].ID)
	wantCode(t, err, claimdesk.EFORBIDDEN)
	other := mustCreate(t, s, NewReport(2), claimdesk.Idempotency{})
	_, _, err = s.Review.DocumentFile(ctx(t), other.Receipt, docs[2].ID)
	wantCode(t, err, claimdesk.ENOTFOUND)
}

// A message to many writes one message per report of the filter and channel, in one batch
// whose progress follows the deliveries; without a channel it is refused and writes nothing.
func testMessageToMany(t *testing.T, s Store) {
	for i := range 5 {
		mustCreate(t, s, DistinctReport(i), claimdesk.Idempotency{})
	}
	kt := mustCreate(t, s, ktReport(9, "2018-11-25"), claimdesk.Idempotency{})
	filter := claimdesk.ReportFilter{Incident: "kakao-2022-10"}
	action := claimdesk.BulkAction{Message: "11월 30일까지 매출 자료를 올려 주세요"}
	_, err := s.Review.Bulk(ctx(t), filter, action)
	wantCode(t, err, claimdesk.EUNAVAILABLE)
	s.Outbox.SetChannels(claimdesk.BySMS)
	_, err = s.Review.Bulk(ctx(t), filter, claimdesk.BulkAction{Message: "  "})
	wantFields(t, err, "message:announcement_required")
	res, err := s.Review.Bulk(ctx(t), filter, action)
	if err != nil || res.Changed != 5 || res.Batch == "" {
		t.Fatalf("bulk message: %+v, %v", res, err)
	}
	if got := count(messages(t, s, kt.Receipt)); len(got) != 0 {
		t.Fatalf("a report outside the filter got %v, want nothing (filed before texts were on)", got)
	}
	p, err := s.Notices.Batch(ctx(t), res.Batch)
	if err != nil || p.Total != 5 || p.Done != 0 || p.Counts[claimdesk.BySMS][claimdesk.MessagePending] != 5 {
		t.Fatalf("progress %+v, %v", p, err)
	}
	claimed, err := s.Outbox.Claim(ctx(t), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range claimed {
		if m.Event == claimdesk.EventAnnouncement {
			if !strings.Contains(m.Body, action.Message) || !strings.Contains(m.Body, "/reports/") {
				t.Fatalf("announcement %q", m.Body)
			}
			if err := s.Outbox.Record(ctx(t), m, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if p, _ = s.Notices.Batch(ctx(t), res.Batch); p.Done != 5 || p.Counts[claimdesk.BySMS][claimdesk.MessageSent] != 5 {
		t.Fatalf("progress after delivery %+v", p)
	}
	_, err = s.Notices.Batch(ctx(t), "b_nosuch")
	wantCode(t, err, claimdesk.ENOTFOUND)
}

// An unanswered offer's merchant is reminded once, two days before the window to contest it
// closes; one who answered is not.
func testOfferReminder(t *testing.T, s Store) {
	p := landlinePolicy(t, s, "landline-remind", true)
	s.Outbox.SetChannels(claimdesk.BySMS)
	var rs []*claimdesk.Report
	for i := range 3 {
		rs = append(rs, mustCreate(t, s, ktReport(i, "2018-11-25"), claimdesk.Idempotency{}))
	}
	run := adoptAndRelease(t, s, p)
	merchant := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant})
	bank := claimdesk.BankAccount{Bank: "신한은행", Number: "110-123-456789", Holder: "박서준"}
	if _, err := s.Payouts.RespondToOffer(merchant, rs[0].Receipt, claimdesk.OfferResponse{Accepted: true, Bank: bank}, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Outbox.Remind(ctx(t), 48*time.Hour); err != nil || n != 0 {
		t.Fatalf("reminders a week before the end: %d, %v", n, err)
	}
	s.SetNow(run.ReleasedAt.Add(6 * 24 * time.Hour))
	if n, err := s.Outbox.Remind(ctx(t), 48*time.Hour); err != nil || n != 2 {
		t.Fatalf("reminders a day before the end: %d, %v; want the two unanswered", n, err)
	}
	if n, err := s.Outbox.Remind(ctx(t), 48*time.Hour); err != nil || n != 0 {
		t.Fatalf("reminders again: %d, %v; want none (each once)", n, err)
	}
	until := claimdesk.DateOf(run.ReleasedAt.Add(7 * 24 * time.Hour)).String()
	sms := messages(t, s, rs[1].Receipt)[claimdesk.BySMS]
	if last := sms[len(sms)-1]; last.Event != claimdesk.EventOfferReminder || !strings.Contains(last.Body, until) || !strings.Contains(last.Body, "100,000원") {
		t.Fatalf("reminder %+v: want the amount and the last day %s", last, until)
	}
	for _, m := range messages(t, s, rs[0].Receipt)[claimdesk.BySMS] {
		if m.Event == claimdesk.EventOfferReminder {
			t.Fatal("a merchant who accepted was reminded")
		}
	}
	s.SetNow(run.ReleasedAt.Add(8 * 24 * time.Hour))
	if n, _ := s.Outbox.Remind(ctx(t), 48*time.Hour); n != 0 {
		t.Fatalf("reminders after the window: %d", n)
	}
}

// landlinePolicy stores a flat policy of 100,000원 for KT 2018's landline, with seven days to
// contest, offered at once when rapid (else once the report is accepted).
func landlinePolicy(t *testing.T, s Store, id string, rapid bool) *claimdesk.Policy {
	t.Helper()
	p, err := claimdesk.ParsePolicy([]byte(`{"id": "` + id + `", "name": {"ko": "유선전화", "en": "Landline"},
		"kind": "flat", "eligibility": {"incidents": ["kt-2018-11"], "services": ["landline"]},
		"flat": {"amount": 100000}, "rapid_offer": ` + strconv.FormatBool(rapid) + `, "appeal_days": 7}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Policies.AddPolicy(ctx(t), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// adoptAndRelease adopts p for KT 2018 and releases the run, by two administrators.
func adoptAndRelease(t *testing.T, s Store, p *claimdesk.Policy) *claimdesk.PayoutRun {
	t.Helper()
	run, err := s.Payouts.AdoptPolicy(admin(t, 1), "kt-2018-11", p)
	if err != nil {
		t.Fatal(err)
	}
	if run, err = s.Payouts.ReleaseRun(admin(t, 2), run.ID, nil); err != nil {
		t.Fatal(err)
	}
	return run
}

// Under a run that offers after review, a report accepted after the release tells its merchant
// the offer (the amount and the last day to contest), not the decision alone; one accepted
// before the release heard of the offer at the release.
func testOfferOnAcceptance(t *testing.T, s Store) {
	p := landlinePolicy(t, s, "landline-review", false)
	s.Outbox.SetChannels(claimdesk.BySMS)
	early := mustCreate(t, s, ktReport(1, "2018-11-25"), claimdesk.Idempotency{})
	late := mustCreate(t, s, ktReport(2, "2018-11-25"), claimdesk.Idempotency{})
	for _, st := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
		if _, err := s.Review.ChangeStatus(ctx(t), early.Receipt, claimdesk.StatusChange{To: st}); err != nil {
			t.Fatal(err)
		}
	}
	adoptAndRelease(t, s, p)
	last := func(r *claimdesk.Report) *claimdesk.Notification {
		sms := messages(t, s, r.Receipt)[claimdesk.BySMS]
		return sms[len(sms)-1]
	}
	if m := last(early); m.Event != claimdesk.EventPayoutReleased || !strings.Contains(m.Body, "100,000원") {
		t.Fatalf("the report accepted before the release: last text %+v, want the offer", m)
	}
	if m := last(late); m.Event != claimdesk.EventReportCreated {
		t.Fatalf("a report not yet accepted was told %+v", m)
	}
	for _, st := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
		if _, err := s.Review.ChangeStatus(ctx(t), late.Receipt, claimdesk.StatusChange{To: st}); err != nil {
			t.Fatal(err)
		}
	}
	if m := last(late); m.Event != claimdesk.EventPayoutReleased || !strings.Contains(m.Body, "100,000원") {
		t.Fatalf("accepted after the release: last text %+v, want the offer", m)
	}
}
