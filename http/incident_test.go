package http_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

const drillIncident = `{"id":"drill-2026-12","name":{"ko":"훈련용 장애","en":"Drill outage"},"platform":"drill",
	"start":"2026-11-30T09:00:00+09:00","services":[{"id":"pay","name":{"ko":"결제","en":"Payments"},"paid":true}]}`

const drillReport = `{"incident":"drill-2026-12","business_name":"훈련상회","business_number":"120-81-47521","representative":"김민지",
	"phone":"010-2345-6789","region":"11","industry":"retail","services":["pay"],"damage_start":"2026-11-30","damage_end":"2026-12-01",
	"claimed_loss":100000,"consent":true}`

// An administrator runs an outage by API: creates the incident, opens intake, and a merchant
// files at once; a restoration time is corrected, and the public page, the form and a
// simulation take it as it stands; every change is a version with who made it.
func TestLiveIncidentByAPI(t *testing.T) {
	e := newEnv(t)
	adm := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAdmin), "Content-Type", "application/json"}
	analyst := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAnalyst), "Content-Type", "application/json"}
	json := []string{"Content-Type", "application/json"}

	check(t, e.do("POST", "/api/v1/incidents", drillIncident, analyst...), 403, nil, nil)
	check(t, e.do("POST", "/api/v1/incidents", `{"id":"Bad ID","name":{"ko":"","en":""}}`, adm...), 422,
		[]string{`"field":"id"`, `"field":"name"`}, nil)
	r := e.do("POST", "/api/v1/incidents", drillIncident, adm...)
	check(t, r, 201, []string{`"version":1`, `"outage_start":"2026-11-30T09:00:00+09:00"`}, nil)
	if r.Header.Get("Location") != "/api/v1/incidents/drill-2026-12" || r.Header.Get("ETag") != `"1"` {
		t.Errorf("headers %v", r.Header)
	}
	check(t, e.do("POST", "/api/v1/incidents", drillIncident, adm...), 409, nil, nil)

	// Closed until opened; then open without a restart.
	check(t, e.do("POST", "/api/v1/reports", drillReport, json...), 422, []string{"intake_closed"}, nil)
	merge := append([]string{"Content-Type", "application/merge-patch+json"}, adm[:2]...)
	check(t, e.do("PATCH", "/api/v1/incidents/drill-2026-12", `{"intake_open":true}`, merge...), 200, []string{`"version":2`, `"intake_open":true`}, nil)
	check(t, e.do("POST", "/api/v1/reports", drillReport, json...), 201, nil, nil)

	// Payments were back 11-30 21:00 (main functions), fully 12-01 09:00, each with a source.
	check(t, e.do("PATCH", "/api/v1/incidents/drill-2026-12", `{"services":{"pay":{
		"main_back":{"at":"2026-11-30T21:00:00+09:00","source":"https://example.org/notice-1"},
		"full_back":{"at":"2026-12-01T09:00:00+09:00","approximate":true,"source":"운영사 공지"}}}}`, append(merge, "If-Match", `"2"`)...),
		200, []string{`"version":3`, `"main_back":{"at":"2026-11-30T21:00:00+09:00","source":"https://example.org/notice-1"}`}, nil)
	// An edit made from version 2 no longer applies.
	check(t, e.do("PATCH", "/api/v1/incidents/drill-2026-12", `{"platform":"x"}`, append(merge, "If-Match", `"2"`)...), 409, nil, nil)
	// A correction that makes no sense is refused and changes nothing.
	check(t, e.do("PATCH", "/api/v1/incidents/drill-2026-12", `{"services":{"pay":{"main_back":{"at":"2026-11-29T21:00:00+09:00"}}}}`, merge...),
		422, []string{`"field":"services.pay.main_back"`}, nil)

	sim := func() string {
		r := e.do("POST", "/api/v1/incidents/drill-2026-12/payouts/simulate", `{"policies":[{"id":"drill-tiers","name":{"ko":"훈련","en":"Drill"},
			"kind":"duration_tiers","tiers":[{"min_days":1,"amount":100000}]}],"detail":true}`, adm...)
		check(t, r, 200, nil, nil)
		return r.Body
	}
	if body := sim(); !strings.Contains(body, "= 12시간") {
		t.Errorf("simulation before the correction: %s", body)
	}
	check(t, e.do("PATCH", "/api/v1/incidents/drill-2026-12", `{"services":{"pay":{"main_back":{"at":"2026-11-30T23:00:00+09:00","source":"정정 공지"}}}}`, merge...), 200, nil, nil)
	if body := sim(); !strings.Contains(body, "= 14시간") {
		t.Errorf("simulation after the correction: %s", body)
	}
	check(t, e.do("GET", "/incidents/drill-2026-12", ""), 200, []string{"<span class=\"date\">2026-11-30 23:00</span>", "정정 공지", "<span class=\"date\">약 2026-12-01 09:00</span>", "운영사 공지", " 고침</span>"}, nil)

	vs := decode[struct {
		Versions []claimdesk.IncidentVersion `json:"versions"`
	}](t, e.do("GET", "/api/v1/incidents/drill-2026-12/versions", "", adm...))
	if len(vs.Versions) != 4 || vs.Versions[1].Changes[0].Field != "intake_open" || vs.Versions[3].Changes[0].Field != "services.pay.main_back" ||
		!strings.Contains(vs.Versions[3].Actor, "admin") {
		t.Errorf("versions %+v", vs.Versions)
	}
}

// A report filed years after the outage adds a row, not years of empty days: the outage weeks
// day by day, later months one row each; the chart's labels carry the year where it changes
// and stay inside it, and it has a value axis.
func TestLateReportPages(t *testing.T) {
	e := newEnv(t)
	at := func(s string) { tm, _ := time.Parse(time.RFC3339, s); e.db.SetClock(func() time.Time { return tm }) }
	at("2022-10-17T10:00:00+09:00")
	e.fileReport(nil)
	at("2022-10-18T10:00:00+09:00")
	e.fileReport(func(m map[string]any) { m["business_name"] = "둘째 가게" })
	at("2026-12-02T10:00:00+09:00")
	e.fileReport(func(m map[string]any) { m["business_name"] = "늦은 가게" })
	e.db.SetClock(nil)

	page := e.do("GET", "/incidents/kakao-2022-10", "")
	check(t, page, 200, []string{"<td>2022-10-17</td>", "<td>2022-11-03</td>", "<td>2026-12 <span class=\"hint\">(그 달 합계)</span></td>",
		`text-anchor="start">2022-10-17</text>`, `text-anchor="end">2026-12</text>`, `class="tick" text-anchor="end">1</text>`},
		[]string{"<td>2022-12-01</td>", "<td>2023-", "2026-11"})
	if len(page.Body) > 60_000 {
		t.Errorf("the public page is %d bytes with one late report", len(page.Body))
	}
	adm := e.login(claimdesk.RoleAdmin)
	check(t, adm.get("/console/incidents/kakao-2022-10"), 200, []string{"<td>2026-12 <span class=\"hint\">"}, []string{"<td>2024-"})
	// The downloads keep every day.
	analyst := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAnalyst)}
	check(t, e.do("GET", "/api/v1/incidents/kakao-2022-10/stats/by_day.csv", "", analyst...), 200, []string{"2024-06-01,0,2"}, nil)
}

// The same live outage run from the console: an administrator creates the incident with a form,
// opens intake with one action, a merchant files on the form at once, a restoration time is
// corrected with its source, and the changes are listed by who made them.
func TestLiveIncidentInConsole(t *testing.T) {
	e := newEnv(t)
	adm := e.login(claimdesk.RoleAdmin)
	check(t, adm.get("/console/incidents/new"), 200, []string{`name="started_at" type="datetime-local"`, `name="s0_id"`}, nil)
	form := url.Values{"id": {"drill-2026-12"}, "name_ko": {"훈련용 장애"}, "name_en": {"Drill outage"}, "platform": {"drill"},
		"started_at": {"2026-11-30T09:00"}, "contact_ko": {"훈련 접수처 02-000-0000"}, "contact_en": {"Drill desk"},
		"s0_id": {"pay"}, "s0_name_ko": {"결제"}, "s0_name_en": {"Payments"}, "s0_paid": {"1"}, "s0_outage_start": {"2026-11-30T09:00"},
		"s1_id": {""}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("started_at", "어제 아침")
	check(t, adm.post("/console/incidents/new", bad), 422, []string{"장애 시작 (한국 시간): 날짜와 시각을 2022-10-15 15:30처럼"}, nil)
	if _, err := e.srv.Incidents.FindIncidentByID(t.Context(), "drill-2026-12"); err == nil {
		t.Fatal("a refused form stored the incident")
	}
	r := adm.post("/console/incidents/new", form)
	check(t, r, 303, nil, nil)
	edit := r.Header.Get("Location")
	check(t, adm.get(edit), 200, []string{"저장했습니다 (판 1)", "지금은 피해 신고를 받지 않습니다", "신고 접수 시작"}, nil)

	check(t, adm.post("/console/incidents/drill-2026-12/intake", url.Values{"open": {"1"}, "version": {"1"}}), 303, nil, nil)
	merchant := validForm()
	merchant.Set("services", "pay")
	merchant.Set("damage_start", "2026-11-30")
	merchant.Set("damage_end", "2026-11-30")
	check(t, e.postForm("/incidents/drill-2026-12/report", merchant), 303, nil, nil)

	// Payments' main functions were back at 21:00, by the operator's notice.
	fix := url.Values{"version": {"2"}, "name_ko": {"훈련용 장애"}, "name_en": {"Drill outage"}, "platform": {"drill"},
		"started_at": {"2026-11-30T09:00"}, "intake_open": {"1"}, "contact_ko": {"훈련 접수처 02-000-0000"}, "contact_en": {"Drill desk"}, "s0_id": {"pay"}, "s0_name_ko": {"결제"}, "s0_name_en": {"Payments"},
		"s0_paid": {"1"}, "s0_outage_start": {"2026-11-30T09:00"}, "s0_main_at": {"2026-11-30T21:00"}, "s0_main_source": {"운영사 공지 1호"}}
	check(t, adm.post("/console/incidents/drill-2026-12/edit", fix), 303, nil, nil)
	inc, _ := e.srv.Incidents.FindIncidentByID(t.Context(), "drill-2026-12")
	if inc.Version != 3 || !inc.IntakeOpen || inc.Services[0].MainBack.Source != "운영사 공지 1호" || inc.Contact.Ko != "훈련 접수처 02-000-0000" {
		t.Fatalf("after the console's changes: %+v", inc)
	}
	// A colleague's form, made from version 2, does not overwrite version 3.
	check(t, adm.post("/console/incidents/drill-2026-12/edit", fix), 422, []string{"다른 사람이 먼저 이 장애를 고쳤습니다"}, nil)
	page := adm.get("/console/incidents/drill-2026-12/edit")
	check(t, page, 200, []string{"판 3", "결제 · 주요 기능 복구", "신고 접수 마감", "콘솔·API"}, []string{"services.pay.main_back", "user:"})
	check(t, e.do("GET", "/incidents/drill-2026-12", ""), 200, []string{"<span class=\"date\">2026-11-30 21:00</span>", "운영사 공지 1호", "계속 중", " 고침</span>"}, nil)
}
