package http

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// homePage lists the incidents that take reports.
type homePage struct {
	page
	Incidents []*claimdesk.Incident
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	open := true
	incs, err := s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{IntakeOpen: &open})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "home", &homePage{page: s.newPage(w, r, "home.title"), Incidents: incs})
	return nil
}

// formPage is the report form of one incident, empty or as the merchant filled it in.
type formPage struct {
	page
	Incident  *claimdesk.Incident
	FormKey   string
	Values    url.Values
	Errors    map[string]string
	ErrorList []fieldMessage
	Notice    string
	First     string // the damage period, for the date fields
	Last      string
	Action    string // where the form posts
	// FilesDropped: the refused submission carried files, which a browser cannot put back
	// into the form: the page asks for them again.
	FilesDropped bool
	// DocumentKinds are the document inputs to show (all of them on the report form; those a
	// request named, and "other", on the answer form).
	DocumentKinds []choice
	Answering     bool // the form answers a request: its documents are the ones asked for
}

// documentInputs lists the document inputs for kinds (all when none are named), with their
// names in the page's language.
func (p *formPage) documentInputs(kinds []string) []choice {
	var out []choice
	for _, k := range claimdesk.DocumentKinds {
		if len(kinds) == 0 || slices.Contains(kinds, k.Code) || k.Code == "other" {
			out = append(out, choice{Value: k.Code, Label: k.Label.In(p.Lang)})
		}
	}
	return out
}

// setErrors puts the field problems of err beside their inputs and in the summary.
func (p *formPage) setErrors(err error) {
	for _, f := range claimdesk.FieldErrorsOf(err) {
		if _, known := fieldSpecs[f.Field]; !known {
			// Not an input of this form: the incident, which is in the address. If it
			// closed meanwhile, the page says so instead of showing the form.
			continue
		}
		msg := f.Message(p.Lang)
		p.Errors[f.Field] = msg
		p.ErrorList = append(p.ErrorList, fieldMessage{f.Field, p.label(f.Field), msg})
	}
}

type fieldMessage struct{ Field, Label, Message string }

// field describes one input of the form.
type field struct {
	Name, Label, Hint, Value, Error string
	Type, InputMode, Autocomplete   string
	Min, Max                        string // dates: the incident's damage period
	MaxLen                          int
	Required                        bool
	RequiredText, ErrorPrefix       string
	Describedby                     string
}

// fieldSpecs are the form's single-value inputs.
var fieldSpecs = map[string]field{
	"business_name":             {Type: "text", Autocomplete: "organization", MaxLen: claimdesk.MaxBusinessName, Required: true},
	"business_number":           {Type: "text", InputMode: "numeric", Autocomplete: "off", MaxLen: 14, Required: true},
	"no_business_number_reason": {Type: "text", MaxLen: claimdesk.MaxReason},
	"representative":            {Type: "text", Autocomplete: "name", MaxLen: claimdesk.MaxRepresentative, Required: true},
	"phone":                     {Type: "tel", InputMode: "tel", Autocomplete: "tel", MaxLen: 20, Required: true},
	"email":                     {Type: "email", Autocomplete: "email", MaxLen: claimdesk.MaxEmail},
	"district":                  {Type: "text", Autocomplete: "address-level2", MaxLen: claimdesk.MaxDistrict},
	"damage_start":              {Type: "date", Required: true},
	"damage_end":                {Type: "date", Required: true},
	"usual_daily_sales":         {Type: "text", InputMode: "numeric", MaxLen: 20},
	"claimed_loss":              {Type: "text", InputMode: "numeric", MaxLen: 20, Required: true},
	"description":               {MaxLen: claimdesk.MaxDescription},
	"region":                    {Required: true},
	"industry":                  {Required: true},
	"services":                  {Required: true},
	"damage_types":              {},
	"consent":                   {Required: true},
	"notify":                    {}, // not a report field: how the merchant hears of it
	"documents":                 {}, // nor this: files sent with it
}

// label names an input: a report field by its label, the choice of messages by its question.
func (p *formPage) label(name string) string {
	switch name {
	case "notify":
		return p.T("notify.choose")
	case "documents":
		return p.T("documents.title")
	}
	l, _ := claimdesk.Fields.Label(name)
	return l.In(p.Lang)
}

// Field returns the view of the input name: its label, hint, value and error.
func (p *formPage) Field(name string) field {
	f := fieldSpecs[name]
	f.Name = name
	f.Label = p.label(name)
	f.Value = p.Values.Get(name)
	f.Error = p.Errors[name]
	f.RequiredText, f.ErrorPrefix = p.T("form.required"), p.T("form.error")
	if name == "damage_start" || name == "damage_end" {
		f.Hint = p.T("hint.damage_dates", p.First, p.Last)
		f.Min, f.Max = p.First, p.Last
	} else if hasText("hint." + name) {
		f.Hint = p.T("hint." + name)
	}
	var ids []string
	if f.Hint != "" {
		ids = append(ids, name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, name+"-error")
	}
	f.Describedby = strings.Join(ids, " ")
	return f
}

// choice is one checkbox, radio button or select option.
type choice struct {
	Value, Label, Hint string
	Checked            bool
}

func (p *formPage) choices(name string, opts claimdesk.Options) []choice {
	var out []choice
	for _, o := range opts {
		out = append(out, choice{Value: o.Code, Label: o.Label.In(p.Lang), Checked: p.has(name, o.Code)})
	}
	return out
}

func (p *formPage) has(name, value string) bool {
	for _, v := range p.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Regions returns the region options.
func (p *formPage) Regions() []choice { return p.choices("region", claimdesk.Regions) }

// group is a set of radio buttons or checkboxes with its field.
type group struct {
	Field   field
	Type    string // "radio" or "checkbox"
	Choices []choice
}

// Group returns the choice group name: industry (one), services or damage_types (several).
func (p *formPage) Group(name string) group {
	g := group{Field: p.Field(name), Type: "checkbox"}
	switch name {
	case "industry":
		g.Type, g.Choices = "radio", p.choices(name, claimdesk.Industries)
	case "damage_types":
		g.Choices = p.choices(name, claimdesk.DamageTypes)
	case "services":
		g.Choices = p.services()
	}
	return g
}

// outageWindow words a service's outage: "10-15 15:30 ~ 10-19 06:00 (전면 복구 10-20 23:00)",
// with "약" before a time the sources give only roughly, and "계속 중" while it is not back.
func outageWindow(lang claimdesk.Lang, svc claimdesk.Service) string {
	at := func(r claimdesk.Restoration) string {
		if r.Approximate {
			return text(lang, "form.approx") + " " + kstShort(r.At)
		}
		return kstShort(r.At)
	}
	w := kstShort(svc.OutageStart) + " ~ "
	main, full := svc.Back(claimdesk.RestoredMain), svc.Back(claimdesk.RestoredFull)
	if main.At.IsZero() {
		return w + text(lang, "home.ongoing")
	}
	w += at(main)
	switch {
	case full.At.IsZero():
		w += " (" + text(lang, "incident.full_back") + " " + text(lang, "home.ongoing") + ")"
	case !full.At.Equal(main.At):
		w += " (" + text(lang, "incident.full_back") + " " + at(full) + ")"
	}
	return w
}

// services returns the incident's services, each with its outage window as a hint.
func (p *formPage) services() []choice {
	var out []choice
	for _, svc := range p.Incident.Services {
		// The sources give the start to the minute; restore times are what is approximate.
		hint := outageWindow(p.Lang, svc)
		if svc.Paid {
			hint += ", " + p.T("form.paid")
		} else {
			hint += ", " + p.T("form.free")
		}
		label := svc.Name.In(p.Lang)
		if d := svc.Description.In(p.Lang); d != "" {
			label += " — " + d
		}
		out = append(out, choice{Value: svc.ID, Label: label, Hint: hint, Checked: p.has("services", svc.ID)})
	}
	return out
}

func (s *Server) newFormPage(w http.ResponseWriter, r *http.Request, inc *claimdesk.Incident, values url.Values) *formPage {
	p := &formPage{Incident: inc, Values: values, Errors: map[string]string{}}
	p.page = s.newPage(w, r, "form.title", inc.Name.In(pageLang(w, r)))
	first, last := inc.DamagePeriod(s.Now())
	p.First, p.Last = first.String(), last.String()
	p.FormKey = newFormKey()
	p.Action = "/incidents/" + inc.ID + "/report"
	p.DocumentKinds = p.documentInputs(nil)
	return p
}

// newFormKey returns the idempotency key a form carries, so that submitting it twice (a double
// tap, a retry on a flaky connection, the back button) files one report.
func newFormKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) handleReportForm(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "form", s.newFormPage(w, r, inc, url.Values{}))
	return nil
}

// honeypotField is a form input people never see and bots fill in.
const honeypotField = "website"

func (s *Server) handleReportFormSubmit(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.parseUpload(w, r, maxDocumentsBody); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return claimdesk.Errorm(claimdesk.ETOOLARGE, "body_too_large", tooLarge.Limit)
		}
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	if r.PostForm.Get(honeypotField) != "" {
		s.Logger.Info("honeypot filled; form dropped", "request_id", requestID(r))
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	values := r.PostForm
	in := claimdesk.ReportFromText(values.Get, func(f string) []string { return values[f] })
	in.Report.Incident = inc.ID // the form belongs to the incident in its address
	in.Report.Channel = claimdesk.ChannelWeb
	if in.Documents, err = documentFiles(r); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	formKey, key := values.Get("form_key"), ""
	if validIdempotencyKey(formKey) {
		key = "web:" + formKey
	}
	stored, _, err := s.Reports.CreateReport(r.Context(), in, idempotency(key, in))
	switch claimdesk.ErrorCode(err) {
	case "":
		q := url.Values{"token": {s.ReportTokens.Token(stored.Receipt)}, "filed": {"1"}}
		http.Redirect(w, r, "/reports/"+stored.Receipt+"?"+q.Encode(), http.StatusSeeOther)
		return nil
	case claimdesk.EINVALID:
		p := s.newFormPage(w, r, inc, values)
		p.FormKey = formKey // the same submission, corrected: still one report
		p.setErrors(err)
		p.FilesDropped = len(in.Documents) > 0
		s.render(w, r, http.StatusUnprocessableEntity, "form", p)
		return nil
	case claimdesk.ECONFLICT:
		p := s.newFormPage(w, r, inc, values) // with a fresh key: sending it again files anew
		p.Notice = p.T("form.resubmitted")
		s.render(w, r, http.StatusConflict, "form", p)
		return nil
	default:
		return err
	}
}
