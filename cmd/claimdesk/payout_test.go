package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The operator's path: add a policy, simulate it beside a built-in one, adopt it; releasing
// needs someone else, and the payment file needs a release.
func TestPolicyAndPayoutCommands(t *testing.T) {
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.csv")
	os.WriteFile(batch, []byte("incident,business_name,business_number,representative,phone,region,industry,services,damage_types,damage_start,damage_end,claimed_loss,consent\n"+
		"kt-2018-11,아현분식,124-81-00998,가,010-2000-0001,11,food,landline,orders_lost,2018-11-24,2018-11-25,500000,true\n"+
		"kt-2018-11,아현미용실,104-81-37225,라,010-2000-0004,11,services,internet,orders_lost,2018-11-24,2018-11-30,2000000,true\n"), 0o600)
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
	code, stdout, stderr = runCLI(t, "payout", "adopt", "--data", dir, "--incident", "kt-2018-11", "--policy", "kt-2018-tiers")
	if code != 0 || !strings.Contains(stdout, "run 1: kt-2018-tiers version 1 for kt-2018-11, 2 payouts totalling 1,600,000 KRW; pending") {
		t.Fatalf("adopt: %d %s %s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "payout", "release", "--data", dir, "--run", "1"); code != 1 || !strings.Contains(stderr, "another administrator") {
		t.Errorf("released by who adopted it: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "payout", "export", "--data", dir, "--run", "1"); code != 1 || !strings.Contains(stderr, "released run") {
		t.Errorf("payment file of a pending run: %d %s", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "payout", "runs", "--data", dir, "--incident", "kt-2018-11"); code != 0 || !strings.Contains(stdout, "kt-2018-tiers@1  pending") {
		t.Errorf("runs: %s", stdout)
	}
}
