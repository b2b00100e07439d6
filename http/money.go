package http

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
)

// The money path's API: review decisions, the merchant's offer, individual awards, a run's
// figures and release, payment files and their payment. Everything that moves money is done
// by a named person (a console session or a personal token); the store refuses a service
// token or the anonymous command line.

// readJSON decodes a JSON request body strictly into v. An empty body leaves v as it is, for
// the requests whose body is optional.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := strictJSON(body, v); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", err.Error())
	}
	return nil
}

// pathReceipt reads the receipt in the path, forgiving the typos a person makes copying it.
func pathReceipt(r *http.Request) (string, error) {
	receipt, ok := claimdesk.ParseReceipt(r.PathValue("receipt"))
	if !ok {
		return "", claimdesk.Errorm(claimdesk.ENOTFOUND, "receipt_typo")
	}
	return receipt, nil
}

// offerJSON is a report's offer as the API gives it, explained in the asker's language.
type offerJSON struct {
	Receipt      string                   `json:"receipt"`
	ReportStatus claimdesk.Status         `json:"report_status"`
	Run          int64                    `json:"run"`
	Policy       claimdesk.PolicyRef      `json:"policy"`
	Award        *claimdesk.Award         `json:"award,omitempty"`
	Outcome      claimdesk.Outcome        `json:"outcome"`
	Amount       int64                    `json:"amount"`
	Explanation  string                   `json:"explanation"`
	CanAccept    bool                     `json:"can_accept"`
	CanContest   bool                     `json:"can_contest"`
	AppealUntil  time.Time                `json:"appeal_until"`
	Response     *claimdesk.OfferResponse `json:"response,omitempty"`
	Payments     []claimdesk.Payment      `json:"payments"`
	Paid         int64                    `json:"paid"`
	Owed         int64                    `json:"owed"`
}

func (s *Server) offerJSON(o *claimdesk.Offer, receipt string, lang claimdesk.Lang) *offerJSON {
	out := &offerJSON{Receipt: receipt, ReportStatus: o.ReportStatus, Run: o.Run.ID, Policy: o.Run.Policy, Award: o.Award,
		Outcome: o.Payout.Outcome, Amount: o.Payout.Amount, Explanation: o.Payout.Explanation.In(lang),
		CanAccept: o.CanAccept(), CanContest: o.CanContest(s.Now()), AppealUntil: o.AppealUntil.In(claimdesk.KST),
		Payments: append([]claimdesk.Payment{}, o.Payments...)}
	out.Paid, out.Owed = o.Paid()
	if o.Response != nil {
		resp := *o.Response
		resp.Bank.Number = maskAccount(resp.Bank.Number) // the answer never carries the whole account back
		out.Response = &resp
	}
	if o.Award != nil {
		award := *o.Award
		award.ProposedBy, award.DecidedBy = "", "" // staff names are not the merchant's business
		out.Award = &award
	}
	return out
}

// offerReport finds the report of an offer request: its merchant by the report's access token,
// or staff who review.
func (s *Server) offerReport(r *http.Request, staff bool) (string, error) {
	receipt, err := pathReceipt(r)
	if err != nil {
		return "", err
	}
	if a := claimdesk.ActorFrom(r.Context()); staff && staffOnly(a) {
		return receipt, allow(a, claimdesk.PermReview)
	}
	token, ok := bearerToken(r)
	if !ok {
		return "", claimdesk.Errorm(claimdesk.EUNAUTHORIZED, "token_required")
	}
	if !s.ReportTokens.Valid(receipt, token) {
		return "", claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found")
	}
	return receipt, nil
}

// handleAPIOffer answers GET /api/v1/reports/{receipt}/offer.
func (s *Server) handleAPIOffer(w http.ResponseWriter, r *http.Request) error {
	receipt, err := s.offerReport(r, true)
	if err != nil {
		return err
	}
	o, err := s.Payouts.Offer(r.Context(), receipt)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", s.offerJSON(o, receipt, claimdesk.PreferredLang(r.Header.Get("Accept-Language"))))
	return nil
}

// handleAPIOfferAnswer answers POST /api/v1/reports/{receipt}/offer, the merchant's answer:
// {"answer": "accept", "bank": ..., "account": ..., "holder": ...} or {"answer": "contest",
// "message": ...}. Evidence files go with a contest made on the report's page.
func (s *Server) handleAPIOfferAnswer(w http.ResponseWriter, r *http.Request) error {
	receipt, err := s.offerReport(r, false)
	if err != nil {
		return err
	}
	var req struct {
		Answer  string `json:"answer"`
		Bank    string `json:"bank"`
		Account string `json:"account"`
		Holder  string `json:"holder"`
		Message string `json:"message"`
	}
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	if req.Answer != "accept" && req.Answer != "contest" {
		var fe claimdesk.FieldErrors
		fe.Add("answer", "answer_invalid")
		return fe.Err()
	}
	resp := claimdesk.OfferResponse{Accepted: req.Answer == "accept", Message: req.Message,
		Bank: claimdesk.BankAccount{Bank: req.Bank, Number: req.Account, Holder: req.Holder}}
	o, err := s.Payouts.RespondToOffer(r.Context(), receipt, resp, nil)
	if fe := claimdesk.FieldErrorsOf(err); len(fe) > 0 {
		// The fields as this API names them.
		renamed := claimdesk.FieldErrors{}
		for _, f := range fe {
			f.Field = strings.NewReplacer("account_number", "account", "account_holder", "holder").Replace(f.Field)
			renamed = append(renamed, f)
		}
		return renamed.Err()
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", s.offerJSON(o, receipt, claimdesk.PreferredLang(r.Header.Get("Accept-Language"))))
	return nil
}

// handleAPIAwardPropose answers POST /api/v1/reports/{receipt}/award: {"amount", "reason"}.
func (s *Server) handleAPIAwardPropose(w http.ResponseWriter, r *http.Request) error {
	receipt, err := pathReceipt(r)
	if err != nil {
		return err
	}
	var req struct {
		Amount int64  `json:"amount"`
		Reason string `json:"reason"`
	}
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.Payouts.ProposeAward(r.Context(), receipt, req.Amount, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, "application/json", a)
	return nil
}

// handleAPIAwardDecide answers POST /api/v1/reports/{receipt}/award/approve and …/decline
// ({"note": why}).
func (s *Server) handleAPIAwardDecide(w http.ResponseWriter, r *http.Request) error {
	receipt, err := pathReceipt(r)
	if err != nil {
		return err
	}
	var req struct {
		Note string `json:"note"`
	}
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	var a *claimdesk.Award
	switch r.PathValue("decision") {
	case "approve":
		a, err = s.Payouts.ApproveAward(r.Context(), receipt)
	case "decline":
		a, err = s.Payouts.DeclineAward(r.Context(), receipt, req.Note)
	default:
		err = claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", a)
	return nil
}

// handleAPIAwards answers GET /api/v1/reports/{receipt}/awards, the newest first.
func (s *Server) handleAPIAwards(w http.ResponseWriter, r *http.Request) error {
	receipt, err := pathReceipt(r)
	if err != nil {
		return err
	}
	as, err := s.Payouts.Awards(r.Context(), receipt)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"awards": append([]*claimdesk.Award{}, as...)})
	return nil
}

// runWithFigures is the run with its figures as of now.
func (s *Server) runWithFigures(ctx context.Context, run *claimdesk.PayoutRun) (*claimdesk.PayoutRun, error) {
	f, err := s.Payouts.RunFigures(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	run.Figures = f
	return run, nil
}

// onRun answers a request about the run in the path with what op gives, as JSON.
func onRun[T any](status int, op func(w http.ResponseWriter, r *http.Request, run int64) (T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := runID(r)
		if err != nil {
			return err
		}
		v, err := op(w, r, id)
		if err != nil {
			return err
		}
		writeJSON(w, status, "application/json", v)
		return nil
	}
}

// handleAPIRun answers GET /api/v1/payouts/runs/{run}: the run with its figures.
func (s *Server) handleAPIRun(_ http.ResponseWriter, r *http.Request, id int64) (*claimdesk.PayoutRun, error) {
	run, err := s.Payouts.FindRun(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return s.runWithFigures(r.Context(), run)
}

// handleAPIRelease answers POST /api/v1/payouts/runs/{run}/release, the second pair of eyes.
// With {"expect": {"count": N, "sum": S}} — the payable figure its approver read — the release
// is refused if the figure has changed since.
func (s *Server) handleAPIRelease(w http.ResponseWriter, r *http.Request, id int64) (*claimdesk.PayoutRun, error) {
	var req struct {
		Expect *claimdesk.Figure `json:"expect"`
	}
	if err := s.readJSON(w, r, &req); err != nil {
		return nil, err
	}
	run, err := s.Payouts.ReleaseRun(r.Context(), id, req.Expect)
	if err != nil {
		return nil, err
	}
	return s.runWithFigures(r.Context(), run)
}

// handleAPIRunPaid answers POST /api/v1/payouts/runs/{run}/paid: every payment file of the run
// not marked yet is paid.
func (s *Server) handleAPIRunPaid(_ http.ResponseWriter, r *http.Request, id int64) (claimdesk.PaidResult, error) {
	return s.Payouts.MarkPaid(r.Context(), id)
}

// handleAPIExport answers POST /api/v1/payouts/runs/{run}/payment-files: a new payment file of
// the payments that wait.
func (s *Server) handleAPIExport(w http.ResponseWriter, r *http.Request, id int64) (*claimdesk.PaymentFile, error) {
	f, err := s.Payouts.ExportPayments(r.Context(), id)
	if err == nil {
		w.Header().Set("Location", "/api/v1/payment-files/"+strconv.FormatInt(f.ID, 10))
	}
	return f, err
}

// handleAPIPaymentFiles answers GET /api/v1/payouts/runs/{run}/payment-files, the newest first.
func (s *Server) handleAPIPaymentFiles(_ http.ResponseWriter, r *http.Request, id int64) (map[string]any, error) {
	if _, err := s.Payouts.FindRun(r.Context(), id); err != nil {
		return nil, err
	}
	files, err := s.Payouts.PaymentFiles(r.Context(), id)
	return map[string]any{"files": files}, err
}

// pathFile finds the payment file in the path.
func (s *Server) pathFile(r *http.Request) (*claimdesk.PaymentFile, error) {
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil || id <= 0 {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "payment_file_not_found")
	}
	return s.Payouts.FindPaymentFile(r.Context(), id)
}

// handleAPIPaymentFile answers GET /api/v1/payment-files/{file}.
func (s *Server) handleAPIPaymentFile(w http.ResponseWriter, r *http.Request) error {
	f, err := s.pathFile(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", f)
	return nil
}

// handleAPIFilePaid answers POST /api/v1/payment-files/{file}/paid.
func (s *Server) handleAPIFilePaid(w http.ResponseWriter, r *http.Request) error {
	f, err := s.pathFile(r)
	if err != nil {
		return err
	}
	if f, err = s.Payouts.MarkFilePaid(r.Context(), f.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", f)
	return nil
}

// paymentFormat reads the spreadsheet format of a payment file's name in the path.
func paymentFormat(r *http.Request) (string, error) {
	format, ok := strings.CutPrefix(r.PathValue("name"), "payments.")
	if !ok || format != "csv" && format != "xlsx" {
		return "", claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	return format, nil
}

// handleFileDownload answers GET /api/v1/payment-files/{file}/payments.csv|xlsx (and the
// console's download): the file's lines, the same every time.
func (s *Server) handleFileDownload(w http.ResponseWriter, r *http.Request) error {
	format, err := paymentFormat(r)
	if err != nil {
		return err
	}
	f, err := s.pathFile(r)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-run-%d-file-%d-payments.%s", f.Incident, f.Run, f.ID, format)
	return s.writePayments(w, r, name, format, s.Payouts.PaymentRows(r.Context(), f.ID))
}

// handleRunPayments answers GET /api/v1/payouts/runs/{run}/payments.csv|xlsx, the address of
// the first version: what the bank must still pay for the run. The payments that wait are
// exported into a new payment file first; the answer holds every file of the run not yet
// marked paid, so that downloading it again gives the same lines until they are paid. Because
// it changes the ledger, a browser's cross-site request is refused.
func (s *Server) handleRunPayments(w http.ResponseWriter, r *http.Request) error {
	format, err := paymentFormat(r)
	if err != nil {
		return err
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return claimdesk.Errorm(claimdesk.EFORBIDDEN, "forbidden")
	}
	run, err := s.pathRun(r)
	if err != nil {
		return err
	}
	if run.State != claimdesk.RunReleased {
		return claimdesk.Errorm(claimdesk.ECONFLICT, "run_not_released")
	}
	if _, err := s.Payouts.ExportPayments(r.Context(), run.ID); err != nil && claimdesk.ErrorCode(err) != claimdesk.ECONFLICT {
		return err // nothing waiting is no error here: the files not yet paid are the answer
	}
	files, err := s.Payouts.PaymentFiles(r.Context(), run.ID)
	if err != nil {
		return err
	}
	rows := func(yield func(*claimdesk.PaymentRow, error) bool) {
		for _, f := range files {
			if !f.PaidAt.IsZero() {
				continue
			}
			for pr, err := range s.Payouts.PaymentRows(r.Context(), f.ID) {
				if !yield(pr, err) || err != nil {
					return
				}
			}
		}
	}
	return s.writePayments(w, r, fmt.Sprintf("%s-run-%d-payments.%s", run.Incident, run.ID, format), format, rows)
}

// writePayments streams payment rows as a spreadsheet download.
func (s *Server) writePayments(w http.ResponseWriter, r *http.Request, name, format string, rows iter.Seq2[*claimdesk.PaymentRow, error]) error {
	noDeadlines(w)
	download(w, name, format)
	lang := claimdesk.Korean
	if v := r.URL.Query().Get("lang"); v != "" {
		var ok bool
		if lang, ok = claimdesk.ParseLang(v); !ok {
			var fe claimdesk.FieldErrors
			fe.Add("lang", "lang_invalid")
			return fe.Err()
		}
	}
	n, total, err := sheet.WritePayments(w, format, lang, rows)
	if err != nil {
		s.Logger.Error("payment file", "request_id", requestID(r), "file", name, "rows", n, "err", err)
		panic(http.ErrAbortHandler)
	}
	s.Logger.Info("payment file", "request_id", requestID(r), "file", name, "rows", n, "total", total,
		"actor", claimdesk.ActorFrom(r.Context()).String())
	return nil
}
