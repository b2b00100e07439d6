package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// detailPage is one report with its history, duplicates and the decisions a reviewer can take.
type detailPage struct {
	consolePage
	Report      *claimdesk.Report
	Incident    *claimdesk.Incident
	History     []historyItem
	Duplicates  []*claimdesk.Report
	Next        []choice
	Reviewers   []*claimdesk.User
	CanReview   bool
	Form        url.Values // what the reviewer typed, kept when a decision is refused
	Error       string
	Link        string // the merchant's link, to read out or send to them
	Offer       *claimdesk.Offer
	Awards      []*claimdesk.Award
	Pending     *claimdesk.Award // the award proposed and not yet decided
	CanPropose  bool             // the report is referred, accepted, and has no award waiting
	CanDecide   bool             // the viewer may approve the pending award: payouts right, not its proposer
	CanWithdraw bool             // the viewer proposed the pending award
	Messages    []*claimdesk.Notification
	Correct     *formPage // the reviewer's correction of the report's fields
	Documents   []claimdesk.Document
}

// DocumentKind names a kind of document in the page's language.
func (p *detailPage) DocumentKind(kind string) string {
	l, _ := claimdesk.DocumentKinds.Label(kind)
	return l.In(p.Lang)
}

// DocumentChoices are the request's checklist, with what the reviewer ticked.
func (p *detailPage) DocumentChoices() []choice {
	return p.options(claimdesk.DocumentKinds, p.Form["documents"]...)
}

// ChannelName returns a message channel in the page's language.
func (p *detailPage) ChannelName(c claimdesk.MessageChannel) string {
	return p.T("message.channel." + string(c))
}

// MessageStatus returns a message's delivery status in the page's language.
func (p *detailPage) MessageStatus(m *claimdesk.Notification) string {
	return p.T("message.status." + string(m.Status))
}

// AwardState names an award's state in the page's language.
func (p *detailPage) AwardState(st claimdesk.AwardState) string {
	return p.T("award.state." + string(st))
}

// MaskedAccount shows the end of the account number the merchant gave.
func (p *detailPage) MaskedAccount() string { return maskAccount(p.Offer.Response.Bank.Number) }

// EvidenceLink is where a reviewer downloads an evidence file of the report.
func (p *detailPage) EvidenceLink(id int64) string {
	return "/console/reports/" + p.Report.Receipt + "/evidence/" + strconv.FormatInt(id, 10)
}

// historyItem is one audit entry as people read it.
type historyItem struct {
	At     time.Time
	Actor  string
	Action string
	Lines  []string
}

func (s *Server) handleDetail(w http.ResponseWriter, r *http.Request) error {
	return s.renderDetail(w, r, http.StatusOK, "", nil, nil)
}

// renderDetail shows a report's page, with an error and the reviewer's input when a decision
// was refused.
func (s *Server) renderDetail(w http.ResponseWriter, r *http.Request, status int, errMsg string, form url.Values, corrErr error) error {
	a := claimdesk.ActorFrom(r.Context())
	receipt, ok := claimdesk.ParseReceipt(r.PathValue("receipt"))
	if !ok {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "receipt_typo")
	}
	rep, err := s.Reports.FindReportByReceipt(r.Context(), receipt)
	if err != nil {
		return err
	}
	if !a.Can(claimdesk.PermReview) && rep.EnteredBy != a.Key() {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found") // not theirs: as if it did not exist
	}
	inc, err := s.Incidents.FindIncidentByID(r.Context(), rep.Incident)
	if err != nil {
		return err
	}
	p := &detailPage{consolePage: s.newConsolePage(w, r, "report.title", rep.Receipt), Report: rep, Incident: inc,
		CanReview: a.Can(claimdesk.PermReview), Error: errMsg, Form: form}
	if p.Form == nil {
		p.Form = url.Values{}
	}
	p.Link = s.merchantLink(rep.Receipt)
	if p.CanReview {
		entries, err := s.Review.History(r.Context(), rep.Receipt)
		if err != nil {
			return err
		}
		for _, e := range entries {
			p.History = append(p.History, describeEntry(e, p.Lang))
		}
		if p.Messages, err = s.Notices.Messages(r.Context(), rep.Receipt); err != nil {
			return err
		}
		if p.Documents, err = s.Review.Documents(r.Context(), rep.Receipt); err != nil {
			return err
		}
		if p.Duplicates, err = s.Review.Duplicates(r.Context(), rep.Receipt); err != nil {
			return err
		}
		for _, st := range claimdesk.NextStatuses(rep.Status) {
			if st == claimdesk.StatusMerged {
				continue // merging is its own form, with the other receipt
			}
			l, _ := claimdesk.Statuses.Label(string(st))
			p.Next = append(p.Next, choice{Value: string(st), Label: l.In(p.Lang), Checked: p.Form.Get("to") == string(st)})
		}
		if p.Reviewers, err = s.reviewers(r); err != nil {
			return err
		}
		if p.Offer, err = s.Payouts.Offer(r.Context(), rep.Receipt); claimdesk.ErrorCode(err) == claimdesk.ENOTFOUND {
			p.Offer = nil
		} else if err != nil {
			return err
		}
		if err := s.loadAwards(r, p); err != nil {
			return err
		}
		// The correction form: the report's fields, or what the reviewer typed when refused.
		if corrErr != nil {
			p.Correct, p.Form = s.newFormPage(w, r, inc, form), url.Values{} // the other forms stay empty
			p.Correct.setErrors(corrErr)
			for _, f := range claimdesk.FieldErrorsOf(corrErr) {
				if f.Field == "reason" {
					p.Correct.Errors["reason"] = f.Message(p.Lang)
					p.Correct.ErrorList = append(p.Correct.ErrorList, fieldMessage{"correct-reason", p.T("correct.reason"), f.Message(p.Lang)})
				}
			}
		} else {
			p.Correct = s.newFormPage(w, r, inc, reportValues(rep))
		}
		p.Correct.Action = "/console/reports/" + rep.Receipt + "/correct"
	}
	s.render(w, r, status, "detail", p)
	return nil
}

// ServiceName returns the name of one of the incident's services.
func (p *detailPage) ServiceName(id string) string {
	if svc, ok := p.Incident.Service(id); ok {
		return svc.Name.In(p.Lang)
	}
	return id
}

// DamageTypeName returns a damage type's name.
func (p *detailPage) DamageTypeName(code string) string {
	return p.optionName(claimdesk.DamageTypes, code)
}

// compareRow is one field of the duplicates table: this report's value, then each duplicate's.
type compareRow struct {
	Label string
	Cells []compareCell
}

type compareCell struct {
	Value   string
	Differs bool // from this report's value
}

// CompareRows lays the report and its possible duplicates side by side, field by field.
func (p *detailPage) CompareRows() []compareRow {
	fields := []struct {
		label string
		get   func(r *claimdesk.Report) string
	}{
		{p.FieldLabel("business_name"), func(r *claimdesk.Report) string { return r.BusinessName }},
		{p.FieldLabel("business_number"), func(r *claimdesk.Report) string { return r.BusinessNumber }},
		{p.FieldLabel("representative"), func(r *claimdesk.Report) string { return r.Representative }},
		{p.FieldLabel("phone"), func(r *claimdesk.Report) string { return r.Phone }},
		{p.FieldLabel("region"), func(r *claimdesk.Report) string { return p.RegionName(r.Region) + " " + r.District }},
		{p.FieldLabel("services"), func(r *claimdesk.Report) string {
			var n []string
			for _, s := range r.Services {
				n = append(n, p.ServiceName(s))
			}
			return strings.Join(n, ", ")
		}},
		{p.T("report.damage_period"), func(r *claimdesk.Report) string { return r.DamageStart.String() + " ~ " + r.DamageEnd.String() }},
		{p.FieldLabel("claimed_loss"), func(r *claimdesk.Report) string { return claimdesk.FormatKRW(r.ClaimedLoss) }},
		{p.T("queue.status"), func(r *claimdesk.Report) string { return p.StatusName(r.Status) }},
		{p.T("report.received"), func(r *claimdesk.Report) string { return kst(r.ReceivedAt) }},
	}
	var rows []compareRow
	for _, f := range fields {
		this := f.get(p.Report)
		row := compareRow{Label: f.label, Cells: []compareCell{{Value: this}}}
		for _, d := range p.Duplicates {
			v := f.get(d)
			row.Cells = append(row.Cells, compareCell{Value: v, Differs: v != this})
		}
		rows = append(rows, row)
	}
	return rows
}

// merchantLink is the address that opens a report for its merchant: absolute with the
// configured public URL, else relative. Never made from the request's Host header, which a
// client chooses: a link with the report's token must not point at someone else's site.
func (s *Server) merchantLink(receipt string) string {
	return s.PublicURL + "/reports/" + receipt + "?" + url.Values{"token": {s.ReportTokens.Token(receipt)}}.Encode()
}

// actorText words an actor as the audit trail records it ("user:3 rev@example.org via token 5
// rev-script", "merchant", "cli:root") for a reader: the person's e-mail and how they acted,
// or who else it was, in lang.
func actorText(actor string, lang claimdesk.Lang) string {
	who, via, _ := strings.Cut(actor, " via ")
	key, name, _ := strings.Cut(who, " ")
	kind, id, _ := strings.Cut(key, ":")
	var s string
	switch claimdesk.ActorKind(kind) {
	case claimdesk.ActorUser:
		s = name
	case claimdesk.ActorToken:
		s = text(lang, "actor.token", id)
	case claimdesk.ActorCLI:
		s = text(lang, "actor.cli")
	case claimdesk.ActorMerchant:
		s = text(lang, "actor.merchant")
	case claimdesk.ActorSystem:
		s = text(lang, "actor.system")
	default:
		return actor
	}
	switch {
	case via == "cli":
		s += " (" + text(lang, "actor.cli") + ")"
	case strings.HasPrefix(via, "token "):
		tok, _, _ := strings.Cut(strings.TrimPrefix(via, "token "), " ")
		s += " (" + text(lang, "actor.token", tok) + ")"
	}
	return s
}

// describeEntry turns an audit entry into lines a reviewer reads.
func describeEntry(e *claimdesk.AuditEntry, lang claimdesk.Lang) historyItem {
	h := historyItem{At: e.At, Actor: actorText(e.Actor, lang), Action: text(lang, "audit."+e.Action)}
	str := func(k string) string { v, _ := e.Detail[k].(string); return v }
	status := func(k string) string {
		l, ok := claimdesk.Statuses.Label(str(k))
		if !ok {
			return str(k)
		}
		return l.In(lang)
	}
	switch e.Action {
	case claimdesk.AuditReportCreated:
		h.Lines = append(h.Lines, text(lang, "channel."+str("channel")))
	case claimdesk.AuditStatusChanged, claimdesk.AuditAnswered:
		h.Lines = append(h.Lines, status("from")+" → "+status("to"))
	case claimdesk.AuditAssigned:
		from, to := str("from"), str("to")
		if from == "" {
			from = "-"
		}
		if to == "" {
			to = "-"
		}
		h.Lines = append(h.Lines, from+" → "+to)
	case claimdesk.AuditMerged:
		if into := str("into"); into != "" {
			h.Lines = append(h.Lines, text(lang, "history.into", into))
		} else {
			h.Lines = append(h.Lines, text(lang, "history.absorbed", str("absorbed")))
		}
	case claimdesk.AuditDuplicate:
		if list, ok := e.Detail["possible_duplicate_of"].([]any); ok {
			var rs []string
			for _, x := range list {
				rs = append(rs, x.(string))
			}
			h.Lines = append(h.Lines, text(lang, "history.dups", strings.Join(rs, ", ")))
		}
	}
	for _, k := range []string{"reason", "message", "note"} {
		if v := str(k); v != "" {
			h.Lines = append(h.Lines, text(lang, "history."+k)+": "+v)
		}
	}
	if changes, ok := e.Detail["changes"].(map[string]any); ok {
		for _, f := range claimdesk.Fields {
			if c, ok := changes[f.Code].([]any); ok && len(c) == 2 {
				h.Lines = append(h.Lines, f.Label.In(lang)+": "+valueText(c[0])+" → "+valueText(c[1]))
			}
		}
	}
	return h
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return "-"
		}
		return x
	case float64:
		return claimdesk.FormatKRW(int64(x))
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, valueText(e))
		}
		return strings.Join(parts, ", ")
	}
	return "?"
}

// decided answers a console action: back to the report page with a note, or the page again
// with the error and the reviewer's input when the action was refused.
func (s *Server) decided(w http.ResponseWriter, r *http.Request, err error, done string) error {
	switch claimdesk.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/console/reports/"+r.PathValue("receipt")+"?done="+done, http.StatusSeeOther)
		return nil
	case claimdesk.EINVALID, claimdesk.ECONFLICT, claimdesk.EFORBIDDEN:
		lang := pageLang(w, r)
		msg := userMessage(err, lang)
		if fe := claimdesk.FieldErrorsOf(err); len(fe) > 0 {
			msg = fe[0].Message(lang)
		}
		return s.renderDetail(w, r, statusOf(claimdesk.ErrorCode(err)), msg, r.PostForm, nil)
	}
	return err
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) error {
	change := claimdesk.StatusChange{To: claimdesk.Status(r.PostForm.Get("to")), Reason: r.PostForm.Get("reason"), Message: r.PostForm.Get("message"),
		Documents: r.PostForm["documents"]}
	_, err := s.Review.ChangeStatus(r.Context(), r.PathValue("receipt"), change)
	return s.decided(w, r, err, "status")
}

// handleCorrect applies a reviewer's correction of the report's fields; a refused one shows
// the form again, open, with its problems.
func (s *Server) handleCorrect(w http.ResponseWriter, r *http.Request) error {
	values := r.PostForm
	in := claimdesk.ReportFromText(values.Get, func(f string) []string { return values[f] })
	_, err := s.Review.Correct(r.Context(), r.PathValue("receipt"), claimdesk.Correction{Report: *in, Reason: values.Get("reason")})
	if claimdesk.ErrorCode(err) == claimdesk.EINVALID {
		return s.renderDetail(w, r, http.StatusUnprocessableEntity, "", r.PostForm, err)
	}
	return s.decided(w, r, err, "correct")
}

// handleDocument serves one of a report's documents to a reviewer, as an attachment in a
// sandbox: whatever a file holds, it runs nothing in the console's origin.
func (s *Server) handleDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	d, data, err := s.Review.DocumentFile(r.Context(), r.PathValue("receipt"), id)
	if err != nil {
		return err
	}
	serveFile(w, d.ContentType, d.Name, data)
	return nil
}

func (s *Server) handleNote(w http.ResponseWriter, r *http.Request) error {
	return s.decided(w, r, s.Review.AddNote(r.Context(), r.PathValue("receipt"), r.PostForm.Get("note")), "note")
}

func (s *Server) handleAssign(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PostForm.Get("assignee"), 10, 64)
	return s.decided(w, r, s.Review.Assign(r.Context(), r.PathValue("receipt"), id), "assign")
}

func (s *Server) handleMerge(w http.ResponseWriter, r *http.Request) error {
	other, ok := claimdesk.ParseReceipt(r.PostForm.Get("other"))
	if !ok {
		return s.decided(w, r, claimdesk.Errorm(claimdesk.EINVALID, "receipt_typo"), "")
	}
	this, _ := claimdesk.ParseReceipt(r.PathValue("receipt"))
	return s.decided(w, r, s.Review.Merge(r.Context(), this, other, r.PostForm.Get("reason")), "merge")
}
