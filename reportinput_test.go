package claimdesk_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

const validJSON = `{"incident":"kakao-2022-10","business_name":"행복떡집","business_number":"120-81-47521",
"representative":"김민지","phone":"010-2345-6789","region":"41","district":"수원시","industry":"food",
"services":["talk-channel","kakao-pay"],"damage_types":["orders_lost"],"damage_start":"2022-10-15",
"damage_end":"2022-10-17","usual_daily_sales":1500000,"claimed_loss":900000,
"description":"톡채널 주문 확인 불가","consent":true}`

func TestParseReportJSON(t *testing.T) {
	in, err := claimdesk.ParseReportJSON([]byte(validJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Problems) != 0 {
		t.Fatalf("problems: %v", in.Problems)
	}
	want := validReport()
	if in.Report.Fingerprint() != want.Fingerprint() {
		t.Errorf("decoded %+v\nwant %+v", in.Report, want)
	}
	if err := in.Validate(kakao(t), now); err != nil {
		t.Errorf("valid report: %v", err)
	}
}

func TestParseReportJSONMalformed(t *testing.T) {
	for _, body := range []string{``, `{`, `{"incident": "kakao-2022-10", "business_name": `, `[]`, `"report"`, `null`, `{} {}`, `{"a":1}x`} {
		if _, err := claimdesk.ParseReportJSON([]byte(body)); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
	if _, err := claimdesk.ParseReportJSON([]byte(`[1]`)); !errors.Is(err, claimdesk.ErrNotObject) {
		t.Errorf("array: %v, want ErrNotObject", err)
	}
}

func TestParseReportJSONProblems(t *testing.T) {
	tests := []struct {
		name, from, to string
		field, code    string
	}{
		{"loss as string", `"claimed_loss":900000`, `"claimed_loss":"900000"`, "claimed_loss", "amount_invalid"},
		{"loss with fraction", `"claimed_loss":900000`, `"claimed_loss":900000.5`, "claimed_loss", "amount_invalid"},
		{"loss too small to be a float", `"claimed_loss":900000`, `"claimed_loss":1e-400`, "claimed_loss", "amount_invalid"},
		{"loss a float would round", `"claimed_loss":900000`, `"claimed_loss":300000.0000000001`, "claimed_loss", "amount_invalid"},
		{"loss out of range in exponent form", `"claimed_loss":900000`, `"claimed_loss":1e30`, "claimed_loss", "amount_too_large"},
		{"loss beyond int64", `"claimed_loss":900000`, `"claimed_loss":99999999999999999999`, "claimed_loss", "amount_too_large"},
		{"loss missing", `"claimed_loss":900000,`, ``, "claimed_loss", "required"},
		{"loss null", `"claimed_loss":900000`, `"claimed_loss":null`, "claimed_loss", "required"},
		{"sales as bool", `"usual_daily_sales":1500000`, `"usual_daily_sales":true`, "usual_daily_sales", "amount_invalid"},
		{"name as number", `"business_name":"행복떡집"`, `"business_name":7`, "business_name", "string_invalid"},
		{"services as string", `"services":["talk-channel","kakao-pay"]`, `"services":"talk-channel"`, "services", "list_invalid"},
		{"date in other format", `"damage_start":"2022-10-15"`, `"damage_start":"15/10/2022"`, "damage_start", "date_invalid"},
		{"impossible date", `"damage_start":"2022-10-15"`, `"damage_start":"2022-02-30"`, "damage_start", "date_invalid"},
		{"consent as string", `"consent":true`, `"consent":"yes"`, "consent", "bool_invalid"},
		{"unknown field", `"consent":true`, `"consent":true,"claimedloss":5`, "claimedloss", "unknown_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(validJSON, tt.from, tt.to, 1)
			if body == validJSON {
				t.Fatalf("edit %q did not apply", tt.from)
			}
			in, err := claimdesk.ParseReportJSON([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			fe := claimdesk.FieldErrorsOf(in.Validate(kakao(t), now))
			if len(fe) != 1 || fe[0].Field != tt.field || fe[0].Code != tt.code {
				t.Fatalf("got %v, want exactly %s:%s", fe, tt.field, tt.code)
			}
		})
	}
}

// A client may echo back a report it read; the fields the server sets are ignored, not refused.
func TestParseReportJSONIgnoresServerFields(t *testing.T) {
	body := strings.Replace(validJSON, `{`, `{"receipt":"ABC-DEF-GHJ","status":"accepted","channel":"web",`, 1)
	in, err := claimdesk.ParseReportJSON([]byte(body))
	if err != nil || len(in.Problems) != 0 || in.Report.Status != "" {
		t.Fatalf("err %v, problems %v, status %q", err, in.Problems, in.Report.Status)
	}
}

func TestReportFromText(t *testing.T) {
	form := url.Values{
		"incident": {"kakao-2022-10"}, "business_name": {"행복떡집"}, "business_number": {"1208147521"},
		"representative": {"김민지"}, "phone": {"010 2345 6789"}, "region": {"41"}, "district": {"수원시"},
		"industry": {"food"}, "services": {"talk-channel", "kakao-pay"}, "damage_types": {"orders_lost"},
		"damage_start": {"2022.10.15"}, "damage_end": {"2022/10/17"}, "usual_daily_sales": {"1,500,000원"},
		"claimed_loss": {"900,000"}, "description": {"톡채널 주문 확인 불가"}, "consent": {"on"},
	}
	in := claimdesk.ReportFromText(form.Get, func(f string) []string { return form[f] })
	if err := in.Validate(kakao(t), now); err != nil {
		t.Fatal(err)
	}
	want := validReport()
	_ = want.Validate(kakao(t), now)
	if in.Report.Fingerprint() != want.Fingerprint() {
		t.Errorf("decoded %+v\nwant %+v", in.Report, want)
	}
}

func TestReportFromTextProblems(t *testing.T) {
	form := url.Values{"claimed_loss": {"많이"}, "usual_daily_sales": {"-3"}, "damage_start": {"어제"}, "consent": {"글쎄"}}
	in := claimdesk.ReportFromText(form.Get, func(f string) []string { return form[f] })
	got := map[string]string{}
	for _, f := range claimdesk.FieldErrorsOf(in.Validate(kakao(t), now)) {
		got[f.Field] = f.Code
	}
	want := map[string]string{"claimed_loss": "amount_invalid", "usual_daily_sales": "amount_negative",
		"damage_start": "date_invalid", "consent": "bool_invalid", "damage_end": "required", "phone": "required"}
	for field, code := range want {
		if got[field] != code {
			t.Errorf("%s: got %q, want %q (all: %v)", field, got[field], code, got)
		}
	}
}

func TestParseAmountText(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		code string
	}{
		{"0", 0, ""}, {"1500000", 1_500_000, ""}, {"1,500,000", 1_500_000, ""}, {" 300,000 원", 300_000, ""},
		{"-1", 0, "amount_negative"}, {"1.5", 0, "amount_invalid"}, {"삼십만", 0, "amount_invalid"},
		{"", 0, "amount_invalid"}, {"99999999999999999999", 0, "amount_too_large"}, {"1e6", 0, "amount_invalid"},
		// As Korean offices write amounts.
		{"90만원", 900_000, ""}, {"90만 원", 900_000, ""}, {"1,500만원", 15_000_000, ""}, {"12만5천원", 125_000, ""},
		{"1억 2,000만원", 120_000_000, ""}, {"1억2천만", 120_000_000, ""}, {"3천원", 3000, ""}, {"1억", 100_000_000, ""},
		{"만원", 0, "amount_invalid"}, {"1만2만", 0, "amount_invalid"}, {"90만원짜리", 0, "amount_invalid"},
		{"-90만원", 0, "amount_negative"}, {"99999999999억", 0, "amount_too_large"},
	}
	for _, tt := range tests {
		if got, code := claimdesk.ParseAmountText(tt.in); got != tt.want || code != tt.code {
			t.Errorf("ParseAmountText(%q) = %d, %q; want %d, %q", tt.in, got, code, tt.want, tt.code)
		}
	}
}

func TestParseBoolText(t *testing.T) {
	for _, s := range []string{"true", "TRUE", "Y", "예", "on", "1"} {
		if v, ok := claimdesk.ParseBoolText(s); !v || !ok {
			t.Errorf("%q: %v %v", s, v, ok)
		}
	}
	for _, s := range []string{"false", "N", "아니오", "0"} {
		if v, ok := claimdesk.ParseBoolText(s); v || !ok {
			t.Errorf("%q: %v %v", s, v, ok)
		}
	}
	if _, ok := claimdesk.ParseBoolText("maybe"); ok {
		t.Error("maybe accepted")
	}
}

// Problems come in form order, whatever order they were found in.
func TestFieldErrorsInFormOrder(t *testing.T) {
	var fe claimdesk.FieldErrors
	fe.Add("zzz", "unknown_field")
	fe.Add("consent", "consent_required")
	fe.Add("business_name", "required")
	var got []string
	for _, f := range claimdesk.FieldErrorsOf(fe.Err()) {
		got = append(got, f.Field)
	}
	if want := []string{"business_name", "consent", "zzz"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Decoding problems carry exactly the arguments their messages take.
func TestDecodeProblemMessages(t *testing.T) {
	form := url.Values{"claimed_loss": {"많이"}, "usual_daily_sales": {"99999999999999999999"}}
	in := claimdesk.ReportFromText(form.Get, func(f string) []string { return form[f] })
	js, _ := claimdesk.ParseReportJSON([]byte(`{"claimed_loss": 1.5, "usual_daily_sales": -1}`))
	for _, f := range append(in.Problems, js.Problems...) {
		for _, lang := range []claimdesk.Lang{claimdesk.Korean, claimdesk.English} {
			if m := f.Message(lang); strings.Contains(m, "%!") {
				t.Errorf("%s: %q", f, m)
			}
		}
	}
}

// Dates as Korean offices and forms write them; each reads as one day, or is refused.
func TestReportFromTextDates(t *testing.T) {
	for in, want := range map[string]string{
		"2022-10-15": "2022-10-15", "2022.10.15": "2022-10-15", "2022. 10. 15.": "2022-10-15", "2022/10/15": "2022-10-15",
		"2022년 10월 15일": "2022-10-15", "2022년10월5일": "2022-10-05", "20221015": "2022-10-15", "2022-10-15 00:00:00": "2022-10-15",
		"2022.1.5": "2022-01-05", "15/10/2022": "", "2022-02-30": "", "어제": "", "202210155": "",
	} {
		form := url.Values{"damage_start": {in}}
		r := claimdesk.ReportFromText(form.Get, func(f string) []string { return form[f] })
		got := ""
		if !r.Report.DamageStart.IsZero() {
			got = r.Report.DamageStart.String()
		}
		if got != want {
			t.Errorf("%q read as %q, want %q", in, got, want)
		}
	}
}
