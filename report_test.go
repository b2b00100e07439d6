package claimdesk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

// kakao returns the reference Kakao incident, as shipped.
func kakao(t testing.TB) *claimdesk.Incident { t.Helper(); return incident(t, "kakao-2022-10") }

// validReport is the report the acceptance script files: a rice-cake shop in Suwon.
func validReport() claimdesk.Report {
	sales := int64(1_500_000)
	return claimdesk.Report{
		Incident: "kakao-2022-10", BusinessName: "행복떡집", BusinessNumber: "120-81-47521",
		Representative: "김민지", Phone: "010-2345-6789", Region: "41", District: "수원시",
		Industry: "food", Services: []string{"talk-channel", "kakao-pay"},
		DamageTypes:     []string{"orders_lost"},
		DamageStart:     claimdesk.Date{Year: 2022, Month: 10, Day: 15},
		DamageEnd:       claimdesk.Date{Year: 2022, Month: 10, Day: 17},
		UsualDailySales: &sales, ClaimedLoss: 900_000, Description: "톡채널 주문 확인 불가", Consent: true,
	}
}

var now = time.Date(2022, 10, 21, 12, 0, 0, 0, claimdesk.KST)

func TestReportValidate(t *testing.T) {
	inc := kakao(t)
	d := func(s string) claimdesk.Date { v, _ := claimdesk.ParseDate(s); return v }
	amount := func(v int64) *int64 { return &v }
	tests := []struct {
		name   string
		edit   func(r *claimdesk.Report)
		noInc  bool     // the store found no incident with the report's ID
		fields []string // fields with a problem; nil for a valid report
		codes  []string
	}{
		{name: "valid", edit: func(r *claimdesk.Report) {}},
		{name: "no business number with a reason", edit: func(r *claimdesk.Report) {
			r.BusinessNumber, r.NoBusinessNumberReason = "", "대리운전 기사"
		}},
		{name: "no business number, no reason", edit: func(r *claimdesk.Report) { r.BusinessNumber = "" },
			fields: []string{"business_number"}, codes: []string{"brn_or_reason"}},
		{name: "bad checksum", edit: func(r *claimdesk.Report) { r.BusinessNumber = "120-81-47522" },
			fields: []string{"business_number"}, codes: []string{"brn_checksum"}},
		{name: "business name missing", edit: func(r *claimdesk.Report) { r.BusinessName = "   " },
			fields: []string{"business_name"}, codes: []string{"required"}},
		{name: "business name 100 chars", edit: func(r *claimdesk.Report) { r.BusinessName = strings.Repeat("가", 100) }},
		{name: "business name 101 chars", edit: func(r *claimdesk.Report) { r.BusinessName = strings.Repeat("가", 101) },
			fields: []string{"business_name"}, codes: []string{"too_long"}},
		{name: "newline in name", edit: func(r *claimdesk.Report) { r.BusinessName = "행복\n떡집" },
			fields: []string{"business_name"}, codes: []string{"control_chars"}},
		{name: "newline in description", edit: func(r *claimdesk.Report) { r.Description = "첫 줄\n둘째 줄" }},
		{name: "description 4001 chars", edit: func(r *claimdesk.Report) { r.Description = strings.Repeat("a", 4001) },
			fields: []string{"description"}, codes: []string{"too_long"}},
		{name: "representative missing", edit: func(r *claimdesk.Report) { r.Representative = "" },
			fields: []string{"representative"}, codes: []string{"required"}},
		{name: "phone missing", edit: func(r *claimdesk.Report) { r.Phone = "" },
			fields: []string{"phone"}, codes: []string{"required"}},
		{name: "phone bad", edit: func(r *claimdesk.Report) { r.Phone = "12345" },
			fields: []string{"phone"}, codes: []string{"phone_invalid"}},
		{name: "email bad", edit: func(r *claimdesk.Report) { r.Email = "010-1234-5678" },
			fields: []string{"email"}, codes: []string{"email_invalid"}},
		{name: "email good", edit: func(r *claimdesk.Report) { r.Email = "owner@example.co.kr" }},
		{name: "region unknown", edit: func(r *claimdesk.Report) { r.Region = "99" },
			fields: []string{"region"}, codes: []string{"region_invalid"}},
		{name: "region by name is not a code", edit: func(r *claimdesk.Report) { r.Region = "경기도" },
			fields: []string{"region"}, codes: []string{"region_invalid"}},
		{name: "industry unknown", edit: func(r *claimdesk.Report) { r.Industry = "farming" },
			fields: []string{"industry"}, codes: []string{"industry_invalid"}},
		{name: "industry in capitals", edit: func(r *claimdesk.Report) { r.Industry = "Food" }},
		{name: "no services", edit: func(r *claimdesk.Report) { r.Services = nil },
			fields: []string{"services"}, codes: []string{"services_required"}},
		{name: "service of another incident", edit: func(r *claimdesk.Report) { r.Services = []string{"talk-channel", "landline"} },
			fields: []string{"services"}, codes: []string{"service_unknown"}},
		{name: "unknown damage type", edit: func(r *claimdesk.Report) { r.DamageTypes = []string{"fire"} },
			fields: []string{"damage_types"}, codes: []string{"damage_type_unknown"}},
		{name: "no damage types is allowed", edit: func(r *claimdesk.Report) { r.DamageTypes = nil }},
		{name: "first and last day of the incident", edit: func(r *claimdesk.Report) {
			r.DamageStart, r.DamageEnd = d("2022-10-15"), d("2022-10-20")
		}},
		{name: "start before the incident", edit: func(r *claimdesk.Report) { r.DamageStart = d("2022-10-14") },
			fields: []string{"damage_start"}, codes: []string{"date_outside"}},
		{name: "end after the incident", edit: func(r *claimdesk.Report) { r.DamageEnd = d("2023-03-01") },
			fields: []string{"damage_end"}, codes: []string{"date_outside"}},
		{name: "end before start", edit: func(r *claimdesk.Report) { r.DamageStart, r.DamageEnd = d("2022-10-17"), d("2022-10-16") },
			fields: []string{"damage_end"}, codes: []string{"date_order"}},
		{name: "dates missing", edit: func(r *claimdesk.Report) { r.DamageStart, r.DamageEnd = claimdesk.Date{}, claimdesk.Date{} },
			fields: []string{"damage_start", "damage_end"}, codes: []string{"required", "required"}},
		{name: "zero loss is allowed", edit: func(r *claimdesk.Report) { r.ClaimedLoss = 0 }},
		{name: "negative loss", edit: func(r *claimdesk.Report) { r.ClaimedLoss = -1 },
			fields: []string{"claimed_loss"}, codes: []string{"amount_negative"}},
		{name: "loss at the bound", edit: func(r *claimdesk.Report) { r.ClaimedLoss = claimdesk.MaxAmount }},
		{name: "loss over the bound", edit: func(r *claimdesk.Report) { r.ClaimedLoss = claimdesk.MaxAmount + 1 },
			fields: []string{"claimed_loss"}, codes: []string{"amount_too_large"}},
		{name: "negative sales", edit: func(r *claimdesk.Report) { r.UsualDailySales = amount(-5) },
			fields: []string{"usual_daily_sales"}, codes: []string{"amount_negative"}},
		{name: "no consent", edit: func(r *claimdesk.Report) { r.Consent = false },
			fields: []string{"consent"}, codes: []string{"consent_required"}},
		{name: "unknown incident", noInc: true, edit: func(r *claimdesk.Report) { r.Incident = "nope" },
			fields: []string{"incident"}, codes: []string{"incident_unknown"}},
		{name: "everything wrong at once", edit: func(r *claimdesk.Report) {
			*r = claimdesk.Report{BusinessNumber: "1", ClaimedLoss: -1}
		}, fields: []string{"incident", "business_name", "business_number", "representative", "phone",
			"region", "industry", "services", "damage_start", "damage_end", "claimed_loss", "consent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validReport()
			tt.edit(&r)
			in := inc
			if tt.noInc {
				in = nil
			}
			err := r.Validate(in, now)
			var gotFields, gotCodes []string
			for _, f := range claimdesk.FieldErrorsOf(err) {
				gotFields = append(gotFields, f.Field)
				gotCodes = append(gotCodes, f.Code)
			}
			if !slices.Equal(gotFields, tt.fields) {
				t.Fatalf("fields with problems = %v (%v); want %v", gotFields, err, tt.fields)
			}
			if tt.codes != nil && !slices.Equal(gotCodes, tt.codes) {
				t.Fatalf("codes = %v; want %v", gotCodes, tt.codes)
			}
			if err != nil && claimdesk.ErrorCode(err) != claimdesk.EINVALID {
				t.Fatalf("code = %s, want invalid", claimdesk.ErrorCode(err))
			}
		})
	}
}

func TestReportValidateNormalises(t *testing.T) {
	r := validReport()
	r.BusinessNumber, r.Phone, r.BusinessName = "1208147521", "+82 10 2345 6789", "  행복떡집 "
	r.Services = []string{" Talk-Channel", "talk-channel", "kakao-pay", ""}
	if err := r.Validate(kakao(t), now); err != nil {
		t.Fatal(err)
	}
	if r.BusinessNumber != "120-81-47521" || r.Phone != "010-2345-6789" || r.BusinessName != "행복떡집" {
		t.Errorf("not normalised: %q %q %q", r.BusinessNumber, r.Phone, r.BusinessName)
	}
	if !slices.Equal(r.Services, []string{"talk-channel", "kakao-pay"}) {
		t.Errorf("services = %v", r.Services)
	}
}

func TestReportValidateClosedIncident(t *testing.T) {
	inc := *kakao(t)
	inc.IntakeOpen = false
	r := validReport()
	fe := claimdesk.FieldErrorsOf(r.Validate(&inc, now))
	if len(fe) != 1 || fe[0].Field != "incident" || fe[0].Code != "intake_closed" {
		t.Fatalf("got %v, want incident:intake_closed", fe)
	}
}

// While an outage goes on, a report may run to today but not beyond.
func TestReportValidateOngoingIncident(t *testing.T) {
	inc := *kakao(t)
	inc.EndedAt = time.Time{}
	r := validReport()
	r.DamageEnd = claimdesk.Date{Year: 2022, Month: 10, Day: 16}
	during := time.Date(2022, 10, 16, 9, 0, 0, 0, claimdesk.KST)
	if err := r.Validate(&inc, during); err != nil {
		t.Fatalf("damage to today: %v", err)
	}
	r.DamageEnd = claimdesk.Date{Year: 2022, Month: 10, Day: 17}
	if fe := claimdesk.FieldErrorsOf(r.Validate(&inc, during)); len(fe) != 1 || fe[0].Code != "date_outside" {
		t.Fatalf("damage to tomorrow: got %v, want date_outside", fe)
	}
}

// Every code a rule can produce has a message in both languages, and the two differ.
func TestValidationMessagesInBothLanguages(t *testing.T) {
	r := claimdesk.Report{BusinessNumber: "12", Email: "x", Region: "0", Industry: "x", ClaimedLoss: -1,
		Services: []string{"x"}, DamageTypes: []string{"x"}}
	fe := claimdesk.FieldErrorsOf(r.Validate(kakao(t), now))
	if len(fe) < 10 {
		t.Fatalf("want many problems, got %v", fe)
	}
	for _, f := range fe {
		ko, en := f.Message(claimdesk.Korean), f.Message(claimdesk.English)
		if !claimdesk.HasMessage(f.Code) || ko == en || strings.Contains(ko+en, "%!") {
			t.Errorf("%s: ko %q, en %q", f, ko, en)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a, b := validReport(), validReport()
	b.Receipt, b.Status, b.ReceivedAt = "X", claimdesk.StatusAccepted, now // server fields do not count
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("server-set fields changed the fingerprint")
	}
	b.ClaimedLoss++
	if a.Fingerprint() == b.Fingerprint() {
		t.Error("a different loss gave the same fingerprint")
	}
}

func TestFormatKRW(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1_500_000: "1,500,000",
		-30_000: "-30,000", claimdesk.MaxAmount: "10,000,000,000"} {
		if got := claimdesk.FormatKRW(in); got != want {
			t.Errorf("FormatKRW(%d) = %q, want %q", in, got, want)
		}
	}
}

// jsonKeys returns the keys of the JSON the fingerprint is computed over.
func jsonKeys(r claimdesk.Report) ([]string, error) {
	return claimdesk.FingerprintKeys(&r)
}

// A list left empty is no change, whether it reads as null or as [].
func TestInputDiffEmptyLists(t *testing.T) {
	a, b := claimdesk.Report{DamageTypes: nil}, claimdesk.Report{DamageTypes: []string{}}
	if d := claimdesk.InputDiff(&a, &b); len(d) != 0 {
		t.Errorf("nil and empty damage types differ: %v", d)
	}
	b.DamageTypes = []string{"orders_lost"}
	if d := claimdesk.InputDiff(&a, &b); len(d) != 1 {
		t.Errorf("a damage type added: %v", d)
	}
}
