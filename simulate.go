package claimdesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Simulation is what policies would pay for the reports of one incident, side by side.
type Simulation struct {
	Incident string         `json:"incident"`
	AsOf     time.Time      `json:"as_of"`
	Reports  int            `json:"reports"` // reports of the incident considered
	Policies []PolicyResult `json:"policies"`
	// Differences are the reports whose amounts differ most between the policies (with two
	// or more), the largest spread first.
	Differences []Difference `json:"differences,omitempty"`
}

// PolicyResult is one policy's totals in a simulation.
type PolicyResult struct {
	Policy     PolicyRef      `json:"policy"`
	Eligible   int            `json:"eligible"`    // reports the policy covers: with an amount or referred
	WithAmount int            `json:"with_amount"` // of those, reports given an amount
	Referred   int            `json:"referred"`    // of those, reports left to review
	Ineligible int            `json:"ineligible"`
	Total      int64          `json:"total"`
	Mean       int64          `json:"mean"`   // over reports with an amount, rounded down
	Median     int64          `json:"median"` // nearest rank, over reports with an amount
	Budget     *Budget        `json:"budget,omitempty"`
	ByIndustry []PayoutGroup  `json:"by_industry"`
	ByRegion   []PayoutGroup  `json:"by_region"`
	Detail     []PayoutDetail `json:"detail,omitempty"`
}

// PolicyRef names a policy exactly: its version and the hash of its document.
type PolicyRef struct {
	ID      string     `json:"id"`
	Version int        `json:"version"` // 0 for a document not stored
	Hash    string     `json:"hash"`
	Name    Label      `json:"name"`
	Kind    PolicyKind `json:"kind"`
}

// Ref returns the reference to p.
func (p *Policy) Ref() PolicyRef {
	return PolicyRef{ID: p.ID, Version: p.Version, Hash: p.Hash, Name: p.Name, Kind: p.Kind}
}

// PayoutGroup totals the amounts of one industry or region.
type PayoutGroup struct {
	Industry string `json:"industry,omitempty"`
	Region   string `json:"region,omitempty"`
	Name     Label  `json:"name"`
	Count    int    `json:"count"` // reports given an amount
	Total    int64  `json:"total"`
}

// PayoutDetail is one report's payout in a simulation, explained in one language.
type PayoutDetail struct {
	Receipt     string  `json:"receipt"`
	Outcome     Outcome `json:"outcome"`
	Amount      *int64  `json:"amount,omitempty"` // absent for reports referred to review or not covered
	Days        int     `json:"days"`
	Hours       float64 `json:"hours"`
	Service     string  `json:"service,omitempty"`
	Explanation string  `json:"explanation"`
}

// Difference is one report's amounts under each policy, in the order of the simulation (null
// where a policy gives no amount).
type Difference struct {
	Receipt string   `json:"receipt"`
	Amounts []*int64 `json:"amounts"`
	Spread  int64    `json:"spread"`
}

// maxDifferences bounds the list of differences.
const maxDifferences = 20

// Simulator computes what policies pay for an incident's reports. Reports returns the reports
// afresh each time it is called: a simulation reads them once, and once more to explain each
// payout once the budgets are known.
type Simulator struct {
	Incident *Incident
	Policies []*Policy
	Now      time.Time
	Reports  func() iter.Seq2[*Report, error]

	// Count and Range, when set instead of Reports, let the first pass run on every core:
	// Range yields the reports from the from-th up to the to-th, of Count in all.
	Count int
	Range func(from, to int) iter.Seq2[*Report, error]
}

// all yields every report, from Reports or from Range.
func (s *Simulator) all() iter.Seq2[*Report, error] {
	if s.Range != nil {
		return s.Range(0, s.Count)
	}
	return s.Reports()
}

// simulatePart is the fewest reports worth a core of their own.
const simulatePart = 20_000

// Run simulates. With emit, every payout of every policy is given to it, explained and scaled
// to its policy's budget, in a second pass over the reports.
func (s *Simulator) Run(ctx context.Context, emit func(policy int, po *Payout) error) (*Simulation, error) {
	sim := &Simulation{Incident: s.Incident.ID, AsOf: s.Now.In(KST)}
	// First pass: the amount by each policy's rule, kept compactly (a million reports and
	// three policies take tens of megabytes).
	n := len(s.Policies)
	outcomes, amounts := make([][]outcomeCode, n), make([][]int64, n)
	var receipts []string
	var industries, regions []uint8 // positions in Industries and Regions (NotListed: neither)
	if s.Range != nil && s.Count >= 2*simulatePart {
		receipts, industries, regions = make([]string, s.Count), make([]uint8, s.Count), make([]uint8, s.Count)
		for i := range n {
			outcomes[i], amounts[i] = make([]outcomeCode, s.Count), make([]int64, s.Count)
		}
		parts := min(runtime.GOMAXPROCS(0), 8, s.Count/simulatePart)
		errs := make([]error, parts)
		var wg sync.WaitGroup
		for k := range parts {
			from, to := s.Count*k/parts, s.Count*(k+1)/parts
			wg.Go(func() {
				outage := newOutages(s.Incident, s.Now)
				j := from
				for r, err := range s.Range(from, to) {
					if err == nil && (j-from)%4096 == 0 {
						err = ctx.Err()
					}
					if err != nil {
						errs[k] = err
						return
					}
					receipts[j], industries[j], regions[j] = r.Receipt, Industries.Position(r.Industry), Regions.Position(r.Region)
					s.byRule(j, r, outage, outcomes, amounts)
					j++
				}
				if j != to {
					errs[k] = fmt.Errorf("simulate: %d reports where %d were counted", j-from, to-from)
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	} else {
		outage := newOutages(s.Incident, s.Now)
		for r, err := range s.all() {
			if err != nil {
				return nil, err
			}
			if len(receipts)%4096 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			receipts = append(receipts, r.Receipt)
			industries, regions = append(industries, Industries.Position(r.Industry)), append(regions, Regions.Position(r.Region))
			for i := range n {
				outcomes[i], amounts[i] = append(outcomes[i], 0), append(amounts[i], 0)
			}
			s.byRule(len(receipts)-1, r, outage, outcomes, amounts)
		}
	}
	sim.Reports = len(receipts)
	budgets := make([]Budget, n)
	for i, p := range s.Policies {
		res := PolicyResult{Policy: p.Ref(), ByRegion: []PayoutGroup{}}
		paying := 0
		for _, o := range outcomes[i] {
			if o == codeAmount {
				paying++
			}
		}
		paid, at := make([]int64, 0, paying), make([]int, 0, paying)
		for j, o := range outcomes[i] {
			switch o {
			case codeAmount:
				paid, at = append(paid, amounts[i][j]), append(at, j)
			case codeReview:
				res.Referred++
			default:
				res.Ineligible++
			}
		}
		if p.Budget > 0 {
			budgets[i] = ScaleToBudget(paid, p.Budget, p.Unit())
			res.Budget = &budgets[i]
			for k, j := range at {
				amounts[i][j] = paid[k]
			}
		}
		res.WithAmount = len(paid)
		res.Eligible = res.WithAmount + res.Referred
		ind, reg := make([]PayoutGroup, len(Industries)), make([]PayoutGroup, len(Regions))
		for k, j := range at {
			res.Total += paid[k]
			if x := industries[j]; int(x) < len(ind) {
				ind[x].Count++
				ind[x].Total += paid[k]
			}
			if x := regions[j]; int(x) < len(reg) {
				reg[x].Count++
				reg[x].Total += paid[k]
			}
		}
		for x, o := range Industries {
			res.ByIndustry = append(res.ByIndustry, PayoutGroup{Industry: o.Code, Name: o.Label, Count: ind[x].Count, Total: ind[x].Total})
		}
		for x, o := range Regions {
			if reg[x].Count > 0 {
				res.ByRegion = append(res.ByRegion, PayoutGroup{Region: o.Code, Name: o.Label, Count: reg[x].Count, Total: reg[x].Total})
			}
		}
		slices.SortStableFunc(res.ByRegion, func(a, b PayoutGroup) int { return cmp.Compare(b.Total, a.Total) })
		if len(paid) > 0 {
			res.Mean = res.Total / int64(len(paid))
			res.Median = SummarizeLosses(paid).Median
		}
		sim.Policies = append(sim.Policies, res)
	}
	if n > 1 {
		sim.Differences = differences(receipts, outcomes, amounts)
	}
	if emit == nil {
		return sim, nil
	}
	// Second pass: each payout explained, with the budget's step.
	j, outage := 0, newOutages(s.Incident, s.Now)
	for r, err := range s.all() {
		if err != nil {
			return nil, err
		}
		if j >= len(receipts) || r.Receipt != receipts[j] {
			return nil, Errorf(ECONFLICT, "the reports changed during the computation; run it again")
		}
		outage.reset(r)
		for i, p := range s.Policies {
			po := p.compute(s.Incident, r, s.Now, true, outage)
			po.Amount = amounts[i][j]
			budgets[i].ExplainBudget(&po, p.Unit())
			if err := emit(i, &po); err != nil {
				return nil, err
			}
		}
		j++
	}
	if j != len(receipts) {
		return nil, Errorf(ECONFLICT, "the reports changed during the computation; run it again")
	}
	return sim, nil
}

// outcomeCode is an Outcome in a byte, as a simulation keeps one per report and policy.
type outcomeCode uint8

const (
	codeOther  outcomeCode = iota // not covered
	codeAmount                    // OutcomeAmount
	codeReview                    // OutcomeReview
)

func codeOf(o Outcome) outcomeCode {
	switch o {
	case OutcomeAmount:
		return codeAmount
	case OutcomeReview:
		return codeReview
	}
	return codeOther
}

// byRule computes the j-th report's amount by each policy's rule, before any budget.
func (s *Simulator) byRule(j int, r *Report, outage *outages, outcomes [][]outcomeCode, amounts [][]int64) {
	outage.reset(r)
	for i, p := range s.Policies {
		po := p.compute(s.Incident, r, s.Now, false, outage)
		outcomes[i][j], amounts[i][j] = codeOf(po.Outcome), po.Computed
	}
}

// differences finds the reports whose amounts differ most between policies.
func differences(receipts []string, outcomes [][]outcomeCode, amounts [][]int64) []Difference {
	type cand struct {
		j      int
		spread int64
	}
	var top []cand
	for j := range receipts {
		lo, hi := int64(-1), int64(0)
		for i := range outcomes {
			a := int64(0)
			if outcomes[i][j] == codeAmount {
				a = amounts[i][j]
			}
			if lo < 0 || a < lo {
				lo = a
			}
			hi = max(hi, a)
		}
		if spread := hi - lo; spread > 0 && (len(top) < maxDifferences || spread > top[len(top)-1].spread) {
			k, _ := slices.BinarySearchFunc(top, spread, func(c cand, s int64) int { return cmp.Compare(s, c.spread) })
			for k < len(top) && top[k].spread == spread {
				k++ // the earlier report first among equals
			}
			top = slices.Insert(top, k, cand{j, spread})
			if len(top) > maxDifferences {
				top = top[:maxDifferences]
			}
		}
	}
	out := make([]Difference, 0, len(top))
	for _, c := range top {
		d := Difference{Receipt: receipts[c.j], Spread: c.spread}
		for i := range outcomes {
			if outcomes[i][c.j] == codeAmount {
				a := amounts[i][c.j]
				d.Amounts = append(d.Amounts, &a)
			} else {
				d.Amounts = append(d.Amounts, nil)
			}
		}
		out = append(out, d)
	}
	return out
}

// Detail returns the payout as a simulation shows it, explained in lang.
func (po *Payout) Detail(lang Lang) PayoutDetail {
	d := PayoutDetail{Receipt: po.Receipt, Outcome: po.Outcome, Days: po.Days, Hours: po.Hours, Service: po.Service,
		Explanation: po.Explanation.In(lang)}
	if po.Outcome == OutcomeAmount {
		a := po.Amount
		d.Amount = &a
	}
	return d
}
