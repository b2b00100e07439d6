package http

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

// The console's compensation pages: the policies, and per incident the funnel to payment, the
// payout runs with their four-eyes release, and simulations side by side.

// policiesPage lists the stored policies; administrators add new ones on it.
type policiesPage struct {
	consolePage
	Policies  []*claimdesk.Policy
	Incidents []*claimdesk.Incident
	CanAdd    bool
	Document  string // what the administrator pasted, kept when it is refused
	Errors    []fieldMessage
}

func (s *Server) newPoliciesPage(w http.ResponseWriter, r *http.Request) (*policiesPage, error) {
	p := &policiesPage{consolePage: s.newConsolePage(w, r, "policies.title"), CanAdd: claimdesk.ActorFrom(r.Context()).Can(claimdesk.PermPayouts)}
	var err error
	if p.Policies, err = s.Policies.Policies(r.Context()); err != nil {
		return nil, err
	}
	p.Incidents, err = s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{})
	return p, err
}

func (s *Server) handlePolicies(w http.ResponseWriter, r *http.Request) error {
	p, err := s.newPoliciesPage(w, r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "policies", p)
	return nil
}

// maxPolicyBytes bounds a policy document: the largest worked example is under 2 KB.
const maxPolicyBytes = 256 << 10

// handlePolicyAdd stores a policy document pasted or uploaded by an administrator.
func (s *Server) handlePolicyAdd(w http.ResponseWriter, r *http.Request) error {
	doc := []byte(r.PostForm.Get("document"))
	if f, fh, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if fh.Size > maxPolicyBytes {
			return claimdesk.Errorm(claimdesk.EINVALID, "policy_too_large", maxPolicyBytes>>10)
		}
		if doc, err = io.ReadAll(f); err != nil {
			return err
		}
	}
	p, err := claimdesk.ParsePolicy(doc)
	if err == nil {
		err = s.Policies.AddPolicy(r.Context(), p)
	}
	if err == nil {
		http.Redirect(w, r, policyPath(p.ID, p.Version)+"&done=policy", http.StatusSeeOther)
		return nil
	}
	if claimdesk.ErrorCode(err) != claimdesk.EINVALID {
		return err
	}
	page, perr := s.newPoliciesPage(w, r)
	if perr != nil {
		return perr
	}
	page.Document = string(doc)
	for _, f := range claimdesk.FieldErrorsOf(err) {
		page.Errors = append(page.Errors, fieldMessage{f.Field, f.Field, f.Message(page.Lang)})
	}
	if len(page.Errors) == 0 {
		page.Errors = []fieldMessage{{"document", "", userMessage(err, page.Lang)}}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "policies", page)
	return nil
}

// policyPath is the console address of a policy version.
func policyPath(id string, version int) string {
	return "/console/policies/" + url.PathEscape(id) + "?" + url.Values{"version": {strconv.Itoa(version)}}.Encode()
}

// policyPage shows one policy version: what it says, and its document as stored.
type policyPage struct {
	consolePage
	Policy    *claimdesk.Policy
	Versions  []int
	Document  string
	Incidents []*claimdesk.Incident // the incidents it can be simulated on
}

func (s *Server) handlePolicy(w http.ResponseWriter, r *http.Request) error {
	version, _ := strconv.Atoi(r.URL.Query().Get("version"))
	pol, err := s.Policies.FindPolicy(r.Context(), r.PathValue("id"), version)
	if err != nil {
		return err
	}
	latest, err := s.Policies.FindPolicy(r.Context(), pol.ID, 0)
	if err != nil {
		return err
	}
	p := &policyPage{consolePage: s.newConsolePage(w, r, "policy.title", pol.Name.In(pageLang(w, r))), Policy: pol}
	for v := latest.Version; v >= 1; v-- {
		p.Versions = append(p.Versions, v)
	}
	var doc bytes.Buffer
	json.Indent(&doc, pol.Document(), "", "  ")
	p.Document = doc.String()
	incs, err := s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{})
	if err != nil {
		return err
	}
	for _, inc := range incs {
		if len(pol.Eligibility.Incidents) == 0 || slices.Contains(pol.Eligibility.Incidents, inc.ID) {
			p.Incidents = append(p.Incidents, inc)
		}
	}
	s.render(w, r, http.StatusOK, "policy", p)
	return nil
}

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
	w.Header().Set("Content-Type", e.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(e.Name))
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
	return nil
}

// runPage is one payout run: its figures by stage, its release, and its payment files.
type runPage struct {
	consolePage
	Run        *claimdesk.PayoutRun
	Figures    *claimdesk.RunFigures
	Stages     []figureRow // what the run offers
	Ledger     []figureRow // what was accepted, and where it stands
	Files      []*claimdesk.PaymentFile
	CanRelease bool
	WaitsOther bool
	CanPay     bool // export payment files and mark them paid: a person with the payouts right
	Error      string
}

// figureRow is one line of a run's figures.
type figureRow struct {
	Key, Label, Hint string
	Count            int
	Sum              int64
	NoSum            bool // a count of reports, with no amount
	Total            bool // the line an approver signs
}

// RunState names the run's state in the page's language.
func (p *runPage) RunState() string { return p.optionName(claimdesk.RunStates, string(p.Run.State)) }

func (s *Server) handleRunPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRun(w, r, http.StatusOK, "")
}

// renderRun shows a run's page, with an error when an action on it was refused.
func (s *Server) renderRun(w http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	a := claimdesk.ActorFrom(r.Context())
	run, err := s.pathRun(r)
	if err != nil {
		return err
	}
	f, err := s.Payouts.RunFigures(r.Context(), run.ID)
	if err != nil {
		return err
	}
	p := &runPage{consolePage: s.newConsolePage(w, r, "run.title", run.ID), Run: run, Figures: f, Error: errMsg,
		CanPay: a.Person() != 0 && a.Can(claimdesk.PermPayouts) && run.State == claimdesk.RunReleased}
	p.CanRelease, p.WaitsOther = runActs(a, run)
	row := func(key string, fig claimdesk.Figure) figureRow {
		return figureRow{Key: key, Label: p.T("run." + key), Hint: p.T("run." + key + ".hint"), Count: fig.Count, Sum: fig.Sum}
	}
	referred := row("referred", claimdesk.Figure{Count: f.Referred})
	referred.NoSum = true
	payable := row("payable", f.Payable)
	payable.Total = true
	p.Stages = []figureRow{row("offers", f.Offers), row("unreviewed", f.Unreviewed), referred, row("awards", f.Awards),
		row("carried", f.CarriedForward), row("top_ups", f.TopUps), payable}
	p.Ledger = []figureRow{row("accepted", f.Accepted), row("waiting", f.Waiting), row("held", f.Held),
		row("exported", f.Exported), row("paid", f.Paid)}
	if a.Can(claimdesk.PermPayouts) {
		if p.Files, err = s.Payouts.PaymentFiles(r.Context(), run.ID); err != nil {
			return err
		}
	}
	s.render(w, r, status, "run", p)
	return nil
}

// runPath is the console address of a run.
func runPath(id int64) string { return "/console/payouts/runs/" + strconv.FormatInt(id, 10) }

// runDone goes back to the run's page after an action, or shows the page again with the reason
// it was refused.
func (s *Server) runDone(w http.ResponseWriter, r *http.Request, run int64, err error, done string) error {
	switch claimdesk.ErrorCode(err) {
	case "":
		http.Redirect(w, r, runPath(run)+"?done="+done, http.StatusSeeOther)
		return nil
	case claimdesk.EINVALID, claimdesk.ECONFLICT, claimdesk.EFORBIDDEN:
		r.SetPathValue("run", strconv.FormatInt(run, 10))
		return s.renderRun(w, r, statusOf(claimdesk.ErrorCode(err)), userMessage(err, pageLang(w, r)))
	}
	return err
}

// handleConsoleRelease releases a run with the payable figure its approver was shown: if the
// figure changed meanwhile, the page comes back with the new one, to be read again.
func (s *Server) handleConsoleRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := runID(r)
	if err != nil {
		return err
	}
	var expect claimdesk.Figure
	count, err1 := strconv.Atoi(r.PostForm.Get("expect_count"))
	sum, err2 := strconv.ParseInt(r.PostForm.Get("expect_sum"), 10, 64)
	if err1 != nil || err2 != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	expect.Count, expect.Sum = count, sum
	_, err = s.Payouts.ReleaseRun(r.Context(), id, &expect)
	return s.runDone(w, r, id, err, "released")
}

// handleConsoleExport puts the payments that wait into a new payment file.
func (s *Server) handleConsoleExport(w http.ResponseWriter, r *http.Request) error {
	id, err := runID(r)
	if err != nil {
		return err
	}
	_, err = s.Payouts.ExportPayments(r.Context(), id)
	return s.runDone(w, r, id, err, "exported")
}

// handleConsoleFilePaid marks a payment file paid.
func (s *Server) handleConsoleFilePaid(w http.ResponseWriter, r *http.Request) error {
	f, err := s.pathFile(r)
	if err != nil {
		return err
	}
	_, err = s.Payouts.MarkFilePaid(r.Context(), f.ID)
	return s.runDone(w, r, f.Run, err, "paid")
}

// loadAwards puts the report's awards on its page, and what the viewer may do with them.
func (s *Server) loadAwards(r *http.Request, p *detailPage) error {
	a := claimdesk.ActorFrom(r.Context())
	awards, err := s.Payouts.Awards(r.Context(), p.Report.Receipt)
	if err != nil {
		return err
	}
	p.Awards = awards
	if len(awards) > 0 && awards[0].State == claimdesk.AwardProposed {
		p.Pending = awards[0]
		mine := p.Pending.ProposedKey == a.Key()
		p.CanDecide = !mine && a.Person() != 0 && a.Can(claimdesk.PermPayouts)
		p.CanWithdraw = mine
		return nil
	}
	o := p.Offer
	p.CanPropose = a.Person() != 0 && p.Report.Status == claimdesk.StatusAccepted && o != nil && len(o.Payments) == 0 &&
		(o.Payout.Outcome == claimdesk.OutcomeReview || o.Award != nil)
	return nil
}

// handleAwardPropose proposes an award from the report's page.
func (s *Server) handleAwardPropose(w http.ResponseWriter, r *http.Request) error {
	amount, code := claimdesk.ParseAmountText(r.PostForm.Get("amount"))
	if code != "" {
		return s.decided(w, r, claimdesk.Errorm(claimdesk.EINVALID, "award_amount_invalid"), "")
	}
	_, err := s.Payouts.ProposeAward(r.Context(), r.PathValue("receipt"), amount, r.PostForm.Get("reason"))
	return s.decided(w, r, err, "award_proposed")
}

// handleAwardDecide approves or declines the report's pending award.
func (s *Server) handleAwardDecide(w http.ResponseWriter, r *http.Request) error {
	receipt := r.PathValue("receipt")
	var err error
	switch r.PathValue("decision") {
	case "approve":
		_, err = s.Payouts.ApproveAward(r.Context(), receipt)
	case "decline":
		_, err = s.Payouts.DeclineAward(r.Context(), receipt, r.PostForm.Get("note"))
	default:
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	return s.decided(w, r, err, "award_"+r.PathValue("decision"))
}
