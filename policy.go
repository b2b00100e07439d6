package claimdesk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Policy is a compensation policy: a document anyone can read, simulate and argue about before
// it is adopted. It says who is eligible and how an amount is computed from a report and the
// incident's outage windows. Policies are stored by ID and version; the hash of the document
// identifies exactly what a payout was computed under.
type Policy struct {
	ID          string     `json:"id"`
	Version     int        `json:"version,omitempty"` // given by the store, 1 for the first
	Hash        string     `json:"hash,omitempty"`    // sha256 of the document without version and hash
	Name        Label      `json:"name"`
	Description Label      `json:"description,omitzero"`
	Kind        PolicyKind `json:"kind"`
	DayRule     DayRule    `json:"day_rule,omitempty"` // how outage time becomes days; started_24h_periods by default
	// Restored says which restoration ends a service's outage: "main" (main functions back,
	// the default) or "full" (fully back).
	Restored    RestoredKind `json:"restored,omitempty"`
	Eligibility Eligibility  `json:"eligibility,omitzero"`

	Tiers    []Tier    `json:"tiers,omitempty"`    // duration_tiers
	Brackets []Bracket `json:"brackets,omitempty"` // loss_brackets
	Formula  *Formula  `json:"formula,omitempty"`  // formula
	Flat     *Flat     `json:"flat,omitempty"`     // flat

	// Budget, when set, caps the total: amounts are scaled pro rata to fit it.
	Budget int64 `json:"budget,omitempty"`
	// RoundingUnit is what computed amounts (by a rate, or scaled to the budget) are rounded
	// down to; 10 KRW by default.
	RoundingUnit int64 `json:"rounding_unit,omitempty"`
	// RapidOffer shows merchants their amount as soon as the run is released, before their
	// report is accepted and with no documents asked (as in the COVID-19 rapid track).
	RapidOffer bool `json:"rapid_offer,omitempty"`
	// AppealDays is how long a merchant may contest an offer; 30 by default.
	AppealDays int `json:"appeal_days,omitempty"`
}

// PolicyKind is how a policy computes an amount.
type PolicyKind string

// The kinds of policy.
const (
	KindDurationTiers PolicyKind = "duration_tiers" // an amount per tier of outage days (KT 2018)
	KindLossBrackets  PolicyKind = "loss_brackets"  // an amount per bracket of claimed loss (Kakao 2022)
	KindFormula       PolicyKind = "formula"        // daily loss × days × rate, floor and cap (COVID-19)
	KindFlat          PolicyKind = "flat"           // a fixed amount, by paid/free service or industry
)

// PolicyKinds name the kinds of policy for people.
var PolicyKinds = Options{
	{string(KindDurationTiers), Label{"불통 기간별 정액", "An amount by outage days"}},
	{string(KindLossBrackets), Label{"신고 피해액 구간별", "An amount by bracket of claimed loss"}},
	{string(KindFormula), Label{"공식 (하루 손실 × 일수 × 비율)", "A formula (daily loss × days × rate)"}},
	{string(KindFlat), Label{"정액", "A flat amount"}},
}

// DayRules name the day rules for people.
var DayRules = Options{
	{string(Started24hPeriods), Label{"시작된 24시간 단위", "24-hour periods begun"}},
	{string(CalendarDays), Label{"장애가 걸친 날짜 수", "Calendar days touched"}},
	{string(DeclaredDays), Label{"신고한 피해 기간의 날짜 수", "Days of the damage period declared"}},
}

// RestoredKinds name the restoration kinds for people.
var RestoredKinds = Options{
	{string(RestoredMain), Label{"주요 기능 복구까지", "Until main functions were back"}},
	{string(RestoredFull), Label{"전면 복구까지", "Until fully back"}},
}

// DayRule turns an outage into a number of days.
type DayRule string

// The day rules.
const (
	// Started24hPeriods counts every 24 hours begun: 24 h is 1 day, 24 h 1 min is 2.
	Started24hPeriods DayRule = "started_24h_periods"
	// CalendarDays counts the KST calendar days the outage touched: 23:00 to 01:00 is 2 days.
	CalendarDays DayRule = "calendar_days"
	// DeclaredDays counts the days of the report's damage period, as the merchant declared
	// them, when a service it names was down in that period (KT's 2019 scheme).
	DeclaredDays DayRule = "declared_days"
)

// Eligibility narrows the reports a policy pays. Empty lists do not narrow. Each rule that
// excludes a report says why, in both languages (see Policy.Compute).
type Eligibility struct {
	Incidents  []string `json:"incidents,omitempty"`
	Statuses   []Status `json:"statuses,omitempty"` // default: every status but rejected and merged
	Industries []string `json:"industries,omitempty"`
	Regions    []string `json:"regions,omitempty"`
	// Districts narrows regions to some of their districts (시·군·구): a report qualifies when
	// its region is listed and its district is one of that region's, written with or without
	// its suffix ("마포구", "마포"; "고양시"). A region with no districts listed qualifies whole.
	Districts map[string][]string `json:"districts,omitempty"`
	Services  []string            `json:"services,omitempty"` // the report names at least one of these
	Channels  []Channel           `json:"channels,omitempty"` // how the report came in
	// Paid is "paid" for reports naming at least one paid service, "free" for reports naming
	// only free ones.
	Paid           string `json:"paid,omitempty"`
	MinClaimedLoss *int64 `json:"min_claimed_loss,omitempty"`
	MaxClaimedLoss *int64 `json:"max_claimed_loss,omitempty"`
	// MaxAnnualSales is estimated as usual daily sales × 365; a report that states no usual
	// sales is not excluded by it. MaxAnnualSalesBy sets it per industry instead.
	MaxAnnualSales   *int64           `json:"max_annual_sales,omitempty"`
	MaxAnnualSalesBy map[string]int64 `json:"max_annual_sales_by_industry,omitempty"`
	// NoClaim is what a report claiming no loss (claimed_loss 0) gets: "" the same as any
	// other, "none" nothing (Kakao paid no cash to such reports in 2022), "review" a decision
	// after review.
	NoClaim string `json:"no_claim,omitempty"`
}

// Tier pays Amount for outages of MinDays to MaxDays days; MaxDays 0 means no upper bound.
type Tier struct {
	MinDays int   `json:"min_days"`
	MaxDays int   `json:"max_days,omitempty"`
	Amount  int64 `json:"amount"`
}

// Bracket pays Amount for a claimed loss up to UpTo (inclusive) and above the bracket before
// it; UpTo absent means no upper bound. Review sends the report to reviewers instead of paying
// an amount automatically.
type Bracket struct {
	UpTo   *int64 `json:"up_to,omitempty"`
	Amount int64  `json:"amount,omitempty"`
	Review bool   `json:"review,omitempty"`
}

// Formula pays daily loss × outage days × Rate, between Floor and Cap. The daily loss is the
// report's usual daily sales × the margin of its industry (the share of sales that is income).
type Formula struct {
	Rate          float64            `json:"rate"`
	Margins       map[string]float64 `json:"margins,omitempty"`
	DefaultMargin float64            `json:"default_margin"`
	Floor         int64              `json:"floor,omitempty"`
	Cap           int64              `json:"cap,omitempty"`
}

// Flat pays a fixed amount: by industry when listed, else by paid/free service when set, else
// Amount.
type Flat struct {
	Amount     int64            `json:"amount"`
	Paid       *int64           `json:"paid,omitempty"`
	Free       *int64           `json:"free,omitempty"`
	Industries map[string]int64 `json:"industries,omitempty"`
}

var policyIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)

// ParsePolicy reads a policy document (JSON), refusing unknown fields, checks it and sets its
// hash. Version and hash in the document are ignored: the store gives them.
func ParsePolicy(b []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, Errorm(EINVALID, "policy_malformed", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Errorm(EINVALID, "policy_malformed", "more than one document")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.Version, p.Hash = 0, ""
	canon, _ := json.Marshal(&p)
	sum := sha256.Sum256(canon)
	p.Hash = hex.EncodeToString(sum[:])
	return &p, nil
}

// Validate checks the policy's rules, reporting every problem by its field.
func (p *Policy) Validate() error {
	var fe FieldErrors
	if !policyIDPattern.MatchString(p.ID) {
		fe.Add("id", "policy_id_invalid")
	}
	for _, t := range []struct {
		field string
		s     *string
		rule  TextRule
	}{
		{"name", &p.Name.Ko, TextRule{Required: "policy_name_required", Max: 200}},
		{"name", &p.Name.En, TextRule{Required: "policy_name_required", Max: 200}},
		{"description", &p.Description.Ko, TextRule{Max: 5000, Multiline: true}},
		{"description", &p.Description.En, TextRule{Max: 5000, Multiline: true}},
	} {
		CheckText(&fe, t.field, t.s, t.rule)
	}
	switch p.DayRule {
	case "", Started24hPeriods, CalendarDays, DeclaredDays:
	default:
		fe.Add("day_rule", "policy_day_rule_invalid")
	}
	switch p.Restored {
	case "", RestoredMain, RestoredFull:
	default:
		fe.Add("restored", "policy_restored_invalid")
	}
	e := p.Eligibility
	for region, districts := range e.Districts {
		if !Regions.Has(region) {
			fe.Add("eligibility.districts", "region_invalid")
		}
		for _, d := range districts {
			if districtStem(d) == "" {
				fe.Add("eligibility.districts", "required")
			}
		}
	}
	for ind, v := range e.MaxAnnualSalesBy {
		if !Industries.Has(ind) {
			fe.Add("eligibility.max_annual_sales_by_industry", "industry_invalid")
		} else if v < 0 {
			fe.Add("eligibility.max_annual_sales_by_industry", "amount_negative")
		}
	}
	for _, c := range e.Channels {
		switch c {
		case ChannelWeb, ChannelAPI, ChannelStaff, ChannelImport:
		default:
			fe.Add("eligibility.channels", "policy_channel_invalid")
		}
	}
	switch e.NoClaim {
	case "", "none", "review":
	default:
		fe.Add("eligibility.no_claim", "policy_no_claim_invalid")
	}
	for _, st := range e.Statuses {
		if !Statuses.Has(string(st)) {
			fe.Add("eligibility.statuses", "status_invalid")
		}
	}
	for _, v := range e.Industries {
		if !Industries.Has(v) {
			fe.Add("eligibility.industries", "industry_invalid")
		}
	}
	for _, v := range e.Regions {
		if !Regions.Has(v) {
			fe.Add("eligibility.regions", "region_invalid")
		}
	}
	if e.Paid != "" && e.Paid != "paid" && e.Paid != "free" {
		fe.Add("eligibility.paid", "policy_paid_invalid")
	}
	for _, v := range []struct {
		field string
		v     *int64
	}{{"eligibility.min_claimed_loss", e.MinClaimedLoss}, {"eligibility.max_claimed_loss", e.MaxClaimedLoss},
		{"eligibility.max_annual_sales", e.MaxAnnualSales}} {
		if v.v != nil && *v.v < 0 {
			fe.Add(v.field, "amount_negative")
		}
	}
	// Each kind has its table, and only its own; listed in order so problems read the same
	// every time.
	tables := []struct {
		kind    PolicyKind
		field   string
		present bool
	}{{KindDurationTiers, "tiers", len(p.Tiers) > 0}, {KindLossBrackets, "brackets", len(p.Brackets) > 0},
		{KindFormula, "formula", p.Formula != nil}, {KindFlat, "flat", p.Flat != nil}}
	switch p.Kind {
	case KindDurationTiers, KindLossBrackets, KindFormula, KindFlat:
		for _, t := range tables {
			if t.kind == p.Kind && !t.present {
				fe.Add(t.field, "policy_kind_table_missing", string(t.kind))
			} else if t.kind != p.Kind && t.present {
				fe.Add(t.field, "policy_kind_table_extra", string(p.Kind))
			}
		}
	default:
		fe.Add("kind", "policy_kind_invalid")
	}
	switch p.Kind {
	case KindDurationTiers:
		validateTiers(p.Tiers, &fe)
	case KindLossBrackets:
		validateBrackets(p.Brackets, &fe)
	case KindFormula:
		if f := p.Formula; f != nil {
			if f.Rate <= 0 || f.Rate > 10 {
				fe.Add("formula.rate", "policy_rate_invalid")
			}
			if f.DefaultMargin <= 0 || f.DefaultMargin > 1 {
				fe.Add("formula.default_margin", "policy_margin_invalid")
			}
			for ind, m := range f.Margins {
				if !Industries.Has(ind) {
					fe.Add("formula.margins", "industry_invalid")
				} else if m <= 0 || m > 1 {
					fe.Add("formula.margins", "policy_margin_invalid")
				}
			}
			if f.Floor < 0 || f.Cap < 0 || (f.Cap > 0 && f.Floor > f.Cap) {
				fe.Add("formula.cap", "policy_floor_cap_invalid")
			}
		}
	case KindFlat:
		if f := p.Flat; f != nil {
			if f.Amount < 0 || (f.Paid != nil && *f.Paid < 0) || (f.Free != nil && *f.Free < 0) {
				fe.Add("flat.amount", "amount_negative")
			}
			for ind, v := range f.Industries {
				if !Industries.Has(ind) {
					fe.Add("flat.industries", "industry_invalid")
				} else if v < 0 {
					fe.Add("flat.industries", "amount_negative")
				}
			}
		}
	}
	if p.Budget < 0 {
		fe.Add("budget", "amount_negative")
	}
	if p.RoundingUnit < 0 || (p.RoundingUnit > 0 && !isPowerOf10(p.RoundingUnit)) {
		fe.Add("rounding_unit", "policy_rounding_invalid")
	}
	if p.AppealDays < 0 || p.AppealDays > 365 {
		fe.Add("appeal_days", "policy_appeal_days_invalid")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return nil
}

// validateTiers checks that tiers run upwards from 1 day with no gap or overlap, and that only
// the last is open-ended.
func validateTiers(tiers []Tier, fe *FieldErrors) {
	next := 1
	for i, t := range tiers {
		field := fmt.Sprintf("tiers[%d]", i)
		switch {
		case t.MinDays != next:
			fe.Add(field+".min_days", "policy_tier_gap", next)
		case t.MaxDays != 0 && t.MaxDays < t.MinDays:
			fe.Add(field+".max_days", "policy_tier_order")
		case t.MaxDays == 0 && i != len(tiers)-1:
			fe.Add(field+".max_days", "policy_open_not_last")
		}
		if t.Amount < 0 {
			fe.Add(field+".amount", "amount_negative")
		}
		next = t.MaxDays + 1
	}
}

// validateBrackets checks that brackets rise and that only the last is open-ended.
func validateBrackets(brackets []Bracket, fe *FieldErrors) {
	var prev int64 = -1
	for i, b := range brackets {
		field := fmt.Sprintf("brackets[%d]", i)
		switch {
		case b.UpTo == nil && i != len(brackets)-1:
			fe.Add(field+".up_to", "policy_open_not_last")
		case b.UpTo != nil && *b.UpTo <= prev:
			fe.Add(field+".up_to", "policy_bracket_order")
		}
		if b.UpTo != nil {
			prev = *b.UpTo
		}
		if b.Amount < 0 {
			fe.Add(field+".amount", "amount_negative")
		}
		if b.Review && b.Amount != 0 {
			fe.Add(field+".amount", "policy_review_amount")
		}
	}
}

func isPowerOf10(v int64) bool {
	for v%10 == 0 {
		v /= 10
	}
	return v == 1
}

// restored is the restoration kind in effect.
func (p *Policy) restored() RestoredKind {
	if p.Restored == "" {
		return RestoredMain
	}
	return p.Restored
}

// districtStem is a district's name without spaces and its suffix (구, 시, 군): "마포구" and
// "마포" are one district.
func districtStem(d string) string {
	d = strings.Join(strings.Fields(d), "")
	for _, suffix := range []string{"구", "시", "군"} {
		if t, ok := strings.CutSuffix(d, suffix); ok && t != "" {
			return t
		}
	}
	return d
}

// dayRule is the rule in effect.
func (p *Policy) dayRule() DayRule {
	if p.DayRule == "" {
		return Started24hPeriods
	}
	return p.DayRule
}

// Unit is the rounding unit in effect.
func (p *Policy) Unit() int64 {
	if p.RoundingUnit == 0 {
		return 10
	}
	return p.RoundingUnit
}

// Appeal is the appeal window in effect.
func (p *Policy) Appeal() time.Duration {
	days := p.AppealDays
	if days == 0 {
		days = 30
	}
	return time.Duration(days) * 24 * time.Hour
}

// ForIncident reports whether the policy may be used for the incident.
func (p *Policy) ForIncident(id string) bool {
	return len(p.Eligibility.Incidents) == 0 || slices.Contains(p.Eligibility.Incidents, id)
}

// Document returns the policy as the readable file it was made from.
func (p *Policy) Document() []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}

//go:embed policies/*.json
var builtinPolicies embed.FS

// BuiltinPolicies returns the policies that ship with claimdesk: kt-2018-tiers for
// kt-2018-11 and kakao-2022-brackets for kakao-2022-10, the schemes actually paid.
func BuiltinPolicies() ([]*Policy, error) {
	entries, err := builtinPolicies.ReadDir("policies")
	if err != nil {
		return nil, err
	}
	var out []*Policy
	for _, e := range entries {
		b, err := builtinPolicies.ReadFile("policies/" + e.Name())
		if err != nil {
			return nil, err
		}
		p, err := ParsePolicy(b)
		if err != nil {
			return nil, fmt.Errorf("built-in policy %s: %w", e.Name(), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// PolicyService stores policies as versioned documents.
type PolicyService interface {
	// AddPolicy stores p as the next version of its ID, or returns the stored version when the
	// latest one has the same hash. It sets p.Version. p is validated when it is parsed
	// (ParsePolicy); returns EFORBIDDEN unless the actor manages payouts.
	AddPolicy(ctx context.Context, p *Policy) error
	// FindPolicy returns version of the policy id; version 0 means the latest. Returns
	// ENOTFOUND "policy_not_found".
	FindPolicy(ctx context.Context, id string, version int) (*Policy, error)
	// Policies returns the latest version of every policy. Returns no code of its own.
	Policies(ctx context.Context) ([]*Policy, error)
}

// MaxSimulatedPolicies bounds the policies of one simulation.
const MaxSimulatedPolicies = 5

// ResolvePolicies reads the policies of a simulation request: each a stored policy's ID (the
// latest version, or "ID@VERSION"), or an inline policy document. Problems are reported per
// item, as policies[i].
func ResolvePolicies(ctx context.Context, store PolicyService, refs []json.RawMessage) ([]*Policy, error) {
	if len(refs) == 0 || len(refs) > MaxSimulatedPolicies {
		return nil, FieldErrors{{Field: "policies", Code: "policies_required", Args: []any{MaxSimulatedPolicies}}}.Err()
	}
	var fe FieldErrors
	var out []*Policy
	for i, raw := range refs {
		field := fmt.Sprintf("policies[%d]", i)
		var id string
		if err := json.Unmarshal(raw, &id); err == nil {
			name, v, _ := strings.Cut(id, "@")
			version := 0
			if v != "" {
				var err error
				if version, err = strconv.Atoi(v); err != nil || version < 1 {
					fe.Add(field, "policy_not_found", id)
					continue
				}
			}
			p, err := store.FindPolicy(ctx, name, version)
			if ErrorCode(err) == ENOTFOUND {
				fe.Add(field, "policy_not_found", id)
				continue
			} else if err != nil {
				return nil, err
			}
			out = append(out, p)
			continue
		}
		p, err := ParsePolicy(raw)
		if err != nil {
			for _, f := range FieldErrorsOf(err) {
				fe.Add(field+"."+f.Field, f.Code, f.Args...)
			}
			if e, ok := err.(*Error); ok && len(e.Fields) == 0 {
				fe.Add(field, e.Key, e.Args...)
			}
			continue
		}
		out = append(out, p)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
