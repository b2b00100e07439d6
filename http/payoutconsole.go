package http

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	CanRelease  bool   // an administrator other than who adopted it
	WaitsOther  bool   // the viewer adopted it: another administrator must release it
	CanDownload bool   // payment files, for administrators, once released
	Files       []link // payment files
}

type link struct{ Href, Label string }

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
		admin := a.Can(claimdesk.PermPayouts)
		mine := run.CreatedBy == a.String() || strings.HasPrefix(run.CreatedBy, a.Key()+" ")
		row.CanRelease = admin && run.State == claimdesk.RunPending && !mine
		row.WaitsOther = run.State == claimdesk.RunPending && mine
		row.CanDownload = admin && run.State == claimdesk.RunReleased
		base := "/console/payouts/runs/" + strconv.FormatInt(run.ID, 10)
		row.Files = []link{{base + "/payments.csv", "CSV"}, {base + "/payments.xlsx", "XLSX"}}
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

// runAction performs op on the run in the path and goes back to its incident's page.
func (s *Server) runAction(op func(r *http.Request, id int64) error, done string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		run, err := s.pathRun(r)
		if err != nil {
			return err
		}
		if err := op(r, run.ID); err != nil {
			return err
		}
		http.Redirect(w, r, "/console/incidents/"+url.PathEscape(run.Incident)+"/payouts?done="+done+"#runs", http.StatusSeeOther)
		return nil
	}
}

func (s *Server) handleConsoleRelease(r *http.Request, id int64) error {
	_, err := s.Payouts.ReleaseRun(r.Context(), id)
	return err
}

func (s *Server) handleConsolePaid(r *http.Request, id int64) error {
	_, err := s.Payouts.MarkPaid(r.Context(), id)
	return err
}

// handleConsoleAdopt adopts a stored policy for the incident: a run that waits for a second
// administrator.
func (s *Server) handleConsoleAdopt(w http.ResponseWriter, r *http.Request) error {
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
