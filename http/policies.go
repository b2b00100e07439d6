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
