package claimdesk

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Outage is what of an incident a report's damage fell in: the longest outage among the
// report's services, cut to the report's damage period. damage_end is inclusive: the period
// runs to the end of that day, KST.
type Outage struct {
	Service     Service
	Start, End  time.Time
	CutToReport bool // the report's damage period shortened the service's window
	Ongoing     bool // the service is still down; End is the time of computing
}

// Duration is the length of the outage.
func (o Outage) Duration() time.Duration { return max(o.End.Sub(o.Start), 0) }

// Days counts the outage by rule: 24-hour periods begun, or KST calendar days touched.
func (o Outage) Days(rule DayRule) int {
	d := o.Duration()
	if d <= 0 {
		return 0
	}
	if rule == CalendarDays {
		first, last := DateOf(o.Start), DateOf(o.End.Add(-time.Nanosecond))
		return int(last.Start().Sub(first.Start()).Hours()/24+0.5) + 1
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// Hours is the duration in hours, to a tenth.
func (o Outage) Hours() float64 { return math.Round(o.Duration().Hours()*10) / 10 }

// OutageOf returns the longest outage among r's services within its damage period, and false
// when none of them was down in it. A service still down counts up to now.
func (inc *Incident) OutageOf(r *Report, now time.Time) (Outage, bool) {
	from, to := r.DamageStart.Start(), r.DamageEnd.Start().AddDate(0, 0, 1)
	var best Outage
	found := false
	for _, id := range r.Services {
		svc, ok := inc.Service(id)
		if !ok {
			continue
		}
		o := Outage{Service: svc, Start: svc.OutageStart, End: svc.OutageEnd}
		if o.End.IsZero() {
			o.End, o.Ongoing = now, true
		}
		if from.After(o.Start) {
			o.Start, o.CutToReport = from, true
		}
		if to.Before(o.End) {
			o.End, o.CutToReport, o.Ongoing = to, true, false
		}
		if o.Duration() > 0 && (!found || o.Duration() > best.Duration()) {
			best, found = o, true
		}
	}
	return best, found
}

// Outcome is what a policy does with a report.
type Outcome string

// The outcomes.
const (
	OutcomeAmount     Outcome = "amount"     // an amount is offered (it may be 0)
	OutcomeReview     Outcome = "review"     // no automatic amount: decided after review of documents
	OutcomeIneligible Outcome = "ineligible" // the policy does not cover the report
)

// Payout is what a policy gives one report, and why.
type Payout struct {
	ReportID    int64
	Receipt     string
	Outcome     Outcome
	Computed    int64 // the amount by the policy's rule
	Amount      int64 // after scaling to the budget; Computed when there is none
	Days        int
	Hours       float64
	Service     string // the service whose outage counted
	Explanation Label
}

// explanation collects the steps of a computation in both languages.
type explanation struct{ ko, en []string }

func (e *explanation) add(ko, en string) { e.ko, e.en = append(e.ko, ko), append(e.en, en) }
func (e *explanation) label() Label {
	return Label{strings.Join(e.ko, " → "), strings.Join(e.en, " -> ")}
}

func won(v int64) (string, string) { return FormatKRW(v) + "원", FormatKRW(v) + " KRW" }

func hoursText(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// Compute returns what p gives r of incident inc, computed at now (for outages still going
// on). With explain, the payout carries its explanation in Korean and English. Scaling to a
// budget is applied afterwards, over all the payouts (see Budget).
func (p *Policy) Compute(inc *Incident, r *Report, now time.Time, explain bool) (out Payout) {
	out = Payout{ReportID: r.ID, Receipt: r.Receipt}
	var ex *explanation
	if explain {
		ex = &explanation{}
		defer func() { out.Explanation = ex.label() }()
	}
	if ko, en := p.ineligible(inc, r); ko != "" {
		out.Outcome = OutcomeIneligible
		if ex != nil {
			ex.add("대상 아님: "+ko, "Not covered: "+en)
		}
		return out
	}
	o, down := inc.OutageOf(r, now)
	if down {
		out.Days, out.Hours, out.Service = o.Days(p.dayRule()), o.Hours(), o.Service.ID
	}
	if p.Kind != KindLossBrackets && p.Kind != KindFlat && ex != nil {
		p.explainOutage(ex, o, down, r)
	}
	switch p.Kind {
	case KindDurationTiers:
		out.Outcome = OutcomeAmount
		for _, t := range p.Tiers {
			if out.Days >= t.MinDays && (t.MaxDays == 0 || out.Days <= t.MaxDays) {
				out.Computed = t.Amount
				if ex != nil {
					ex.add("불통 "+tierText(t, "일", "~", " 이상")+" 구간", "tier "+tierText(t, " days", "-", " or more"))
				}
				break
			}
		}
		if out.Computed == 0 && ex != nil {
			ex.add("해당 구간 없음", "no tier")
		}
	case KindLossBrackets:
		if ex != nil {
			ko, en := won(r.ClaimedLoss)
			ex.add("신고 피해액 "+ko, "claimed loss "+en)
		}
		var lower *int64
		for _, b := range p.Brackets {
			if b.UpTo == nil || r.ClaimedLoss <= *b.UpTo {
				if ex != nil {
					ko, en := bracketText(lower, b.UpTo)
					ex.add(ko+" 구간", "bracket "+en)
				}
				if b.Review {
					out.Outcome = OutcomeReview
					if ex != nil {
						ex.add("증빙 서류 심사 뒤 결정 (자동 산정 없음)", "decided after a review of documents (no automatic amount)")
					}
					return out
				}
				out.Outcome, out.Computed = OutcomeAmount, b.Amount
				break
			}
			lower = b.UpTo
		}
		if out.Outcome == "" {
			out.Outcome = OutcomeAmount // above every bracket of a table with no open end
			if ex != nil {
				ex.add("해당 구간 없음", "no bracket")
			}
		}
	case KindFormula:
		f := p.Formula
		if r.UsualDailySales == nil {
			out.Outcome = OutcomeReview
			if ex != nil {
				ex.add("평소 하루 매출이 없어 자동 산정 불가: 심사 뒤 결정", "no usual daily sales given, so no automatic amount: decided in review")
			}
			return out
		}
		margin, ok := f.Margins[r.Industry]
		if !ok {
			margin = f.DefaultMargin
		}
		daily := math.Floor(float64(*r.UsualDailySales) * margin)
		raw := int64(math.Floor(daily * float64(out.Days) * f.Rate))
		amount := raw / p.Unit() * p.Unit()
		if ex != nil {
			sales, salesEn := won(*r.UsualDailySales)
			ind, _ := Industries.Label(r.Industry)
			d, dEn := won(int64(daily))
			ex.add(fmt.Sprintf("평소 하루 매출 %s × %s 이익률 %s = 하루 손실 %s", sales, ind.Ko, pct(margin), d),
				fmt.Sprintf("usual daily sales %s × %s margin %s = daily loss %s", salesEn, strings.ToLower(ind.En), pct(margin), dEn))
			a, aEn := won(amount)
			ex.add(fmt.Sprintf("× %d일 × 보정률 %s = %s (%s원 미만 버림)", out.Days, pct(f.Rate), a, FormatKRW(p.Unit())),
				fmt.Sprintf("× %d days × rate %s = %s (rounded down to %s KRW)", out.Days, pct(f.Rate), aEn, FormatKRW(p.Unit())))
		}
		switch {
		case f.Floor > 0 && amount < f.Floor:
			amount = f.Floor
			if ex != nil {
				ko, en := won(f.Floor)
				ex.add("하한 "+ko+" 적용", "floor of "+en)
			}
		case f.Cap > 0 && amount > f.Cap:
			amount = f.Cap
			if ex != nil {
				ko, en := won(f.Cap)
				ex.add("상한 "+ko+" 적용", "cap of "+en)
			}
		}
		out.Outcome, out.Computed = OutcomeAmount, amount
	case KindFlat:
		fl := p.Flat
		out.Outcome, out.Computed = OutcomeAmount, fl.Amount
		ko, en := "정액", "flat amount"
		paid := inc.namesPaid(r.Services)
		if v, ok := fl.Industries[r.Industry]; ok {
			ind, _ := Industries.Label(r.Industry)
			out.Computed, ko, en = v, ind.Ko+" 정액", "flat amount for "+strings.ToLower(ind.En)
		} else if paid && fl.Paid != nil {
			out.Computed, ko, en = *fl.Paid, "유료 서비스 피해 정액", "flat amount for a paid service"
		} else if !paid && fl.Free != nil {
			out.Computed, ko, en = *fl.Free, "무료 서비스 피해 정액", "flat amount for free services only"
		}
		if ex != nil {
			ex.add(ko, en)
		}
	}
	out.Amount = out.Computed
	if ex != nil && out.Outcome == OutcomeAmount {
		ko, en := won(out.Computed)
		ex.add(ko, en)
	}
	return out
}

// explainOutage writes the outage step: "톡채널 장애 10-15 15:30 ~ 10-20 23:00 = 127.5시간 → 6일".
func (p *Policy) explainOutage(ex *explanation, o Outage, down bool, r *Report) {
	if !down {
		ex.add(fmt.Sprintf("신고한 서비스가 피해 기간(%s ~ %s)에 장애가 아니었음 → 0일", r.DamageStart, r.DamageEnd),
			fmt.Sprintf("none of the services reported was down in the damage period (%s to %s) -> 0 days", r.DamageStart, r.DamageEnd))
		return
	}
	span := o.Start.In(KST).Format("01-02 15:04") + " ~ " + o.End.In(KST).Format("01-02 15:04")
	ko := fmt.Sprintf("%s 장애 %s = %s시간", o.Service.Name.Ko, span, hoursText(o.Hours()))
	en := fmt.Sprintf("%s outage %s = %s hours", o.Service.Name.En, span, hoursText(o.Hours()))
	var notesKo, notesEn []string
	if o.CutToReport {
		notesKo, notesEn = append(notesKo, fmt.Sprintf("신고한 피해 기간 %s ~ %s 안", r.DamageStart, r.DamageEnd)),
			append(notesEn, fmt.Sprintf("within the damage period %s to %s", r.DamageStart, r.DamageEnd))
	}
	if o.Ongoing {
		notesKo, notesEn = append(notesKo, "아직 복구되지 않아 계산 시각까지"), append(notesEn, "still down: counted to now")
	}
	if o.Service.Approximate {
		notesKo, notesEn = append(notesKo, "복구 시각은 근사치"), append(notesEn, "restore time approximate")
	}
	if len(notesKo) > 0 {
		ko += " (" + strings.Join(notesKo, ", ") + ")"
		en += " (" + strings.Join(notesEn, ", ") + ")"
	}
	ex.add(ko, en)
	if p.dayRule() == CalendarDays {
		ex.add(fmt.Sprintf("%d일 (장애가 걸친 날짜 수)", o.Days(CalendarDays)), fmt.Sprintf("%d days (calendar days touched, KST)", o.Days(CalendarDays)))
	} else {
		ex.add(fmt.Sprintf("%d일 (시작된 24시간 단위)", o.Days(Started24hPeriods)), fmt.Sprintf("%d days (24-hour periods begun)", o.Days(Started24hPeriods)))
	}
}

func tierText(t Tier, unit, dash, more string) string {
	switch {
	case t.MaxDays == 0:
		return strconv.Itoa(t.MinDays) + unit + more
	case t.MaxDays == t.MinDays:
		return strconv.Itoa(t.MinDays) + unit
	}
	return strconv.Itoa(t.MinDays) + dash + strconv.Itoa(t.MaxDays) + unit
}

func bracketText(lower, upper *int64) (string, string) {
	switch {
	case lower == nil && upper == nil:
		return "전체", "all"
	case lower == nil:
		return FormatKRW(*upper) + "원 이하", "up to " + FormatKRW(*upper) + " KRW"
	case upper == nil:
		return FormatKRW(*lower) + "원 초과", "over " + FormatKRW(*lower) + " KRW"
	}
	return FormatKRW(*lower) + "원 초과 " + FormatKRW(*upper) + "원 이하", "over " + FormatKRW(*lower) + " up to " + FormatKRW(*upper) + " KRW"
}

func pct(f float64) string { return strconv.FormatFloat(math.Round(f*10000)/100, 'f', -1, 64) + "%" }

// namesPaid reports whether services include a paid service of the incident.
func (inc *Incident) namesPaid(services []string) bool {
	for _, id := range services {
		if svc, ok := inc.Service(id); ok && svc.Paid {
			return true
		}
	}
	return false
}

// ineligible says, in Korean and English, why the policy does not cover r; "" when it does.
func (p *Policy) ineligible(inc *Incident, r *Report) (string, string) {
	e := p.Eligibility
	if !p.ForIncident(inc.ID) {
		return "이 정책이 정한 장애가 아님", "not an incident of this policy"
	}
	if len(e.Statuses) > 0 {
		if !slices.Contains(e.Statuses, r.Status) {
			st, _ := Statuses.Label(string(r.Status))
			return "심사 상태 '" + st.Ko + "'", "review status '" + st.En + "'"
		}
	} else if r.Status == StatusRejected || r.Status == StatusMerged {
		st, _ := Statuses.Label(string(r.Status))
		return "심사 상태 '" + st.Ko + "'", "review status '" + st.En + "'"
	}
	if len(e.Industries) > 0 && !slices.Contains(e.Industries, r.Industry) {
		ind, _ := Industries.Label(r.Industry)
		return "업종 " + ind.Ko, "industry " + ind.En
	}
	if len(e.Regions) > 0 && !slices.Contains(e.Regions, r.Region) {
		reg, _ := Regions.Label(r.Region)
		return "지역 " + reg.Ko, "region " + reg.En
	}
	if len(e.Services) > 0 && !slices.ContainsFunc(r.Services, func(s string) bool { return slices.Contains(e.Services, s) }) {
		return "대상 서비스를 신고하지 않음", "none of the services it covers was reported"
	}
	switch paid := inc.namesPaid(r.Services); {
	case e.Paid == "paid" && !paid:
		return "무료 서비스만 신고함", "only free services reported"
	case e.Paid == "free" && paid:
		return "유료 서비스를 신고함", "a paid service reported"
	}
	if e.MaxClaimedLoss != nil && r.ClaimedLoss > *e.MaxClaimedLoss {
		return "신고 피해액이 " + FormatKRW(*e.MaxClaimedLoss) + "원 초과", "claimed loss over " + FormatKRW(*e.MaxClaimedLoss) + " KRW"
	}
	if e.MaxAnnualSales != nil && r.UsualDailySales != nil && *r.UsualDailySales*365 > *e.MaxAnnualSales {
		return "추정 연매출(평소 하루 매출 × 365)이 " + FormatKRW(*e.MaxAnnualSales) + "원 초과",
			"estimated annual sales (usual daily sales × 365) over " + FormatKRW(*e.MaxAnnualSales) + " KRW"
	}
	return "", ""
}

// Budget is how a policy's budget was applied to its payouts.
type Budget struct {
	Budget    int64   `json:"budget"`
	Computed  int64   `json:"computed"`  // the total before scaling
	Scaled    bool    `json:"scaled"`    // the total exceeded the budget
	Factor    float64 `json:"factor"`    // budget / computed, when scaled (for people; amounts use exact integers)
	Total     int64   `json:"total"`     // after scaling and rounding down
	Remainder int64   `json:"remainder"` // budget - total: what rounding left unpaid
}

// ScaleToBudget scales amounts (the computed amounts of the payouts with an amount) pro rata
// so that their total fits budget, each rounded down to unit. The total never exceeds the
// budget; what rounding leaves is the remainder.
func ScaleToBudget(amounts []int64, budget, unit int64) Budget {
	var total int64
	for _, a := range amounts {
		total += a
	}
	b := Budget{Budget: budget, Computed: total, Total: total, Remainder: budget - total}
	if budget <= 0 || total <= budget {
		return b
	}
	b.Scaled, b.Factor, b.Total = true, math.Floor(float64(budget)/float64(total)*1e6)/1e6, 0
	for i, a := range amounts {
		amounts[i] = ScaleAmount(a, budget, total, unit)
		b.Total += amounts[i]
	}
	b.Remainder = budget - b.Total
	return b
}

// ScaleAmount is a × budget / total rounded down to unit, exactly (a ≤ total).
func ScaleAmount(a, budget, total, unit int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(budget))
	q, _ := bits.Div64(hi, lo, uint64(total))
	return int64(q) / unit * unit
}

// ExplainBudget appends the budget step to a payout's explanation.
func (b Budget) ExplainBudget(po *Payout, unit int64) {
	if !b.Scaled || po.Outcome != OutcomeAmount {
		return
	}
	bud, budEn := won(b.Budget)
	comp, compEn := won(b.Computed)
	a, aEn := won(po.Amount)
	po.Explanation.Ko += fmt.Sprintf(" → 예산 %s / 산정 합계 %s 비율로 조정 = %s (%s원 미만 버림)", bud, comp, a, FormatKRW(unit))
	po.Explanation.En += fmt.Sprintf(" -> scaled to the budget, %s of %s computed = %s (rounded down to %s KRW)", budEn, compEn, aEn, FormatKRW(unit))
}
