package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// ktRun adopts and releases a run of the KT tier policy with the first tier at first, by two
// people, and returns it.
func ktRun(t *testing.T, s Store, first int64) *claimdesk.PayoutRun {
	t.Helper()
	return adoptAndRelease(t, s, ktPolicy(t, s, first))
}

// ktPolicy stores a version of the KT tier policy with the first tier (one day) at first.
func ktPolicy(t *testing.T, s Store, first int64) *claimdesk.Policy {
	t.Helper()
	ps, err := claimdesk.BuiltinPolicies()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ps, func(p *claimdesk.Policy) bool { return p.ID == "kt-2018-tiers" })
	kt := *ps[i]
	kt.Tiers = slices.Clone(kt.Tiers)
	kt.Tiers[0].Amount = first
	p, err := claimdesk.ParsePolicy(kt.Document())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Policies.AddPolicy(ctx(t), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// accepted files KT reports with the damage ends given and accepts them in review.
func accepted(t *testing.T, s Store, ends ...string) []*claimdesk.Report {
	t.Helper()
	var out []*claimdesk.Report
	for i, end := range ends {
		r := mustCreate(t, s, ktReport(100+i, end), claimdesk.Idempotency{})
		setStatus(t, s, r.Receipt, claimdesk.StatusInReview, claimdesk.StatusAccepted)
		out = append(out, r)
	}
	return out
}

func setStatus(t *testing.T, s Store, receipt string, to ...claimdesk.Status) {
	t.Helper()
	for _, st := range to {
		if _, err := s.Review.ChangeStatus(ctx(t), receipt, claimdesk.StatusChange{To: st, Reason: "재검토"}); err != nil {
			t.Fatalf("%s to %s: %v", receipt, st, err)
		}
	}
}

var kbBank = claimdesk.BankAccount{Bank: "국민은행", Number: "123456-01-234567", Holder: "김민지"}

func accept(t *testing.T, s Store, receipt string) *claimdesk.Offer {
	t.Helper()
	o, err := s.Payouts.RespondToOffer(t.Context(), receipt, claimdesk.OfferResponse{Accepted: true, Bank: kbBank}, nil)
	if err != nil {
		t.Fatalf("accept %s: %v", receipt, err)
	}
	return o
}

func figures(t *testing.T, s Store, run int64) *claimdesk.RunFigures {
	t.Helper()
	f, err := s.Payouts.RunFigures(ctx(t), run)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// testLedger follows money across runs: an accepted offer is carried forward, a later run that
// gives more adds a top-up, one that gives less is listed and changes nothing paid, and the
// database refuses a payment that does not match what was accepted.
func testLedger(t *testing.T, s Store) {
	rs := accepted(t, s, "2018-11-25", "2018-11-26") // one day (tier 1), two days (tier 2)
	p1 := ktPolicy(t, s, 400_000)
	run1, err := s.Payouts.AdoptPolicy(admin(t, 1), "kt-2018-11", p1)
	if err != nil {
		t.Fatal(err)
	}
	// Release checks what its approver saw.
	f := figures(t, s, run1.ID)
	if f.Payable != (claimdesk.Figure{Count: 2, Sum: 1_200_000}) || f.Offers != f.Payable || f.Reports != 2 {
		t.Fatalf("pending figures %+v", f)
	}
	_, err = s.Payouts.ReleaseRun(admin(t, 2), run1.ID, &claimdesk.Figure{Count: 2, Sum: 1_100_000})
	wantCode(t, err, claimdesk.ECONFLICT)
	if run1, err = s.Payouts.ReleaseRun(admin(t, 2), run1.ID, &f.Payable); err != nil {
		t.Fatal(err)
	}

	o := accept(t, s, rs[0].Receipt)
	if len(o.Payments) != 1 || o.Payments[0].Amount != 400_000 || o.Payments[0].Kind != claimdesk.PaymentOffer {
		t.Fatalf("payments after acceptance %+v", o.Payments)
	}
	_, err = s.Payouts.RespondToOffer(t.Context(), rs[0].Receipt, claimdesk.OfferResponse{Accepted: true, Bank: kbBank}, nil)
	wantCode(t, err, claimdesk.ECONFLICT)
	if f := figures(t, s, run1.ID); f.Accepted != (claimdesk.Figure{Count: 1, Sum: 400_000}) || f.Waiting != f.Accepted {
		t.Errorf("figures after acceptance %+v", f)
	}

	// The database itself refuses a second payment of an offer and a top-up that does not
	// bring the report to a released run's amount.
	if err := s.Exec(ctx(t), `INSERT INTO payments (report_id, response_id, run_id, kind, amount, created_at)
		SELECT report_id, response_id, run_id, 'offer', amount, created_at FROM payments WHERE kind = 'offer'`); err == nil {
		t.Error("a second payment of an accepted offer was stored")
	}
	if err := s.Exec(ctx(t), `INSERT INTO payments (report_id, response_id, run_id, kind, amount, created_at)
		SELECT report_id, response_id, run_id, 'top_up', 1, created_at FROM payments WHERE kind = 'offer'`); err == nil {
		t.Error("a top-up of 1 won was stored")
	}
	if err := s.Exec(ctx(t), `UPDATE payments SET amount = amount + 1`); err == nil {
		t.Error("a payment's amount changed")
	}

	// A run that gives more: the accepted report is carried forward with a top-up; its
	// acceptance stands and the merchant is not asked again.
	p2 := ktPolicy(t, s, 500_000)
	run2, err := s.Payouts.AdoptPolicy(admin(t, 1), "kt-2018-11", p2)
	if err != nil {
		t.Fatal(err)
	}
	f = figures(t, s, run2.ID)
	if f.CarriedForward != (claimdesk.Figure{Count: 1, Sum: 400_000}) || f.TopUps != (claimdesk.Figure{Count: 1, Sum: 100_000}) ||
		f.Offers != (claimdesk.Figure{Count: 1, Sum: 800_000}) || f.Payable.Sum != 900_000 {
		t.Fatalf("figures of a run that gives more %+v", f)
	}
	if run2, err = s.Payouts.ReleaseRun(admin(t, 3), run2.ID, &f.Payable); err != nil {
		t.Fatal(err)
	}
	o, err = s.Payouts.Offer(ctx(t), rs[0].Receipt)
	if err != nil || o.Run.ID != run1.ID || len(o.Payments) != 2 || o.Payments[1].Kind != claimdesk.PaymentTopUp ||
		o.Payments[1].Amount != 100_000 || o.Payments[1].Run != run2.ID || ledgerTotal(o) != 500_000 {
		t.Fatalf("offer after a top-up %+v %v", o, err)
	}
	if o.CanAccept() {
		t.Error("an accepted offer can be accepted again")
	}
	// The other report sees the new run's amount.
	if o, err = s.Payouts.Offer(ctx(t), rs[1].Receipt); err != nil || o.Run.ID != run2.ID || o.Payout.Amount != 800_000 {
		t.Fatalf("offer of the new run %+v %v", o, err)
	}

	// A run that gives less is listed; nothing paid is taken back, no top-up made.
	p3 := ktPolicy(t, s, 300_000)
	run3, err := s.Payouts.AdoptPolicy(admin(t, 1), "kt-2018-11", p3)
	if err != nil {
		t.Fatal(err)
	}
	f = figures(t, s, run3.ID)
	if len(f.Lower) != 1 || f.Lower[0].Receipt != rs[0].Receipt || f.Lower[0].Accepted != 500_000 || f.Lower[0].Now != 300_000 ||
		f.TopUps.Count != 0 || f.CarriedForward.Sum != 500_000 {
		t.Fatalf("figures of a run that gives less %+v", f)
	}
	if _, err = s.Payouts.ReleaseRun(admin(t, 2), run3.ID, &f.Payable); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Payouts.Offer(ctx(t), rs[0].Receipt); ledgerTotal(o) != 500_000 || len(o.Payments) != 2 {
		t.Errorf("a lower run changed what was accepted: %+v", o.Payments)
	}

	// Each run's payment file holds its own payments: the offer in run 1's, the top-up in
	// run 2's.
	file1, err := s.Payouts.ExportPayments(admin(t, 2), run1.ID)
	if err != nil || file1.Rows != 1 || file1.Total != 400_000 {
		t.Fatalf("run 1 file %+v %v", file1, err)
	}
	file2, err := s.Payouts.ExportPayments(admin(t, 2), run2.ID)
	if err != nil || file2.Rows != 1 || file2.Total != 100_000 {
		t.Fatalf("run 2 file %+v %v", file2, err)
	}
	if rows := paymentRows(t, s, file2.ID); len(rows) != 1 || rows[0].Kind != claimdesk.PaymentTopUp || rows[0].Bank != kbBank {
		t.Errorf("top-up rows %+v", rows)
	}
	if _, err := s.Payouts.MarkFilePaid(admin(t, 3), file1.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Payouts.MarkFilePaid(admin(t, 3), file1.ID)
	wantCode(t, err, claimdesk.ECONFLICT)
	if err := s.Exec(ctx(t), `UPDATE payment_files SET total = total + 1`); err == nil {
		t.Error("a payment file's total changed")
	}
	if files, err := s.Payouts.PaymentFiles(ctx(t), run1.ID); err != nil || len(files) != 1 || files[0].PaidAt.IsZero() {
		t.Errorf("run 1 files %+v %v", files, err)
	}
}

// testPaymentHeld checks that a payment whose report leaves the accepted status — reopened,
// then rejected — is held out of payment files, and exported once accepted again.
func testPaymentHeld(t *testing.T, s Store) {
	rs := accepted(t, s, "2018-11-25", "2018-11-25")
	run := ktRun(t, s, 400_000)
	accept(t, s, rs[0].Receipt)
	accept(t, s, rs[1].Receipt)
	setStatus(t, s, rs[1].Receipt, claimdesk.StatusInReview, claimdesk.StatusRejected)
	f := figures(t, s, run.ID)
	if f.Held != (claimdesk.Figure{Count: 1, Sum: 400_000}) || !slices.Equal(f.HeldReceipts, []string{rs[1].Receipt}) || f.Waiting.Count != 1 {
		t.Fatalf("figures with a rejected report %+v", f)
	}
	file, err := s.Payouts.ExportPayments(admin(t, 2), run.ID)
	if err != nil || file.Rows != 1 {
		t.Fatalf("file %+v %v", file, err)
	}
	if rows := paymentRows(t, s, file.ID); rows[0].Receipt != rs[0].Receipt {
		t.Errorf("the held report was exported: %+v", rows)
	}
	_, err = s.Payouts.ExportPayments(admin(t, 2), run.ID)
	wantCode(t, err, claimdesk.ECONFLICT)
	setStatus(t, s, rs[1].Receipt, claimdesk.StatusInReview, claimdesk.StatusAccepted)
	file, err = s.Payouts.ExportPayments(admin(t, 2), run.ID)
	if err != nil || file.Rows != 1 || paymentRows(t, s, file.ID)[0].Receipt != rs[1].Receipt {
		t.Fatalf("after acceptance again %+v %v", file, err)
	}
}

// testRapidOffer checks a rapid offer: shown before review, refused to a report rejected or
// merged, and its payment waits until review accepts the report.
func testRapidOffer(t *testing.T, s Store) {
	p, err := claimdesk.ParsePolicy([]byte(`{"id": "rapid", "name": {"ko": "신속 보상", "en": "Rapid"},
		"kind": "flat", "eligibility": {"incidents": ["kt-2018-11"]}, "flat": {"amount": 100000}, "rapid_offer": true}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Policies.AddPolicy(ctx(t), p); err != nil {
		t.Fatal(err)
	}
	var rs []*claimdesk.Report
	for i := range 3 {
		rs = append(rs, mustCreate(t, s, ktReport(200+i, "2018-11-25"), claimdesk.Idempotency{}))
	}
	run, err := s.Payouts.AdoptPolicy(admin(t, 1), "kt-2018-11", p)
	if err != nil {
		t.Fatal(err)
	}
	if run, err = s.Payouts.ReleaseRun(admin(t, 2), run.ID, nil); err != nil {
		t.Fatal(err)
	}
	setStatus(t, s, rs[1].Receipt, claimdesk.StatusRejected)
	if err := s.Review.Merge(ctx(t), rs[2].Receipt, rs[0].Receipt, "같은 가게"); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs[1:] {
		_, err := s.Payouts.RespondToOffer(t.Context(), r.Receipt, claimdesk.OfferResponse{Accepted: true, Bank: kbBank}, nil)
		wantCode(t, err, claimdesk.ECONFLICT)
	}
	o := accept(t, s, rs[0].Receipt)
	if ledgerTotal(o) != 100_000 {
		t.Fatalf("rapid acceptance %+v", o)
	}
	f := figures(t, s, run.ID)
	if f.Held.Count != 1 || f.Waiting.Count != 0 || f.Offers.Count != 0 {
		t.Errorf("a payment before review %+v", f)
	}
	_, err = s.Payouts.ExportPayments(admin(t, 2), run.ID)
	wantCode(t, err, claimdesk.ECONFLICT)
	setStatus(t, s, rs[0].Receipt, claimdesk.StatusInReview, claimdesk.StatusAccepted)
	if file, err := s.Payouts.ExportPayments(admin(t, 2), run.ID); err != nil || file.Total != 100_000 {
		t.Fatalf("after review %+v %v", file, err)
	}
}

// testPersonActs checks that money moves by named people: not by the anonymous command line
// or a service token, with a person token counting as its person for the four-eyes rule.
func testPersonActs(t *testing.T, s Store) {
	mustCreate(t, s, ktReport(1, "2018-11-25"), claimdesk.Idempotency{})
	p := ktPolicy(t, s, 400_000)
	alice, au := staff(t, s, "alice@example.org", claimdesk.RoleAdmin)
	bob, _ := staff(t, s, "bob@example.org", claimdesk.RoleAdmin)

	_, err := s.Payouts.AdoptPolicy(ctx(t), "kt-2018-11", p) // the anonymous command line
	wantCode(t, err, claimdesk.EFORBIDDEN)
	_, svc, err := s.Tokens.CreateToken(alice, "finance-system", claimdesk.RoleAdmin, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Payouts.AdoptPolicy(claimdesk.WithActor(t.Context(), svc.Actor()), "kt-2018-11", p)
	wantCode(t, err, claimdesk.EFORBIDDEN)

	// A person token: made for oneself, never for another.
	_, _, err = s.Tokens.CreateToken(alice, "bob's", "", "bob@example.org")
	wantCode(t, err, claimdesk.EFORBIDDEN)
	secret, tok, err := s.Tokens.CreateToken(alice, "alice-laptop", "", "alice@example.org")
	if err != nil || tok.User != au.ID || tok.Role != claimdesk.RoleAdmin {
		t.Fatalf("person token %+v %v", tok, err)
	}
	viaToken := claimdesk.WithActor(t.Context(), tok.Actor())
	run, err := s.Payouts.AdoptPolicy(viaToken, "kt-2018-11", p)
	if err != nil {
		t.Fatal(err)
	}
	if run.CreatedBy == "" || !containsAll(run.CreatedBy, "alice@example.org", "alice-laptop") {
		t.Errorf("adopted by %q", run.CreatedBy)
	}
	// Alice in the console is the same person as Alice's token.
	_, err = s.Payouts.ReleaseRun(alice, run.ID, nil)
	wantCode(t, err, claimdesk.EFORBIDDEN)
	if _, err := s.Payouts.ReleaseRun(bob, run.ID, nil); err != nil {
		t.Fatal(err)
	}
	// A disabled person's tokens stop working.
	if err := s.Users.DisableUser(ctx(t), "alice@example.org"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Tokens.FindTokenBySecret(ctx(t), secret)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
}

// testAwards walks an individual award: proposed by a reviewer for a report the policy referred
// to review, approved by another person, offered to and accepted by the merchant.
func testAwards(t *testing.T, s Store) {
	if err := s.Policies.AddPolicy(ctx(t), mustBuiltin(t, "kakao-2022-brackets")); err != nil {
		t.Fatal(err)
	}
	big := mustCreate(t, s, DistinctReport(1), claimdesk.Idempotency{}) // claims 900,001: referred
	other := mustCreate(t, s, DistinctReport(2), claimdesk.Idempotency{})
	small := DistinctReport(3)
	small.ClaimedLoss = 200_000
	small = mustCreate(t, s, small, claimdesk.Idempotency{})
	p, _ := s.Policies.FindPolicy(ctx(t), "kakao-2022-brackets", 0)
	run, err := s.Payouts.AdoptPolicy(admin(t, 1), "kakao-2022-10", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Payouts.ReleaseRun(admin(t, 2), run.ID, nil); err != nil {
		t.Fatal(err)
	}
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	fin, _ := staff(t, s, "fin@example.org", claimdesk.RoleAdmin)

	_, err = s.Payouts.ProposeAward(rev, big.Receipt, 700_000, "매출 장부 확인")
	wantCode(t, err, claimdesk.ECONFLICT) // not accepted in review yet
	for _, r := range []*claimdesk.Report{big, other, small} {
		setStatus(t, s, r.Receipt, claimdesk.StatusInReview, claimdesk.StatusAccepted)
	}
	if _, err := s.Payouts.Offer(ctx(t), big.Receipt); claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
		// A referred report has no amount to accept until an award is approved.
		if o, _ := s.Payouts.Offer(ctx(t), big.Receipt); o.CanAccept() {
			t.Fatalf("a referred report can accept %+v", o)
		}
	}
	_, err = s.Payouts.ProposeAward(rev, small.Receipt, 100_000, "장부")
	wantCode(t, err, claimdesk.ECONFLICT) // the policy computed its amount
	_, err = s.Payouts.ProposeAward(rev, big.Receipt, 1_000_000, "장부")
	wantCode(t, err, claimdesk.EINVALID) // above the claimed loss
	_, err = s.Payouts.ProposeAward(rev, big.Receipt, 700_000, "  ")
	wantCode(t, err, claimdesk.EINVALID)
	_, err = s.Payouts.ProposeAward(ctx(t), big.Receipt, 700_000, "장부")
	wantCode(t, err, claimdesk.EFORBIDDEN) // a person proposes

	a, err := s.Payouts.ProposeAward(rev, big.Receipt, 700_000, "매출 장부와 카드 매출 내역 확인")
	if err != nil || a.State != claimdesk.AwardProposed || a.Amount != 700_000 {
		t.Fatalf("proposal %+v %v", a, err)
	}
	_, err = s.Payouts.ProposeAward(rev, big.Receipt, 600_000, "다시")
	wantCode(t, err, claimdesk.ECONFLICT) // one waits already
	_, err = s.Payouts.ApproveAward(rev, big.Receipt)
	wantCode(t, err, claimdesk.EFORBIDDEN) // a reviewer has no payouts right, and proposed it
	if err := s.Exec(ctx(t), `UPDATE awards SET state = 'approved', decided_by = proposed_by, decided_name = 'x', decided_at = proposed_at`); err == nil {
		t.Error("the database let the proposer approve their award")
	}
	if a, err = s.Payouts.ApproveAward(fin, big.Receipt); err != nil || a.State != claimdesk.AwardApproved || a.DecidedBy == "" {
		t.Fatalf("approval %+v %v", a, err)
	}
	o, err := s.Payouts.Offer(ctx(t), big.Receipt)
	if err != nil || o.Award == nil || o.Payout.Amount != 700_000 || !o.CanAccept() || o.Payout.Explanation.Ko == "" {
		t.Fatalf("award offer %+v %v", o, err)
	}
	if o = accept(t, s, big.Receipt); ledgerTotal(o) != 700_000 || o.Response.Amount != 700_000 {
		t.Fatalf("accepted award %+v", o)
	}
	_, err = s.Payouts.ProposeAward(rev, big.Receipt, 800_000, "추가")
	wantCode(t, err, claimdesk.ECONFLICT) // accepted already

	// A declined proposal needs a note, and leaves the report open to a new one.
	if _, err := s.Payouts.ProposeAward(rev, other.Receipt, 900_000, "전액"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Payouts.DeclineAward(fin, other.Receipt, "")
	wantCode(t, err, claimdesk.EINVALID)
	if a, err = s.Payouts.DeclineAward(fin, other.Receipt, "증빙이 부족합니다"); err != nil || a.State != claimdesk.AwardDeclined {
		t.Fatalf("decline %+v %v", a, err)
	}
	if _, err := s.Payouts.ProposeAward(rev, other.Receipt, 600_000, "장부 일부 확인"); err != nil {
		t.Fatal(err)
	}
	if as, err := s.Payouts.Awards(ctx(t), other.Receipt); err != nil || len(as) != 2 || as[0].State != claimdesk.AwardProposed || as[1].Note != "증빙이 부족합니다" {
		t.Errorf("awards %+v %v", as, err)
	}
	if f := figures(t, s, run.ID); f.Awards != (claimdesk.Figure{Count: 1, Sum: 700_000}) || f.Accepted.Sum != 700_000 {
		t.Errorf("figures with awards %+v", f)
	}
}

// testAuditCoversMoney checks that the audit trail vouches for every row that decides money:
// each row changed or added behind the service's back is named with its table, and a trail
// emptied fails against the head recorded before.
func testAuditCoversMoney(t *testing.T, s Store) {
	rs := accepted(t, s, "2018-11-25", "2018-11-26", "2018-11-27")
	staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	run := ktRun(t, s, 400_000)
	accept(t, s, rs[0].Receipt)
	accept(t, s, rs[2].Receipt)
	pdf := []byte("%PDF-1.4\n매출 장부\n%%EOF\n")
	if _, err := s.Payouts.RespondToOffer(t.Context(), rs[1].Receipt, claimdesk.OfferResponse{Message: "더 길게 닫았습니다"},
		[]claimdesk.EvidenceFile{{Name: "장부.pdf", Data: pdf}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Payouts.ExportPayments(admin(t, 2), run.ID); err != nil {
		t.Fatal(err)
	}
	v, err := s.Audit.VerifyAudit(ctx(t), nil)
	if err != nil || !v.OK() || v.Checked["payments"] != 2 || v.Checked["offer_responses"] != 3 || v.Checked["payout_runs"] != 1 ||
		v.Checked["evidence"] != 1 || v.Checked["reports"] != 3 || v.Checked["users"] != 1 {
		t.Fatalf("an honest trail: %+v %v", v, err)
	}
	head := claimdesk.AuditPoint{Entry: int64(v.Entries), Hash: v.Head, From: "the head recorded"}

	// Each of these is what an insider with the database could do to divert or fake money.
	for _, tamper := range []struct {
		q    string
		args []any
	}{
		{`UPDATE offer_responses SET account_number = '999-999-999999' WHERE accepted AND report_id = (SELECT id FROM reports WHERE receipt = ?)`, []any{rs[0].Receipt}},
		{`UPDATE offer_responses SET account_holder = '박해커' WHERE accepted AND report_id = (SELECT id FROM reports WHERE receipt = ?)`, []any{rs[2].Receipt}},
		{`UPDATE evidence SET data = ? WHERE size > 0`, []any{[]byte("%PDF-1.4\n위조\n%%EOF\n")}},
		{`UPDATE reports SET status = 'accepted' WHERE receipt = ?`, []any{rs[1].Receipt}},
		{`UPDATE reports SET claimed_loss = claimed_loss * 10 WHERE receipt = ?`, []any{rs[0].Receipt}},
		{`UPDATE users SET role = 'admin' WHERE email = ?`, []any{"rev@example.org"}},
		{`INSERT INTO api_tokens (name, role, token_hash, created_at, created_by) VALUES ('backdoor', 'admin', ?, '2026-01-01T00:00:00Z', 'x')`,
			[]any{"0000000000000000000000000000000000000000000000000000000000000000"}},
		{`UPDATE payment_files SET paid_at = '2026-01-01T00:00:00Z', paid_by = 'x' WHERE ? = 1`, []any{1}},
	} {
		if err := s.Exec(ctx(t), tamper.q, tamper.args...); err != nil {
			t.Fatalf("%s: %v", tamper.q, err)
		}
	}
	v, err = s.Audit.VerifyAudit(ctx(t), nil)
	if err != nil || v.OK() {
		t.Fatalf("a tampered database verifies: %+v %v", v, err)
	}
	named := map[string]int{}
	for _, p := range v.Rows {
		named[p.Table]++
	}
	want := map[string]int{"offer_responses": 2, "evidence": 2, // its bytes and its recorded state
		"reports": 2, "users": 1, "api_tokens": 1, "payment_files": 1}
	for table, n := range want {
		if named[table] != n {
			t.Errorf("%s: %d rows named, want %d (%v)", table, named[table], n, v.Rows)
		}
	}
	if v.RowProblems != 9 {
		t.Errorf("%d row problems, want 9: %v", v.RowProblems, v.Rows)
	}

	// The trail emptied: against the head recorded before, it is cut short; and it vouches
	// for no row.
	if err := s.Exec(ctx(t), `DELETE FROM audit_log WHERE ? = 1`, 1); err != nil {
		t.Fatal(err)
	}
	v, err = s.Audit.VerifyAudit(ctx(t), []claimdesk.AuditPoint{head})
	if err != nil || v.OK() || v.BrokenAt != 1 || !strings.Contains(v.Problem, "the head recorded") {
		t.Fatalf("an emptied trail against its recorded head: %+v %v", v, err)
	}
	if v, _ = s.Audit.VerifyAudit(ctx(t), nil); v.OK() || v.RowProblems == 0 {
		t.Errorf("an emptied trail vouches for the rows: %+v", v)
	}
}

func mustBuiltin(t *testing.T, id string) *claimdesk.Policy {
	t.Helper()
	ps, err := claimdesk.BuiltinPolicies()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no built-in policy %s", id)
	return nil
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// ledgerTotal is what the ledger owes or has paid the offer's report.
func ledgerTotal(o *claimdesk.Offer) int64 {
	paid, owed := o.Paid()
	return paid + owed
}
