package http_test

import (
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// Past the per-address limit, intake answers 429 with Retry-After in the client's language and
// stores nothing; partners with a token are not limited; another address is not affected.
func TestIntakeRateLimit(t *testing.T) {
	e := newEnv(t)
	e.srv.SetRateLimit("intake", 3, 3)
	e.srv.TrustProxy = true
	json := []string{"Content-Type", "application/json", "X-Forwarded-For", "198.51.100.7"}
	for range 3 {
		check(t, e.do("POST", "/api/v1/reports", validJSON, json...), 201, nil, nil)
	}
	r := e.do("POST", "/api/v1/reports", validJSON, append(json, "Accept-Language", "en")...)
	check(t, r, 429, []string{`"code":"rate_limited"`, "Too many requests"}, nil)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if n := e.countReports(); n != 3 {
		t.Errorf("%d reports stored, want 3", n)
	}
	// The form says so as a page, in Korean.
	form := validForm()
	check(t, e.postForm("/incidents/kakao-2022-10/report", form, "X-Forwarded-For", "198.51.100.7"), 429, []string{"요청이 너무 많습니다"}, nil)
	// Another address, and a partner's token from the same one, go through.
	check(t, e.do("POST", "/api/v1/reports", validJSON, "Content-Type", "application/json", "X-Forwarded-For", "198.51.100.8"), 201, nil, nil)
	partner := append(json, "Authorization", "Bearer "+e.token(claimdesk.RoleIntake))
	check(t, e.do("POST", "/api/v1/reports", validJSON, partner...), 201, nil, nil)
	// A proxy's own X-Forwarded-For entry is the last one: a client cannot pose as another.
	check(t, e.do("POST", "/api/v1/reports", validJSON, "Content-Type", "application/json", "X-Forwarded-For", "198.51.100.9, 198.51.100.7"), 429, nil, nil)
	metrics := e.do("GET", "/metrics", "")
	if !strings.Contains(metrics.Body, `claimdesk_rate_limited_total{limit="intake"} 3`) {
		t.Errorf("metrics: %s", truncate(metrics.Body))
	}
}

// Lookups are limited more strictly: receipt and phone could otherwise be guessed.
func TestLookupRateLimit(t *testing.T) {
	e := newEnv(t)
	e.srv.SetRateLimit("lookup", 2, 2)
	form := map[string][]string{"receipt": {"ABC-DEF-GHJ"}, "phone": {"010-1111-2222"}}
	for range 2 {
		check(t, e.postForm("/lookup", form), 422, nil, nil)
	}
	check(t, e.postForm("/lookup", form), 429, []string{"요청이 너무 많습니다"}, nil)
}
