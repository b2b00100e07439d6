package http

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/claimdesk/claimdesk"
)

// offerView is the compensation section of a merchant's report page: the amount and how it
// was computed, then the forms to accept or contest it, or what the merchant answered.
type offerView struct {
	*claimdesk.Offer
	page       *page
	CanAccept  bool
	CanContest bool
	Done       string // "accepted" or "contested": answered just now
	Open       string // the form that was refused, shown open with its errors
	Values     url.Values
	Errors     map[string]string
	ErrorList  []fieldMessage
	Action     string // where the forms go, with the report's token and the page's language
}

// T returns the page text key in the page's language.
func (v *offerView) T(key string, args ...any) string { return v.page.T(key, args...) }

// Won writes an amount in the page's language.
func (v *offerView) Won(n int64) string { return v.page.Won(n) }

// PaymentLine is one payment of the report, in the page's language.
func (v *offerView) PaymentLine(pay claimdesk.Payment) string { return v.page.PaymentLine(pay) }

// offerFields are the inputs of the offer forms, with their page text keys.
var offerFields = map[string]field{
	"bank":           {Type: "text", Autocomplete: "off", MaxLen: 30, Required: true},
	"account_number": {Type: "text", InputMode: "numeric", Autocomplete: "off", MaxLen: 30, Required: true},
	"account_holder": {Type: "text", Autocomplete: "name", MaxLen: 50, Required: true},
}

// Field returns an input of the accept form, with its value and error.
func (v *offerView) Field(name string) field {
	f := offerFields[name]
	f.Name, f.Label, f.Hint = name, v.page.T("offer."+name), v.page.T("offer."+name+".hint")
	f.Value, f.Error = v.Values.Get(name), v.Errors[name]
	f.RequiredText, f.ErrorPrefix = v.page.T("form.required"), v.page.T("form.error")
	f.Describedby = name + "-hint"
	if f.Error != "" {
		f.Describedby += " " + name + "-error"
	}
	return f
}

// Explanation is how the amount was computed, in the page's language.
func (v *offerView) Explanation() string { return v.Payout.Explanation.In(v.page.Lang) }

// PolicyName is the policy's name and version.
func (v *offerView) PolicyName() string {
	return v.page.T("offer.policy", v.Run.Policy.Name.In(v.page.Lang), v.Run.Policy.Version)
}

// Amount reports whether the offer is an amount (not a referral or a finding that the report
// is not covered).
func (v *offerView) Amount() bool { return v.Payout.Outcome == claimdesk.OutcomeAmount }

// Ineligible reports whether the policy does not cover the report.
func (v *offerView) Ineligible() bool { return v.Payout.Outcome == claimdesk.OutcomeIneligible }

// MaskedAccount shows the end of the account number only.
func (v *offerView) MaskedAccount() string { return maskAccount(v.Response.Bank.Number) }

// maskAccount keeps the last four characters of an account number.
func maskAccount(number string) string {
	n := []rune(number)
	if len(n) <= 4 {
		return string(n)
	}
	return "****" + string(n[len(n)-4:])
}

// EvidenceHint states the limits of evidence files.
func (v *offerView) EvidenceHint() string {
	return v.page.T("offer.evidence.hint", claimdesk.MaxEvidenceFiles, claimdesk.MaxEvidenceBytes>>20)
}

// loadOffer puts the report's offer on its page, if there is one.
func (s *Server) loadOffer(r *http.Request, p *reportPage) error {
	o, err := s.Payouts.Offer(r.Context(), p.Report.Receipt)
	if claimdesk.ErrorCode(err) == claimdesk.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	now := s.Now()
	p.Offer = &offerView{Offer: o, page: &p.page, CanAccept: o.CanAccept(), CanContest: o.CanContest(now),
		Values: url.Values{}, Errors: map[string]string{}}
	p.Offer.Action = "/reports/" + p.Report.Receipt + "/offer?" + url.Values{"token": {p.Token}, "lang": {string(p.Lang)}}.Encode()
	return nil
}

// maxOfferBody is the largest offer answer taken: every evidence file at its limit, and room
// for the rest of the form.
const maxOfferBody = claimdesk.MaxEvidenceFiles*claimdesk.MaxEvidenceBytes + 1<<20

// handleOffer takes the merchant's answer to an offer: acceptance with a bank account, or a
// contest with a message and evidence files. The token is in the address, so that even a
// refused upload can show the page again.
func (s *Server) handleOffer(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	rep, inc, err := s.merchantReport(r, token)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOfferBody)
	parseErr := r.ParseMultipartForm(1 << 20)
	if errors.Is(parseErr, http.ErrNotMultipart) {
		parseErr = r.ParseForm()
	}
	var files []claimdesk.EvidenceFile
	var resp claimdesk.OfferResponse
	if parseErr == nil {
		resp = claimdesk.OfferResponse{Accepted: r.PostForm.Get("answer") == "accept", Message: r.PostForm.Get("message"),
			Bank: claimdesk.BankAccount{Bank: r.PostForm.Get("bank"), Number: r.PostForm.Get("account_number"),
				Holder: r.PostForm.Get("account_holder")}}
		files, parseErr = evidenceFiles(r)
	}
	if parseErr == nil {
		_, err = s.Payouts.RespondToOffer(r.Context(), rep.Receipt, resp, files)
		if err == nil {
			done := "contested"
			if resp.Accepted {
				done = "accepted"
			}
			q := url.Values{"token": {token}, "offer": {done}}
			http.Redirect(w, r, "/reports/"+rep.Receipt+"?"+q.Encode(), http.StatusSeeOther)
			return nil
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(parseErr, &tooLarge): // the form is lost: the page is shown again with the limits
	case parseErr != nil:
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	case claimdesk.ErrorCode(err) != claimdesk.EINVALID:
		return err
	}
	p := s.newReportPage(w, r, rep, inc, token)
	if err := s.loadOffer(r, p); err != nil {
		return err
	}
	if p.Offer == nil {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "offer_not_found")
	}
	v := p.Offer
	v.Open, v.Values = "contest", r.PostForm
	if resp.Accepted {
		v.Open = "accept"
	}
	if tooLarge != nil {
		msg := p.T("offer.too_large", claimdesk.MaxEvidenceBytes>>20, claimdesk.MaxEvidenceFiles)
		v.Errors["evidence"] = msg
		v.ErrorList = append(v.ErrorList, fieldMessage{"evidence", p.T("offer.evidence"), msg})
	}
	for _, f := range claimdesk.FieldErrorsOf(err) {
		msg := f.Message(p.Lang)
		if v.Errors[f.Field] != "" {
			msg = v.Errors[f.Field] + " " + msg // several files can be refused at once
		}
		v.Errors[f.Field] = msg
		v.ErrorList = append(v.ErrorList, fieldMessage{f.Field, p.T("offer." + f.Field), f.Message(p.Lang)})
	}
	s.render(w, r, http.StatusUnprocessableEntity, "report", p)
	return nil
}

// evidenceFiles reads the uploaded evidence files, skipping the empty part an old browser
// sends when no file was chosen.
func evidenceFiles(r *http.Request) ([]claimdesk.EvidenceFile, error) {
	return uploadedFiles(r, "evidence")
}

// documentFiles reads the documents of a form: the files of the inputs doc_<kind>, one per
// kind of DocumentKinds.
func documentFiles(r *http.Request) ([]claimdesk.DocumentFile, error) {
	var out []claimdesk.DocumentFile
	for _, k := range claimdesk.DocumentKinds {
		files, err := uploadedFiles(r, "doc_"+k.Code)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			out = append(out, claimdesk.DocumentFile{Kind: k.Code, EvidenceFile: f})
		}
	}
	return out, nil
}

// parseUpload parses a form that may carry files (multipart, up to limit bytes) or not (the
// server's usual limit).
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request, limit int64) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, s.MaxBodyBytes)
		return r.ParseForm()
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	return r.ParseMultipartForm(1 << 20)
}

// maxDocumentsBody bounds a form with documents.
const maxDocumentsBody = claimdesk.MaxDocuments*claimdesk.MaxEvidenceBytes + 1<<20

// uploadedFiles reads the files of one input of a multipart form (none for another form).
func uploadedFiles(r *http.Request, field string) ([]claimdesk.EvidenceFile, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []claimdesk.EvidenceFile
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, claimdesk.MaxEvidenceBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, claimdesk.EvidenceFile{Name: fh.Filename, Data: data})
	}
	return out, nil
}
