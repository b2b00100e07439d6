package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

const validJSON = `{"incident":"kakao-2022-10","business_name":"행복떡집","business_number":"120-81-47521","representative":"김민지","phone":"010-2345-6789","region":"41","district":"수원시","industry":"food","services":["talk-channel","kakao-pay"],"damage_types":["orders_lost"],"damage_start":"2022-10-15","damage_end":"2022-10-17","usual_daily_sales":1500000,"claimed_loss":900000,"description":"톡채널 주문 확인 불가","consent":true}`

// apiReport is the part of an API answer the tests read.
type apiReport struct {
	Receipt     string   `json:"receipt"`
	AccessToken string   `json:"access_token"`
	Status      string   `json:"status"`
	Channel     string   `json:"channel"`
	Phone       string   `json:"phone"`
	ClaimedLoss int64    `json:"claimed_loss"`
	Services    []string `json:"services"`
	ReceivedAt  string   `json:"received_at"`
}

type apiProblem struct {
	Type, Title, Detail, Code string
	RequestID                 string `json:"request_id"`
	Status                    int
	Errors                    []struct{ Field, Code, Message string }
}

func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
	return v
}

func TestAPICreateReport(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/api/v1/reports", validJSON, "Content-Type", "application/json")
	check(t, r, http.StatusCreated, []string{`"status":"received"`, `"channel":"api"`}, nil)
	rep := decode[apiReport](t, r)
	if _, ok := claimdesk.ParseReceipt(rep.Receipt); !ok || rep.AccessToken == "" {
		t.Fatalf("receipt %q, token %q", rep.Receipt, rep.AccessToken)
	}
	if got := r.Header.Get("Location"); got != "/api/v1/reports/"+rep.Receipt {
		t.Errorf("Location %q", got)
	}
	if !strings.HasSuffix(rep.ReceivedAt, "+09:00") {
		t.Errorf("received_at %q is not in KST", rep.ReceivedAt)
	}
	// Read it back with its token, by any spelling of the receipt.
	for _, receipt := range []string{rep.Receipt, strings.ToLower(strings.ReplaceAll(rep.Receipt, "-", ""))} {
		got := e.do("GET", "/api/v1/reports/"+receipt, "", "Authorization", "Bearer "+rep.AccessToken)
		check(t, got, http.StatusOK, []string{`"business_name":"행복떡집"`, `"claimed_loss":900000`, rep.Receipt}, []string{"access_token"})
	}
}

func TestAPIIdempotency(t *testing.T) {
	e := newEnv(t)
	key := []string{"Content-Type", "application/json", "Idempotency-Key", "partner-7f3a"}
	first := decode[apiReport](t, e.do("POST", "/api/v1/reports", validJSON, key...))

	// Same key, same content written differently: the same report, 200.
	reordered := `{"consent":true,` + strings.TrimPrefix(strings.Replace(validJSON, `,"consent":true`, "", 1), "{")
	r := e.do("POST", "/api/v1/reports", reordered, key...)
	check(t, r, http.StatusOK, nil, nil)
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("replay not marked Idempotent-Replayed")
	}
	replay := decode[apiReport](t, r)
	if replay.Receipt != first.Receipt || replay.AccessToken != first.AccessToken {
		t.Fatalf("replay gave %s/%s, want %s/%s", replay.Receipt, replay.AccessToken, first.Receipt, first.AccessToken)
	}

	// Same key, other content: 409, and nothing stored.
	r = e.do("POST", "/api/v1/reports", strings.Replace(validJSON, "900000", "950000", 1), key...)
	check(t, r, http.StatusConflict, []string{"Idempotency-Key"}, nil)
	if r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	// Another key is another report.
	check(t, e.do("POST", "/api/v1/reports", validJSON, "Idempotency-Key", "partner-7f3b"), http.StatusCreated, nil, nil)
	if n := e.countReports(); n != 2 {
		t.Fatalf("%d reports, want 2", n)
	}
}

func TestAPIErrors(t *testing.T) {
	e := newEnv(t)
	ct := []string{"Content-Type", "application/json"}
	tests := []struct {
		name        string
		body        string
		header      []string
		status      int
		contains    []string
		notContains []string
	}{
		{"malformed JSON", `{"incident": "kakao-2022-10", "business_name": `, ct, 400, []string{`"status":400`, "JSON"}, nil},
		{"array", `[]`, ct, 400, []string{"object"}, nil},
		{"empty body", ``, ct, 400, nil, nil},
		{"trailing garbage", validJSON + `x`, ct, 400, nil, nil},
		{"wrong media type", validJSON, []string{"Content-Type", "text/plain"}, 415, []string{"application/json"}, nil},
		{"bad business number", strings.Replace(validJSON, "120-81-47521", "120-81-47522", 1), ct, 422,
			[]string{`"field":"business_number"`, `"code":"brn_checksum"`, "사업자등록번호"}, nil},
		{"bad business number in English", strings.Replace(validJSON, "120-81-47521", "120-81-47522", 1),
			append([]string{"Accept-Language", "en-US,en;q=0.9"}, ct...), 422, []string{"not a valid business registration number"}, []string{"사업자등록번호가"}},
		{"no consent", strings.Replace(validJSON, `"consent":true`, `"consent":false`, 1), ct, 422, []string{`"field":"consent"`}, nil},
		{"foreign service", strings.Replace(validJSON, "talk-channel", "no-such-service", 1), ct, 422, []string{`"field":"services"`, "no-such-service"}, nil},
		{"date outside", strings.Replace(validJSON, "2022-10-17", "2023-03-01", 1), ct, 422, []string{`"field":"damage_end"`, "2022-10-15", "2022-10-20"}, nil},
		{"unknown incident", strings.Replace(validJSON, "kakao-2022-10", "kakao-2099-01", 1), ct, 422, []string{`"field":"incident"`}, nil},
		{"loss as string with other problems", strings.Replace(strings.Replace(validJSON, `900000`, `"a lot"`, 1), "010-2345-6789", "12", 1), ct, 422,
			[]string{`"field":"claimed_loss"`, `"code":"amount_invalid"`, `"field":"phone"`}, nil},
		{"everything missing", `{}`, ct, 422, []string{`"field":"business_name"`, `"field":"phone"`, `"field":"claimed_loss"`, `"field":"consent"`}, nil},
		{"key too long", validJSON, append([]string{"Idempotency-Key", strings.Repeat("k", 256)}, ct...), 400, []string{"Idempotency-Key"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/reports", tt.body, tt.header...)
			check(t, r, tt.status, tt.contains, tt.notContains)
			p := decode[apiProblem](t, r)
			if p.Status != tt.status || p.Title == "" || p.Detail == "" || p.RequestID == "" || p.Code == "" {
				t.Errorf("problem document incomplete: %+v", p)
			}
			if r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
			}
		})
	}
	if n := e.countReports(); n != 0 {
		t.Fatalf("bad requests stored %d reports", n)
	}
}

func TestAPIBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	big := strings.Replace(validJSON, `"description":"톡채널 주문 확인 불가"`, `"description":"`+strings.Repeat("가", 30000)+`"`, 1)
	check(t, e.do("POST", "/api/v1/reports", big, "Content-Type", "application/json"), http.StatusRequestEntityTooLarge, []string{`"status":413`}, nil)
	// A description over its limit but within the body limit is a field error, not a 413.
	long := strings.Replace(validJSON, `"description":"톡채널 주문 확인 불가"`, `"description":"`+strings.Repeat("a", 4001)+`"`, 1)
	check(t, e.do("POST", "/api/v1/reports", long, "Content-Type", "application/json"), 422, []string{`"field":"description"`, `"code":"too_long"`}, nil)
}

func TestAPIGetReportAccess(t *testing.T) {
	e := newEnv(t)
	rep := decode[apiReport](t, e.do("POST", "/api/v1/reports", validJSON))
	other := decode[apiReport](t, e.do("POST", "/api/v1/reports", validJSON))
	path := "/api/v1/reports/" + rep.Receipt

	r := e.do("GET", path, "")
	check(t, r, http.StatusUnauthorized, []string{"Bearer"}, []string{"행복떡집"})
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
	}
	check(t, e.do("GET", path, "", "Authorization", "Bearer wrong"), http.StatusNotFound, nil, []string{"행복떡집"})
	// One report's token does not open another.
	check(t, e.do("GET", path, "", "Authorization", "Bearer "+other.AccessToken), http.StatusNotFound, nil, []string{"행복떡집"})
	check(t, e.do("GET", path, "", "Authorization", "Basic "+rep.AccessToken), http.StatusUnauthorized, nil, nil)
	// A mistyped receipt is told apart from a wrong token.
	typo := rep.Receipt[:len(rep.Receipt)-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(rep.Receipt, "A")]
	check(t, e.do("GET", "/api/v1/reports/"+typo, "", "Authorization", "Bearer "+rep.AccessToken), http.StatusNotFound, []string{`"code":"receipt_typo"`, "다시 확인"}, nil)
	check(t, e.do("GET", path, "", "Authorization", "Bearer "+rep.AccessToken), http.StatusOK, []string{"행복떡집"}, nil)
}

func TestAPIIncidents(t *testing.T) {
	e := newEnv(t)
	check(t, e.do("GET", "/api/v1/incidents", ""), 200, []string{"kakao-2022-10", "kt-2018-11", "talk-channel", "card-terminal", `"outage_start":"2022-10-15T15:30:00+09:00"`, "SK C&C"}, nil)
	check(t, e.do("GET", "/api/v1/incidents?open=false", ""), 200, []string{`"incidents":[]`}, nil)
	check(t, e.do("GET", "/api/v1/incidents/kt-2018-11", ""), 200, []string{`"id":"kt-2018-11"`, "landline", `"approximate":true`}, []string{"kakao"})
	check(t, e.do("GET", "/api/v1/incidents/nope", ""), 404, []string{`"status":404`}, nil)
}

func TestAPIRouting(t *testing.T) {
	e := newEnv(t)
	r := e.do("DELETE", "/api/v1/reports", "")
	check(t, r, http.StatusMethodNotAllowed, []string{`"status":405`}, nil)
	if r.Header.Get("Allow") != "POST" {
		t.Errorf("Allow %q", r.Header.Get("Allow"))
	}
	check(t, e.do("GET", "/api/v1/nothing-here", ""), 404, []string{`"status":404`}, nil)
	check(t, e.do("GET", "/healthz", ""), 200, []string{"ok"}, nil)
	check(t, e.do("GET", "/readyz", ""), 200, []string{"ok"}, nil)
	e.db.Close()
	check(t, e.do("GET", "/readyz", ""), 503, nil, nil)
	check(t, e.do("GET", "/healthz", ""), 200, nil, nil)
}

// When the database is gone, filing answers 503 with a message safe to show, not the error.
func TestAPIUnavailable(t *testing.T) {
	e := newEnv(t)
	e.db.Close()
	r := e.do("POST", "/api/v1/reports", validJSON)
	if r.Status != 503 && r.Status != 500 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	check(t, r, r.Status, nil, []string{"sql", "database is closed"})
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/api/v1/incidents", "/nope"} {
		h := e.do("GET", path, "").Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Request-ID") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	if id := e.do("GET", "/healthz", "", "X-Request-ID", "partner-req-12345").Header.Get("X-Request-ID"); id != "partner-req-12345" {
		t.Errorf("request ID not kept: %q", id)
	}
}
