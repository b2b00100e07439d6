package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

// runCLI runs a command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "sheet", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	os.WriteFile(path, b, 0o644)
	return path
}

// The same rows in three formats import the same way: rows 2, 3 and 7 are filed, 4 (a mistyped
// business number) and 5 (a service of another incident, a date after the outage) are not,
// the blank row 6 is skipped; importing again files nothing new.
func TestImportFormats(t *testing.T) {
	for _, file := range []string{"reports-utf8.csv", "reports-cp949.csv", "reports.xlsx"} {
		t.Run(file, func(t *testing.T) {
			data := t.TempDir()
			path := fixture(t, file)
			code, out, errOut := runCLI(t, "import", "--data", data, path)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (some rows failed)\n%s%s", code, out, errOut)
			}
			for _, want := range []string{"5 rows: 3 imported, 0 imported before, 2 with problems",
				// The row, the column, the field, and for a value that names nothing, what the
				// column accepts.
				"row 4: C열 사업자등록번호: 올바른 사업자등록번호가 아닙니다",
				"row 5: H열 피해 서비스: 이 장애에 해당하지 않는 서비스입니다: landline (가능한 값: 톡채널, 카카오톡 메시지, ",
				"row 5: K열 피해 종료일: 장애 기간(2022-10-15 ~ 2022-10-20)"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			result, err := os.ReadFile(strings.TrimSuffix(path, filepath.Ext(path)) + ".result.csv")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(result)), "\n")
			if len(lines) != 6 || !strings.HasPrefix(lines[0], "\ufeffrow,status,receipt,errors") ||
				!strings.HasPrefix(lines[1], "2,imported,") || !strings.HasPrefix(lines[3], "4,failed,,") || !strings.HasPrefix(lines[5], "7,imported,") {
				t.Errorf("result file:\n%s", result)
			}

			code, out, _ = runCLI(t, "import", "--data", data, path, "--lang", "en")
			if code != 1 || !strings.Contains(out, "0 imported, 3 imported before, 2 with problems") ||
				!strings.Contains(out, "row 4: column C Business registration number: This is not a valid") {
				t.Errorf("re-import: exit %d\n%s", code, out)
			}
			db := openTestDB(t, data)
			all, _ := store.NewReportService(db).FindReports(context.Background(), claimdesk.ReportFilter{})
			if len(all) != 3 {
				t.Fatalf("%d reports stored, want 3", len(all))
			}
			byName := map[string]*claimdesk.Report{}
			for _, r := range all {
				byName[r.BusinessName] = r
			}
			g, ah := byName["가나다식당"], byName["아현분식"]
			if g == nil || ah == nil || g.Channel != claimdesk.ChannelImport || g.DamageStart.String() != "2022-10-15" ||
				len(g.Services) != 2 || ah.Incident != "kt-2018-11" || ah.DamageEnd.String() != "2018-11-30" || !strings.HasPrefix(g.EnteredBy, "cli:") {
				t.Fatalf("stored: %+v\n%+v", g, ah)
			}
			if file != "reports.xlsx" && (g.ClaimedLoss != 300000 || *g.UsualDailySales != 1500000 || ah.ClaimedLoss != 2000000) {
				t.Errorf("amounts with separators: %d %d %d", g.ClaimedLoss, *g.UsualDailySales, ah.ClaimedLoss)
			}
			if ah.Description != `=HYPERLINK("x")` {
				t.Errorf("description stored as %q: it is kept as typed, and neutralised only in exports", ah.Description)
			}
			v, err := store.NewAuditService(db).VerifyAudit(context.Background(), nil)
			if err != nil || !v.OK() || v.Entries != 7 { // 2 built-in policies stored, 3 reports and 2 imports
				t.Errorf("audit %+v %v", v, err)
			}
		})
	}
}

func TestImportAllOrNothing(t *testing.T) {
	data := t.TempDir()
	code, out, _ := runCLI(t, "import", "--all-or-nothing", "--data", data, fixture(t, "reports-utf8.csv"))
	if code != 1 || !strings.Contains(out, "0 imported, 0 imported before, 2 with problems, 3 not imported (--all-or-nothing)") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	all, _ := store.NewReportService(openTestDB(t, data)).FindReports(context.Background(), claimdesk.ReportFilter{})
	if len(all) != 0 {
		t.Fatalf("%d reports stored", len(all))
	}
}

func TestImportFileProblems(t *testing.T) {
	dir := t.TempDir()
	noColumns := filepath.Join(dir, "short.csv")
	os.WriteFile(noColumns, []byte("incident,business_name\nkakao-2022-10,가게\n"), 0o644)
	code, _, errOut := runCLI(t, "import", "--data", dir, noColumns)
	if code != 1 || !strings.Contains(errOut, "필요한 열이 없습니다: representative") || !strings.Contains(errOut, "consent") {
		t.Errorf("missing columns: exit %d: %s", code, errOut)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("business_name,business_number,representative,phone,region,industry,services,damage_start,damage_end,claimed_loss,consent\n"+
		"가게,120-81-47521,김,010-1234-5678,11,food,talk-channel,2022-10-15,2022-10-15,1000,Y\n"), 0o644)
	code, out, _ := runCLI(t, "import", "--data", dir, "--incident", "kakao-2022-10", good)
	if code != 0 || !strings.Contains(out, "1 imported") {
		t.Errorf("--incident for rows without one: exit %d: %s", code, out)
	}
	code, _, errOut = runCLI(t, "import", "--data", dir, filepath.Join(dir, "missing.csv"))
	if code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d: %s", code, errOut)
	}
	code, _, _ = runCLI(t, "import", "--data", dir)
	if code != 2 {
		t.Errorf("no file: exit %d", code)
	}
}

// openTestDB opens a data directory the commands wrote, with its audit key.
func openTestDB(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := openDB(context.Background(), &place{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestExportCommand(t *testing.T) {
	data := t.TempDir()
	runCLI(t, "import", "--data", data, fixture(t, "reports-utf8.csv"))
	out := filepath.Join(t.TempDir(), "reports.csv")
	// For people, Korean headers with names beside the codes; for partners, docs/api.md's.
	code, _, errOut := runCLI(t, "export", "--data", data, "--incident", "kakao-2022-10", "--format", "csv", "--out", out)
	if b, _ := os.ReadFile(out); code != 0 || !strings.HasPrefix(string(b), "\ufeff접수번호,처리 상태,처리 상태 코드,접수 시각") ||
		!strings.Contains(string(b), ",서울특별시,11,") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, b)
	}
	code, _, errOut = runCLI(t, "export", "--data", data, "--incident", "kakao-2022-10", "--format", "csv", "--columns", "api", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(b), "\ufeffreceipt,status,received_at") || strings.Count(string(b), "\n") != 3 ||
		!strings.Contains(string(b), "가나다식당") || !strings.Contains(errOut, "2 rows of reports") {
		t.Fatalf("export:\n%s\n%s", b, errOut)
	}
	code, stdout, _ := runCLI(t, "export", "--data", data, "--incident", "kakao-2022-10", "--masked")
	if code != 0 || strings.Contains(stdout, "가나다식당") || !strings.Contains(stdout, "가***당") {
		t.Errorf("masked export to stdout: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "export", "--data", data, "--incident", "kakao-2022-10", "--table", "by_industry", "--lang", "en")
	if code != 0 || !strings.Contains(stdout, "food,Food service,1,0.5000") {
		t.Errorf("table export: exit %d\n%s", code, stdout)
	}
	xlsx := filepath.Join(t.TempDir(), "all.xlsx")
	if code, _, errOut := runCLI(t, "export", "--data", data, "--incident", "kakao-2022-10", "--table", "all", "--format", "xlsx", "--out", xlsx); code != 0 {
		t.Fatalf("all tables: %s", errOut)
	}
	// To a device (a pipe, /dev/null): written, not synced, as a device cannot be.
	if code, _, errOut := runCLI(t, "export", "--data", data, "--incident", "kakao-2022-10", "--out", os.DevNull); code != 0 {
		t.Errorf("export to %s: %s", os.DevNull, errOut)
	}
	for _, bad := range [][]string{
		{"export", "--data", data},
		{"export", "--data", data, "--incident", "nope"},
		{"export", "--data", data, "--incident", "kakao-2022-10", "--format", "pdf"},
		{"export", "--data", data, "--incident", "kakao-2022-10", "--table", "all"},
		{"export", "--data", data, "--incident", "kakao-2022-10", "--table", "nothing"},
	} {
		if code, _, _ := runCLI(t, bad...); code == 0 {
			t.Errorf("%v succeeded", bad)
		}
	}
}

// A restore that fails leaves the data directory as it found it, and a key file that is not a
// key is refused before anything is written.
func TestRestoreFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "audit.key")
	os.WriteFile(key, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte("abcde"), 0o600)
	notDB := filepath.Join(dir, "backup.db")
	os.WriteFile(notDB, []byte("not a database"), 0o600)
	data := filepath.Join(dir, "data")

	if code, _, stderr := runCLI(t, "restore", "--data", data, "--from", notDB, "--audit-key", key); code != 1 || !strings.Contains(stderr, "SQLite") {
		t.Fatalf("restore of a broken backup: %d %s", code, stderr)
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Fatalf("a failed restore left %v", entries)
	}
	if code, _, stderr := runCLI(t, "restore", "--data", data, "--from", notDB, "--audit-key", short); code != 1 || !strings.Contains(stderr, "not an audit key") {
		t.Fatalf("a 5-byte key: %d %s", code, stderr)
	}
	// The good backup then restores into the same directory.
	src := t.TempDir()
	runCLI(t, "import", "--data", src, fixture(t, "reports-utf8.csv"))
	backup := filepath.Join(dir, "good.db")
	if code, _, stderr := runCLI(t, "backup", "--data", src, "--to", backup); code != 0 {
		t.Fatalf("backup: %s", stderr)
	}
	if code, _, stderr := runCLI(t, "restore", "--data", data, "--from", backup, "--audit-key", filepath.Join(src, "audit.key")); code != 0 {
		t.Fatalf("restore after a failed one: %s", stderr)
	}
	if code, out, stderr := runCLI(t, "audit", "verify", "--data", data); code != 0 {
		t.Errorf("verify with the restored key: %d %s %s", code, out, stderr)
	}
	// Restored without its key, the trail is not called tampered with: the key changed.
	nokey := filepath.Join(dir, "nokey")
	if code, _, stderr := runCLI(t, "restore", "--data", nokey, "--from", backup); code != 0 {
		t.Fatalf("restore without a key: %s", stderr)
	}
	code, out, stderr := runCLI(t, "audit", "verify", "--data", nokey)
	if code != 1 || !strings.Contains(out+stderr, "NOT VERIFIED: entries written under audit keys not given here: 6") ||
		!strings.Contains(out+stderr, "--audit-key") || strings.Contains(out+stderr, "was changed after it was written") {
		t.Errorf("verify without the key: %d\n%s%s", code, out, stderr)
	}
	// Given the old key, it checks them.
	if code, out, stderr := runCLI(t, "audit", "verify", "--data", nokey, "--audit-key", filepath.Join(src, "audit.key")); code != 0 ||
		!strings.Contains(out, "audit trail intact") {
		t.Errorf("verify with the old key given: %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "audit", "verify", "--data", nokey, "--audit-key", filepath.Join(src, "missing.key")); code != 1 ||
		!strings.Contains(stderr, "--audit-key") {
		t.Errorf("verify with a key file that is not there: %d %s", code, stderr)
	}
}

// The example files of the README, written as a Korean office writes them: Korean headers,
// CP949, names instead of codes, short forms, dates and amounts in Korean ways. Importing them
// then simulating KT's 2019 scheme gives what the README shows.
func TestImportKoreanOfficeFile(t *testing.T) {
	data := t.TempDir()
	example := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name)
		os.WriteFile(path, b, 0o644)
		return path
	}
	code, out, _ := runCLI(t, "import", "--data", data, example("협회접수분.csv"))
	if code != 1 || !strings.Contains(out, "(csv, cp949): 5 rows: 3 imported, 0 imported before, 2 with problems") ||
		!strings.Contains(out, "row 5: J열 피해 서비스: 이 장애에 해당하지 않는 서비스입니다: 유선전화 (가능한 값: 톡채널, 카카오톡 메시지,") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	all, _ := store.NewReportService(openTestDB(t, data)).FindReports(context.Background(), claimdesk.ReportFilter{})
	byName := map[string]*claimdesk.Report{}
	for _, r := range all {
		byName[r.BusinessName] = r
	}
	g, h, k := byName["가나다식당"], byName["행복꽃집"], byName["김대리 대리운전"]
	if g == nil || h == nil || k == nil {
		t.Fatalf("stored %v", byName)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"서울", g.Region, "11"}, {"경기도", h.Region, "41"}, {"경기", k.Region, "41"},
		{"외식업", g.Industry, "food"}, {"도소매", h.Industry, "retail"}, {"운수업", k.Industry, "transport"},
		{"톡채널; 카카오페이", strings.Join(g.Services, ","), "talk-channel,kakao-pay"}, {"카카오톡", strings.Join(h.Services, ","), "kakaotalk"},
		{"카카오T", strings.Join(k.Services, ","), "kakao-t"}, {"주문·예약 접수 불가", strings.Join(g.DamageTypes, ","), "orders_lost"},
		{"2022.10.16", g.DamageEnd.String(), "2022-10-16"}, {"2022년 10월 17일", h.DamageEnd.String(), "2022-10-17"},
		{"300,000원", g.ClaimedLoss, int64(300_000)}, {"45만원", h.ClaimedLoss, int64(450_000)}, {"150만원", *g.UsualDailySales, int64(1_500_000)},
	} {
		if c.got != c.want {
			t.Errorf("%q stored as %v, want %v", c.what, c.got, c.want)
		}
	}

	if code, out, _ := runCLI(t, "import", "--data", data, example("kt-batch.csv")); code != 0 || !strings.Contains(out, "5 imported") {
		t.Fatalf("kt-batch: exit %d\n%s", code, out)
	}
	detail := filepath.Join(t.TempDir(), "kt.csv")
	code, out, _ = runCLI(t, "payout", "simulate", "--data", data, "--incident", "kt-2018-11", "--policy", "kt-2018-tiers", "--detail", detail)
	csv, _ := os.ReadFile(detail)
	if code != 0 || !strings.Contains(out, "kt-2018-tiers@1            4         0           1  3,400,000") ||
		!strings.Contains(string(csv), "ineligible,,0,0,,대상 아님: 지역 부산광역시") {
		t.Errorf("simulate: %d\n%s\n%s", code, out, csv)
	}
}

// The template an office fills in imports as it is: its example row is filed.
func TestImportTemplateCommand(t *testing.T) {
	data := t.TempDir()
	tpl := filepath.Join(t.TempDir(), "양식.xlsx")
	code, out, errOut := runCLI(t, "import", "--data", data, "--template", tpl, "--incident", "kt-2018-11")
	if code != 0 || !strings.Contains(out, "template: "+tpl) {
		t.Fatalf("template: %d %s %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "import", "--data", data, tpl); code != 0 || !strings.Contains(out, "1 rows: 1 imported") {
		t.Errorf("importing the template: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "import", "--data", data, "--template", tpl, "--incident", "nope"); code != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("a template for no incident: %d %s", code, errOut)
	}
}
