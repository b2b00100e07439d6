package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// goldenEnv is a server holding the fixed dataset of testdata/golden/reports.jsonl: twelve
// reports over four days in various statuses, with receipts and times that never change.
func goldenEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	f, err := os.Open("testdata/golden/reports.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := uint64(0)
	e.db.NewReceipt = func() string { n++; return claimdesk.ReceiptFromNumber(n * 104729) }
	cli := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "golden"})
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct {
			ReceivedAt time.Time        `json:"received_at"`
			Status     claimdesk.Status `json:"status"`
			Report     json.RawMessage  `json:"report"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		in, err := claimdesk.ParseReportJSON(row.Report)
		if err != nil {
			t.Fatal(err)
		}
		in.Report.Channel = claimdesk.ChannelAPI
		e.db.SetClock(func() time.Time { return row.ReceivedAt })
		r, _, err := e.srv.Reports.CreateReport(cli, in, claimdesk.Idempotency{})
		if err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		// Walk the state machine to the row's status.
		path := map[claimdesk.Status][]claimdesk.StatusChange{
			"in_review":  {{To: "in_review"}},
			"accepted":   {{To: "in_review"}, {To: "accepted"}},
			"rejected":   {{To: "rejected", Reason: "장애와 무관"}},
			"needs_info": {{To: "needs_info", Message: "자료를 올려 주세요"}},
		}[row.Status]
		for _, c := range path {
			if _, err := e.srv.Review.ChangeStatus(cli, r.Receipt, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.db.SetClock(func() time.Time { return time.Date(2022, 10, 21, 9, 0, 0, 0, claimdesk.KST) })
	return e
}

// golden compares got with testdata/golden/name, byte for byte (or rewrites it with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from its golden file (run with -update if the change is right):\n got: %s\nwant: %s", name, truncate(string(got)), truncate(string(want)))
	}
}

// The tables of a fixed dataset are fixed: JSON and CSV, compared byte for byte.
func TestStatsGolden(t *testing.T) {
	e := goldenEnv(t)
	token := e.token(claimdesk.RoleAnalyst)
	for _, tt := range []struct{ file, path string }{
		{"stats.json", "/api/v1/incidents/kakao-2022-10/stats"},
		{"stats-seoul-received.json", "/api/v1/incidents/kakao-2022-10/stats?region=11&status=received"},
		{"stats-days.json", "/api/v1/incidents/kakao-2022-10/stats?from=2022-10-18&to=2022-10-18"},
	} {
		r := e.do("GET", tt.path, "", "Authorization", "Bearer "+token)
		check(t, r, 200, nil, nil)
		golden(t, tt.file, []byte(r.Body))
	}
	for _, table := range sheet.TableNames {
		r := e.do("GET", "/api/v1/incidents/kakao-2022-10/stats/"+table+".csv?lang=en", "", "Authorization", "Bearer "+token)
		check(t, r, 200, nil, nil)
		golden(t, "table-"+table+".csv", []byte(r.Body))
	}
	admin := e.token(claimdesk.RoleAdmin)
	r := e.do("GET", "/api/v1/incidents/kakao-2022-10/export/reports.csv", "", "Authorization", "Bearer "+admin)
	check(t, r, 200, nil, nil)
	golden(t, "reports.csv", []byte(r.Body))
	r = e.do("GET", "/api/v1/incidents/kakao-2022-10/export/reports.csv", "", "Authorization", "Bearer "+token)
	golden(t, "reports-masked.csv", []byte(r.Body))
}

// token makes an API token with the role.
func (e *env) token(role claimdesk.Role) string {
	e.t.Helper()
	cli := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	secret, _, err := e.srv.APITokens.CreateToken(cli, string(role)+"-script", role, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// personToken makes a staff account with the role and a personal token acting as it: what
// moves money.
func (e *env) personToken(role claimdesk.Role) string {
	e.t.Helper()
	cli := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	e.people++
	u := &claimdesk.User{Email: fmt.Sprintf("%s%d@example.org", role, e.people), Role: role}
	if err := e.srv.Users.CreateUser(cli, u, "correct horse battery staple"); err != nil {
		e.t.Fatal(err)
	}
	secret, _, err := e.srv.APITokens.CreateToken(cli, "laptop", "", u.Email)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func TestStatsAPI(t *testing.T) {
	e := goldenEnv(t)
	analyst := e.token(claimdesk.RoleAnalyst)
	path := "/api/v1/incidents/kakao-2022-10/stats"
	check(t, e.do("GET", path, ""), 401, nil, nil)
	check(t, e.do("GET", path, "", "Authorization", "Bearer not-a-token"), 401, nil, nil) // a report token is not a staff token
	check(t, e.do("GET", path, "", "Authorization", "Bearer cdk_unknown"), 401, []string{"폐기"}, nil)
	check(t, e.do("GET", path, "", "Authorization", "Bearer "+e.token(claimdesk.RoleIntake)), 403, nil, nil)
	check(t, e.do("GET", path, "", "Authorization", "Bearer "+e.token(claimdesk.RoleReviewer)), 200, []string{`"total_reports":12`}, nil)
	check(t, e.do("GET", "/api/v1/incidents/nope/stats", "", "Authorization", "Bearer "+analyst), 404, nil, nil)
	check(t, e.do("GET", path+"?region=99&from=yesterday&status=lost", "", "Authorization", "Bearer "+analyst), 422,
		[]string{`"field":"region"`, `"field":"from"`, `"field":"status"`}, nil)
	r := e.do("GET", path, "", "Authorization", "Bearer "+analyst)
	var st claimdesk.Stats
	decodeInto(t, r.Body, &st)
	if st.TotalReports != 12 || st.TotalBusinesses != 11 || st.TotalClaimedLoss != 9_050_000 || st.ByService[0].Service != "talk-channel" ||
		st.ByService[0].Share != 0.5 || len(st.ByDay) != 4 || st.ByDay[2].Count != 0 {
		t.Errorf("stats: %d reports, %d businesses, %d won, first service %+v, days %+v",
			st.TotalReports, st.TotalBusinesses, st.TotalClaimedLoss, st.ByService[0], st.ByDay)
	}

	// Every table downloads as CSV and as XLSX that reads back the same; all of them at once.
	for _, table := range []string{"by_service", "by_day", "loss_by_industry"} {
		csv := e.do("GET", path+"/"+table+".csv", "", "Authorization", "Bearer "+analyst)
		x := e.do("GET", path+"/"+table+".xlsx", "", "Authorization", "Bearer "+analyst)
		check(t, x, 200, nil, nil)
		fromCSV, err1 := sheet.Read([]byte(csv.Body))
		fromXLSX, err2 := sheet.Read([]byte(x.Body))
		if err1 != nil || err2 != nil || len(fromCSV.Rows) != len(fromXLSX.Rows) || fromCSV.Rows[1][0] != fromXLSX.Rows[1][0] {
			t.Errorf("%s: CSV %v and XLSX %v disagree", table, err1, err2)
		}
		if !strings.HasPrefix(csv.Body, "\ufeff") || !strings.Contains(csv.Header.Get("Content-Disposition"), table+".csv") {
			t.Errorf("%s.csv: no BOM or not a download", table)
		}
	}
	all := e.do("GET", path+"/all.xlsx", "", "Authorization", "Bearer "+analyst)
	check(t, all, 200, nil, nil)
	check(t, e.do("GET", path+"/all.csv", "", "Authorization", "Bearer "+analyst), 404, nil, nil)
	check(t, e.do("GET", path+"/nothing.csv", "", "Authorization", "Bearer "+analyst), 404, nil, nil)
}

func TestReportsExport(t *testing.T) {
	e := goldenEnv(t)
	path := "/api/v1/incidents/kakao-2022-10/export/reports.csv"
	analyst := e.do("GET", path, "", "Authorization", "Bearer "+e.token(claimdesk.RoleAnalyst))
	check(t, analyst, 200, []string{"김*지", "010-****-0001", "124-81-*****", "행**집"}, []string{"김민지", "010-1000-0001", "124-81-00998", "HYPERLINK"})
	admin := e.do("GET", path, "", "Authorization", "Bearer "+e.token(claimdesk.RoleAdmin))
	check(t, admin, 200, []string{"김민지", "124-81-00998", `"'=HYPERLINK(""http://evil"")"`}, nil)
	if lines := strings.Count(admin.Body, "\n"); lines != 13 {
		t.Errorf("%d lines, want a header and 12 reports", lines)
	}
	// The queue's filters apply.
	check(t, e.do("GET", path+"?status=received&region=11", "", "Authorization", "Bearer "+e.token(claimdesk.RoleAdmin)), 200,
		[]string{"행복떡집"}, []string{"가나다식당", "꽃피는날"})
	check(t, e.do("GET", path, "", "Authorization", "Bearer "+e.token(claimdesk.RoleReviewer)), 403, nil, nil)
	x := e.do("GET", "/api/v1/incidents/kakao-2022-10/export/reports.xlsx", "", "Authorization", "Bearer "+e.token(claimdesk.RoleAdmin))
	tab, err := sheet.Read([]byte(x.Body))
	if err != nil || len(tab.Rows) != 13 || tab.Rows[0][0] != "receipt" {
		t.Fatalf("XLSX export: %v, %d rows", err, len(tab.Rows))
	}
	check(t, e.do("GET", "/api/v1/incidents/kakao-2022-10/export/reports.pdf", "", "Authorization", "Bearer "+e.token(claimdesk.RoleAdmin)), 404, nil, nil)
}

func TestPublicIncidentPage(t *testing.T) {
	e := goldenEnv(t)
	r := e.do("GET", "/incidents/kakao-2022-10", "")
	check(t, r, 200, []string{`id="total-reports">12<`, `id="total-businesses">11<`, `id="total-loss">9,050,000원<`,
		`<svg id="chart-days"`, "2022-10-19", "톡채널", "이 장애 피해 신고하기"},
		[]string{"김민지", "010-1000", "124-81-00998", "행복떡집", "<script"})
	if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=30" {
		t.Errorf("Cache-Control %q", cc)
	}
	check(t, e.do("GET", "/incidents/kt-2018-11?lang=en", ""), 200, []string{"Damage reports received", `id="total-reports">0<`}, []string{`<svg id="chart-days"`})
	check(t, e.do("GET", "/incidents/nope", ""), 404, nil, nil)
}

func TestDashboardPage(t *testing.T) {
	e := goldenEnv(t)
	ana := e.login(claimdesk.RoleAnalyst)
	r := ana.get("/console/incidents/kakao-2022-10")
	check(t, r, 200, []string{`<svg id="chart-service"`, `<svg id="chart-industry"`, `<svg id="chart-region"`, `<svg id="chart-paid"`,
		`<svg id="chart-status"`, `<svg id="chart-days"`, "50.00%", "33.33%", "개인정보 가림", "/api/v1/incidents/kakao-2022-10/stats/by_service.csv?lang=ko",
		"/api/v1/incidents/kakao-2022-10/export/reports.xlsx", `id="total-reports">12<`}, []string{"<script"})
	check(t, ana.get("/console/incidents/kakao-2022-10?region=11&status=received"), 200,
		[]string{`id="total-reports">3<`, "by_service.csv?lang=ko&amp;region=11&amp;status=received"}, nil)
	check(t, ana.get("/console/incidents/kakao-2022-10?from=nope"), 200, []string{"YYYY-MM-DD", `id="total-reports">12<`}, nil)
	check(t, ana.get("/console/incidents/kakao-2022-10?channel=web"), 200, []string{`id="total-reports">0<`, `<option value="web" selected>`}, nil)
	if r := ana.get("/console"); r.Status != 303 || r.Header.Get("Location") != "/console/incidents/kakao-2022-10" {
		t.Errorf("an analyst's home: %d %q", r.Status, r.Header.Get("Location"))
	}
}

// The public page is kept as rendered until the statistics change, per language; a reader who
// has it already gets 304.
func TestPublicPageKeptUntilTheStatisticsChange(t *testing.T) {
	e := newEnv(t)
	path := "/incidents/kakao-2022-10"
	first := e.do("GET", path, "")
	check(t, first, 200, []string{`id="total-reports">0<`}, nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if r := e.do("GET", path, "", "If-None-Match", etag); r.Status != 304 || r.Body != "" {
		t.Errorf("the same page again: %d %q", r.Status, r.Body)
	}
	en := e.do("GET", path+"?lang=en", "")
	check(t, en, 200, []string{"Damage reports received", `id="total-reports">0<`}, nil)
	if en.Header.Get("ETag") == etag {
		t.Error("the English page has the Korean page's ETag")
	}
	check(t, e.do("POST", "/api/v1/reports", validJSON, "Content-Type", "application/json"), 201, nil, nil)
	r := e.do("GET", path, "", "If-None-Match", etag)
	check(t, r, 200, []string{`id="total-reports">1<`}, nil)
	if r.Header.Get("ETag") == etag {
		t.Error("a changed page kept its ETag")
	}
	check(t, e.do("GET", path+"?lang=en", ""), 200, []string{`id="total-reports">1<`}, nil)
	check(t, e.do("GET", path+"?from=campaign", ""), 200, []string{`id="total-reports">1<`, "from=campaign"}, nil)
}
