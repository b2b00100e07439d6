package claimdesk_test

import (
	"context"
	"iter"
	"reflect"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/demo"
)

// With Count and Range the first pass runs in parts on several cores: the simulation, the
// payouts explained and the differences are those of one pass; a part that yields fewer
// reports than counted is an error, not a short total. The first pass works out an outage once
// for each damage period and services and keeps it for later reports: each amount is still the
// report's own, as Compute gives it.
func TestSimulationInParts(t *testing.T) {
	inc := incident(t, "kakao-2022-10")
	g := demo.New(inc, 5)
	reports := make([]*claimdesk.Report, 45_000)
	for i := range reports {
		reports[i], _ = g.Report()
		reports[i].Receipt = claimdesk.ReceiptFromNumber(uint64(i + 1))
	}
	budgeted := *builtin(t, "kakao-2022-brackets")
	budgeted.ID, budgeted.Budget = "kakao-budget", 900_000_000
	flat := &claimdesk.Policy{ID: "flat", Kind: "flat", Flat: &claimdesk.Flat{Amount: 50_000}}
	formula := &claimdesk.Policy{ID: "formula", Kind: claimdesk.KindFormula, Formula: &claimdesk.Formula{Rate: 0.8, DefaultMargin: 0.2}}
	full := &claimdesk.Policy{ID: "formula-full", Kind: claimdesk.KindFormula, Restored: claimdesk.RestoredFull,
		DayRule: claimdesk.CalendarDays, Formula: &claimdesk.Formula{Rate: 0.5, DefaultMargin: 0.3}}
	policies := []*claimdesk.Policy{builtin(t, "kakao-2022-brackets"), &budgeted, flat, formula, full}
	run := func(sm *claimdesk.Simulator) (*claimdesk.Simulation, [][]claimdesk.PayoutDetail, error) {
		details := make([][]claimdesk.PayoutDetail, len(policies))
		sim, err := sm.Run(context.Background(), func(i int, po *claimdesk.Payout) error {
			details[i] = append(details[i], po.Detail(claimdesk.Korean))
			return nil
		})
		return sim, details, err
	}
	parts := func(from, to int) iter.Seq2[*claimdesk.Report, error] { return seq(reports[from:to]...)() }
	one, oneDetails, err := run(&claimdesk.Simulator{Incident: inc, Policies: policies, Now: computedAt, Reports: seq(reports...)})
	if err != nil {
		t.Fatal(err)
	}
	many, manyDetails, err := run(&claimdesk.Simulator{Incident: inc, Policies: policies, Now: computedAt,
		Count: len(reports), Range: parts})
	if err != nil {
		t.Fatal(err)
	}
	if one.Reports != len(reports) || one.Policies[0].Total == 0 || len(one.Differences) == 0 || !one.Policies[1].Budget.Scaled {
		t.Fatalf("a simulation that compares nothing: %+v", one)
	}
	if !reflect.DeepEqual(one, many) || !reflect.DeepEqual(oneDetails, manyDetails) {
		t.Errorf("in parts:\n%+v\nin one pass:\n%+v", many, one)
	}
	for i, p := range policies {
		if p.Budget > 0 {
			continue
		}
		var total int64
		for j, r := range reports {
			want := p.Compute(inc, r, computedAt, false)
			got, gotAmount, wantAmount := oneDetails[i][j], int64(-1), int64(-1) // -1: no amount
			if got.Amount != nil {
				gotAmount = *got.Amount
			}
			if want.Outcome == claimdesk.OutcomeAmount {
				wantAmount = want.Amount
				total += want.Amount
			}
			if got.Outcome != want.Outcome || gotAmount != wantAmount {
				t.Fatalf("%s, report %d: simulated %s %d, computed alone %s %d", p.ID, j, got.Outcome, gotAmount, want.Outcome, wantAmount)
			}
		}
		if one.Policies[i].Total != total {
			t.Errorf("%s: simulated total %d, computed alone %d", p.ID, one.Policies[i].Total, total)
		}
	}
	short := func(from, to int) iter.Seq2[*claimdesk.Report, error] {
		if from == 0 {
			to-- // a report filed behind the copy's back, say
		}
		return seq(reports[from:to]...)()
	}
	_, _, err = run(&claimdesk.Simulator{Incident: inc, Policies: policies, Now: computedAt,
		Count: len(reports), Range: short})
	if err == nil || !strings.Contains(err.Error(), "reports where") {
		t.Errorf("a part short of a report: %v", err)
	}
}
