package claimdesk

import (
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
	Service     *Service // the incident's, not a copy: a simulation finds millions
	Start, End  time.Time
	Back        Restoration // the restoration that ended it (zero while ongoing)
	Declared    int         // the days of the report's damage period, as declared
	CutToReport bool        // the report's damage period shortened the service's window
	Ongoing     bool        // the service is still down; End is the time of computing
}

// Duration is the length of the outage.
func (o Outage) Duration() time.Duration { return max(o.End.Sub(o.Start), 0) }

// Days counts the outage by rule: 24-hour periods begun, or KST calendar days touched.
func (o Outage) Days(rule DayRule) int {
	d := o.Duration()
	if d <= 0 {
		return 0
	}
	if rule == DeclaredDays {
		return o.Declared
	}
	if rule == CalendarDays {
		first, last := DateOf(o.Start), DateOf(o.End.Add(-time.Nanosecond))
		return int(last.Start().Sub(first.Start()).Hours()/24+0.5) + 1
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// Hours is the duration in hours, to a tenth.
func (o Outage) Hours() float64 { return math.Round(o.Duration().Hours()*10) / 10 }

// OutageOf returns the longest outage among r's services within its damage period, each
// service's window ending at its restoration of kind (of outages as long, the service listed
// first by the incident), and false when none of them was down in it. A service still down
// counts up to now.
func (inc *Incident) OutageOf(r *Report, kind RestoredKind, now time.Time) (Outage, bool) {
	from, to := r.DamageStart.Start(), r.DamageEnd.Start().AddDate(0, 0, 1)
	var best Outage
	found := false
	// In the incident's order, so that of services down as long, the same one counts however
	// the report lists them.
	for i := range inc.Services {
		svc := &inc.Services[i]
		if !slices.Contains(r.Services, svc.ID) {
			continue
		}
		back := svc.Back(kind)
		o := Outage{Service: svc, Start: svc.OutageStart, End: back.At, Back: back, Declared: r.DamageStart.DaysTo(r.DamageEnd) + 1}
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

// explanation is how a payout was computed, step by step. Each step is a catalogue key and
// its arguments (see Message): the domain says what happened, the catalogue words it in each
// language.
type explanation struct{ steps []step }

// step is one worded phrase: a catalogue key and its arguments. An argument may be a Label
// (worded in each language), a lower (a Label in lower case in English, inside a sentence), a
// step (worded first) or notes.
type step struct {
	key  string
	args []any
}

// lower is a label that stands inside an English sentence, in lower case.
type lower Label

// notes are remarks that follow a phrase in brackets, separated by commas; none, nothing.
type notes []step

func (e *explanation) add(key string, args ...any) { e.steps = append(e.steps, step{key, args}) }

func (e *explanation) label() Label {
	return Label{e.words(Korean, " → "), e.words(English, " -> ")}
}

func (e *explanation) words(lang Lang, sep string) string {
	parts := make([]string, len(e.steps))
	for i, st := range e.steps {
		parts[i] = st.words(lang)
	}
	return strings.Join(parts, sep)
}

func (st step) words(lang Lang) string {
	args := make([]any, len(st.args))
	for i, a := range st.args {
		switch a := a.(type) {
		case Label:
			args[i] = a.In(lang)
		case lower:
			args[i] = Label(a).In(lang)
			if lang == English {
				args[i] = strings.ToLower(a.En)
			}
		case step:
			args[i] = a.words(lang)
		case notes:
			args[i] = ""
			if len(a) > 0 {
				ws := make([]string, len(a))
				for j, n := range a {
					ws[j] = n.words(lang)
				}
				args[i] = " (" + strings.Join(ws, ", ") + ")"
			}
		default:
			args[i] = a
		}
	}
	return Message(lang, st.key, args...)
}

// won is an amount in won, worded "1,000원" and "1,000 KRW".
func won(v int64) step { return step{"payout_won", []any{FormatKRW(v)}} }

func hoursText(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// Compute returns what p gives r of incident inc, computed at now (for outages still going
// on). With explain, the payout carries its explanation in Korean and English. Scaling to a
// budget is applied afterwards, over all the payouts (see Budget).
func (p *Policy) Compute(inc *Incident, r *Report, now time.Time, explain bool) (out Payout) {
	o := outages{inc: inc, r: r, now: now}
	return p.compute(inc, r, now, explain, &o)
}

// outages are a report's outages under each restoration kind, each worked out once when first
// asked: a simulation asks for all its policies (one value, reset for each report, so that
// nothing is allocated per report). With a memo, an outage worked out for one report serves
// every later report with the same damage period and services, which in an outage's reports
// are few combinations.
type outages struct {
	inc   *Incident
	r     *Report
	now   time.Time
	known [2]knownOutage // by kind: main, full
	paid  int8           // whether r names a paid service: 0 not yet known, 1 no, 2 yes
	memo  map[outageKey]knownOutage
}

type knownOutage struct {
	o          Outage
	hours      float64 // o.Hours()
	down, done bool
}

// outageKey is what a report's outage depends on.
type outageKey struct {
	start, end Date
	services   uint64 // the incident's services that the report names, by position
	kind       RestoredKind
}

// maxOutageMemo bounds the memo: past it, further combinations are worked out each time.
const maxOutageMemo = 1 << 16

// newOutages returns outages for a simulation over many reports of inc, with a memo.
func newOutages(inc *Incident, now time.Time) *outages {
	return &outages{inc: inc, now: now, memo: map[outageKey]knownOutage{}}
}

func (ou *outages) reset(r *Report) { ou.r, ou.known, ou.paid = r, [2]knownOutage{}, 0 }

func (ou *outages) of(kind RestoredKind) *knownOutage {
	k := &ou.known[0]
	if kind == RestoredFull {
		k = &ou.known[1]
	}
	if k.done {
		return k
	}
	key, memo := ou.key(kind)
	if m, ok := ou.memo[key]; memo && ok {
		*k = m
		return k
	}
	k.o, k.down = ou.inc.OutageOf(ou.r, kind, ou.now)
	k.hours, k.done = k.o.Hours(), true
	if memo && len(ou.memo) < maxOutageMemo {
		ou.memo[key] = *k
	}
	return k
}

// key returns the memo's key for the report's outage of kind, and false when there is no memo
// or the incident has too many services for one.
func (ou *outages) key(kind RestoredKind) (outageKey, bool) {
	if ou.memo == nil || len(ou.inc.Services) > 64 {
		return outageKey{}, false
	}
	key := outageKey{start: ou.r.DamageStart, end: ou.r.DamageEnd, kind: kind}
	for i := range ou.inc.Services {
		if slices.Contains(ou.r.Services, ou.inc.Services[i].ID) {
			key.services |= 1 << i
		}
	}
	return key, true
}

// namesPaid reports whether the report names a paid service of the incident.
func (ou *outages) namesPaid() bool {
	if ou.paid == 0 {
		ou.paid = 1
		if ou.inc.namesPaid(ou.r.Services) {
			ou.paid = 2
		}
	}
	return ou.paid == 2
}

// compute is Compute with the report's outages given.
func (p *Policy) compute(inc *Incident, r *Report, now time.Time, explain bool, outage *outages) (out Payout) {
	out = Payout{ReportID: r.ID, Receipt: r.Receipt}
	var ex *explanation
	if explain {
		ex = &explanation{}
		defer func() { out.Explanation = ex.label() }()
	}
	if why, no := p.ineligible(inc, r, outage); no {
		out.Outcome = OutcomeIneligible
		if ex != nil {
			ex.add("payout_not_covered", why)
		}
		return out
	}
	if districts := p.Eligibility.Districts[r.Region]; len(districts) > 0 && strings.TrimSpace(r.District) == "" && ex != nil {
		// Whether the report is in an affected district is not known: it is computed as if it
		// were, and says so for the reviewer who accepts it, rather than the policy excluding
		// a merchant for leaving out an optional field.
		ex.add("payout_no_district")
	}
	if r.ClaimedLoss == 0 && p.Eligibility.NoClaim == "review" {
		out.Outcome = OutcomeReview
		if ex != nil {
			ex.add("payout_no_claim_review")
		}
		return out
	}
	k := outage.of(p.restored())
	o, down := k.o, k.down
	if down {
		out.Days, out.Hours, out.Service = o.Days(p.dayRule()), k.hours, o.Service.ID
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
					ex.add("payout_tier", tierText(t))
				}
				break
			}
		}
		if out.Computed == 0 && ex != nil {
			ex.add("payout_no_tier")
		}
	case KindLossBrackets:
		if ex != nil {
			ex.add("payout_claimed", won(r.ClaimedLoss))
		}
		var lower *int64
		for _, b := range p.Brackets {
			if b.UpTo == nil || r.ClaimedLoss <= *b.UpTo {
				if ex != nil {
					ex.add("payout_bracket", bracketText(lower, b.UpTo))
				}
				if b.Review {
					out.Outcome = OutcomeReview
					if ex != nil {
						ex.add("payout_review_documents")
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
				ex.add("payout_no_bracket")
			}
		}
	case KindFormula:
		f := p.Formula
		if r.UsualDailySales == nil {
			out.Outcome = OutcomeReview
			if ex != nil {
				ex.add("payout_no_daily_sales")
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
			ind, _ := Industries.Label(r.Industry)
			ex.add("payout_daily_loss", won(*r.UsualDailySales), lower(ind), pct(margin), won(int64(daily)))
			ex.add("payout_formula_days", out.Days, pct(f.Rate), won(amount), FormatKRW(p.Unit()))
		}
		switch {
		case f.Floor > 0 && amount < f.Floor:
			amount = f.Floor
			if ex != nil {
				ex.add("payout_floor", won(f.Floor))
			}
		case f.Cap > 0 && amount > f.Cap:
			amount = f.Cap
			if ex != nil {
				ex.add("payout_cap", won(f.Cap))
			}
		}
		out.Outcome, out.Computed = OutcomeAmount, amount
	case KindFlat:
		fl := p.Flat
		out.Outcome, out.Computed = OutcomeAmount, fl.Amount
		why := step{key: "payout_flat"}
		paid := outage.namesPaid()
		if v, ok := fl.Industries[r.Industry]; ok {
			ind, _ := Industries.Label(r.Industry)
			out.Computed, why = v, step{"payout_flat_industry", []any{lower(ind)}}
		} else if paid && fl.Paid != nil {
			out.Computed, why = *fl.Paid, step{key: "payout_flat_paid"}
		} else if !paid && fl.Free != nil {
			out.Computed, why = *fl.Free, step{key: "payout_flat_free"}
		}
		if ex != nil {
			ex.steps = append(ex.steps, why)
		}
	}
	out.Amount = out.Computed
	if ex != nil && out.Outcome == OutcomeAmount {
		ex.steps = append(ex.steps, won(out.Computed))
	}
	return out
}

// explainOutage writes the outage step: "톡채널 장애 10-15 15:30 ~ 10-20 23:00 = 127.5시간 → 6일".
func (p *Policy) explainOutage(ex *explanation, o Outage, down bool, r *Report) {
	if !down {
		ex.add("payout_not_down", r.DamageStart, r.DamageEnd)
		return
	}
	span := o.Start.In(KST).Format("01-02 15:04") + " ~ " + o.End.In(KST).Format("01-02 15:04")
	var ns notes
	if o.CutToReport {
		ns = append(ns, step{"outage_within_damage", []any{r.DamageStart, r.DamageEnd}})
	}
	if o.Ongoing {
		ns = append(ns, step{key: "outage_ongoing"})
	}
	if o.Back.Approximate && !o.Ongoing {
		ns = append(ns, step{key: "outage_approximate"})
	}
	ex.add("payout_outage", o.Service.Name, span, hoursText(o.Hours()), ns)
	switch p.dayRule() {
	case DeclaredDays:
		ex.add("payout_declared_days", r.DamageStart, r.DamageEnd, o.Declared)
	case CalendarDays:
		ex.add("payout_calendar_days", o.Days(CalendarDays))
	default:
		ex.add("payout_started_days", o.Days(Started24hPeriods))
	}
}

// tierText words a tier's days: "5~6일", "7일 이상".
func tierText(t Tier) step {
	switch {
	case t.MaxDays == 0:
		return step{"days_or_more", []any{t.MinDays}}
	case t.MaxDays == t.MinDays:
		return step{"days_exactly", []any{t.MinDays}}
	}
	return step{"days_range", []any{t.MinDays, t.MaxDays}}
}

// bracketText words a bracket of claimed losses: "300,000원 초과 500,000원 이하".
func bracketText(lower, upper *int64) step {
	switch {
	case lower == nil && upper == nil:
		return step{key: "bracket_all"}
	case lower == nil:
		return step{"bracket_up_to", []any{FormatKRW(*upper)}}
	case upper == nil:
		return step{"bracket_over", []any{FormatKRW(*lower)}}
	}
	return step{"bracket_between", []any{FormatKRW(*lower), FormatKRW(*upper)}}
}

func pct(f float64) string { return strconv.FormatFloat(math.Round(f*10000)/100, 'f', -1, 64) + "%" }

// namesPaid reports whether services include a paid service of the incident.
func (inc *Incident) namesPaid(services []string) bool {
	for _, id := range services {
		if svc := inc.service(id); svc != nil && svc.Paid {
			return true
		}
	}
	return false
}

// ineligible says why the policy does not cover r, and whether it does not.
func (p *Policy) ineligible(inc *Incident, r *Report, outage *outages) (step, bool) {
	e := p.Eligibility
	because := func(key string, args ...any) (step, bool) { return step{key, args}, true }
	if !p.ForIncident(inc.ID) {
		return because("ineligible_incident")
	}
	if len(e.Statuses) > 0 {
		if !slices.Contains(e.Statuses, r.Status) {
			st, _ := Statuses.Label(string(r.Status))
			return because("ineligible_status", st)
		}
	} else if r.Status == StatusRejected || r.Status == StatusMerged {
		st, _ := Statuses.Label(string(r.Status))
		return because("ineligible_status", st)
	}
	if len(e.Industries) > 0 && !slices.Contains(e.Industries, r.Industry) {
		ind, _ := Industries.Label(r.Industry)
		return because("ineligible_industry", ind)
	}
	region := func() Label { reg, _ := Regions.Label(r.Region); return reg }
	if len(e.Regions) > 0 && !slices.Contains(e.Regions, r.Region) {
		return because("ineligible_region", region())
	}
	if len(e.Districts) > 0 {
		districts, ok := e.Districts[r.Region]
		if !ok {
			return because("ineligible_region", region())
		}
		if len(districts) > 0 && strings.TrimSpace(r.District) != "" && !districtIn(r.District, districts) {
			return because("ineligible_district", region(), r.District)
		}
	}
	if len(e.Channels) > 0 && !slices.Contains(e.Channels, r.Channel) {
		return because("ineligible_channel", step{key: "channel." + string(r.Channel)})
	}
	if len(e.Services) > 0 && !slices.ContainsFunc(r.Services, func(s string) bool { return slices.Contains(e.Services, s) }) {
		return because("ineligible_services")
	}
	switch paid := outage.namesPaid(); {
	case e.Paid == "paid" && !paid:
		return because("ineligible_only_free")
	case e.Paid == "free" && paid:
		return because("ineligible_paid")
	}
	if e.NoClaim == "none" && r.ClaimedLoss == 0 {
		return because("ineligible_no_claim")
	}
	if e.MinClaimedLoss != nil && r.ClaimedLoss < *e.MinClaimedLoss && !(r.ClaimedLoss == 0 && e.NoClaim != "") {
		return because("ineligible_claimed_under", FormatKRW(*e.MinClaimedLoss))
	}
	if e.MaxClaimedLoss != nil && r.ClaimedLoss > *e.MaxClaimedLoss {
		return because("ineligible_claimed_over", FormatKRW(*e.MaxClaimedLoss))
	}
	if r.UsualDailySales != nil {
		annual := *r.UsualDailySales * 365
		if limit, ok := e.MaxAnnualSalesBy[r.Industry]; ok {
			if annual > limit {
				ind, _ := Industries.Label(r.Industry)
				return because("ineligible_sales_over_industry", lower(ind), FormatKRW(limit))
			}
		} else if e.MaxAnnualSales != nil && annual > *e.MaxAnnualSales {
			return because("ineligible_sales_over", FormatKRW(*e.MaxAnnualSales))
		}
	}
	return step{}, false
}

// districtIn reports whether a report's district is one of listed: any word of it names the
// same district as one listed, with or without its suffix ("고양시 일산동구" is in "고양시").
func districtIn(district string, listed []string) bool {
	for _, w := range append(strings.Fields(district), district) {
		for _, d := range listed {
			if stem := districtStem(w); stem != "" && stem == districtStem(d) {
				return true
			}
		}
	}
	return false
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
	scaled := step{"payout_budget", []any{won(b.Budget), won(b.Computed), won(po.Amount), FormatKRW(unit)}}
	po.Explanation.Ko += " → " + scaled.words(Korean)
	po.Explanation.En += " -> " + scaled.words(English)
}
