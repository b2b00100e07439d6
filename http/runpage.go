package http

import (
	"net/http"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

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
