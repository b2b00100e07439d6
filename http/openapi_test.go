package http_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/claimdesk/claimdesk"
)

// openapi.yaml is checked against the server's real answers: every documented path is called,
// every call finds its path in the document, and every answer — success or problem — has a
// documented status and matches its schema.
func TestOpenAPIMatchesTheServer(t *testing.T) {
	ctx := t.Context()
	doc, err := openapi3.NewLoader().LoadFromData(claimdesk.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	filed := decode[apiReport](t, e.do("POST", "/api/v1/reports", validJSON))
	bearer := []string{"Authorization", "Bearer " + filed.AccessToken}
	ct := []string{"Content-Type", "application/json"}
	analyst := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAnalyst)}
	admin := []string{"Authorization", "Bearer " + e.personToken(claimdesk.RoleAdmin)}
	intake := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleIntake)}
	stats := "/api/v1/incidents/kakao-2022-10/stats"
	export := "/api/v1/incidents/kakao-2022-10/export/"
	admin2 := []string{"Authorization", "Bearer " + e.personToken(claimdesk.RoleAdmin)}
	reviewer := []string{"Authorization", "Bearer " + e.personToken(claimdesk.RoleReviewer)}
	report := "/api/v1/reports/" + filed.Receipt
	simulate := "/api/v1/incidents/kakao-2022-10/payouts/simulate"
	runs := "/api/v1/incidents/kakao-2022-10/payouts/runs"

	tests := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		validRequest             bool // the request itself conforms to the document
	}{
		{"create", "POST", "/api/v1/reports", validJSON, append([]string{"Idempotency-Key", "oa-1"}, ct...), 201, true},
		{"replay", "POST", "/api/v1/reports", validJSON, append([]string{"Idempotency-Key", "oa-1"}, ct...), 200, true},
		{"key reused", "POST", "/api/v1/reports", strings.Replace(validJSON, "900000", "1", 1), append([]string{"Idempotency-Key", "oa-1"}, ct...), 409, true},
		{"no business number, with a reason", "POST", "/api/v1/reports",
			strings.Replace(validJSON, `"business_number":"120-81-47521"`, `"business_number":"","no_business_number_reason":"대리운전 기사"`, 1), ct, 201, true},
		{"malformed", "POST", "/api/v1/reports", `{"incident":`, ct, 400, false},
		{"invalid", "POST", "/api/v1/reports", strings.Replace(validJSON, "120-81-47521", "120-81-47522", 1), ct, 422, true},
		{"not JSON", "POST", "/api/v1/reports", "a=b", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, false},
		{"too large", "POST", "/api/v1/reports", strings.Replace(validJSON, `"description":"톡채널 주문 확인 불가"`, `"description":"`+strings.Repeat("가", 30000)+`"`, 1), ct, 413, false},
		{"read", "GET", "/api/v1/reports/" + filed.Receipt, "", bearer, 200, true},
		{"read without token", "GET", "/api/v1/reports/" + filed.Receipt, "", nil, 401, false},
		{"read with a wrong token", "GET", "/api/v1/reports/" + filed.Receipt, "", []string{"Authorization", "Bearer nope"}, 404, true},
		{"incidents", "GET", "/api/v1/incidents", "", nil, 200, true},
		{"open incidents", "GET", "/api/v1/incidents?open=true", "", nil, 200, true},
		{"incident", "GET", "/api/v1/incidents/kt-2018-11", "", nil, 200, true},
		{"no such incident", "GET", "/api/v1/incidents/nope", "", nil, 404, true},
		{"create an incident", "POST", "/api/v1/incidents", drillIncident, append(ct, admin...), 201, true},
		{"an incident again", "POST", "/api/v1/incidents", drillIncident, append(ct, admin...), 409, true},
		{"create an incident, not admin", "POST", "/api/v1/incidents", drillIncident, append(ct, analyst...), 403, true},
		{"open intake", "PATCH", "/api/v1/incidents/drill-2026-12", `{"intake_open":true}`,
			append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"1"`}, admin...), 200, true},
		{"a stale change", "PATCH", "/api/v1/incidents/drill-2026-12", `{"intake_open":false}`,
			append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"1"`}, admin...), 409, true},
		{"a change that breaks a rule", "PATCH", "/api/v1/incidents/drill-2026-12", `{"name":{"ko":""}}`,
			append([]string{"Content-Type", "application/merge-patch+json"}, admin...), 422, true},
		{"change no incident", "PATCH", "/api/v1/incidents/nope", `{}`, append(ct, admin...), 404, true},
		{"versions", "GET", "/api/v1/incidents/drill-2026-12/versions", "", admin, 200, true},
		{"versions, not admin", "GET", "/api/v1/incidents/drill-2026-12/versions", "", analyst, 403, true},
		{"the document", "GET", "/api/v1/openapi.yaml", "", nil, 200, true},
		{"stats", "GET", stats, "", analyst, 200, true},
		{"stats, filtered", "GET", stats + "?status=received,accepted&from=2022-10-15&to=2022-10-31&region=11&industry=food&channel=api", "", analyst, 200, true},
		{"stats without a token", "GET", stats, "", nil, 401, false},
		{"stats for intake staff", "GET", stats, "", intake, 403, true},
		{"stats of no incident", "GET", "/api/v1/incidents/nope/stats", "", analyst, 404, true},
		{"stats, bad filter", "GET", stats + "?region=99&from=yesterday", "", analyst, 422, false},
		{"a stats table", "GET", stats + "/by_service.csv?lang=en", "", analyst, 200, true},
		{"all stats tables", "GET", stats + "/all.xlsx", "", analyst, 200, true},
		{"no such table", "GET", stats + "/nope.csv", "", analyst, 404, true},
		{"stats table, bad filter", "GET", stats + "/by_day.csv?to=never", "", analyst, 422, false},
		{"export csv", "GET", export + "reports.csv?status=received", "", admin, 200, true},
		{"export xlsx", "GET", export + "reports.xlsx", "", analyst, 200, true},
		{"export without a token", "GET", export + "reports.csv", "", nil, 401, false},
		{"export for intake staff", "GET", export + "reports.csv", "", intake, 403, true},
		{"export of no incident", "GET", "/api/v1/incidents/nope/export/reports.csv", "", admin, 404, true},
		{"export, bad filter", "GET", export + "reports.csv?from=yesterday", "", admin, 422, false},
		{"simulate", "POST", simulate, `{"policies":["kakao-2022-brackets",{"id":"flat-1","name":{"ko":"a","en":"a"},"kind":"flat","flat":{"amount":1},"budget":1}],"detail":true}`, append(analyst, ct...), 200, true},
		{"simulate, unknown policy", "POST", simulate, `{"policies":["nope"]}`, append(analyst, ct...), 422, true},
		{"simulate without a token", "POST", simulate, `{"policies":["nope"]}`, ct, 401, false},
		{"simulate for intake staff", "POST", simulate, `{"policies":["kakao-2022-brackets"]}`, append(intake, ct...), 403, true},
		{"adopt", "POST", runs, `{"policy":"kakao-2022-brackets"}`, append(admin, ct...), 201, true},
		{"adopt, not an admin", "POST", runs, `{"policy":"kakao-2022-brackets"}`, append(analyst, ct...), 403, true},
		{"runs", "GET", runs, "", analyst, 200, true},
		{"payments before release", "GET", "/api/v1/payouts/runs/1/payments.csv", "", admin, 409, true},
		{"release by who adopted", "POST", "/api/v1/payouts/runs/1/release", "", admin, 403, true},
		{"release", "POST", "/api/v1/payouts/runs/1/release", "", admin2, 200, true},
		{"release again", "POST", "/api/v1/payouts/runs/1/release", "", admin2, 409, true},
		{"a run", "GET", "/api/v1/payouts/runs/1", "", analyst, 200, true},
		{"no such run", "GET", "/api/v1/payouts/runs/9", "", analyst, 404, true},
		{"payments", "GET", "/api/v1/payouts/runs/1/payments.xlsx", "", admin2, 200, true},
		{"no offer before review", "GET", report + "/offer", "", bearer, 404, true},
		{"review", "POST", report + "/status", `{"status":"in_review"}`, append(reviewer, ct...), 200, true},
		{"accept in review", "POST", report + "/status", `{"status":"accepted"}`, append(reviewer, ct...), 200, true},
		{"a move review does not allow", "POST", report + "/status", `{"status":"needs_info","message":"x"}`, append(reviewer, ct...), 409, true},
		{"status by an analyst", "POST", report + "/status", `{"status":"in_review"}`, append(analyst, ct...), 403, true},
		{"a referred offer", "GET", report + "/offer", "", bearer, 200, true},
		{"accept nothing", "POST", report + "/offer", `{"answer":"accept","bank":"KB국민은행","account":"123-456-789012","holder":"김민지"}`, append(bearer, ct...), 409, true},
		{"award above the claim", "POST", report + "/award", `{"amount":2000000,"reason":"x"}`, append(reviewer, ct...), 422, true},
		{"award", "POST", report + "/award", `{"amount":700000,"reason":"매출 장부 확인"}`, append(reviewer, ct...), 201, true},
		{"award by a service token", "POST", report + "/award", `{"amount":700000,"reason":"x"}`, append(intake, ct...), 403, true},
		{"approve one's own award", "POST", report + "/award/approve", "", reviewer, 403, true},
		{"awards", "GET", report + "/awards", "", reviewer, 200, true},
		{"approve", "POST", report + "/award/approve", "", admin2, 200, true},
		{"decline, none waiting", "POST", report + "/award/decline", `{"note":"x"}`, append(admin2, ct...), 404, true},
		{"the award offered", "GET", report + "/offer", "", bearer, 200, true},
		{"answer, malformed", "POST", report + "/offer", `{"answer":"maybe"}`, append(bearer, ct...), 422, false},
		{"accept, no account", "POST", report + "/offer", `{"answer":"accept","bank":"KB국민은행"}`, append(bearer, ct...), 422, true},
		{"accept", "POST", report + "/offer", `{"answer":"accept","bank":"KB국민은행","account":"123-456-789012","holder":"김민지"}`, append(bearer, ct...), 200, true},
		{"accept again", "POST", report + "/offer", `{"answer":"accept","bank":"KB국민은행","account":"123-456-789012","holder":"김민지"}`, append(bearer, ct...), 409, true},
		{"offer to staff", "GET", report + "/offer", "", reviewer, 200, true},
		{"make a payment file", "POST", "/api/v1/payouts/runs/1/payment-files", "", admin2, 201, true},
		{"nothing more to export", "POST", "/api/v1/payouts/runs/1/payment-files", "", admin2, 409, true},
		{"payment files", "GET", "/api/v1/payouts/runs/1/payment-files", "", admin, 200, true},
		{"a payment file", "GET", "/api/v1/payment-files/1", "", admin, 200, true},
		{"no such payment file", "GET", "/api/v1/payment-files/9", "", admin, 404, true},
		{"a payment file's lines", "GET", "/api/v1/payment-files/1/payments.csv", "", admin, 200, true},
		{"mark it paid", "POST", "/api/v1/payment-files/1/paid", "", admin, 200, true},
		{"mark it paid again", "POST", "/api/v1/payment-files/1/paid", "", admin, 409, true},
		{"mark the run paid", "POST", "/api/v1/payouts/runs/1/paid", "", admin, 200, true},
		{"register a webhook", "POST", "/api/v1/webhooks", `{"url":"https://partner.example.org/hooks","events":["report.created","report.corrected"]}`, append(admin, ct...), 201, true},
		{"register a webhook, bad", "POST", "/api/v1/webhooks", `{"url":"partner","events":["report.deleted"]}`, append(admin, ct...), 422, false},
		{"register a webhook, not an admin", "POST", "/api/v1/webhooks", `{"url":"https://partner.example.org","events":["report.created"]}`, append(reviewer, ct...), 403, true},
		{"webhooks", "GET", "/api/v1/webhooks", "", admin, 200, true},
		{"correct a report", "POST", report + "/correction", `{"changes":{"district":"팔달구"},"reason":"주소 확인"}`, append(reviewer, ct...), 200, true},
		{"correct, no reason", "POST", report + "/correction", `{"changes":{"district":"장안구"},"reason":""}`, append(reviewer, ct...), 422, true},
		{"deliveries", "GET", "/api/v1/webhooks/1/deliveries", "", admin, 200, true},
		{"replay nothing", "POST", "/api/v1/webhooks/1/deliveries/msg_nosuch/replay", "", admin, 404, true},
		{"a report's messages", "GET", report + "/messages", "", reviewer, 200, true},
		{"no such batch", "GET", "/api/v1/messages/batches/b_nosuch", "", reviewer, 404, true},
	}
	called := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctx, tt.method, e.ts.URL+tt.path, strings.NewReader(tt.body))
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("%s %s is not in openapi.yaml: %v", tt.method, tt.path, err)
			}
			called[route.Method+" "+route.Path] = true
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if tt.validRequest {
				if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
					t.Fatalf("request does not match the document: %v", err)
				}
				req.Body = io.NopCloser(strings.NewReader(tt.body))
			}
			r := e.do(tt.method, tt.path, tt.body, tt.header...)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in, Status: r.Status, Header: r.Header,
				Body:    io.NopCloser(bytes.NewReader([]byte(r.Body))),
				Options: &openapi3filter.Options{IncludeResponseStatus: true},
			})
			if err != nil {
				t.Fatalf("answer does not match the document: %v", err)
			}
		})
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !called[method+" "+path] {
				t.Errorf("%s %s is documented but no test calls it", method, path)
			}
		}
	}
}
