package storetest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

const password = "correct horse battery staple 9"

// staff creates an account with the role and returns a context acting as it.
func staff(t *testing.T, s Store, email string, role claimdesk.Role) (context.Context, *claimdesk.User) {
	t.Helper()
	u := &claimdesk.User{Email: email, Role: role}
	if err := s.Users.CreateUser(ctx(t), u, password); err != nil {
		t.Fatalf("CreateUser %s: %v", email, err)
	}
	actor := claimdesk.Actor{Kind: claimdesk.ActorUser, ID: u.ID, Name: u.Email, Role: u.Role}
	return claimdesk.WithActor(t.Context(), actor), u
}

// merchant is the context of a merchant holding their report's token.
func merchant(t *testing.T) context.Context { return t.Context() }

// file stores a report, after edit, and returns it.
func file(t *testing.T, s Store, c context.Context, n int, edit func(r *claimdesk.Report)) *claimdesk.Report {
	t.Helper()
	r := NewReport(n)
	if edit != nil {
		edit(r)
	}
	stored, _, err := s.Reports.CreateReport(c, &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{})
	if err != nil {
		t.Fatalf("CreateReport: %v", err)
	}
	return stored
}

func find(t *testing.T, s Store, receipt string) *claimdesk.Report {
	t.Helper()
	r, err := s.Reports.FindReportByReceipt(ctx(t), receipt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testUsers(t *testing.T, s Store) {
	u := &claimdesk.User{Email: "Rev@Example.org", Name: "김심사", Role: claimdesk.RoleReviewer}
	if err := s.Users.CreateUser(ctx(t), u, password); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Users.CreateUser(ctx(t), &claimdesk.User{Email: "rev@EXAMPLE.org", Role: claimdesk.RoleAdmin}, password), claimdesk.ECONFLICT)
	wantCode(t, s.Users.CreateUser(ctx(t), &claimdesk.User{Email: "x@example.org", Role: "root"}, password), claimdesk.EINVALID)
	wantCode(t, s.Users.CreateUser(ctx(t), &claimdesk.User{Email: "x@example.org", Role: claimdesk.RoleAdmin}, "short"), claimdesk.EINVALID)
	wantCode(t, s.Users.CreateUser(ctx(t), &claimdesk.User{Email: "not an email", Role: claimdesk.RoleAdmin}, password), claimdesk.EINVALID)

	got, err := s.Users.FindUserByEmail(ctx(t), " REV@example.org ")
	if err != nil || got.ID != u.ID || got.Role != claimdesk.RoleReviewer || got.Name != "김심사" {
		t.Fatalf("FindUserByEmail: %+v, %v", got, err)
	}
	all, _ := s.Users.FindUsers(ctx(t))
	if len(all) != 1 {
		t.Fatalf("FindUsers: %d", len(all))
	}
	in, err := s.Users.Authenticate(ctx(t), "rev@example.org", password)
	if err != nil || in.ID != u.ID || in.LastLoginAt.IsZero() {
		t.Fatalf("Authenticate: %+v, %v", in, err)
	}
	_, err = s.Users.Authenticate(ctx(t), "rev@example.org", password+"!")
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
	_, err = s.Users.Authenticate(ctx(t), "nobody@example.org", password)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)

	if err := s.Users.DisableUser(ctx(t), "rev@example.org"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Users.Authenticate(ctx(t), "rev@example.org", password)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
	wantCode(t, s.Users.DisableUser(ctx(t), "nobody@example.org"), claimdesk.ENOTFOUND)
}

// testLoginLockout checks that failures never lock an account: whoever knows an e-mail could
// otherwise lock its owner out. (The server throttles attempts per account and address.)
func testLoginLockout(t *testing.T, s Store) {
	staff(t, s, "lock@example.org", claimdesk.RoleReviewer)
	for i := range 20 {
		_, err := s.Users.Authenticate(ctx(t), "lock@example.org", "wrong password "+fmt.Sprint(i))
		wantCode(t, err, claimdesk.EUNAUTHORIZED)
	}
	if _, err := s.Users.Authenticate(ctx(t), "lock@example.org", password); err != nil {
		t.Fatalf("the right password after 20 failures: %v", err)
	}
	// An unknown e-mail gets the very same error.
	_, err := s.Users.Authenticate(ctx(t), "nobody@example.org", password)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
}

func testSessions(t *testing.T, s Store) {
	now := time.Now()
	s.SetNow(now)
	_, u := staff(t, s, "sess@example.org", claimdesk.RoleReviewer)
	token, err := s.Sessions.CreateSession(ctx(t), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Sessions.FindSession(ctx(t), token); err != nil || got.ID != u.ID {
		t.Fatalf("FindSession: %+v, %v", got, err)
	}
	// Activity keeps a session alive; idleness ends it.
	at := now
	for range 3 {
		at = at.Add(claimdesk.SessionIdle - time.Minute)
		s.SetNow(at)
		if _, err := s.Sessions.FindSession(ctx(t), token); err != nil {
			t.Fatalf("active session ended: %v", err)
		}
	}
	s.SetNow(at.Add(claimdesk.SessionIdle + time.Minute))
	_, err = s.Sessions.FindSession(ctx(t), token)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)

	// However active, a session ends SessionMaxAge after login.
	s.SetNow(now)
	token, _ = s.Sessions.CreateSession(ctx(t), u.ID)
	for at := now; at.Before(now.Add(claimdesk.SessionMaxAge)); at = at.Add(20 * time.Minute) {
		s.SetNow(at)
		if _, err := s.Sessions.FindSession(ctx(t), token); err != nil {
			t.Fatalf("session ended early at %v: %v", at.Sub(now), err)
		}
	}
	s.SetNow(now.Add(claimdesk.SessionMaxAge + time.Minute))
	_, err = s.Sessions.FindSession(ctx(t), token)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)

	s.SetNow(now)
	token, _ = s.Sessions.CreateSession(ctx(t), u.ID)
	if err := s.Sessions.DeleteSession(ctx(t), token); err != nil {
		t.Fatal(err)
	}
	_, err = s.Sessions.FindSession(ctx(t), token)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
	// Disabling an account ends its sessions.
	token, _ = s.Sessions.CreateSession(ctx(t), u.ID)
	s.Users.DisableUser(ctx(t), u.Email)
	_, err = s.Sessions.FindSession(ctx(t), token)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
	_, err = s.Sessions.FindSession(ctx(t), "")
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
}

func testTokens(t *testing.T, s Store) {
	secret, tok, err := s.Tokens.CreateToken(ctx(t), "partner-association", claimdesk.RoleAnalyst, "")
	if err != nil || !strings.HasPrefix(secret, claimdesk.TokenPrefix) || tok.ID == 0 {
		t.Fatalf("CreateToken: %q %+v %v", secret, tok, err)
	}
	got, err := s.Tokens.FindTokenBySecret(ctx(t), secret)
	if err != nil || got.Role != claimdesk.RoleAnalyst || got.Name != "partner-association" || got.CreatedBy != "cli:test" {
		t.Fatalf("FindTokenBySecret: %+v, %v", got, err)
	}
	_, err = s.Tokens.FindTokenBySecret(ctx(t), secret+"x")
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
	if err := s.Tokens.RevokeToken(ctx(t), tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Tokens.FindTokenBySecret(ctx(t), secret)
	wantCode(t, err, claimdesk.EUNAUTHORIZED)
	wantCode(t, s.Tokens.RevokeToken(ctx(t), tok.ID), claimdesk.ENOTFOUND)
	list, _ := s.Tokens.FindTokens(ctx(t))
	if len(list) != 1 || list[0].RevokedAt.IsZero() {
		t.Fatalf("FindTokens: %+v", list)
	}
	_, _, err = s.Tokens.CreateToken(ctx(t), "x", "root", "")
	wantCode(t, err, claimdesk.EINVALID)
}

func counts(t *testing.T, s Store, incident string) map[claimdesk.Status]int {
	t.Helper()
	c, err := s.Reports.CountReports(ctx(t), claimdesk.ReportFilter{Incident: incident})
	if err != nil {
		t.Fatal(err)
	}
	return c.ByStatus
}

func testStatusChanges(t *testing.T, s Store) {
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	r := file(t, s, merchant(t), 1, nil)
	steps := []struct {
		change claimdesk.StatusChange
		code   string
		status claimdesk.Status // after the step
	}{
		{claimdesk.StatusChange{To: claimdesk.StatusAccepted}, claimdesk.ECONFLICT, claimdesk.StatusReceived},
		{claimdesk.StatusChange{To: claimdesk.StatusInReview}, "", claimdesk.StatusInReview},
		{claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo}, claimdesk.EINVALID, claimdesk.StatusInReview},
		{claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: "매출 감소를 보여 주는 자료를 올려 주세요"}, "", claimdesk.StatusNeedsInfo},
		{claimdesk.StatusChange{To: claimdesk.StatusInReview}, "", claimdesk.StatusInReview},
		{claimdesk.StatusChange{To: claimdesk.StatusRejected}, claimdesk.EINVALID, claimdesk.StatusInReview},
		{claimdesk.StatusChange{To: claimdesk.StatusRejected, Reason: "장애 기간 밖의 피해"}, "", claimdesk.StatusRejected},
		{claimdesk.StatusChange{To: claimdesk.StatusAccepted}, claimdesk.ECONFLICT, claimdesk.StatusRejected},
		{claimdesk.StatusChange{To: claimdesk.StatusInReview, Reason: "이의 신청 접수"}, "", claimdesk.StatusInReview},
		{claimdesk.StatusChange{To: claimdesk.StatusAccepted}, "", claimdesk.StatusAccepted},
	}
	for i, st := range steps {
		_, err := s.Review.ChangeStatus(rev, r.Receipt, st.change)
		if got := claimdesk.ErrorCode(err); got != st.code {
			t.Fatalf("step %d (%s): code %q (%v), want %q", i, st.change.To, got, err, st.code)
		}
		if got := find(t, s, r.Receipt); got.Status != st.status {
			t.Fatalf("step %d: status %s, want %s", i, got.Status, st.status)
		}
	}
	if got := find(t, s, r.Receipt); got.InfoRequest != "매출 감소를 보여 주는 자료를 올려 주세요" {
		t.Errorf("info request %q", got.InfoRequest)
	}
	if c := counts(t, s, "kakao-2022-10"); c[claimdesk.StatusAccepted] != 1 || c[claimdesk.StatusReceived] != 0 || c[claimdesk.StatusInReview] != 0 {
		t.Errorf("counts %v", c)
	}
	hist, err := s.Review.History(rev, r.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range hist {
		actions = append(actions, e.Action)
		if e.Action == claimdesk.AuditStatusChanged && e.Actor != "user:1 rev@example.org" {
			t.Errorf("status change by %q", e.Actor)
		}
	}
	if len(hist) != 7 || hist[0].Action != claimdesk.AuditReportCreated || hist[0].Actor != "merchant" {
		t.Fatalf("history %v", actions)
	}
	if hist[4].Detail["reason"] != "장애 기간 밖의 피해" || hist[4].Detail["to"] != "rejected" {
		t.Errorf("rejection entry %v", hist[4].Detail)
	}
	_, err = s.Review.ChangeStatus(rev, claimdesk.NewReceipt(), claimdesk.StatusChange{To: claimdesk.StatusInReview})
	wantCode(t, err, claimdesk.ENOTFOUND)
}

func testNotesAndAssignment(t *testing.T, s Store) {
	rev, u := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	_, analyst := staff(t, s, "ana@example.org", claimdesk.RoleAnalyst)
	r := file(t, s, merchant(t), 1, nil)
	if err := s.Review.AddNote(rev, r.Receipt, "전화로 매출 확인함"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Review.AddNote(rev, r.Receipt, "  "), claimdesk.EINVALID)
	if err := s.Review.Assign(rev, r.Receipt, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := find(t, s, r.Receipt); got.AssignedTo != u.ID || got.Assignee != "rev@example.org" {
		t.Errorf("assigned to %d %q", got.AssignedTo, got.Assignee)
	}
	wantCode(t, s.Review.Assign(rev, r.Receipt, analyst.ID), claimdesk.EINVALID)
	wantCode(t, s.Review.Assign(rev, r.Receipt, 9999), claimdesk.EINVALID)
	mine, _ := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{AssignedTo: &u.ID})
	if len(mine) != 1 {
		t.Errorf("assigned to me: %d", len(mine))
	}
	if err := s.Review.Assign(rev, r.Receipt, 0); err != nil {
		t.Fatal(err)
	}
	none := int64(0)
	unassigned, _ := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{AssignedTo: &none})
	if got := find(t, s, r.Receipt); got.AssignedTo != 0 || len(unassigned) != 1 {
		t.Errorf("unassign: %d, %d unassigned", got.AssignedTo, len(unassigned))
	}
	hist, _ := s.Review.History(rev, r.Receipt)
	if len(hist) != 4 || hist[1].Detail["note"] != "전화로 매출 확인함" || hist[2].Detail["to"] != "rev@example.org" {
		t.Fatalf("history %+v", hist)
	}
}

func testDuplicates(t *testing.T, s Store) {
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	a := file(t, s, merchant(t), 1, func(r *claimdesk.Report) { r.BusinessName, r.Phone = "행복떡집", "010-1111-1111" })
	b := file(t, s, merchant(t), 2, func(r *claimdesk.Report) { r.BusinessName, r.Phone = "다른 이름", "010-2222-2222" })
	noBRN := func(name, phone string) func(r *claimdesk.Report) {
		return func(r *claimdesk.Report) {
			r.BusinessNumber, r.NoBusinessNumberReason, r.BusinessName, r.Phone = "", "대리운전 기사", name, phone
		}
	}
	c := file(t, s, merchant(t), 3, noBRN("김대리 대리운전", "010-3333-3333"))
	d := file(t, s, merchant(t), 4, noBRN("(주)김대리대리운전", "010-3333-3333"))
	e := file(t, s, merchant(t), 5, noBRN("박기사 퀵", "010-3333-3333"))
	f := file(t, s, merchant(t), 6, func(r *claimdesk.Report) {
		r.Incident, r.Services = "kt-2018-11", []string{"landline"}
		r.DamageStart, r.DamageEnd = claimdesk.Date{Year: 2018, Month: 11, Day: 24}, claimdesk.Date{Year: 2018, Month: 11, Day: 25}
	})
	if _, err := s.FlagDuplicates(ctx(t)); err != nil {
		t.Fatal(err)
	}
	// Running it again finds nothing new to flag.
	if n, err := s.FlagDuplicates(ctx(t)); err != nil || n != 0 {
		t.Fatalf("second scan flagged %d (%v)", n, err)
	}
	for _, tt := range []struct {
		r    *claimdesk.Report
		dup  bool
		with []string
	}{
		{a, false, []string{b.Receipt}}, // flagged from the later one's side
		{b, true, []string{a.Receipt}},  // same business number
		{c, false, []string{d.Receipt}},
		{d, true, []string{c.Receipt}}, // same phone, similar name
		{e, false, nil},                // same phone, another business
		{f, false, nil},                // same business number, another incident
	} {
		if got := find(t, s, tt.r.Receipt); got.Duplicate != tt.dup {
			t.Errorf("%s flagged %v, want %v", tt.r.BusinessName, got.Duplicate, tt.dup)
		}
		dups, err := s.Review.Duplicates(rev, tt.r.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range dups {
			got = append(got, x.Receipt)
		}
		if !slices.Equal(got, tt.with) {
			t.Errorf("%s: duplicates %v, want %v", tt.r.BusinessName, got, tt.with)
		}
	}
	flagged, _ := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{Duplicates: true})
	if len(flagged) != 2 {
		t.Errorf("%d flagged, want 2", len(flagged))
	}
	hist, _ := s.Review.History(rev, b.Receipt)
	if last := hist[len(hist)-1]; last.Action != claimdesk.AuditDuplicate || last.Actor != "system" {
		t.Errorf("flag entry %+v", last)
	}
}

func testMerge(t *testing.T, s Store) {
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	first := file(t, s, merchant(t), 1, nil)
	second := file(t, s, merchant(t), 2, nil)
	other := file(t, s, merchant(t), 3, func(r *claimdesk.Report) {
		r.Incident, r.Services = "kt-2018-11", []string{"landline"}
		r.DamageStart, r.DamageEnd = claimdesk.Date{Year: 2018, Month: 11, Day: 24}, claimdesk.Date{Year: 2018, Month: 11, Day: 25}
	})
	// Given in either order, the earlier survives.
	if err := s.Review.Merge(rev, first.Receipt, second.Receipt, "같은 가게의 중복 신고"); err != nil {
		t.Fatal(err)
	}
	kept, merged := find(t, s, first.Receipt), find(t, s, second.Receipt)
	if kept.Status != claimdesk.StatusReceived || merged.Status != claimdesk.StatusMerged || merged.MergedInto != first.Receipt {
		t.Fatalf("kept %s, merged %s into %q", kept.Status, merged.Status, merged.MergedInto)
	}
	if c := counts(t, s, "kakao-2022-10"); c[claimdesk.StatusMerged] != 1 || c[claimdesk.StatusReceived] != 1 {
		t.Errorf("counts %v", c)
	}
	wantCode(t, s.Review.Merge(rev, first.Receipt, second.Receipt, ""), claimdesk.ECONFLICT)
	wantCode(t, s.Review.Merge(rev, first.Receipt, other.Receipt, ""), claimdesk.ECONFLICT)
	wantCode(t, s.Review.Merge(rev, first.Receipt, first.Receipt, ""), claimdesk.ECONFLICT)
	third := file(t, s, merchant(t), 4, nil)
	wantCode(t, s.Review.Merge(rev, second.Receipt, third.Receipt, ""), claimdesk.ECONFLICT) // into a merged one
	h, _ := s.Review.History(rev, second.Receipt)
	i := slices.IndexFunc(h, func(e *claimdesk.AuditEntry) bool { return e.Action == claimdesk.AuditMerged })
	if i < 0 || h[i].Detail["into"] != first.Receipt || h[i].Detail["reason"] != "같은 가게의 중복 신고" {
		t.Errorf("no merge entry in %+v", h)
	}
}

func testMerchantAnswer(t *testing.T, s Store) {
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	r := file(t, s, merchant(t), 1, nil)
	corrected := *r
	corrected.Phone, corrected.ClaimedLoss, corrected.Services = "010-9876-5432", 1_200_000, []string{"talk-channel", "alimtalk"}
	corrected.Consent = false // as the answer form sends it: consent was given at filing and stands
	_, err := s.Review.Answer(merchant(t), r.Receipt, claimdesk.MerchantAnswer{Message: "자료 보냅니다", Report: claimdesk.ReportInput{Report: corrected}})
	wantCode(t, err, claimdesk.ECONFLICT)

	if _, err := s.Review.ChangeStatus(rev, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: "피해 금액의 근거를 알려 주세요"}); err != nil {
		t.Fatal(err)
	}
	bad := corrected
	bad.BusinessNumber = "120-81-47522"
	_, err = s.Review.Answer(merchant(t), r.Receipt, claimdesk.MerchantAnswer{Message: "고쳤습니다", Report: claimdesk.ReportInput{Report: bad}})
	wantCode(t, err, claimdesk.EINVALID)
	if got := find(t, s, r.Receipt); got.Status != claimdesk.StatusNeedsInfo || got.Phone != r.Phone {
		t.Fatalf("a refused answer changed the report: %s %s", got.Status, got.Phone)
	}
	_, err = s.Review.Answer(merchant(t), r.Receipt, claimdesk.MerchantAnswer{Report: claimdesk.ReportInput{Report: *r}})
	wantFields(t, err, "answer:answer_required") // neither a message nor a change

	// One call checks everything at once: what could not be decoded, the report's rules and the
	// answer's own, each field once.
	undecoded := claimdesk.ReportInput{Report: bad}
	undecoded.Report.DamageStart = claimdesk.Date{}
	undecoded.Problems.Add("damage_start", "date_invalid")
	_, err = s.Review.Answer(merchant(t), r.Receipt, claimdesk.MerchantAnswer{Message: strings.Repeat("가", claimdesk.MaxReviewText+1), Report: undecoded})
	wantFields(t, err, "business_number:brn_checksum", "damage_start:date_invalid", "answer:too_long")

	// The incident closing meanwhile does not stop an answer to a report already filed.
	inc, _ := s.Incidents.FindIncidentByID(ctx(t), "kakao-2022-10")
	inc.IntakeOpen = false
	s.Incidents.UpsertIncident(ctx(t), inc)

	got, err := s.Review.Answer(merchant(t), r.Receipt, claimdesk.MerchantAnswer{Message: "주문 내역 캡처를 보냈습니다", Report: claimdesk.ReportInput{Report: corrected}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != claimdesk.StatusInReview || got.Phone != "010-9876-5432" || got.ClaimedLoss != 1_200_000 ||
		got.InfoAnswer != "주문 내역 캡처를 보냈습니다" || got.InfoRequest != "피해 금액의 근거를 알려 주세요" {
		t.Fatalf("answered report %+v", got)
	}
	byService, _ := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{Service: "alimtalk"})
	if len(byService) != 1 {
		t.Errorf("the corrected services are not indexed: %d", len(byService))
	}
	hist, _ := s.Review.History(rev, r.Receipt)
	last := hist[len(hist)-1]
	changes, _ := last.Detail["changes"].(map[string]any)
	if last.Action != claimdesk.AuditAnswered || last.Actor != "merchant" || len(changes) != 3 || changes["phone"] == nil {
		t.Fatalf("answer entry %+v", last)
	}
}

// queueSet files a varied set of reports and returns them by letter.
func queueSet(t *testing.T, s Store) map[string]*claimdesk.Report {
	intake, _ := staff(t, s, "desk@example.org", claimdesk.RoleIntake)
	base := time.Date(2022, 10, 17, 10, 0, 0, 0, claimdesk.KST)
	set := map[string]*claimdesk.Report{}
	add := func(key string, day int, c context.Context, edit func(r *claimdesk.Report)) {
		s.SetNow(base.AddDate(0, 0, day))
		set[key] = file(t, s, c, len(set)+1, edit)
	}
	add("a", 0, merchant(t), func(r *claimdesk.Report) {
		r.Industry, r.Region, r.Services, r.ClaimedLoss, r.BusinessName = "food", "11", []string{"talk-channel"}, 100_000, "행복떡집 본점"
	})
	add("b", 0, merchant(t), func(r *claimdesk.Report) {
		r.Industry, r.Region, r.Services, r.ClaimedLoss, r.Channel = "retail", "41", []string{"kakao-pay"}, 500_000, claimdesk.ChannelWeb
		r.BusinessName, r.Phone, r.BusinessNumber = "가나다상회", "031-555-1234", "124-81-00998"
	})
	add("c", 1, intake, func(r *claimdesk.Report) {
		r.Industry, r.Region, r.Services, r.ClaimedLoss, r.Channel = "transport", "26", []string{"kakao-t"}, 50_000, claimdesk.ChannelStaff
		r.BusinessName, r.BusinessNumber, r.Phone = "부산 택시", "220-81-62517", "010-7777-8888"
	})
	add("d", 2, merchant(t), func(r *claimdesk.Report) {
		r.Incident, r.Services, r.ClaimedLoss, r.Region = "kt-2018-11", []string{"landline"}, 1_000_000, "11"
		r.DamageStart, r.DamageEnd = claimdesk.Date{Year: 2018, Month: 11, Day: 24}, claimdesk.Date{Year: 2018, Month: 11, Day: 25}
		r.BusinessName = "아현 떡집"
	})
	add("e", 3, merchant(t), func(r *claimdesk.Report) {
		r.Industry, r.Region, r.Services, r.ClaimedLoss = "food", "41", []string{"talk-channel", "kakao-pay"}, 3_000_000
		r.BusinessName, r.BusinessNumber, r.Phone = "수원 분식", "104-81-37225", "010-4444-5555"
	})
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	if _, err := s.Review.ChangeStatus(rev, set["e"].Receipt, claimdesk.StatusChange{To: claimdesk.StatusInReview}); err != nil {
		t.Fatal(err)
	}
	return set
}

func receipts(reports []*claimdesk.Report) []string {
	var out []string
	for _, r := range reports {
		out = append(out, r.Receipt)
	}
	return out
}

func testQueueFilters(t *testing.T, s Store) {
	set := queueSet(t, s)
	loss := func(v int64) *int64 { return &v }
	d := func(s string) claimdesk.Date { v, _ := claimdesk.ParseDate(s); return v }
	tests := []struct {
		name   string
		filter claimdesk.ReportFilter
		want   string // letters, in order
	}{
		{"all", claimdesk.ReportFilter{}, "abcde"},
		{"incident", claimdesk.ReportFilter{Incident: "kakao-2022-10"}, "abce"},
		{"status", claimdesk.ReportFilter{Statuses: []claimdesk.Status{claimdesk.StatusInReview}}, "e"},
		{"two statuses", claimdesk.ReportFilter{Statuses: []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusReceived}}, "abcde"},
		{"industry", claimdesk.ReportFilter{Industry: "food"}, "ade"},
		{"region", claimdesk.ReportFilter{Region: "41"}, "be"},
		{"service, one of several", claimdesk.ReportFilter{Service: "kakao-pay"}, "be"},
		{"channel", claimdesk.ReportFilter{Channel: claimdesk.ChannelStaff}, "c"},
		{"received from", claimdesk.ReportFilter{From: d("2022-10-18")}, "cde"},
		{"received to", claimdesk.ReportFilter{To: d("2022-10-18")}, "abc"},
		{"received on a day", claimdesk.ReportFilter{From: d("2022-10-18"), To: d("2022-10-18")}, "c"},
		{"loss range", claimdesk.ReportFilter{LossMin: loss(100_000), LossMax: loss(1_000_000)}, "abd"},
		{"text: receipt", claimdesk.ReportFilter{Text: strings.ToLower(set["c"].Receipt)}, "c"},
		{"text: business number", claimdesk.ReportFilter{Text: "2208162517"}, "c"},
		{"text: start of a business number", claimdesk.ReportFilter{Text: "124-81"}, "b"},
		{"text: phone", claimdesk.ReportFilter{Text: "031 555 1234"}, "b"},
		{"text: three characters of a name", claimdesk.ReportFilter{Text: "떡집 본"}, "a"},
		{"text: two characters of a name", claimdesk.ReportFilter{Text: "떡집"}, "ad"},
		{"text: no match", claimdesk.ReportFilter{Text: "없는가게이름"}, ""},
		{"text with LIKE wildcards", claimdesk.ReportFilter{Text: "%_"}, ""},
		{"entered by", claimdesk.ReportFilter{EnteredBy: "user:1"}, "c"},
		{"combined", claimdesk.ReportFilter{Incident: "kakao-2022-10", Industry: "food", Region: "41"}, "e"},
		{"newest first", claimdesk.ReportFilter{Sort: claimdesk.SortNewest}, "edcba"},
		{"largest loss first", claimdesk.ReportFilter{Sort: claimdesk.SortLossDesc}, "edbac"},
		{"smallest loss first", claimdesk.ReportFilter{Sort: claimdesk.SortLossAsc}, "cabde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Reports.FindReports(ctx(t), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, l := range tt.want {
				want = append(want, set[string(l)].Receipt)
			}
			if !slices.Equal(receipts(got), want) {
				t.Fatalf("got %v, want %v (%s)", receipts(got), want, tt.want)
			}
			c, err := s.Reports.CountReports(ctx(t), tt.filter)
			if err != nil || c.Total != len(want) || c.Capped {
				t.Fatalf("count %+v (%v), want %d", c, err, len(want))
			}
		})
	}
}

func testQueuePages(t *testing.T, s Store) {
	var all []*claimdesk.Report
	base := time.Date(2022, 10, 17, 9, 0, 0, 0, claimdesk.KST)
	for i := range 23 {
		// Received out of storage order (as restored or demonstration data are), some at the
		// same moment, so that received order and id order differ.
		s.SetNow(base.Add(time.Duration((i*5)%7) * time.Minute))
		all = append(all, file(t, s, merchant(t), i, func(r *claimdesk.Report) { r.ClaimedLoss = int64((i * 7919) % 13 * 10000) }))
	}
	s.SetNow(time.Now())
	for _, sortBy := range []claimdesk.ReportSort{claimdesk.SortOldest, claimdesk.SortNewest, claimdesk.SortReceived,
		claimdesk.SortReceivedDesc, claimdesk.SortLossDesc, claimdesk.SortLossAsc} {
		want := slices.Clone(all)
		sort.SliceStable(want, func(i, j int) bool {
			a, b := want[i], want[j]
			switch sortBy {
			case claimdesk.SortNewest:
				return a.ID > b.ID
			case claimdesk.SortReceived:
				return a.ReceivedAt.Before(b.ReceivedAt) || (a.ReceivedAt.Equal(b.ReceivedAt) && a.ID < b.ID)
			case claimdesk.SortReceivedDesc:
				return a.ReceivedAt.After(b.ReceivedAt) || (a.ReceivedAt.Equal(b.ReceivedAt) && a.ID > b.ID)
			case claimdesk.SortLossDesc:
				return a.ClaimedLoss > b.ClaimedLoss || (a.ClaimedLoss == b.ClaimedLoss && a.ID > b.ID)
			case claimdesk.SortLossAsc:
				return a.ClaimedLoss < b.ClaimedLoss || (a.ClaimedLoss == b.ClaimedLoss && a.ID < b.ID)
			}
			return a.ID < b.ID
		})
		var got []*claimdesk.Report
		f := claimdesk.ReportFilter{Sort: sortBy, Limit: 5}
		for pages := 0; ; pages++ {
			if pages > len(all) {
				t.Fatalf("%q: paging does not end", sortBy)
			}
			page, err := s.Reports.FindReports(ctx(t), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			last := page[len(page)-1]
			f.AfterID, f.AfterLoss, f.AfterReceived = last.ID, last.ClaimedLoss, last.ReceivedAt
		}
		if !slices.Equal(receipts(got), receipts(want)) {
			t.Errorf("%q: pages give %v, want %v", sortBy, receipts(got), receipts(want))
		}
	}
	_, err := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{Sort: "sideways"})
	wantCode(t, err, claimdesk.EINVALID)
}

func testQueueCounts(t *testing.T, s Store) {
	queueSet(t, s)
	c := counts(t, s, "kakao-2022-10")
	if c[claimdesk.StatusReceived] != 3 || c[claimdesk.StatusInReview] != 1 {
		t.Errorf("kakao counts %v", c)
	}
	all, _ := s.Reports.CountReports(ctx(t), claimdesk.ReportFilter{})
	if all.ByStatus[claimdesk.StatusReceived] != 4 || all.Total != 5 {
		t.Errorf("all counts %+v", all)
	}
	onlyReceived, _ := s.Reports.CountReports(ctx(t), claimdesk.ReportFilter{Incident: "kakao-2022-10", Statuses: []claimdesk.Status{claimdesk.StatusReceived}})
	if onlyReceived.Total != 3 || onlyReceived.ByStatus[claimdesk.StatusInReview] != 1 {
		t.Errorf("status-filtered counts %+v", onlyReceived)
	}
}

func testBulk(t *testing.T, s Store) {
	rev, u := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	var rs []*claimdesk.Report
	for i := range 12 {
		rs = append(rs, file(t, s, merchant(t), i, nil))
	}
	s.Review.ChangeStatus(rev, rs[0].Receipt, claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: "자료 요청"})
	received := claimdesk.ReportFilter{Incident: "kakao-2022-10", Statuses: []claimdesk.Status{claimdesk.StatusReceived}}
	res, err := s.Review.Bulk(rev, received, claimdesk.BulkAction{Status: claimdesk.StatusChange{To: claimdesk.StatusInReview}})
	if err != nil || res.Changed != 11 || res.Skipped != 0 {
		t.Fatalf("bulk review: %+v, %v", res, err)
	}
	_, err = s.Review.Bulk(rev, claimdesk.ReportFilter{}, claimdesk.BulkAction{Status: claimdesk.StatusChange{To: claimdesk.StatusRejected}})
	wantCode(t, err, claimdesk.EINVALID) // no reason
	res, err = s.Review.Bulk(rev, claimdesk.ReportFilter{Incident: "kakao-2022-10"},
		claimdesk.BulkAction{Status: claimdesk.StatusChange{To: claimdesk.StatusAccepted}})
	if err != nil || res.Changed != 11 || res.Skipped != 1 {
		t.Fatalf("bulk accept: %+v, %v", res, err)
	}
	res, err = s.Review.Bulk(rev, claimdesk.ReportFilter{}, claimdesk.BulkAction{AssignTo: &u.ID})
	if err != nil || res.Changed != 12 {
		t.Fatalf("bulk assign: %+v, %v", res, err)
	}
	if c := counts(t, s, "kakao-2022-10"); c[claimdesk.StatusAccepted] != 11 || c[claimdesk.StatusNeedsInfo] != 1 || c[claimdesk.StatusInReview] != 0 {
		t.Errorf("counts after bulk %v", c)
	}
	mine, _ := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{AssignedTo: &u.ID})
	if len(mine) != 12 {
		t.Errorf("%d assigned", len(mine))
	}
}

func testAuditTrail(t *testing.T, s Store) {
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	r := file(t, s, merchant(t), 1, nil)
	s.Review.ChangeStatus(rev, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusInReview})
	s.Review.AddNote(rev, r.Receipt, "메모")
	s.Tokens.CreateToken(ctx(t), "script", claimdesk.RoleAnalyst, "")
	v, err := s.Audit.VerifyAudit(ctx(t), nil)
	if err != nil || !v.OK() || v.Entries != 5 || len(v.Head) != 64 {
		t.Fatalf("verify: %+v, %v", v, err)
	}
}

func testPermissions(t *testing.T, s Store) {
	analyst, _ := staff(t, s, "ana@example.org", claimdesk.RoleAnalyst)
	intake, _ := staff(t, s, "desk@example.org", claimdesk.RoleIntake)
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	staffReport := func(r *claimdesk.Report) { r.Channel = claimdesk.ChannelStaff }
	r := file(t, s, intake, 1, staffReport)
	if r.EnteredBy != "user:2" {
		t.Errorf("entered by %q", r.EnteredBy)
	}
	for name, c := range map[string]context.Context{"analyst": analyst, "merchant": merchant(t), "reviewer": rev} {
		x := NewReport(2)
		x.Channel = claimdesk.ChannelStaff
		_, _, err := s.Reports.CreateReport(c, &claimdesk.ReportInput{Report: *x}, claimdesk.Idempotency{})
		if claimdesk.ErrorCode(err) != claimdesk.EFORBIDDEN {
			t.Errorf("%s entering a staff report: %v", name, err)
		}
	}
	_, err := s.Review.ChangeStatus(analyst, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusInReview})
	wantCode(t, err, claimdesk.EFORBIDDEN)
	_, err = s.Review.ChangeStatus(intake, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusInReview})
	wantCode(t, err, claimdesk.EFORBIDDEN)
	_, err = s.Review.History(analyst, r.Receipt)
	wantCode(t, err, claimdesk.EFORBIDDEN)
	wantCode(t, s.Users.CreateUser(rev, &claimdesk.User{Email: "x@example.org", Role: claimdesk.RoleAdmin}, password), claimdesk.EFORBIDDEN)
	_, _, err = s.Tokens.CreateToken(intake, "x", claimdesk.RoleAdmin, "")
	wantCode(t, err, claimdesk.EFORBIDDEN)
	if got := find(t, s, r.Receipt); got.Status != claimdesk.StatusReceived {
		t.Fatalf("a refused change went through: %s", got.Status)
	}
}

// A count that runs out of time says so instead of failing: the queue gives its count a budget.
func testCountOutOfTime(t *testing.T, s Store) {
	queueSet(t, s)
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	for _, f := range []claimdesk.ReportFilter{
		{Incident: "kakao-2022-10", Industry: "food"},
		{Incident: "kakao-2022-10", From: claimdesk.Date{Year: 2022, Month: 10, Day: 17}},
	} {
		got, err := s.Reports.CountReports(c, f)
		if err != nil || !got.Unknown {
			t.Errorf("%+v: %+v, %v; want an unknown count and no error", f, got, err)
		}
	}
}
