package claimdesk_test

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// Invariants of a report that passed validation, whatever the input was.
var (
	validPhone    = regexp.MustCompile(`^0\d{1,2}-\d{3,4}-\d{4}$`)
	validBusiness = regexp.MustCompile(`^\d{3}-\d{2}-\d{5}$`)
)

// checkValid fails when a report that passed validation breaks a rule the rest of the system
// relies on, or does not pass again (validation must be stable).
func checkValid(t *testing.T, in *claimdesk.ReportInput, inc *claimdesk.Incident) {
	t.Helper()
	r := &in.Report
	if !validPhone.MatchString(r.Phone) {
		t.Errorf("valid report with phone %q", r.Phone)
	}
	if r.BusinessNumber != "" && !validBusiness.MatchString(r.BusinessNumber) {
		t.Errorf("valid report with business number %q", r.BusinessNumber)
	}
	if r.BusinessNumber == "" && r.NoBusinessNumberReason == "" {
		t.Error("valid report with neither a business number nor a reason")
	}
	if r.ClaimedLoss < 0 || (r.UsualDailySales != nil && *r.UsualDailySales < 0) || len(r.Services) == 0 || !r.Consent {
		t.Errorf("valid report %+v", r)
	}
	if r.DamageEnd.Before(r.DamageStart) {
		t.Errorf("damage ends %v before it starts %v", r.DamageEnd, r.DamageStart)
	}
	again := *in
	again.Report.Services = append([]string(nil), r.Services...)
	if err := again.Validate(inc, now); err != nil {
		t.Errorf("a valid report fails a second validation: %v", err)
	}
}

// FuzzParseReportJSON decodes arbitrary bodies as the API does and validates what decodes: no
// input may panic, and whatever passes must hold the system's invariants.
func FuzzParseReportJSON(f *testing.F) {
	f.Add([]byte(validJSON))
	f.Add([]byte(`{"incident":"kakao-2022-10","claimed_loss":"900,000","services":"talk-channel"}`))
	f.Add([]byte(`{"claimed_loss":1e400,"usual_daily_sales":-1,"damage_start":"2022-02-30"}`))
	f.Add([]byte(`{"business_name":"\u0000\ud800","phone":"+82 10-2345-6789"}`))
	f.Add([]byte(`[]`))
	inc := kakao(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := claimdesk.ParseReportJSON(body)
		if err != nil {
			if in != nil {
				t.Fatal("an error and a report")
			}
			return
		}
		if in.Validate(inc, now) == nil {
			checkValid(t, in, inc)
		}
	})
}

// FuzzReportFromText fills the web form's fields with arbitrary text, as a merchant's browser
// or a spreadsheet row could.
func FuzzReportFromText(f *testing.F) {
	f.Add("행복떡집", "120-81-47521", "010-2345-6789", "41", "food", "talk-channel;kakao-pay", "2022-10-15", "2022-10-17", "900,000", "on")
	f.Add("", "1208147521", "01023456789", "11", "retail", "talk-channel", "44849", "2022/10/17", "９００，０００", "예")
	f.Add("가게\x00", "000-00-00000", "02-123-4567", "99", "x", ";;", "2022-10-17", "2022-10-15", "-5", "false")
	inc := kakao(f)
	f.Fuzz(func(t *testing.T, name, brn, phone, region, industry, services, start, end, loss, consent string) {
		v := url.Values{"incident": {"kakao-2022-10"}, "business_name": {name}, "business_number": {brn},
			"representative": {"김민지"}, "phone": {phone}, "region": {region}, "industry": {industry},
			"damage_start": {start}, "damage_end": {end}, "claimed_loss": {loss}, "consent": {consent}}
		list := func(field string) []string {
			if field == "services" {
				return splitSemicolons(services)
			}
			return v[field]
		}
		in := claimdesk.ReportFromText(v.Get, list)
		if in.Validate(inc, now) == nil {
			checkValid(t, in, inc)
		}
	})
}

func splitSemicolons(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
