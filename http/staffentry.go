package http

import (
	"net/http"
	"net/url"

	"github.com/claimdesk/claimdesk"
)

// staffFormPage is the report form for intake officers: a report taken by phone or at a desk.
type staffFormPage struct {
	formPage
	Incidents []*claimdesk.Incident
}

func (s *Server) staffIncident(r *http.Request) (*claimdesk.Incident, []*claimdesk.Incident, error) {
	open := true
	incs, err := s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{IntakeOpen: &open})
	if err != nil {
		return nil, nil, err
	}
	id := r.URL.Query().Get("incident")
	for _, inc := range incs {
		if inc.ID == id {
			return inc, incs, nil
		}
	}
	return nil, incs, nil
}

func (s *Server) newStaffForm(w http.ResponseWriter, r *http.Request, inc *claimdesk.Incident, incs []*claimdesk.Incident, values url.Values) *staffFormPage {
	p := &staffFormPage{Incidents: incs}
	if inc == nil {
		p.formPage.page = s.newConsolePage(w, r, "console.new").page
		return p
	}
	p.formPage = *s.newFormPage(w, r, inc, values)
	cp := s.newConsolePage(w, r, "console.new")
	p.formPage.page = cp.page
	p.Action = "/console/new?" + url.Values{"incident": {inc.ID}}.Encode()
	return p
}

func (s *Server) handleStaffForm(w http.ResponseWriter, r *http.Request) error {
	inc, incs, err := s.staffIncident(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "staffform", s.newStaffForm(w, r, inc, incs, url.Values{}))
	return nil
}

func (s *Server) handleStaffSubmit(w http.ResponseWriter, r *http.Request) error {
	inc, incs, err := s.staffIncident(r)
	if err != nil {
		return err
	}
	if inc == nil {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "incident_not_found")
	}
	values := r.PostForm
	in := claimdesk.ReportFromText(values.Get, func(f string) []string { return values[f] })
	in.Report.Incident, in.Report.Channel = inc.ID, claimdesk.ChannelStaff
	key := ""
	if k := values.Get("form_key"); validIdempotencyKey(k) {
		key = "staff:" + k
	}
	stored, _, err := s.Reports.CreateReport(r.Context(), in, idempotency(key, in))
	switch claimdesk.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/console/reports/"+stored.Receipt+"?done=filed", http.StatusSeeOther)
		return nil
	case claimdesk.EINVALID:
		p := s.newStaffForm(w, r, inc, incs, values)
		p.FormKey = values.Get("form_key")
		p.setErrors(err)
		s.render(w, r, http.StatusUnprocessableEntity, "staffform", p)
		return nil
	}
	return err
}
