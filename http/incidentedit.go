package http

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// The incident editor: administrators create an incident while the outage goes on, correct
// restoration times as the platform announces them (each with its source), and open and close
// intake. Every save is a version, audited; a save made from an older version is refused
// rather than overwriting someone else's.

// incidentEditPage is the form of one incident, new or stored.
type incidentEditPage struct {
	consolePage
	New      bool
	Incident *claimdesk.Incident
	Rows     []serviceRow // the services, then blank rows for new ones
	Versions []*claimdesk.IncidentVersion
	Problems []string
	Values   url.Values // what was sent, when the form comes back with problems
}

// serviceRow is one service's inputs, under the prefix "s<i>_".
type serviceRow struct {
	Prefix  string
	Service claimdesk.Service
	Stored  bool // its ID cannot change
}

// blankServiceRows is how many empty rows the form offers for new services.
const blankServiceRows = 2

func (s *Server) handleIncidentNew(w http.ResponseWriter, r *http.Request) error {
	p := &incidentEditPage{consolePage: s.newConsolePage(w, r, "incident.new"), New: true,
		Incident: &claimdesk.Incident{StartedAt: s.Now().In(claimdesk.KST).Truncate(time.Minute)}}
	p.Rows = serviceRows(p.Incident)
	s.render(w, r, http.StatusOK, "incidentedit", p)
	return nil
}

func (s *Server) handleIncidentEdit(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	p := &incidentEditPage{consolePage: s.newConsolePage(w, r, "incident.edit", inc.Name.In(pageLang(w, r))), Incident: inc}
	if q := r.URL.Query(); q.Get("done") == "saved" {
		p.Flash = p.T("incident.saved", inc.Version)
	}
	p.Rows = serviceRows(inc)
	if p.Versions, err = s.Incidents.IncidentVersions(r.Context(), inc.ID); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "incidentedit", p)
	return nil
}

// handleIncidentSave stores the form: a new incident, or the next version of a stored one.
func (s *Server) handleIncidentSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	id := r.PathValue("id")
	var stored *claimdesk.Incident
	if id != "" {
		var err error
		if stored, err = s.Incidents.FindIncidentByID(r.Context(), id); err != nil {
			return err
		}
	}
	inc, badTimes := incidentFromForm(r.PostForm, stored)
	lang := pageLang(w, r)
	var problems []string
	for _, field := range badTimes {
		problems = append(problems, incidentFieldName(field, inc, lang)+": "+text(lang, "incident.time_invalid"))
	}
	if len(problems) == 0 {
		var err error
		if stored == nil {
			err = s.Incidents.CreateIncident(r.Context(), inc)
		} else {
			expect, _ := strconv.Atoi(r.PostForm.Get("version"))
			err = s.Incidents.UpdateIncident(r.Context(), inc, max(expect, 1))
		}
		if err == nil {
			http.Redirect(w, r, "/console/incidents/"+inc.ID+"/edit?done=saved", http.StatusSeeOther)
			return nil
		}
		if code := claimdesk.ErrorCode(err); code != claimdesk.EINVALID && code != claimdesk.ECONFLICT {
			return err
		}
		problems = incidentProblems(err, inc, lang)
	}
	p := &incidentEditPage{New: stored == nil, Incident: inc, Values: r.PostForm, Problems: problems}
	if p.New {
		p.consolePage = s.newConsolePage(w, r, "incident.new")
	} else {
		p.consolePage = s.newConsolePage(w, r, "incident.edit", stored.Name.In(lang))
		p.Incident.Version = stored.Version
		var err error
		if p.Versions, err = s.Incidents.IncidentVersions(r.Context(), stored.ID); err != nil {
			return err
		}
	}
	p.Rows = serviceRows(inc)
	s.render(w, r, http.StatusUnprocessableEntity, "incidentedit", p)
	return nil
}

// handleIncidentIntake opens or closes intake: one action, the rest of the incident unchanged.
func (s *Server) handleIncidentIntake(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	expect, _ := strconv.Atoi(r.PostForm.Get("version"))
	inc.IntakeOpen = r.PostForm.Get("open") == "1"
	if err := s.Incidents.UpdateIncident(r.Context(), inc, max(expect, 1)); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/incidents/"+inc.ID+"/edit?done=saved", http.StatusSeeOther)
	return nil
}

// serviceRows lays out inc's services for the form, with blank rows after them.
func serviceRows(inc *claimdesk.Incident) []serviceRow {
	var rows []serviceRow
	for i, svc := range inc.Services {
		rows = append(rows, serviceRow{Prefix: "s" + strconv.Itoa(i) + "_", Service: svc, Stored: inc.Version > 0})
	}
	for i := range blankServiceRows {
		rows = append(rows, serviceRow{Prefix: "s" + strconv.Itoa(len(inc.Services)+i) + "_"})
	}
	return rows
}

// incidentFromForm reads the form over stored (nil for a new incident): what the form does not
// show (descriptions, notes, sources) is kept. Times are KST, as "2022-10-15T15:30" (what a
// datetime-local input sends) or "2022-10-15 15:30"; the fields whose time does not read come
// back. The rules of an incident are the domain's (Incident.Validate).
func incidentFromForm(f url.Values, stored *claimdesk.Incident) (*claimdesk.Incident, []string) {
	inc := &claimdesk.Incident{}
	if stored != nil {
		c := *stored
		c.Services = nil
		inc = &c
	} else {
		inc.ID = strings.TrimSpace(f.Get("id"))
	}
	var bad []string
	at := func(name, field string) time.Time {
		v := strings.TrimSpace(f.Get(name))
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.Replace(v, " ", "T", 1), claimdesk.KST)
		if err != nil {
			bad = append(bad, field)
		}
		return t
	}
	inc.Name = claimdesk.Label{Ko: f.Get("name_ko"), En: f.Get("name_en")}
	inc.Summary = claimdesk.Label{Ko: f.Get("summary_ko"), En: f.Get("summary_en")}
	inc.Contact = claimdesk.Label{Ko: f.Get("contact_ko"), En: f.Get("contact_en")}
	inc.Platform = f.Get("platform")
	inc.StartedAt = at("started_at", "started_at")
	inc.EndedAt = at("ended_at", "ended_at")
	inc.IntakeOpen = f.Get("intake_open") == "1"
	inc.IntakeClosesAt = at("intake_closes_at", "intake_closes_at")
	for i := 0; ; i++ {
		p := "s" + strconv.Itoa(i) + "_"
		if !f.Has(p + "id") {
			break
		}
		id := strings.TrimSpace(f.Get(p + "id"))
		if id == "" {
			continue // a blank row
		}
		svc := claimdesk.Service{ID: id}
		if stored != nil {
			if old, ok := stored.Service(id); ok {
				svc = old
			}
		}
		svc.Name = claimdesk.Label{Ko: f.Get(p + "name_ko"), En: f.Get(p + "name_en")}
		svc.Paid = f.Get(p+"paid") == "1"
		svc.OutageStart = at(p+"outage_start", "services."+id+".outage_start")
		svc.MainBack = claimdesk.Restoration{At: at(p+"main_at", "services."+id+".main_back"),
			Approximate: f.Get(p+"main_approx") == "1", Source: strings.TrimSpace(f.Get(p + "main_source"))}
		svc.FullBack = claimdesk.Restoration{At: at(p+"full_at", "services."+id+".full_back"),
			Approximate: f.Get(p+"full_approx") == "1", Source: strings.TrimSpace(f.Get(p + "full_source"))}
		svc.Aliases = nil
		for a := range strings.SplitSeq(f.Get(p+"aliases"), ",") {
			if a = strings.TrimSpace(a); a != "" {
				svc.Aliases = append(svc.Aliases, a)
			}
		}
		inc.Services = append(inc.Services, svc)
	}
	return inc, bad
}

// incidentProblems words a refusal of the store for the form: each field problem under the
// name of what it is about ("결제 · 주요 기능 복구: …").
func incidentProblems(err error, inc *claimdesk.Incident, lang claimdesk.Lang) []string {
	fe := claimdesk.FieldErrorsOf(err)
	if len(fe) == 0 {
		var e *claimdesk.Error
		if !errors.As(err, &e) {
			return []string{text(lang, "internal")}
		}
		return []string{e.Localized(lang)}
	}
	var out []string
	for _, f := range fe {
		out = append(out, incidentFieldName(f.Field, inc, lang)+": "+f.Message(lang))
	}
	return out
}

// incidentFieldName names a field of an incident for people: "name", "services.pay.main_back".
func incidentFieldName(field string, inc *claimdesk.Incident, lang claimdesk.Lang) string {
	rest, ok := strings.CutPrefix(field, "services.")
	if !ok {
		return text(lang, "incident.f."+field)
	}
	id, sub, _ := strings.Cut(rest, ".")
	name := id
	if svc, ok := inc.Service(id); ok && svc.Name.In(lang) != "" {
		name = svc.Name.In(lang)
	}
	if sub == "" {
		return name
	}
	return name + " · " + text(lang, "incident.s."+sub)
}

// Value is what a form input shows: what was sent when the form came back, else the stored
// value.
func (p *incidentEditPage) Value(name, stored string) string {
	if p.Values != nil {
		return p.Values.Get(name)
	}
	return stored
}

// At writes a time for a datetime-local input, in KST; "" for none.
func (p *incidentEditPage) At(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(claimdesk.KST).Format("2006-01-02T15:04")
}

// Change words one change of a version for the list of versions.
func (p *incidentEditPage) Change(c claimdesk.IncidentChange) string {
	return incidentFieldName(c.Field, p.Incident, p.Lang)
}
