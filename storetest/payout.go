package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

func admin(t *testing.T, id int64) context.Context {
	return claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorUser, ID: id, Name: "admin@example.org", Role: claimdesk.RoleAdmin})
}

// addBuiltins stores the built-in policies and returns them by ID.
func addBuiltins(t *testing.T, s Store) map[string]*claimdesk.Policy {
	t.Helper()
	ps, err := claimdesk.BuiltinPolicies()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*claimdesk.Policy{}
	for _, p := range ps {
		if err := s.Policies.AddPolicy(ctx(t), p); err != nil {
			t.Fatal(err)
		}
		out[p.ID] = p
	}
	return out
}

func testPolicies(t *testing.T, s Store) {
	ps := addBuiltins(t, s)
	kt := ps["kt-2018-tiers"]
	if kt.Version != 1 {
		t.Fatalf("first version %d", kt.Version)
	}
	// The same document again is the same version; a changed one the next.
	same, _ := claimdesk.ParsePolicy(kt.Document())
	if err := s.Policies.AddPolicy(ctx(t), same); err != nil || same.Version != 1 {
		t.Fatalf("the same document: version %d, %v", same.Version, err)
	}
	changed := *kt
	changed.Tiers = slices.Clone(kt.Tiers)
	changed.Tiers[0].Amount = 500_000
	p2, _ := claimdesk.ParsePolicy(changed.Document())
	if err := s.Policies.AddPolicy(ctx(t), p2); err != nil || p2.Version != 2 || p2.Hash == kt.Hash {
		t.Fatalf("a changed document: version %d, %v", p2.Version, err)
	}
	latest, err := s.Policies.FindPolicy(ctx(t), "kt-2018-tiers", 0)
	if err != nil || latest.Version != 2 || latest.Tiers[0].Amount != 500_000 {
		t.Fatalf("latest %+v %v", latest, err)
	}
	first, err := s.Policies.FindPolicy(ctx(t), "kt-2018-tiers", 1)
	if err != nil || first.Hash != kt.Hash || first.Tiers[0].Amount != 400_000 {
		t.Fatalf("version 1 %+v %v", first, err)
	}
	all, err := s.Policies.Policies(ctx(t))
	if err != nil || len(all) != 2 || all[0].ID != "kakao-2022-brackets" || all[1].Version != 2 {
		t.Fatalf("policies %v", err)
	}
	_, err = s.Policies.FindPolicy(ctx(t), "nope", 0)
	wantCode(t, err, claimdesk.ENOTFOUND)
	analyst := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorUser, ID: 9, Role: claimdesk.RoleAnalyst})
	wantCode(t, s.Policies.AddPolicy(analyst, p2), claimdesk.EFORBIDDEN)
}

// ktReport is a KT 2018 report of a landline outage in Mapo from 11-24 to end.
func ktReport(n int, end string) *claimdesk.Report {
	r := DistinctReport(n)
	r.Incident, r.Services, r.DamageTypes = "kt-2018-11", []string{"landline"}, []string{"orders_lost"}
	r.Region, r.District = "11", "마포구"
	r.DamageStart = claimdesk.Date{Year: 2018, Month: 11, Day: 24}
	r.DamageEnd, _ = claimdesk.ParseDate(end)
	return r
}

func testPayoutRun(t *testing.T, s Store) {
	ps := addBuiltins(t, s)
	var reports []*claimdesk.Report
	for i, end := range []string{"2018-11-25", "2018-11-26", "2018-11-28", "2018-11-30"} {
		reports = append(reports, mustCreate(t, s, ktReport(i, end), claimdesk.Idempotency{}))
	}
	// The simulation and the run agree.
	sim, err := s.Payouts.SimulatePayouts(ctx(t), "kt-2018-11", []*claimdesk.Policy{ps["kt-2018-tiers"]}, nil)
	if err != nil || sim.Reports != 4 || sim.Policies[0].Total != 3_400_000 {
		t.Fatalf("simulation %+v %v", sim, err)
	}
	_, err = s.Payouts.SimulatePayouts(ctx(t), "kakao-2022-10", []*claimdesk.Policy{ps["kt-2018-tiers"]}, nil)
	wantCode(t, err, claimdesk.EINVALID)
	unstored := *ps["kt-2018-tiers"]
	unstored.Version = 0
	_, err = s.Payouts.AdoptPolicy(admin(t, 1), "kt-2018-11", &unstored)
	wantCode(t, err, claimdesk.EINVALID)

	run, err := s.Payouts.AdoptPolicy(admin(t, 1), "kt-2018-11", ps["kt-2018-tiers"])
	if err != nil {
		t.Fatal(err)
	}
	if run.State != claimdesk.RunPending || run.Policy.Hash != ps["kt-2018-tiers"].Hash || run.Summary.Total != 3_400_000 || run.Summary.WithAmount != 4 {
		t.Fatalf("run %+v", run)
	}
	// The run records the version of the incident whose windows it used.
	if kt, _ := s.Incidents.FindIncidentByID(ctx(t), "kt-2018-11"); run.IncidentVersion != kt.Version || kt.Version < 1 {
		t.Errorf("run computed with incident version %d, the incident is at %d", run.IncidentVersion, kt.Version)
	}
	var amounts []int64
	for po, err := range s.Payouts.RunPayouts(ctx(t), run.ID) {
		if err != nil {
			t.Fatal(err)
		}
		if po.Explanation.Ko == "" || po.Explanation.En == "" {
			t.Errorf("payout without explanation: %+v", po)
		}
		amounts = append(amounts, po.Amount)
	}
	if !slices.Equal(amounts, []int64{400_000, 800_000, 1_000_000, 1_200_000}) {
		t.Errorf("amounts %v", amounts)
	}
	// No offers before release, no payment file, and not released by who adopted it.
	_, err = s.Payouts.Offer(ctx(t), reports[0].Receipt)
	wantCode(t, err, claimdesk.ENOTFOUND)
	_, err = s.Payouts.ExportPayments(admin(t, 2), run.ID)
	wantCode(t, err, claimdesk.ECONFLICT)
	_, err = s.Payouts.ReleaseRun(admin(t, 1), run.ID, nil)
	wantCode(t, err, claimdesk.EFORBIDDEN)
	run, err = s.Payouts.ReleaseRun(admin(t, 2), run.ID, nil)
	if err != nil || run.State != claimdesk.RunReleased || run.ReleasedAt.IsZero() {
		t.Fatalf("release %+v %v", run, err)
	}
	_, err = s.Payouts.ReleaseRun(admin(t, 3), run.ID, nil)
	wantCode(t, err, claimdesk.ECONFLICT)

	// Offers follow acceptance in review (the policy is not a rapid offer).
	_, err = s.Payouts.Offer(ctx(t), reports[0].Receipt)
	wantCode(t, err, claimdesk.ENOTFOUND)
	for _, r := range reports[:3] {
		for _, to := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
			if _, err := s.Review.ChangeStatus(ctx(t), r.Receipt, claimdesk.StatusChange{To: to}); err != nil {
				t.Fatal(err)
			}
		}
	}
	o, err := s.Payouts.Offer(ctx(t), reports[1].Receipt)
	if err != nil || o.Payout.Amount != 800_000 || o.Response != nil || o.Run.ID != run.ID || !o.AppealUntil.After(run.ReleasedAt) {
		t.Fatalf("offer %+v %v", o, err)
	}
	merchant := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant})
	// A bad bank account changes nothing.
	_, err = s.Payouts.RespondToOffer(merchant, reports[0].Receipt, claimdesk.OfferResponse{Accepted: true, Bank: claimdesk.BankAccount{Bank: "국민은행", Number: "12ab"}}, nil)
	wantCode(t, err, claimdesk.EINVALID)
	o, err = s.Payouts.RespondToOffer(merchant, reports[0].Receipt, claimdesk.OfferResponse{Accepted: true,
		Bank: claimdesk.BankAccount{Bank: "국민은행", Number: "123456-01-234567", Holder: "김민지"}}, nil)
	if err != nil || o.Response == nil || !o.Response.Accepted || o.Response.Bank.Number != "123456-01-234567" {
		t.Fatalf("accept %+v %v", o, err)
	}
	_, err = s.Payouts.RespondToOffer(merchant, reports[0].Receipt, claimdesk.OfferResponse{Message: "too late"}, nil)
	wantCode(t, err, claimdesk.ECONFLICT)
	// A contest with a file sends the report back to review; the file keeps its checksum.
	pdf := []byte("%PDF-1.4\n매출 장부\n%%EOF\n")
	_, err = s.Payouts.RespondToOffer(merchant, reports[1].Receipt, claimdesk.OfferResponse{Message: "가게 문을 닫은 날이 더 깁니다"},
		[]claimdesk.EvidenceFile{{Name: "script.exe", Data: []byte("MZ\x90\x00")}})
	wantCode(t, err, claimdesk.EINVALID)
	o, err = s.Payouts.RespondToOffer(merchant, reports[1].Receipt, claimdesk.OfferResponse{Message: "가게 문을 닫은 날이 더 깁니다"},
		[]claimdesk.EvidenceFile{{Name: "장부.pdf", Data: pdf}})
	if err != nil || o.Response.Accepted || len(o.Response.Evidence) != 1 || o.Response.Evidence[0].ContentType != "application/pdf" {
		t.Fatalf("contest %+v %v", o, err)
	}
	back, _ := s.Reports.FindReportByReceipt(ctx(t), reports[1].Receipt)
	if back.Status != claimdesk.StatusInReview {
		t.Errorf("a contested report is %s, want in_review", back.Status)
	}
	e, data, err := s.Payouts.EvidenceFile(ctx(t), reports[1].Receipt, o.Response.Evidence[0].ID)
	if err != nil || string(data) != string(pdf) || len(e.SHA256) != 64 {
		t.Fatalf("evidence %+v %v", e, err)
	}
	// The payment file: every amount accepted, with the bank details; the rest waits.
	file, err := s.Payouts.ExportPayments(admin(t, 2), run.ID)
	if err != nil || file.Rows != 1 || file.Total != 400_000 || file.Run != run.ID {
		t.Fatalf("payment file %+v %v", file, err)
	}
	rows := paymentRows(t, s, file.ID)
	if len(rows) != 1 || rows[0].Receipt != reports[0].Receipt || rows[0].Bank.Holder != "김민지" || rows[0].Amount != 400_000 ||
		rows[0].Kind != claimdesk.PaymentOffer {
		t.Errorf("payment rows %+v", rows)
	}
	_, err = s.Payouts.ExportPayments(admin(t, 2), run.ID)
	wantCode(t, err, claimdesk.ECONFLICT) // nothing new waits
	f, err := s.Payouts.Funnel(ctx(t), "kt-2018-11")
	if err != nil || f.Reports != 4 || f.Accepted != 3 || f.Offered != 3 || f.Agreed != 1 || f.Contested != 1 || f.Unanswered != 1 || f.Paid != 0 {
		t.Errorf("funnel %+v %v", f, err)
	}
	if f.NotInRun != 0 {
		t.Errorf("%d reports not in the run, want 0", f.NotInRun)
	}
	// A report filed after the run has no payout in it, and the funnel says so.
	mustCreate(t, s, ktReport(9, "2018-11-25"), claimdesk.Idempotency{})
	if f, _ := s.Payouts.Funnel(ctx(t), "kt-2018-11"); f.NotInRun != 1 || f.Reports != 5 {
		t.Errorf("after a late report: %+v", f)
	}
	if n, err := s.Payouts.MarkPaid(admin(t, 2), run.ID); err != nil || n.Files != 1 || n.Payments != 1 {
		t.Errorf("marked %+v paid: %v", n, err)
	}
	if n, _ := s.Payouts.MarkPaid(admin(t, 2), run.ID); n.Files != 0 {
		t.Errorf("marked %+v paid twice", n)
	}
	if f, _ := s.Payouts.Funnel(ctx(t), "kt-2018-11"); f.Paid != 1 {
		t.Errorf("funnel after payment %+v", f)
	}
	// A new version makes a new run; the old one stays as it was.
	changed := *ps["kt-2018-tiers"]
	changed.Tiers = slices.Clone(changed.Tiers)
	changed.Tiers[0].Amount = 450_000
	p2, _ := claimdesk.ParsePolicy(changed.Document())
	if err := s.Policies.AddPolicy(ctx(t), p2); err != nil {
		t.Fatal(err)
	}
	run2, err := s.Payouts.AdoptPolicy(admin(t, 2), "kt-2018-11", p2)
	if err != nil || run2.ID == run.ID || run2.Policy.Version != 2 || run2.Summary.Total != 3_900_000 || run2.Summary.WithAmount != 5 { // the late report is in it
		t.Fatalf("second run %+v %v", run2, err)
	}
	runs, _ := s.Payouts.Runs(ctx(t), "kt-2018-11")
	if len(runs) != 2 || runs[0].ID != run2.ID || runs[1].State != claimdesk.RunReleased || runs[1].Summary.Total != 3_400_000 {
		t.Errorf("runs %+v", runs)
	}
}

// testOfferWindows checks who may answer an offer and when: acceptance has no deadline, a
// contest must come within the appeal window, and a report the policy does not cover is told
// so and may contest it.
func testOfferWindows(t *testing.T, s Store) {
	p := landlinePolicy(t, s, "landline-only", true)
	covered := mustCreate(t, s, ktReport(1, "2018-11-25"), claimdesk.Idempotency{})
	other := ktReport(2, "2018-11-25")
	other.Services = []string{"card-terminal"}
	uncovered := mustCreate(t, s, other, claimdesk.Idempotency{})
	run := adoptAndRelease(t, s, p)
	merchant := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant})

	// A rapid offer is shown before review. The uncovered report sees why, cannot accept
	// nothing, and may contest.
	o, err := s.Payouts.Offer(ctx(t), uncovered.Receipt)
	if err != nil || o.Payout.Outcome != claimdesk.OutcomeIneligible || o.CanAccept() || !o.CanContest(o.AppealUntil.Add(-time.Minute)) {
		t.Fatalf("uncovered offer %+v %v", o, err)
	}
	if o.Payout.Explanation.Ko == "" || o.Payout.Explanation.En == "" {
		t.Errorf("no explanation for an uncovered report: %+v", o.Payout)
	}
	bank := claimdesk.BankAccount{Bank: "신한은행", Number: "110-123-456789", Holder: "박서준"}
	_, err = s.Payouts.RespondToOffer(merchant, uncovered.Receipt, claimdesk.OfferResponse{Accepted: true, Bank: bank}, nil)
	wantCode(t, err, claimdesk.ECONFLICT)
	if o, err = s.Payouts.RespondToOffer(merchant, uncovered.Receipt, claimdesk.OfferResponse{Message: "카드 단말기도 유선이었습니다"}, nil); err != nil || o.Response == nil {
		t.Fatalf("contest of an uncovered report %+v %v", o, err)
	}

	// After the window, a contest is refused and changes nothing; accepting still works.
	o, err = s.Payouts.Offer(ctx(t), covered.Receipt)
	if err != nil || o.Payout.Amount != 100_000 || !o.AppealUntil.Equal(run.ReleasedAt.Add(7*24*time.Hour)) {
		t.Fatalf("covered offer %+v %v", o, err)
	}
	s.SetNow(o.AppealUntil.Add(time.Hour))
	_, err = s.Payouts.RespondToOffer(merchant, covered.Receipt, claimdesk.OfferResponse{Message: "늦은 이의"}, nil)
	wantCode(t, err, claimdesk.ECONFLICT)
	if r, _ := s.Reports.FindReportByReceipt(ctx(t), covered.Receipt); r.Status != claimdesk.StatusReceived {
		t.Errorf("a refused contest moved the report to %s", r.Status)
	}
	if o, err = s.Payouts.RespondToOffer(merchant, covered.Receipt, claimdesk.OfferResponse{Accepted: true, Bank: bank}, nil); err != nil || !o.Response.Accepted {
		t.Fatalf("late acceptance %+v %v", o, err)
	}
}

// paymentRows reads a payment file's lines.
func paymentRows(t *testing.T, s Store, file int64) []*claimdesk.PaymentRow {
	t.Helper()
	var rows []*claimdesk.PaymentRow
	for pr, err := range s.Payouts.PaymentRows(admin(t, 2), file) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, pr)
	}
	return rows
}
