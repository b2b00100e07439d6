package http_test

import (
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
	check(t, e.do("GET", "/incidents/drill-2026-12", ""), 200, []string{"2026-11-30 09:00 ~ 2026-11-30 23:00 (전면 복구 약 2026-12-01 09:00)"}, nil)

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
	at := func(s string) { tm, _ := time.Parse(time.RFC3339, s); e.db.Now = func() time.Time { return tm } }
	at("2022-10-17T10:00:00+09:00")
	e.fileReport(nil)
	at("2022-10-18T10:00:00+09:00")
	e.fileReport(func(m map[string]any) { m["business_name"] = "둘째 가게" })
	at("2026-12-02T10:00:00+09:00")
	e.fileReport(func(m map[string]any) { m["business_name"] = "늦은 가게" })
	e.db.Now = time.Now

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
