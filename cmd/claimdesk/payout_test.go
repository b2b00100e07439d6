package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

// The operator's path: add a policy, simulate it beside a built-in one, adopt it; releasing
// needs someone else, and the payment file needs a release.
func TestPolicyAndPayoutCommands(t *testing.T) {
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.csv")
	os.WriteFile(batch, []byte("incident,business_name,business_number,representative,phone,region,district,industry,services,damage_types,damage_start,damage_end,claimed_loss,consent\n"+
		"kt-2018-11,아현분식,124-81-00998,가,010-2000-0001,11,마포구,food,landline,orders_lost,2018-11-24,2018-11-25,500000,true\n"+
		"kt-2018-11,아현미용실,104-81-37225,라,010-2000-0004,11,서대문구,services,internet,orders_lost,2018-11-24,2018-11-30,2000000,true\n"), 0o600)
	if code, _, stderr := runCLI(t, "import", "--data", dir, batch); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	doc := filepath.Join(dir, "flat.json")
	os.WriteFile(doc, []byte(`{"id":"kt-flat","name":{"ko":"정액","en":"Flat"},"kind":"flat","flat":{"amount":300000},"eligibility":{"incidents":["kt-2018-11"]}}`), 0o600)
	code, stdout, stderr := runCLI(t, "policy", "add", "--data", dir, doc)
	if code != 0 || !strings.Contains(stdout, "policy kt-flat version 1 (sha256 ") {
		t.Fatalf("policy add: %d %s %s", code, stdout, stderr)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"id":"kt-bad","name":{"ko":"a","en":"a"},"kind":"duration_tiers","tiers":[{"min_days":2,"amount":1}]}`), 0o600)
	if code, _, stderr := runCLI(t, "policy", "add", "--data", dir, bad); code != 1 || !strings.Contains(stderr, "tiers[0].min_days") {
		t.Errorf("a bad policy: %d %s", code, stderr)
	}
	code, stdout, _ = runCLI(t, "policy", "list", "--data", dir)
	if code != 0 || !strings.Contains(stdout, "kakao-2022-brackets") || !strings.Contains(stdout, "kt-flat") || strings.Contains(stdout, "kt-bad") {
		t.Errorf("policy list: %s", stdout)
	}
	detail := filepath.Join(dir, "detail.csv")
	code, stdout, stderr = runCLI(t, "payout", "simulate", "--data", dir, "--incident", "kt-2018-11", "--policy", "kt-2018-tiers", "--policy", "kt-flat", "--detail", detail, "--lang", "en")
	if code != 0 || !strings.Contains(stdout, "1,600,000") || !strings.Contains(stdout, "600,000") || !strings.Contains(stdout, "largest differences") {
		t.Fatalf("simulate: %d\n%s\n%s", code, stdout, stderr)
	}
	csv, _ := os.ReadFile(detail)
	if n := strings.Count(string(csv), "\n"); n != 5 || !strings.Contains(string(csv), "-> tier 7 days or more -> 1,200,000 KRW") {
		t.Errorf("detail (%d lines):\n%s", n, csv)
	}
	// Money moves by named people: the anonymous command line may not adopt.
	const password = "correct horse battery staple 9"
	for _, email := range []string{"a@example.org", "b@example.org"} {
		if code, _, stderr := runCLIIn(t, password+"\n", "user", "add", "--data", dir, "--email", email, "--role", "admin"); code != 0 {
			t.Fatalf("user add: %s", stderr)
		}
	}
	adopt := []string{"payout", "adopt", "--data", dir, "--incident", "kt-2018-11", "--policy", "kt-2018-tiers"}
	if code, _, stderr := runCLI(t, adopt...); code != 1 || !strings.Contains(stderr, "--as EMAIL") {
		t.Errorf("adopted anonymously: %d %s", code, stderr)
	}
	if code, _, stderr := runCLIIn(t, "wrong password\n", append(adopt, "--as", "a@example.org")...); code != 1 || !strings.Contains(stderr, "--as a@example.org") {
		t.Errorf("adopted with a wrong password: %d %s", code, stderr)
	}
	acceptAll(t, dir)
	t.Setenv("CLAIMDESK_PASSWORD", password)
	code, stdout, stderr = runCLI(t, append(adopt, "--as", "a@example.org")...)
	if code != 0 || !strings.Contains(stdout, "run 1: kt-2018-tiers version 1 for kt-2018-11, 2 payouts totalling 1,600,000 KRW; pending") {
		t.Fatalf("adopt: %d %s %s", code, stdout, stderr)
	}
	release := []string{"payout", "release", "--data", dir, "--run", "1"}
	if code, _, stderr := runCLI(t, append(release, "--format", "xlsx")...); code != 2 || !strings.Contains(stderr, "-format") {
		t.Errorf("a flag release does not take: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, append(release, "--as", "a@example.org", "--confirm", "1,600,000")...); code != 1 || !strings.Contains(stderr, "another administrator") {
		t.Errorf("released by who adopted it: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "payout", "export", "--data", dir, "--run", "1", "--as", "b@example.org"); code != 1 || !strings.Contains(stderr, "released run") {
		t.Errorf("payment file of a pending run: %d %s", code, stderr)
	}
	// Release shows the figures and needs the payable sum read back.
	code, stdout, stderr = runCLI(t, append(release, "--as", "b@example.org")...)
	if code != 1 || !strings.Contains(stdout, "PAYABLE AT MOST") || !strings.Contains(stdout, "1,600,000") || !strings.Contains(stderr, "--confirm 1600000") {
		t.Errorf("release without --confirm: %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, append(release, "--as", "b@example.org", "--confirm", "1,200,000")...); code != 1 || !strings.Contains(stderr, "changed") {
		t.Errorf("release with another sum: %d %s", code, stderr)
	}
	code, stdout, stderr = runCLI(t, append(release, "--as", "b@example.org", "--confirm", "1,600,000")...)
	if code != 0 || !strings.Contains(stdout, "b@example.org via cli") {
		t.Fatalf("release: %d %s %s", code, stdout, stderr)
	}
	// One merchant accepts: one payment in one file, exported once, then paid.
	receipt := acceptFirstOffer(t, dir)
	out := filepath.Join(dir, "pay.csv")
	code, _, stderr = runCLI(t, "payout", "export", "--data", dir, "--run", "1", "--as", "b@example.org", "--out", out)
	if pay, _ := os.ReadFile(out); code != 0 || !strings.Contains(string(pay), receipt) || !strings.Contains(stderr, "payment file 1: 1 payments") {
		t.Fatalf("export: %d %s\n%s", code, stderr, pay)
	}
	if code, _, stderr := runCLI(t, "payout", "export", "--data", dir, "--run", "1", "--as", "b@example.org"); code != 1 || !strings.Contains(stderr, "Nothing waits") {
		t.Errorf("a second export: %d %s", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "payout", "export", "--data", dir, "--file", "1"); code != 0 || !strings.Contains(stdout, receipt) {
		t.Errorf("the file again: %d %s", code, stdout)
	}
	if code, stdout, stderr := runCLI(t, "payout", "paid", "--data", dir, "--file", "1", "--as", "a@example.org"); code != 0 || !strings.Contains(stdout, "1 payments") {
		t.Errorf("paid: %d %s %s", code, stdout, stderr)
	}
	if code, stdout, _ := runCLI(t, "payout", "show", "--data", dir, "--run", "1"); code != 0 || !regexp.MustCompile(`  paid\s+1\s+[0-9,]+`).MatchString(stdout) {
		t.Errorf("show after payment:\n%s", stdout)
	}
	if code, stdout, _ := runCLI(t, "audit", "verify", "--data", dir); code != 0 || !strings.Contains(stdout, "payments 1") {
		t.Errorf("audit verify: %d\n%s", code, stdout)
	}
	if code, stdout, _ := runCLI(t, "payout", "runs", "--data", dir, "--incident", "kt-2018-11"); code != 0 || !strings.Contains(stdout, "kt-2018-tiers@1  released") {
		t.Errorf("runs: %s", stdout)
	}
}

// acceptAll accepts every report in review.
func acceptAll(t *testing.T, dir string) {
	t.Helper()
	db := openTestDB(t, dir)
	defer db.Close()
	ctx := cliContext(t.Context())
	all, err := store.NewReportService(db).FindReports(ctx, claimdesk.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		for _, to := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
			if _, err := store.NewReviewService(db).ChangeStatus(ctx, r.Receipt, claimdesk.StatusChange{To: to}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// acceptFirstOffer has the first report's merchant accept their offer, and returns its receipt.
func acceptFirstOffer(t *testing.T, dir string) string {
	t.Helper()
	db := openTestDB(t, dir)
	defer db.Close()
	all, err := store.NewReportService(db).FindReports(cliContext(t.Context()), claimdesk.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.NewPayoutService(db).RespondToOffer(t.Context(), all[0].Receipt, claimdesk.OfferResponse{Accepted: true,
		Bank: claimdesk.BankAccount{Bank: "우리은행", Number: "1002-123-456789", Holder: "가"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return all[0].Receipt
}

// runCLIIn runs the command line with stdin.
func runCLIIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}
