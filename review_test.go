package claimdesk_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

func TestStateMachine(t *testing.T) {
	const (
		received  = claimdesk.StatusReceived
		inReview  = claimdesk.StatusInReview
		needsInfo = claimdesk.StatusNeedsInfo
		accepted  = claimdesk.StatusAccepted
		rejected  = claimdesk.StatusRejected
		merged    = claimdesk.StatusMerged
	)
	tests := []struct {
		name    string
		from    claimdesk.Status
		change  claimdesk.StatusChange
		code    string // "" for allowed
		field   string // the field an EINVALID names
		message string // part of the English message
	}{
		{"start review", received, claimdesk.StatusChange{To: inReview}, "", "", ""},
		{"ask at once", received, claimdesk.StatusChange{To: needsInfo, Message: "매출 증빙을 올려 주세요"}, "", "", ""},
		{"ask without a message", inReview, claimdesk.StatusChange{To: needsInfo}, claimdesk.EINVALID, "message", "merchant"},
		{"ask with blanks only", inReview, claimdesk.StatusChange{To: needsInfo, Message: "   "}, claimdesk.EINVALID, "message", ""},
		{"accept", inReview, claimdesk.StatusChange{To: accepted}, "", "", ""},
		{"accept unreviewed", received, claimdesk.StatusChange{To: accepted}, claimdesk.ECONFLICT, "", `"Received" cannot be made "Accepted"`},
		{"reject with reason", inReview, claimdesk.StatusChange{To: rejected, Reason: "피해 기간이 장애와 무관"}, "", "", ""},
		{"reject without reason", inReview, claimdesk.StatusChange{To: rejected}, claimdesk.EINVALID, "reason", "reason"},
		{"reject unreviewed with reason", received, claimdesk.StatusChange{To: rejected, Reason: "스팸"}, "", "", ""},
		{"answered goes back", needsInfo, claimdesk.StatusChange{To: inReview}, "", "", ""},
		{"accept while waiting", needsInfo, claimdesk.StatusChange{To: accepted}, claimdesk.ECONFLICT, "", ""},
		{"reopen accepted with reason", accepted, claimdesk.StatusChange{To: inReview, Reason: "이의 신청"}, "", "", ""},
		{"reopen rejected without reason", rejected, claimdesk.StatusChange{To: inReview}, claimdesk.EINVALID, "reason", ""},
		{"accepted to rejected", accepted, claimdesk.StatusChange{To: rejected, Reason: "x"}, claimdesk.ECONFLICT, "", ""},
		{"merged is final", merged, claimdesk.StatusChange{To: inReview, Reason: "x"}, claimdesk.ECONFLICT, "", ""},
		{"merge needs a target", inReview, claimdesk.StatusChange{To: merged}, claimdesk.ECONFLICT, "", "receipt"},
		{"same status", inReview, claimdesk.StatusChange{To: inReview}, claimdesk.ECONFLICT, "", ""},
		{"reason too long", inReview, claimdesk.StatusChange{To: rejected, Reason: strings.Repeat("가", 2001)}, claimdesk.EINVALID, "reason", "2000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.change.Check(tt.from)
			if got := claimdesk.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if tt.field != "" {
				fe := claimdesk.FieldErrorsOf(err)
				if len(fe) != 1 || fe[0].Field != tt.field {
					t.Fatalf("field errors %v, want one on %s", fe, tt.field)
				}
			}
			if err != nil {
				var msg string
				if fe := claimdesk.FieldErrorsOf(err); len(fe) > 0 {
					msg = fe[0].Message(claimdesk.English)
				} else {
					msg = err.(*claimdesk.Error).Localized(claimdesk.English)
				}
				if !strings.Contains(msg, tt.message) || strings.Contains(msg, "%!") {
					t.Errorf("message %q, want it to contain %q", msg, tt.message)
				}
				if ko := err.(*claimdesk.Error).Localized(claimdesk.Korean); ko == "" || strings.Contains(ko, "%!") {
					t.Errorf("Korean message %q", ko)
				}
			}
		})
	}
	// Every status can be left or is final by design, and nothing leads into received.
	for _, s := range claimdesk.Statuses {
		for _, next := range claimdesk.NextStatuses(claimdesk.Status(s.Code)) {
			if next == received {
				t.Errorf("%s -> received", s.Code)
			}
		}
	}
}

func TestRolePermissions(t *testing.T) {
	tests := []struct {
		role claimdesk.Role
		can  []claimdesk.Permission
	}{
		{claimdesk.RoleIntake, []claimdesk.Permission{claimdesk.PermEnterReports, claimdesk.PermImport, claimdesk.PermOwnReports, claimdesk.PermPersonalData}},
		{claimdesk.RoleReviewer, []claimdesk.Permission{claimdesk.PermReview, claimdesk.PermPersonalData, claimdesk.PermStats}},
		{claimdesk.RoleAnalyst, []claimdesk.Permission{claimdesk.PermStats, claimdesk.PermExport, claimdesk.PermSimulate}},
		{claimdesk.RoleAdmin, []claimdesk.Permission{claimdesk.PermEnterReports, claimdesk.PermImport, claimdesk.PermOwnReports,
			claimdesk.PermReview, claimdesk.PermPersonalData, claimdesk.PermStats, claimdesk.PermExport, claimdesk.PermAdmin,
			claimdesk.PermSimulate, claimdesk.PermPayouts}},
	}
	all := []claimdesk.Permission{claimdesk.PermEnterReports, claimdesk.PermImport, claimdesk.PermOwnReports, claimdesk.PermReview,
		claimdesk.PermPersonalData, claimdesk.PermStats, claimdesk.PermExport, claimdesk.PermAdmin, claimdesk.PermSimulate, claimdesk.PermPayouts}
	for _, tt := range tests {
		for _, p := range all {
			if got, want := tt.role.Can(p), slices.Contains(tt.can, p); got != want {
				t.Errorf("%s.Can(%s) = %v, want %v", tt.role, p, got, want)
			}
		}
	}
	if claimdesk.Role("root").Valid() || claimdesk.Role("").Can(claimdesk.PermStats) {
		t.Error("unknown roles must grant nothing")
	}
	if _, err := claimdesk.ParseRole("superuser"); claimdesk.ErrorCode(err) != claimdesk.EINVALID {
		t.Errorf("ParseRole(superuser): %v", err)
	}
}

func TestActor(t *testing.T) {
	ctx := context.Background()
	if a := claimdesk.ActorFrom(ctx); a.Kind != claimdesk.ActorMerchant || a.Can(claimdesk.PermStats) {
		t.Errorf("anonymous actor %+v", a)
	}
	u := claimdesk.Actor{Kind: claimdesk.ActorUser, ID: 3, Name: "rev@example.org", Role: claimdesk.RoleReviewer}
	ctx = claimdesk.WithActor(ctx, u)
	if got := claimdesk.ActorFrom(ctx).String(); got != "user:3 rev@example.org" {
		t.Errorf("String() = %q", got)
	}
	if claimdesk.Require(ctx, claimdesk.PermAdmin) == nil || claimdesk.Require(ctx, claimdesk.PermReview) != nil {
		t.Error("Require does not follow the role")
	}
	cli := claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "root"}
	if cli.Key() != "cli:root" || !cli.Can(claimdesk.PermAdmin) {
		t.Errorf("cli actor %q", cli.Key())
	}
}

func TestPasswords(t *testing.T) {
	h := claimdesk.PasswordHasher{Memory: 8 * 1024, Time: 1, Threads: 1} // cheap for the test
	hash := h.Hash("correct horse battery staple 9")
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("hash %q", hash)
	}
	if !claimdesk.CheckPassword(hash, "correct horse battery staple 9") {
		t.Error("the right password is refused")
	}
	for _, wrong := range []string{"correct horse battery staple", "", "Correct horse battery staple 9"} {
		if claimdesk.CheckPassword(hash, wrong) {
			t.Errorf("%q accepted", wrong)
		}
	}
	if h.Hash("same") == h.Hash("same") {
		t.Error("hashes are not salted")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "plain"} {
		if claimdesk.CheckPassword(bad, "x") {
			t.Errorf("hash %q accepted", bad)
		}
	}
	u := &claimdesk.User{Email: " Rev@Example.ORG ", Role: claimdesk.RoleReviewer}
	if err := claimdesk.ValidateNewUser(u, "short"); len(claimdesk.FieldErrorsOf(err)) != 1 {
		t.Errorf("short password: %v", err)
	}
	if err := claimdesk.ValidateNewUser(u, "long enough password"); err != nil || u.Email != "rev@example.org" {
		t.Errorf("valid user: %v, email %q", err, u.Email)
	}
}

func TestSecrets(t *testing.T) {
	a, b := claimdesk.NewSecret(claimdesk.TokenPrefix), claimdesk.NewSecret(claimdesk.TokenPrefix)
	if a == b || !strings.HasPrefix(a, "cdk_") || len(a) != 36 || strings.ToLower(a) != a {
		t.Errorf("secrets %q %q", a, b)
	}
	if claimdesk.SecretHash(a) == claimdesk.SecretHash(b) || len(claimdesk.SecretHash(a)) != 64 {
		t.Error("secret hashes")
	}
}

func TestMasking(t *testing.T) {
	tests := []struct{ got, want string }{
		{claimdesk.MaskName("김민지"), "김*지"},
		{claimdesk.MaskName("행복떡집"), "행**집"},
		{claimdesk.MaskName("이"), "*"},
		{claimdesk.MaskName("박솔"), "박*"},
		{claimdesk.MaskPhone("010-2345-6789"), "010-****-6789"},
		{claimdesk.MaskPhone("02-123-4567"), "02-***-4567"},
		{claimdesk.MaskEmail("owner@example.com"), "o***@example.com"},
		{claimdesk.MaskBusinessNumber("120-81-47521"), "120-81-*****"},
		{claimdesk.MaskBusinessNumber(""), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	r := validReport()
	r.Email = "owner@example.com"
	m := r.Masked()
	for _, leak := range []string{"민지", "2345", "owner", "47521", "행복떡"} {
		for _, v := range []string{m.BusinessName, m.Representative, m.Phone, m.Email, m.BusinessNumber, m.Description} {
			if strings.Contains(v, leak) {
				t.Errorf("masked report still holds %q in %q", leak, v)
			}
		}
	}
	if r.Phone != "010-2345-6789" {
		t.Error("Masked changed the original")
	}
}

// The fingerprint covers exactly the fields of docs/api.md, so that idempotency compares what the
// client sent and nothing the server adds.
func TestFingerprintCoversTheInputFields(t *testing.T) {
	r := validReport()
	b, _ := jsonKeys(r)
	var want []string
	for _, f := range claimdesk.Fields {
		want = append(want, f.Code)
	}
	slices.Sort(b)
	slices.Sort(want)
	if !reflect.DeepEqual(b, want) {
		t.Fatalf("input fields %v\ndocs/api.md fields %v", b, want)
	}
	c := validReport()
	c.InfoRequest, c.AssignedTo, c.Duplicate, c.EnteredBy = "x", 3, true, "user:1"
	if c.Fingerprint() != r.Fingerprint() {
		t.Error("review fields changed the fingerprint")
	}
}

func TestInputDiffAndSetInput(t *testing.T) {
	a, b := validReport(), validReport()
	b.Phone, b.ClaimedLoss = "010-9999-0000", 1
	diff := claimdesk.InputDiff(&a, &b)
	if len(diff) != 2 || diff["phone"][1] != "010-9999-0000" {
		t.Fatalf("diff %v", diff)
	}
	a.Receipt, a.Status = "ABC-DEF-GHJ", claimdesk.StatusNeedsInfo
	a.SetInput(&b)
	if a.Phone != b.Phone || a.ClaimedLoss != 1 || a.Receipt != "ABC-DEF-GHJ" || a.Status != claimdesk.StatusNeedsInfo {
		t.Errorf("SetInput: %+v", a)
	}
}
