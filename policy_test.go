package claimdesk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

func incident(t testing.TB, id string) *claimdesk.Incident {
	t.Helper()
	incs, err := claimdesk.ReferenceIncidents()
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range incs {
		if inc.ID == id {
			return inc
		}
	}
	t.Fatalf("no reference incident %s", id)
	return nil
}

func builtin(t *testing.T, id string) *claimdesk.Policy {
	t.Helper()
	ps, err := claimdesk.BuiltinPolicies()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no built-in policy %s", id)
	return nil
}

func policy(t *testing.T, doc string) *claimdesk.Policy {
	t.Helper()
	p, err := claimdesk.ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatalf("%v: %v", err, claimdesk.FieldErrorsOf(err))
	}
	return p
}

func date(s string) claimdesk.Date { d, _ := claimdesk.ParseDate(s); return d }

// report makes a report of the given services and damage period.
func report(incident, start, end string, loss int64, services ...string) *claimdesk.Report {
	return &claimdesk.Report{Receipt: "AAA-AAA-AA" + string(rune('A'+len(services))), Status: claimdesk.StatusReceived, Incident: incident,
		Industry: "food", Region: "11", District: "마포구", Services: services, DamageStart: date(start), DamageEnd: date(end), ClaimedLoss: loss}
}

var computedAt = time.Date(2026, 11, 22, 12, 0, 0, 0, claimdesk.KST)

// The KT 2018 table: 1-2 days 400,000, 3-4 days 800,000, 5-6 days 1,000,000, 7 or more
// 1,200,000, with the outage cut to the report's damage period (damage_end inclusive).
func TestKT2018Tiers(t *testing.T) {
	inc, p := incident(t, "kt-2018-11"), builtin(t, "kt-2018-tiers")
	tests := []struct {
		name, start, end string
		services         []string
		days             int
		hours            float64
		amount           int64
	}{
		// Paid by the days declared, when a wired line named was down in them; the hours are
		// the outage's until main functions were back (97% of lines by 11-25 18:00).
		{"the first day only", "2018-11-24", "2018-11-24", []string{"landline"}, 1, 12.8, 400000},
		{"to the end of the second day", "2018-11-24", "2018-11-25", []string{"landline"}, 2, 30.8, 400000},
		{"three days", "2018-11-24", "2018-11-26", []string{"landline"}, 3, 30.8, 800000},
		{"five days", "2018-11-24", "2018-11-28", []string{"card-terminal"}, 5, 30.8, 1000000},
		{"seven days", "2018-11-24", "2018-11-30", []string{"internet"}, 7, 30.8, 1200000},
		{"the whole window", "2018-11-24", "2018-12-01", []string{"internet"}, 8, 30.8, 1200000},
		{"a wired line with mobile", "2018-11-24", "2018-12-01", []string{"mobile", "landline"}, 8, 54.8, 1200000},
		{"declared after the lines were back", "2018-11-27", "2018-11-28", []string{"landline"}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			po := p.Compute(inc, report("kt-2018-11", tt.start, tt.end, 0, tt.services...), computedAt, true)
			if po.Outcome != claimdesk.OutcomeAmount || po.Days != tt.days || po.Hours != tt.hours || po.Amount != tt.amount {
				t.Errorf("%s %d days %v hours %d KRW, want %d days %v hours %d KRW\n%s",
					po.Outcome, po.Days, po.Hours, po.Amount, tt.days, tt.hours, tt.amount, po.Explanation.Ko)
			}
		})
	}
}

// Exactly 48 hours is 2 days; a minute more is 3. A window across midnight is 1 period of 24
// hours but 2 calendar days.
func TestDayRules(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04", s, claimdesk.KST); return v }
	tests := []struct {
		start, end        string
		started, calendar int
	}{
		{"2022-10-15 15:30", "2022-10-17 15:30", 2, 3},
		{"2022-10-15 15:30", "2022-10-17 15:31", 3, 3},
		{"2022-10-15 23:00", "2022-10-16 01:00", 1, 2},
		{"2022-10-15 00:00", "2022-10-16 00:00", 1, 1},
		{"2022-10-15 00:00", "2022-10-15 00:01", 1, 1},
		{"2022-10-15 10:00", "2022-10-15 10:00", 0, 0},
	}
	for _, tt := range tests {
		o := claimdesk.Outage{Start: at(tt.start), End: at(tt.end)}
		if got := o.Days(claimdesk.Started24hPeriods); got != tt.started {
			t.Errorf("%s ~ %s: %d started 24h periods, want %d", tt.start, tt.end, got, tt.started)
		}
		if got := o.Days(claimdesk.CalendarDays); got != tt.calendar {
			t.Errorf("%s ~ %s: %d calendar days, want %d", tt.start, tt.end, got, tt.calendar)
		}
	}
}

// The Kakao 2022 scheme: up to 300,000 -> 30,000; up to 500,000 -> 50,000; above -> review.
func TestKakao2022Brackets(t *testing.T) {
	inc, p := incident(t, "kakao-2022-10"), builtin(t, "kakao-2022-brackets")
	tests := []struct {
		loss    int64
		outcome claimdesk.Outcome
		amount  int64
	}{
		{0, claimdesk.OutcomeIneligible, 0}, // no loss claimed: no cash (67.8% of the reports in 2022)
		{1, claimdesk.OutcomeAmount, 30000},
		{300000, claimdesk.OutcomeAmount, 30000},
		{300001, claimdesk.OutcomeAmount, 50000},
		{500000, claimdesk.OutcomeAmount, 50000},
		{500001, claimdesk.OutcomeReview, 0},
		{10_000_000_000, claimdesk.OutcomeReview, 0},
	}
	for _, tt := range tests {
		po := p.Compute(inc, report("kakao-2022-10", "2022-10-15", "2022-10-16", tt.loss, "talk-channel"), computedAt, false)
		if po.Outcome != tt.outcome || po.Amount != tt.amount {
			t.Errorf("loss %d: %s %d, want %s %d", tt.loss, po.Outcome, po.Amount, tt.outcome, tt.amount)
		}
	}
	kt := builtin(t, "kt-2018-tiers")
	if po := kt.Compute(inc, report("kakao-2022-10", "2022-10-15", "2022-10-16", 1, "talk-channel"), computedAt, false); po.Outcome != claimdesk.OutcomeIneligible {
		t.Errorf("the KT policy on a Kakao report: %s", po.Outcome)
	}
}

func TestFormulaAndFlat(t *testing.T) {
	inc := incident(t, "kakao-2022-10")
	formula := policy(t, `{"id":"covid-style","name":{"ko":"공식","en":"Formula"},"kind":"formula","restored":"full",
		"formula":{"rate":0.8,"margins":{"food":0.3},"default_margin":0.2,"floor":100000,"cap":2000000}}`)
	sales := func(v int64) *claimdesk.Report {
		r := report("kakao-2022-10", "2022-10-15", "2022-10-20", 0, "talk-channel")
		r.UsualDailySales = &v
		return r
	}
	// Talk Channel 10-15 15:30 ~ 10-20 23:00 = 127.5 h = 6 days.
	tests := []struct {
		name     string
		r        *claimdesk.Report
		industry string
		outcome  claimdesk.Outcome
		amount   int64
	}{
		{"food, margin 30%", sales(333_333), "food", claimdesk.OutcomeAmount, 479_990}, // 99,999.9 -> 99,999 × 6 × 0.8 = 479,995.2 -> 479,990
		{"other, default margin", sales(500_000), "other", claimdesk.OutcomeAmount, 480_000},
		{"floor", sales(10_000), "food", claimdesk.OutcomeAmount, 100_000},
		{"cap", sales(10_000_000), "food", claimdesk.OutcomeAmount, 2_000_000},
		{"no usual sales", report("kakao-2022-10", "2022-10-15", "2022-10-20", 0, "talk-channel"), "food", claimdesk.OutcomeReview, 0},
	}
	for _, tt := range tests {
		tt.r.Industry = tt.industry
		po := formula.Compute(inc, tt.r, computedAt, true)
		if po.Outcome != tt.outcome || po.Amount != tt.amount || (tt.outcome == claimdesk.OutcomeAmount && po.Days != 6) {
			t.Errorf("%s: %s %d (%d days), want %s %d\n%s", tt.name, po.Outcome, po.Amount, po.Days, tt.outcome, tt.amount, po.Explanation.Ko)
		}
	}
	flat := policy(t, `{"id":"flat-paid","name":{"ko":"정액","en":"Flat"},"kind":"flat",
		"flat":{"amount":50000,"paid":100000,"industries":{"transport":70000}},"eligibility":{"regions":["11","41"]}}`)
	for _, tt := range []struct {
		services []string
		industry string
		region   string
		outcome  claimdesk.Outcome
		amount   int64
	}{
		{[]string{"talk-channel"}, "food", "11", claimdesk.OutcomeAmount, 50000},
		{[]string{"talk-channel", "kakao-pay"}, "food", "11", claimdesk.OutcomeAmount, 100000},
		{[]string{"kakao-pay"}, "transport", "41", claimdesk.OutcomeAmount, 70000},
		{[]string{"kakao-pay"}, "food", "26", claimdesk.OutcomeIneligible, 0},
	} {
		r := report("kakao-2022-10", "2022-10-15", "2022-10-16", 0, tt.services...)
		r.Industry, r.Region = tt.industry, tt.region
		if po := flat.Compute(inc, r, computedAt, false); po.Outcome != tt.outcome || po.Amount != tt.amount {
			t.Errorf("%v %s %s: %s %d, want %s %d", tt.services, tt.industry, tt.region, po.Outcome, po.Amount, tt.outcome, tt.amount)
		}
	}
}

func TestEligibility(t *testing.T) {
	inc := incident(t, "kakao-2022-10")
	p := policy(t, `{"id":"narrow","name":{"ko":"좁은","en":"Narrow"},"kind":"flat","flat":{"amount":1000},
		"eligibility":{"statuses":["accepted"],"industries":["food"],"services":["kakao-pay"],"paid":"paid",
		"max_claimed_loss":1000000,"max_annual_sales":3000000000}}`)
	ok := func() *claimdesk.Report {
		r := report("kakao-2022-10", "2022-10-15", "2022-10-16", 1000, "kakao-pay")
		r.Status = claimdesk.StatusAccepted
		return r
	}
	if po := p.Compute(inc, ok(), computedAt, false); po.Outcome != claimdesk.OutcomeAmount {
		t.Fatalf("an eligible report: %s", po.Outcome)
	}
	big := int64(9_000_000)
	for name, change := range map[string]func(r *claimdesk.Report){
		"status":         func(r *claimdesk.Report) { r.Status = claimdesk.StatusReceived },
		"industry":       func(r *claimdesk.Report) { r.Industry = "retail" },
		"service":        func(r *claimdesk.Report) { r.Services = []string{"gift"} },
		"free only":      func(r *claimdesk.Report) { r.Services = []string{"talk-channel"} },
		"claimed loss":   func(r *claimdesk.Report) { r.ClaimedLoss = 1_000_001 },
		"annual sales":   func(r *claimdesk.Report) { r.UsualDailySales = &big },
		"wrong incident": func(r *claimdesk.Report) {},
	} {
		r := ok()
		change(r)
		target := inc
		if name == "wrong incident" {
			p2 := *p
			p2.Eligibility.Incidents = []string{"kt-2018-11"}
			if po := p2.Compute(target, r, computedAt, true); po.Outcome != claimdesk.OutcomeIneligible || !strings.HasPrefix(po.Explanation.En, "Not covered: ") {
				t.Errorf("%s: %s %q", name, po.Outcome, po.Explanation.En)
			}
			continue
		}
		if po := p.Compute(target, r, computedAt, true); po.Outcome != claimdesk.OutcomeIneligible || !strings.HasPrefix(po.Explanation.Ko, "대상 아님: ") {
			t.Errorf("%s: %s %q", name, po.Outcome, po.Explanation.Ko)
		}
	}
	// By default rejected and merged reports are not paid; anything else is.
	def := builtin(t, "kakao-2022-brackets")
	for st, want := range map[claimdesk.Status]claimdesk.Outcome{claimdesk.StatusReceived: claimdesk.OutcomeAmount,
		claimdesk.StatusNeedsInfo: claimdesk.OutcomeAmount, claimdesk.StatusRejected: claimdesk.OutcomeIneligible, claimdesk.StatusMerged: claimdesk.OutcomeIneligible} {
		r := ok()
		r.Status = st
		if po := def.Compute(inc, r, computedAt, false); po.Outcome != want {
			t.Errorf("status %s: %s, want %s", st, po.Outcome, want)
		}
	}
}

// Explanations, compared word for word in both languages.
func TestExplanations(t *testing.T) {
	kakao, kt := incident(t, "kakao-2022-10"), incident(t, "kt-2018-11")
	tiers := policy(t, `{"id":"kakao-tiers","name":{"ko":"구간","en":"Tiers"},"kind":"duration_tiers","restored":"full","tiers":[
		{"min_days":1,"max_days":2,"amount":400000},{"min_days":3,"max_days":4,"amount":800000},
		{"min_days":5,"max_days":6,"amount":1000000},{"min_days":7,"amount":1200000}]}`)
	// KT's table counted by 24-hour periods up to the full restoration, to show a window cut to
	// the damage period.
	cutPolicy := *builtin(t, "kt-2018-tiers")
	cutPolicy.DayRule, cutPolicy.Restored = claimdesk.Started24hPeriods, claimdesk.RestoredFull
	busan := report("kt-2018-11", "2018-11-24", "2018-11-26", 0, "mobile")
	busan.Region, busan.District = "26", "해운대구"
	bigSales := report("kt-2018-11", "2018-11-24", "2018-11-25", 0, "landline")
	daily := int64(30_000_000)
	bigSales.UsualDailySales = &daily
	tests := []struct {
		name   string
		p      *claimdesk.Policy
		inc    *claimdesk.Incident
		r      *claimdesk.Report
		ko, en string
	}{
		{"the issue's example", tiers, kakao, report("kakao-2022-10", "2022-10-15", "2022-10-20", 0, "talk-channel", "kakao-pay"),
			"톡채널 장애 10-15 15:30 ~ 10-20 23:00 = 127.5시간 → 6일 (시작된 24시간 단위) → 불통 5~6일 구간 → 1,000,000원",
			"Talk Channel outage 10-15 15:30 ~ 10-20 23:00 = 127.5 hours -> 6 days (24-hour periods begun) -> tier 5-6 days -> 1,000,000 KRW"},
		{"KT 2019: the days declared", builtin(t, "kt-2018-tiers"), kt, report("kt-2018-11", "2018-11-24", "2018-11-25", 0, "landline"),
			"유선전화 장애 11-24 11:12 ~ 11-25 18:00 = 30.8시간 (복구 시각은 근사치) → 신고한 피해 기간 2018-11-24 ~ 2018-11-25 = 2일 → 불통 1~2일 구간 → 400,000원",
			"Landline outage 11-24 11:12 ~ 11-25 18:00 = 30.8 hours (restore time approximate) -> declared damage period 2018-11-24 to 2018-11-25 = 2 days -> tier 1-2 days -> 400,000 KRW"},
		{"KT 2019: outside the affected districts", builtin(t, "kt-2018-tiers"), kt, busan,
			"대상 아님: 지역 부산광역시",
			"Not covered: region Busan"},
		{"KT 2019: only a mobile outage", builtin(t, "kt-2018-tiers"), kt, report("kt-2018-11", "2018-11-24", "2018-11-25", 0, "mobile"),
			"대상 아님: 대상 서비스를 신고하지 않음",
			"Not covered: none of the services it covers was reported"},
		{"KT 2019: over the sales cap", builtin(t, "kt-2018-tiers"), kt, bigSales,
			"대상 아님: 추정 연매출(평소 하루 매출 × 365)이 3,000,000,000원 초과",
			"Not covered: estimated annual sales (usual daily sales × 365) over 3,000,000,000 KRW"},
		{"cut to the damage period, approximate", &cutPolicy, kt, report("kt-2018-11", "2018-11-24", "2018-11-25", 0, "landline"),
			"유선전화 장애 11-24 11:12 ~ 11-26 00:00 = 36.8시간 (신고한 피해 기간 2018-11-24 ~ 2018-11-25 안, 복구 시각은 근사치) → 2일 (시작된 24시간 단위) → 불통 1~2일 구간 → 400,000원",
			"Landline outage 11-24 11:12 ~ 11-26 00:00 = 36.8 hours (within the damage period 2018-11-24 to 2018-11-25, restore time approximate) -> 2 days (24-hour periods begun) -> tier 1-2 days -> 400,000 KRW"},
		{"a bracket", builtin(t, "kakao-2022-brackets"), kakao, report("kakao-2022-10", "2022-10-15", "2022-10-16", 450000, "kakao-pay"),
			"신고 피해액 450,000원 → 300,000원 초과 500,000원 이하 구간 → 50,000원",
			"claimed loss 450,000 KRW -> bracket over 300,000 up to 500,000 KRW -> 50,000 KRW"},
		{"referred", builtin(t, "kakao-2022-brackets"), kakao, report("kakao-2022-10", "2022-10-15", "2022-10-16", 900000, "kakao-pay"),
			"신고 피해액 900,000원 → 500,000원 초과 구간 → 증빙 서류 심사 뒤 결정 (자동 산정 없음)",
			"claimed loss 900,000 KRW -> bracket over 500,000 KRW -> decided after a review of documents (no automatic amount)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			po := tt.p.Compute(tt.inc, tt.r, computedAt, true)
			if po.Explanation.Ko != tt.ko {
				t.Errorf("ko:\n got %s\nwant %s", po.Explanation.Ko, tt.ko)
			}
			if po.Explanation.En != tt.en {
				t.Errorf("en:\n got %s\nwant %s", po.Explanation.En, tt.en)
			}
		})
	}
}

// Scaled to a budget, the total never exceeds it, whatever the amounts; the remainder is what
// rounding down left.
func TestScaleToBudget(t *testing.T) {
	tests := []struct {
		amounts      []int64
		budget, unit int64
		want         []int64
	}{
		{[]int64{400000, 800000, 1200000}, 1_200_000, 10, []int64{200000, 400000, 600000}},
		{[]int64{333333, 333333, 333334}, 500_000, 10, []int64{166660, 166660, 166660}},
		{[]int64{100, 200}, 1000, 10, []int64{100, 200}}, // within the budget: unchanged
		{[]int64{10_000_000_000, 10_000_000_000}, 9_999_999_999_999, 1000, []int64{10_000_000_000, 10_000_000_000}},
		{[]int64{10_000_000_000, 1}, 7, 1, []int64{6, 0}},
	}
	for _, tt := range tests {
		a := append([]int64(nil), tt.amounts...)
		b := claimdesk.ScaleToBudget(a, tt.budget, tt.unit)
		var sum int64
		for i := range a {
			sum += a[i]
			if a[i] != tt.want[i] {
				t.Errorf("%v in %d: %v, want %v", tt.amounts, tt.budget, a, tt.want)
				break
			}
		}
		if sum != b.Total || b.Total > tt.budget || b.Remainder != tt.budget-b.Total {
			t.Errorf("%v in %d: total %d, budget %+v", tt.amounts, tt.budget, sum, b)
		}
	}
	// Many uneven amounts: never over, and never more than a unit per payout under.
	var amounts []int64
	for i := range 10000 {
		amounts = append(amounts, int64(i*7919%1_000_003))
	}
	b := claimdesk.ScaleToBudget(amounts, 123_456_789, 100)
	if b.Total > 123_456_789 || b.Remainder >= 100*10000 || !b.Scaled {
		t.Errorf("%+v", b)
	}
}

func seq(reports ...*claimdesk.Report) func() iter.Seq2[*claimdesk.Report, error] {
	return func() iter.Seq2[*claimdesk.Report, error] {
		return func(yield func(*claimdesk.Report, error) bool) {
			for _, r := range reports {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

func TestSimulation(t *testing.T) {
	inc := incident(t, "kt-2018-11")
	var reports []*claimdesk.Report
	for i, end := range []string{"2018-11-25", "2018-11-26", "2018-11-28", "2018-11-30"} {
		r := report("kt-2018-11", "2018-11-24", end, int64(i+1)*500_000, "landline")
		r.Receipt = claimdesk.ReceiptFromNumber(uint64(i + 1))
		r.Industry = []string{"food", "retail", "food", "services"}[i]
		reports = append(reports, r)
	}
	rejected := report("kt-2018-11", "2018-11-24", "2018-11-30", 1, "landline")
	rejected.Receipt, rejected.Status = claimdesk.ReceiptFromNumber(9), claimdesk.StatusRejected
	reports = append(reports, rejected)
	budgeted := *builtin(t, "kt-2018-tiers")
	budgeted.ID, budgeted.Budget = "kt-budget", 1_700_000
	sim := &claimdesk.Simulator{Incident: inc, Policies: []*claimdesk.Policy{builtin(t, "kt-2018-tiers"), &budgeted}, Now: computedAt, Reports: seq(reports...)}
	var detail [2][]claimdesk.PayoutDetail
	res, err := sim.Run(context.Background(), func(i int, po *claimdesk.Payout) error {
		detail[i] = append(detail[i], po.Detail(claimdesk.English))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kt := res.Policies[0]
	if res.Reports != 5 || kt.Eligible != 4 || kt.Ineligible != 1 || kt.Total != 3_400_000 || kt.Mean != 850_000 || kt.Median != 800_000 {
		t.Errorf("%+v", kt)
	}
	if kt.ByIndustry[0].Industry != "food" || kt.ByIndustry[0].Count != 2 || kt.ByIndustry[0].Total != 1_400_000 {
		t.Errorf("by industry %+v", kt.ByIndustry)
	}
	b := res.Policies[1]
	if b.Budget == nil || !b.Budget.Scaled || b.Total != 1_700_000 || b.Budget.Remainder != 0 {
		t.Errorf("budgeted %+v %+v", b, b.Budget)
	}
	if *detail[1][0].Amount != 200_000 || !strings.Contains(detail[1][0].Explanation, "scaled to the budget, 1,700,000 KRW of 3,400,000 KRW computed = 200,000 KRW") {
		t.Errorf("scaled detail %+v", detail[1][0])
	}
	if detail[0][4].Amount != nil || detail[0][4].Outcome != claimdesk.OutcomeIneligible {
		t.Errorf("the rejected report %+v", detail[0][4])
	}
	if len(res.Differences) != 4 || res.Differences[0].Receipt != reports[3].Receipt || res.Differences[0].Spread != 600_000 {
		b, _ := json.Marshal(res.Differences)
		t.Errorf("differences %s", b)
	}
}

func TestPolicyValidation(t *testing.T) {
	tests := []struct {
		doc    string
		fields []string
	}{
		{`{"id":"X","name":{"ko":"","en":"x"},"kind":"flat","flat":{"amount":1}}`, []string{"id", "name"}},
		{`{"id":"tiers","name":{"ko":"a","en":"a"},"kind":"duration_tiers","tiers":[{"min_days":1,"max_days":2,"amount":1},{"min_days":4,"amount":2}]}`, []string{"tiers[1].min_days"}},
		{`{"id":"tiers","name":{"ko":"a","en":"a"},"kind":"duration_tiers","tiers":[{"min_days":1,"amount":1},{"min_days":1,"amount":2}]}`, []string{"tiers[0].max_days"}},
		{`{"id":"brackets","name":{"ko":"a","en":"a"},"kind":"loss_brackets","brackets":[{"up_to":500,"amount":1},{"up_to":300,"amount":2},{"review":true,"amount":3}]}`, []string{"brackets[1].up_to", "brackets[2].amount"}},
		{`{"id":"formula","name":{"ko":"a","en":"a"},"kind":"formula","formula":{"rate":0,"default_margin":2,"floor":10,"cap":5}}`, []string{"formula.rate", "formula.default_margin", "formula.cap"}},
		{`{"id":"mixed","name":{"ko":"a","en":"a"},"kind":"flat","flat":{"amount":1},"tiers":[{"min_days":1,"amount":1}],"rounding_unit":15}`, []string{"tiers", "rounding_unit"}},
		{`{"id":"nokind","name":{"ko":"a","en":"a"},"kind":"lottery","eligibility":{"regions":["99"],"paid":"maybe"}}`, []string{"kind", "eligibility.regions", "eligibility.paid"}},
		{`{"id":"rules","name":{"ko":"a","en":"a"},"kind":"flat","flat":{"amount":1},"restored":"partly","day_rule":"declared_days",
			"eligibility":{"districts":{"99":["마포구"]},"channels":["fax"],"no_claim":"maybe","min_claimed_loss":-1,"max_annual_sales_by_industry":{"mining":1}}}`,
			[]string{"restored", "eligibility.districts", "eligibility.max_annual_sales_by_industry", "eligibility.channels", "eligibility.no_claim", "eligibility.min_claimed_loss"}},
	}
	for _, tt := range tests {
		_, err := claimdesk.ParsePolicy([]byte(tt.doc))
		fe := claimdesk.FieldErrorsOf(err)
		for _, f := range tt.fields {
			if !fe.Has(f) {
				t.Errorf("%s: no problem with %s, got %v", tt.doc, f, fe)
			}
		}
		for _, f := range fe {
			if strings.HasPrefix(f.Message(claimdesk.English), "policy_") || strings.Contains(f.Message(claimdesk.Korean), "%!") {
				t.Errorf("message of %s: %q", f.Code, f.Message(claimdesk.English))
			}
		}
	}
	if _, err := claimdesk.ParsePolicy([]byte(`{"id":"x1x","surprise":1}`)); claimdesk.ErrorCode(err) != claimdesk.EINVALID {
		t.Errorf("an unknown field: %v", err)
	}
	// The hash covers the content, not the version or the spacing.
	a := policy(t, `{"id":"flat-a","name":{"ko":"a","en":"a"},"kind":"flat","flat":{"amount":1}}`)
	b := policy(t, `{ "version": 7, "kind":"flat", "id":"flat-a","name":{"ko":"a","en":"a"},"flat":{"amount":1}}`)
	c := policy(t, `{"id":"flat-a","name":{"ko":"a","en":"a"},"kind":"flat","flat":{"amount":2}}`)
	if a.Hash != b.Hash || a.Hash == c.Hash || len(a.Hash) != 64 {
		t.Errorf("hashes %s %s %s", a.Hash, b.Hash, c.Hash)
	}
}

// The worked examples in docs/policies.md parse and compute what the text says.
func TestDocumentedPolicies(t *testing.T) {
	b, err := os.ReadFile("docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, block := range strings.Split(string(b), "```json\n")[1:] {
		doc, _, _ := strings.Cut(block, "```")
		if _, err := claimdesk.ParsePolicy([]byte(doc)); err != nil {
			t.Errorf("%v %v in\n%s", err, claimdesk.FieldErrorsOf(err), doc)
		}
		n++
	}
	if n < 4 {
		t.Errorf("%d policies in docs/policies.md, want one of each kind", n)
	}
}

// Each eligibility rule of a policy document, alone, and the reason it gives.
func TestEligibilityRules(t *testing.T) {
	kt := incident(t, "kt-2018-11")
	p := builtin(t, "kt-2018-tiers")
	sales := func(v int64) *int64 { return &v }
	tests := []struct {
		name    string
		change  func(r *claimdesk.Report)
		outcome claimdesk.Outcome
		reason  string // in the English explanation
	}{
		{"Mapo", func(r *claimdesk.Report) {}, claimdesk.OutcomeAmount, ""},
		{"a district written without its suffix", func(r *claimdesk.Report) { r.District = "마포" }, claimdesk.OutcomeAmount, ""},
		{"Goyang, with the ward", func(r *claimdesk.Report) { r.Region, r.District = "41", "고양시 일산동구" }, claimdesk.OutcomeAmount, ""},
		{"Jungnang is not Jung", func(r *claimdesk.Report) { r.District = "중랑구" }, claimdesk.OutcomeIneligible, "region Seoul, district 중랑구"},
		{"Suwon", func(r *claimdesk.Report) { r.Region, r.District = "41", "수원시" }, claimdesk.OutcomeIneligible, "region Gyeonggi, district 수원시"},
		{"no district", func(r *claimdesk.Report) { r.District = "" }, claimdesk.OutcomeAmount, "no district given: computed as within the affected areas"},
		{"retail under its own cap", func(r *claimdesk.Report) { r.Industry, r.UsualDailySales = "retail", sales(12_000_000) }, claimdesk.OutcomeAmount, ""},
		{"food over the cap", func(r *claimdesk.Report) { r.UsualDailySales = sales(12_000_000) }, claimdesk.OutcomeIneligible, "over 3,000,000,000 KRW"},
		{"retail over its cap", func(r *claimdesk.Report) { r.Industry, r.UsualDailySales = "retail", sales(14_000_000) }, claimdesk.OutcomeIneligible, "over the cap for wholesale and retail, 5,000,000,000 KRW"},
	}
	for _, tt := range tests {
		r := report("kt-2018-11", "2018-11-24", "2018-11-25", 0, "internet")
		tt.change(r)
		po := p.Compute(kt, r, computedAt, true)
		if po.Outcome != tt.outcome || !strings.Contains(po.Explanation.En, tt.reason) {
			t.Errorf("%s: %s %q, want %s with %q", tt.name, po.Outcome, po.Explanation.En, tt.outcome, tt.reason)
		}
	}

	kakao := incident(t, "kakao-2022-10")
	rules := policy(t, `{"id":"rules","name":{"ko":"규칙","en":"Rules"},"kind":"flat","flat":{"amount":10000},
		"eligibility":{"channels":["web","api"],"min_claimed_loss":50000,"no_claim":"review"}}`)
	for _, tt := range []struct {
		channel claimdesk.Channel
		loss    int64
		outcome claimdesk.Outcome
		reason  string
	}{
		{claimdesk.ChannelWeb, 50000, claimdesk.OutcomeAmount, ""},
		{claimdesk.ChannelImport, 50000, claimdesk.OutcomeIneligible, "channel Batch import"},
		{claimdesk.ChannelAPI, 49999, claimdesk.OutcomeIneligible, "claimed loss under 50,000 KRW"},
		{claimdesk.ChannelAPI, 0, claimdesk.OutcomeReview, "no loss claimed: decided in review"},
	} {
		r := report("kakao-2022-10", "2022-10-15", "2022-10-16", tt.loss, "talk-channel")
		r.Channel = tt.channel
		po := rules.Compute(kakao, r, computedAt, true)
		if po.Outcome != tt.outcome || !strings.Contains(po.Explanation.En, tt.reason) {
			t.Errorf("%s %d: %s %q, want %s with %q", tt.channel, tt.loss, po.Outcome, po.Explanation.En, tt.outcome, tt.reason)
		}
	}

	// Which restoration a policy counts: Talk Channel's main functions were back 10-19 06:00,
	// fully 10-20 23:00.
	tiers := `{"id":"restored","name":{"ko":"t","en":"t"},"kind":"duration_tiers","restored":"%s","tiers":[{"min_days":1,"amount":1}]}`
	r := report("kakao-2022-10", "2022-10-15", "2022-10-22", 0, "talk-channel")
	for kind, hours := range map[string]float64{"main": 86.5, "full": 127.5} {
		if po := policy(t, fmt.Sprintf(tiers, kind)).Compute(kakao, r, computedAt, false); po.Hours != hours {
			t.Errorf("restored %s: %v hours, want %v", kind, po.Hours, hours)
		}
	}
}
