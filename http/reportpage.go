package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// reportPage shows one report to whoever holds its access token. While staff wait for more
// information it carries the answer form, with the report's fields ready to correct.
type reportPage struct {
	page
	Report   *claimdesk.Report
	Incident *claimdesk.Incident
	Filed    bool
	Answered bool
	Link     string
	Token    string
	Answer   *formPage
	Message  string // the merchant's answer as typed, kept when it is refused
	Offer    *offerView

	Documents []claimdesk.Document // what the merchant sent

	// Messages sent about the report, and the form that says how the merchant hears of it.
	Messages    []*claimdesk.Notification
	Prefs       *claimdesk.Report // as shown in the form: the stored ones, or those refused
	PrefsError  string
	PrefsSaved  bool
	NotifyValue string // the radio button checked: "" (every contact), "sms" or "email"
}

// DocumentKind names a kind of document in the page's language.
func (p *reportPage) DocumentKind(kind string) string {
	l, _ := claimdesk.DocumentKinds.Label(kind)
	return l.In(p.Lang)
}

// ChannelName returns a message channel in the page's language.
func (p *reportPage) ChannelName(c claimdesk.MessageChannel) string {
	return p.T("message.channel." + string(c))
}

// MessageStatus returns a message's delivery status in the page's language.
func (p *reportPage) MessageStatus(m *claimdesk.Notification) string {
	return p.T("message.status." + string(m.Status))
}

// reportValues are a stored report's fields as form values, to correct them.
func reportValues(r *claimdesk.Report) url.Values {
	v := url.Values{
		"business_name": {r.BusinessName}, "business_number": {r.BusinessNumber},
		"no_business_number_reason": {r.NoBusinessNumberReason}, "representative": {r.Representative},
		"phone": {r.Phone}, "email": {r.Email}, "region": {r.Region}, "district": {r.District},
		"industry": {r.Industry}, "services": r.Services, "damage_types": r.DamageTypes,
		"damage_start": {r.DamageStart.String()}, "damage_end": {r.DamageEnd.String()},
		"claimed_loss": {strconv.FormatInt(r.ClaimedLoss, 10)}, "description": {r.Description},
	}
	if r.UsualDailySales != nil {
		v.Set("usual_daily_sales", strconv.FormatInt(*r.UsualDailySales, 10))
	}
	return v
}

// Status returns the report's status in the page's language.
func (p *reportPage) Status() string {
	l, _ := claimdesk.Statuses.Label(string(p.Report.Status))
	return l.In(p.Lang)
}

// RegionName returns the report's region in the page's language.
func (p *reportPage) RegionName() string {
	l, _ := claimdesk.Regions.Label(p.Report.Region)
	return l.In(p.Lang)
}

// IndustryName returns the report's industry in the page's language.
func (p *reportPage) IndustryName() string {
	l, _ := claimdesk.Industries.Label(p.Report.Industry)
	return l.In(p.Lang)
}

// ServiceNames returns the names of the report's services.
func (p *reportPage) ServiceNames() []string {
	var out []string
	for _, id := range p.Report.Services {
		if svc, ok := p.Incident.Service(id); ok {
			out = append(out, svc.Name.In(p.Lang))
		} else {
			out = append(out, id)
		}
	}
	return out
}

// DamageTypeNames returns the names of the report's damage types.
func (p *reportPage) DamageTypeNames() []string {
	var out []string
	for _, t := range p.Report.DamageTypes {
		l, _ := claimdesk.DamageTypes.Label(t)
		out = append(out, l.In(p.Lang))
	}
	return out
}

// merchantReport finds the report of the address and checks the token that opens it: from
// the query, or from the answer form.
func (s *Server) merchantReport(r *http.Request, token string) (*claimdesk.Report, *claimdesk.Incident, error) {
	receipt, ok := claimdesk.ParseReceipt(r.PathValue("receipt"))
	if !ok {
		return nil, nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "receipt_typo")
	}
	if token == "" || !s.ReportTokens.Valid(receipt, token) {
		return nil, nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found")
	}
	rep, err := s.Reports.FindReportByReceipt(r.Context(), receipt)
	if err != nil {
		return nil, nil, err
	}
	inc, err := s.Incidents.FindIncidentByID(r.Context(), rep.Incident)
	return rep, inc, err
}

func (s *Server) newReportPage(w http.ResponseWriter, r *http.Request, rep *claimdesk.Report, inc *claimdesk.Incident, token string) *reportPage {
	p := &reportPage{page: s.newPage(w, r, "report.title", rep.Receipt), Report: rep, Incident: inc, Token: token}
	p.NoIndex = true
	p.Link = s.merchantLink(rep.Receipt)
	if rep.Status == claimdesk.StatusNeedsInfo {
		p.Answer = s.newFormPage(w, r, inc, reportValues(rep))
		p.Answer.Action = "/reports/" + rep.Receipt + "/answer"
		p.Answer.DocumentKinds, p.Answer.Answering = p.Answer.documentInputs(rep.InfoDocuments), true
	}
	if docs, err := s.Review.Documents(r.Context(), rep.Receipt); err == nil {
		p.Documents = docs
	} else {
		s.Logger.Error("report page: documents", "receipt", rep.Receipt, "err", err)
	}
	p.setPrefs(rep)
	ctx := claimdesk.WithActor(r.Context(), claimdesk.Actor{Kind: claimdesk.ActorMerchant}) // what was sent to them, not to partners
	if msgs, err := s.Notices.Messages(ctx, rep.Receipt); err == nil {
		p.Messages = msgs
	} else {
		s.Logger.Error("report page: messages", "receipt", rep.Receipt, "err", err)
	}
	return p
}

// setPrefs shows preferences in the form.
func (p *reportPage) setPrefs(r *claimdesk.Report) {
	p.Prefs, p.NotifyValue = r, ""
	if len(r.Notify) == 1 {
		p.NotifyValue = string(r.Notify[0])
	}
}

// handlePreferences takes the merchant's choice of how to hear of the report: every contact
// given, text messages only or e-mail only; the language; and whether to get only what the
// claim needs.
func (s *Server) handlePreferences(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	token := r.PostForm.Get("token")
	rep, inc, err := s.merchantReport(r, token)
	if err != nil {
		return err
	}
	want := *rep
	want.Notify = nil
	if c := r.PostForm.Get("notify"); c != "" {
		want.Notify = []claimdesk.MessageChannel{claimdesk.MessageChannel(c)}
	}
	want.Lang = claimdesk.Lang(r.PostForm.Get("message_lang"))
	want.FewerMessages = r.PostForm.Get("fewer_messages") == "true"
	err = s.Notices.SetPreferences(r.Context(), rep.Receipt, &want)
	switch claimdesk.ErrorCode(err) {
	case "":
		q := url.Values{"token": {token}, "prefs": {"1"}}
		http.Redirect(w, r, "/reports/"+rep.Receipt+"?"+q.Encode()+"#notifications", http.StatusSeeOther)
		return nil
	case claimdesk.EINVALID:
		p := s.newReportPage(w, r, rep, inc, token)
		p.setPrefs(&want)
		for _, f := range claimdesk.FieldErrorsOf(err) {
			p.PrefsError = f.Message(p.Lang)
		}
		s.render(w, r, http.StatusUnprocessableEntity, "report", p)
		return nil
	}
	return err
}

func (s *Server) handleReportPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	rep, inc, err := s.merchantReport(r, token)
	if err != nil {
		return err
	}
	p := s.newReportPage(w, r, rep, inc, token)
	p.Filed, p.Answered = r.URL.Query().Get("filed") == "1", r.URL.Query().Get("answered") == "1"
	p.PrefsSaved = r.URL.Query().Get("prefs") == "1"
	if err := s.loadOffer(r, p); err != nil {
		return err
	}
	if p.Offer != nil {
		p.Offer.Done = r.URL.Query().Get("offer")
	}
	s.render(w, r, http.StatusOK, "report", p)
	return nil
}

// handleAnswer takes the merchant's answer to a request for information, with their
// corrections, and puts the report back in the reviewers' queue.
func (s *Server) handleAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseUpload(w, r, maxDocumentsBody); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	token := r.PostForm.Get("token")
	rep, inc, err := s.merchantReport(r, token)
	if err != nil {
		return err
	}
	values := r.PostForm
	in := claimdesk.ReportFromText(values.Get, func(f string) []string { return values[f] })
	docs, err := documentFiles(r)
	if err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	_, err = s.Review.Answer(r.Context(), rep.Receipt, claimdesk.MerchantAnswer{Message: values.Get("answer"), Report: *in, Documents: docs})
	switch claimdesk.ErrorCode(err) {
	case "":
		q := url.Values{"token": {token}, "answered": {"1"}}
		http.Redirect(w, r, "/reports/"+rep.Receipt+"?"+q.Encode(), http.StatusSeeOther)
		return nil
	case claimdesk.EINVALID:
		p := s.newReportPage(w, r, rep, inc, token)
		p.Message = values.Get("answer")
		p.Answer.Values = values
		p.Answer.setErrors(err)
		p.Answer.FilesDropped = len(docs) > 0
		for _, f := range claimdesk.FieldErrorsOf(err) {
			if f.Field == "answer" {
				p.Answer.Errors["answer"] = f.Message(p.Lang)
				p.Answer.ErrorList = append(p.Answer.ErrorList, fieldMessage{"answer", p.T("report.answer"), f.Message(p.Lang)})
			}
		}
		s.render(w, r, http.StatusUnprocessableEntity, "report", p)
		return nil
	}
	return err
}

// lookupPage finds a report by its receipt number and the phone number it was filed with: what a
// merchant has who filed by phone, or lost the link.
type lookupPage struct {
	page
	// Incidents taking reports, for whom to call without a receipt.
	Incidents                 []*claimdesk.Incident
	Receipt, Phone            string
	ReceiptError, PhoneError  string
	Notice                    string
	RequiredText, ErrorPrefix string

	// The receipt sent again: by phone and business number, to the contacts on file.
	LostPhone, LostBusiness         string
	LostPhoneError, LostBusinessErr string
	LostNotice                      string
	LostSent                        bool
}

// handleRecover sends a merchant who lost their receipt the receipt and link of the reports
// filed with the phone and business number they give, to the contacts on file. The answer
// is the same whether a report matched or not: the page tells nobody whose report exists.
func (s *Server) handleRecover(w http.ResponseWriter, r *http.Request) error {
	p, err := s.lookupForm(w, r)
	if err != nil {
		return err
	}
	p.LostPhone, p.LostBusiness = r.PostForm.Get("phone"), r.PostForm.Get("business_number")
	_, code := claimdesk.NormalizeBusinessNumber(p.LostBusiness)
	p.LostPhoneError = p.problem(p.LostPhone, phoneProblem(p.LostPhone))
	p.LostBusinessErr = p.problem(p.LostBusiness, code)
	if p.LostPhoneError != "" || p.LostBusinessErr != "" {
		s.render(w, r, http.StatusUnprocessableEntity, "lookup", p)
		return nil
	}
	_, err = s.Notices.Recover(r.Context(), p.LostPhone, p.LostBusiness)
	switch claimdesk.ErrorCode(err) {
	case "":
		p.LostSent = true
		s.render(w, r, http.StatusOK, "lookup", p)
		return nil
	case claimdesk.EUNAVAILABLE:
		p.LostNotice = p.T("recovery_off")
		s.render(w, r, http.StatusServiceUnavailable, "lookup", p)
		return nil
	}
	return err
}

// lookupForm reads one of the lookup page's small forms, and the page to answer with.
func (s *Server) lookupForm(w http.ResponseWriter, r *http.Request) (*lookupPage, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return nil, claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	return s.newLookupPage(w, r), nil
}

// problem words what is wrong with a required input: that it is empty, or the problem (a
// catalogue code) found reading it; "" when nothing is.
func (p *page) problem(value, code string) string {
	switch {
	case strings.TrimSpace(value) == "":
		return p.T("required")
	case code != "":
		return p.T(code)
	}
	return ""
}

// phoneProblem is the catalogue code of a phone number that does not read, "" for one that does.
func phoneProblem(s string) string {
	if _, ok := claimdesk.NormalizePhone(s); !ok {
		return "phone_invalid"
	}
	return ""
}

func (s *Server) newLookupPage(w http.ResponseWriter, r *http.Request) *lookupPage {
	p := &lookupPage{page: s.newPage(w, r, "lookup.title")}
	open := true
	p.Incidents, _ = s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{IntakeOpen: &open}) // the form works without them
	p.RequiredText, p.ErrorPrefix = p.T("form.required"), p.T("form.error")
	return p
}

func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "lookup", s.newLookupPage(w, r))
	return nil
}

func (s *Server) handleLookupSubmit(w http.ResponseWriter, r *http.Request) error {
	p, err := s.lookupForm(w, r)
	if err != nil {
		return err
	}
	p.Receipt, p.Phone = r.PostForm.Get("receipt"), r.PostForm.Get("phone")
	receipt, receiptOK := claimdesk.ParseReceipt(p.Receipt)
	phone, phoneOK := claimdesk.NormalizePhone(p.Phone)
	typo := ""
	if !receiptOK {
		typo = "receipt_typo"
	}
	p.ReceiptError, p.PhoneError = p.problem(p.Receipt, typo), p.problem(p.Phone, phoneProblem(p.Phone))
	if receiptOK && phoneOK {
		rep, err := s.Reports.FindReportByReceipt(r.Context(), receipt)
		if err != nil && claimdesk.ErrorCode(err) != claimdesk.ENOTFOUND {
			return err
		}
		if err == nil && rep.Phone == phone {
			q := url.Values{"token": {s.ReportTokens.Token(receipt)}}
			http.Redirect(w, r, "/reports/"+receipt+"?"+q.Encode(), http.StatusSeeOther)
			return nil
		}
		p.Notice = p.T("lookup_not_found")
	}
	s.render(w, r, http.StatusUnprocessableEntity, "lookup", p)
	return nil
}
