package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

// The console's compensation page of an incident: the funnel to payment, the payout runs, and
// simulations side by side. The policies' pages are in policies.go, a run's page in runpage.go,
// individual awards in awards.go.

// payoutsPage is an incident's compensation: the funnel, the runs, and a simulation.
type payoutsPage struct {
	consolePage
	Incident   *claimdesk.Incident
	Incidents  []*claimdesk.Incident
	Funnel     []funnelStage
	Side       claimdesk.Funnel
	Runs       []*runRow
	Policies   []*claimdesk.Policy // the latest versions that may cover the incident
	Selected   []string            // the policies simulated
	Simulation *claimdesk.Simulation
	SimError   string
	CanAdopt   bool
}

// funnelStage is one step on the way to payment.
type funnelStage struct {
	Key   string
	Label string
	Count int
	Share float64 // of the reports
	Lost  int     // fewer than the stage before
	Stall bool    // where most reports stop
	// Reached is how many merchants a message of this stage reached; -1 where no message
	// tells of the stage.
	Reached int
}

// runRow is a run as the console lists it, with what the viewer may do with it.
type runRow struct {
	*claimdesk.PayoutRun
	CanRelease bool // a person with the payouts right other than who adopted it
	WaitsOther bool // the viewer adopted it: another person must release it
}

// runActs works out what actor a may do with run: release it, or wait for another person.
func runActs(a claimdesk.Actor, run *claimdesk.PayoutRun) (canRelease, waitsOther bool) {
	pending := run.State == claimdesk.RunPending
	mine := run.CreatedKey == a.Key()
	return pending && !mine && a.Person() != 0 && a.Can(claimdesk.PermPayouts), pending && mine
}

func (s *Server) handlePayouts(w http.ResponseWriter, r *http.Request) error {
	a := claimdesk.ActorFrom(r.Context())
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	p := &payoutsPage{consolePage: s.newConsolePage(w, r, "payouts.title", inc.Name.In(pageLang(w, r))), Incident: inc,
		CanAdopt: a.Can(claimdesk.PermPayouts)}
	if p.Incidents, err = s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{}); err != nil {
		return err
	}
	f, err := s.Payouts.Funnel(r.Context(), inc.ID)
	if err != nil {
		return err
	}
	p.Side, p.Funnel = f, funnelStages(f, &p.page)
	runs, err := s.Payouts.Runs(r.Context(), inc.ID)
	if err != nil {
		return err
	}
	for _, run := range runs {
		row := &runRow{PayoutRun: run}
		row.CanRelease, row.WaitsOther = runActs(a, run)
		p.Runs = append(p.Runs, row)
	}
	all, err := s.Policies.Policies(r.Context())
	if err != nil {
		return err
	}
	for _, pol := range all {
		if len(pol.Eligibility.Incidents) == 0 || slices.Contains(pol.Eligibility.Incidents, inc.ID) {
			p.Policies = append(p.Policies, pol)
		}
	}
	if p.Selected = r.URL.Query()["policy"]; len(p.Selected) > 0 {
		refs := make([]json.RawMessage, len(p.Selected))
		for i, id := range p.Selected {
			refs[i], _ = json.Marshal(id)
		}
		policies, err := claimdesk.ResolvePolicies(r.Context(), s.Policies, refs)
		if err == nil {
			p.Simulation, err = s.Payouts.SimulatePayouts(r.Context(), inc.ID, policies, nil)
		}
		if code := claimdesk.ErrorCode(err); code == claimdesk.EINVALID || code == claimdesk.ENOTFOUND {
			p.SimError = userMessage(err, p.Lang)
			for _, f := range claimdesk.FieldErrorsOf(err) {
				p.SimError += " " + f.Message(p.Lang)
			}
		} else if err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "payouts", p)
	return nil
}

// funnelStages lays the funnel out as stages, each with how many it lost against the one
// before, and marks the stage that loses the most: where reports stall.
func funnelStages(f claimdesk.Funnel, p *page) []funnelStage {
	stages := []funnelStage{
		{Key: "reports", Count: f.Reports}, {Key: "accepted", Count: f.Accepted}, {Key: "offered", Count: f.Offered},
		{Key: "agreed", Count: f.Agreed}, {Key: "paid", Count: f.Paid},
	}
	for i := range stages {
		switch stages[i].Key {
		case "reports", "offered", "paid": // the stages a message tells of
			stages[i].Reached = f.Reached[stages[i].Key]
		default:
			stages[i].Reached = -1
		}
	}
	worst := 0
	for i := range stages {
		st := &stages[i]
		st.Label = p.T("funnel." + st.Key)
		if f.Reports > 0 {
			st.Share = float64(st.Count) / float64(f.Reports)
		}
		if i > 0 {
			st.Lost = max(0, stages[i-1].Count-st.Count)
			if st.Lost > stages[worst].Lost {
				worst = i
			}
		}
	}
	if worst > 0 {
		stages[worst].Stall = true
	}
	return stages
}

// SimRows are the simulation's figures, one row per measure and one column per policy.
func (p *payoutsPage) SimRows() [][]string {
	if p.Simulation == nil {
		return nil
	}
	rows := []struct {
		key string
		get func(*claimdesk.PolicyResult) string
	}{
		{"sim.eligible", func(r *claimdesk.PolicyResult) string { return claimdesk.FormatKRW(int64(r.Eligible)) }},
		{"sim.with_amount", func(r *claimdesk.PolicyResult) string { return claimdesk.FormatKRW(int64(r.WithAmount)) }},
		{"sim.referred", func(r *claimdesk.PolicyResult) string { return claimdesk.FormatKRW(int64(r.Referred)) }},
		{"sim.ineligible", func(r *claimdesk.PolicyResult) string { return claimdesk.FormatKRW(int64(r.Ineligible)) }},
		{"sim.total", func(r *claimdesk.PolicyResult) string { return p.Won(r.Total) }},
		{"sim.mean", func(r *claimdesk.PolicyResult) string { return p.Won(r.Mean) }},
		{"sim.median", func(r *claimdesk.PolicyResult) string { return p.Won(r.Median) }},
		{"sim.budget", func(r *claimdesk.PolicyResult) string {
			if r.Budget == nil {
				return "-"
			}
			if !r.Budget.Scaled {
				return p.T("sim.budget_within", p.Won(r.Budget.Budget))
			}
			return p.T("sim.budget_scaled", p.Won(r.Budget.Budget), p.Won(r.Budget.Computed),
				strconv.FormatFloat(r.Budget.Factor, 'f', 4, 64), p.Won(r.Budget.Remainder))
		}},
	}
	var out [][]string
	for _, row := range rows {
		line := []string{p.T(row.key)}
		for i := range p.Simulation.Policies {
			line = append(line, row.get(&p.Simulation.Policies[i]))
		}
		out = append(out, line)
	}
	return out
}

// SimIndustries are the totals by industry, one column per policy.
func (p *payoutsPage) SimIndustries() [][]string {
	if p.Simulation == nil {
		return nil
	}
	totals := map[string][]int64{}
	var order []string
	names := map[string]string{}
	for i, res := range p.Simulation.Policies {
		for _, g := range res.ByIndustry {
			if _, ok := totals[g.Industry]; !ok {
				totals[g.Industry] = make([]int64, len(p.Simulation.Policies))
				order = append(order, g.Industry)
				names[g.Industry] = g.Name.In(p.Lang)
			}
			totals[g.Industry][i] = g.Total
		}
	}
	var out [][]string
	for _, ind := range order {
		line := []string{names[ind]}
		for _, t := range totals[ind] {
			line = append(line, p.Won(t))
		}
		out = append(out, line)
	}
	return out
}

// RunState names a run's state in the page's language.
func (p *payoutsPage) RunState(st claimdesk.RunState) string {
	return p.optionName(claimdesk.RunStates, string(st))
}

// IsSelected reports whether pol is among the policies simulated.
func (p *payoutsPage) IsSelected(pol *claimdesk.Policy) bool {
	return slices.Contains(p.Selected, pol.ID) || slices.Contains(p.Selected, pol.ID+"@"+strconv.Itoa(pol.Version))
}

// DiffAmount writes one amount of a difference: "-" where the policy gave none.
func (p *payoutsPage) DiffAmount(v *int64) string {
	if v == nil {
		return "-"
	}
	return p.Won(*v)
}

// handleConsoleAdopt adopts a stored policy for the incident: a run that waits for a second
// administrator.
func (s *Server) handleConsoleAdopt(w http.ResponseWriter, r *http.Request) error {
	noDeadlines(w) // a run over a million reports takes about half a minute
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ref, _ := json.Marshal(r.PostForm.Get("policy"))
	ps, err := claimdesk.ResolvePolicies(r.Context(), s.Policies, []json.RawMessage{ref})
	if err != nil {
		return err
	}
	if _, err := s.Payouts.AdoptPolicy(r.Context(), inc.ID, ps[0]); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/incidents/"+url.PathEscape(inc.ID)+"/payouts?done=adopted#runs", http.StatusSeeOther)
	return nil
}

// handleEvidence sends a reviewer one evidence file of a report, always as a download: a
// merchant's file is never rendered as a page of this site.
func (s *Server) handleEvidence(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	e, data, err := s.Payouts.EvidenceFile(r.Context(), r.PathValue("receipt"), id)
	if err != nil {
		return err
	}
	serveFile(w, e.ContentType, e.Name, data)
	return nil
}

// serveFile sends a file a merchant uploaded: as an attachment, in a sandbox, never cached.
func serveFile(w http.ResponseWriter, contentType, name string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
