package http

import (
	"net/http"
	"strings"

	"github.com/claimdesk/claimdesk"
)

func (s *Server) consoleRoutes() {
	p := func(perms ...claimdesk.Permission) []claimdesk.Permission { return perms }
	routes := []struct {
		pattern string
		h       func(w http.ResponseWriter, r *http.Request) error
		perms   []claimdesk.Permission // any of them; none: any staff
	}{
		{"POST /console/logout", s.handleLogout, nil},
		{"GET /console", s.handleConsoleHome, nil},
		{"GET /console/reports/{receipt}", s.handleDetail, p(claimdesk.PermReview, claimdesk.PermOwnReports)},
		{"POST /console/reports/{receipt}/status", s.handleStatus, p(claimdesk.PermReview)},
		{"POST /console/reports/{receipt}/note", s.handleNote, p(claimdesk.PermReview)},
		{"POST /console/reports/{receipt}/assign", s.handleAssign, p(claimdesk.PermReview)},
		{"POST /console/reports/{receipt}/merge", s.handleMerge, p(claimdesk.PermReview)},
		{"GET /console/messages/{batch}", s.handleBatch, p(claimdesk.PermReview)},
		{"POST /console/reports/{receipt}/correct", s.handleCorrect, p(claimdesk.PermReview)},
		{"GET /console/bulk", s.handleBulkConfirm, p(claimdesk.PermReview)},
		{"POST /console/bulk", s.handleBulk, p(claimdesk.PermReview)},
		{"GET /console/new", s.handleStaffForm, p(claimdesk.PermEnterReports)},
		{"POST /console/new", s.handleStaffSubmit, p(claimdesk.PermEnterReports)},
		{"GET /console/import", s.handleImportPage, p(claimdesk.PermImport)},
		{"POST /console/import", s.handleImportUpload, p(claimdesk.PermImport)},
		{"GET /console/import/template.xlsx", s.handleImportTemplate, p(claimdesk.PermImport)},
		{"GET /console/imports/{id}/result.csv", s.handleImportResult, p(claimdesk.PermImport)},
		{"GET /console/admin", s.handleAdmin, p(claimdesk.PermAdmin)},
		{"GET /console/incidents", s.handleDashboardIndex, p(claimdesk.PermStats)},
		{"GET /console/incidents/{id}", s.handleDashboard, p(claimdesk.PermStats)},
		{"GET /console/incidents/new", s.handleIncidentNew, p(claimdesk.PermAdmin)},
		{"POST /console/incidents/new", s.handleIncidentSave, p(claimdesk.PermAdmin)},
		{"GET /console/incidents/{id}/edit", s.handleIncidentEdit, p(claimdesk.PermAdmin)},
		{"POST /console/incidents/{id}/edit", s.handleIncidentSave, p(claimdesk.PermAdmin)},
		{"POST /console/incidents/{id}/intake", s.handleIncidentIntake, p(claimdesk.PermAdmin)},
		{"POST /console/admin/users", s.handleUserAdd, p(claimdesk.PermAdmin)},
		{"POST /console/admin/users/disable", s.handleUserDisable, p(claimdesk.PermAdmin)},
		{"POST /console/admin/tokens", s.handleTokenCreate, p(claimdesk.PermAdmin)},
		{"POST /console/admin/tokens/revoke", s.handleTokenRevoke, p(claimdesk.PermAdmin)},
		{"POST /console/admin/webhooks", s.handleWebhookAdd, p(claimdesk.PermAdmin)},
		{"GET /console/admin/webhooks/{id}", s.handleDeliveries, p(claimdesk.PermAdmin)},
		{"POST /console/admin/webhooks/{id}/replay", s.handleReplay, p(claimdesk.PermAdmin)},
		{"GET /console/reports/{receipt}/evidence/{id}", s.handleEvidence, p(claimdesk.PermReview)},
		{"GET /console/reports/{receipt}/documents/{id}", s.handleDocument, p(claimdesk.PermReview)},
		{"GET /console/policies", s.handlePolicies, p(claimdesk.PermSimulate)},
		{"POST /console/policies", s.handlePolicyAdd, p(claimdesk.PermPayouts)},
		{"GET /console/policies/{id}", s.handlePolicy, p(claimdesk.PermSimulate)},
		{"GET /console/incidents/{id}/payouts", s.handlePayouts, p(claimdesk.PermSimulate)},
		{"POST /console/incidents/{id}/payouts/runs", s.handleConsoleAdopt, p(claimdesk.PermPayouts)},
		{"GET /console/payouts/runs/{run}", s.handleRunPage, p(claimdesk.PermSimulate)},
		{"POST /console/payouts/runs/{run}/release", s.handleConsoleRelease, p(claimdesk.PermPayouts)},
		{"POST /console/payouts/runs/{run}/payment-files", s.handleConsoleExport, p(claimdesk.PermPayouts)},
		{"GET /console/payment-files/{file}/{name}", s.handleFileDownload, p(claimdesk.PermPayouts)},
		{"POST /console/payment-files/{file}/paid", s.handleConsoleFilePaid, p(claimdesk.PermPayouts)},
		{"POST /console/reports/{receipt}/award", s.handleAwardPropose, p(claimdesk.PermReview)},
		{"POST /console/reports/{receipt}/award/{decision}", s.handleAwardDecide, p(claimdesk.PermReview, claimdesk.PermPayouts)},
	}
	for _, rt := range routes {
		s.mux.Handle(rt.pattern, s.console(rt.h, rt.perms...))
		s.routePerms[rt.pattern] = rt.perms
	}
	s.mux.Handle("GET /console/login", s.page(s.handleLogin))
	s.mux.Handle("POST /console/login", s.page(s.handleLoginSubmit))
}

// consolePage is what every console page carries: who is logged in, the CSRF token for its
// forms, and the navigation this actor may use.
type consolePage struct {
	page
	Flash string
}

type navLink struct {
	Href, Label string
	Current     bool
}

func (s *Server) newConsolePage(w http.ResponseWriter, r *http.Request, titleKey string, args ...any) consolePage {
	p := consolePage{page: s.newPage(w, r, titleKey, args...)}
	a := claimdesk.ActorFrom(r.Context())
	p.NoIndex = true
	p.Staff = &staffNav{Email: a.Name, CSRF: s.csrfToken(r)}
	role, _ := claimdesk.Roles.Label(string(a.Role))
	p.Staff.Role = role.In(p.Lang)
	for _, l := range []struct {
		href, key string
		perm      claimdesk.Permission
	}{
		{"/console", "console.queue", ""},
		{"/console/incidents", "console.stats", claimdesk.PermStats},
		{"/console/policies", "console.payouts", claimdesk.PermSimulate},
		{"/console/new", "console.new", claimdesk.PermEnterReports},
		{"/console/import", "console.import", claimdesk.PermImport},
		{"/console/admin", "console.admin", claimdesk.PermAdmin},
	} {
		if l.perm == "" || a.Can(l.perm) {
			p.Staff.Links = append(p.Staff.Links, navLink{l.href, p.T(l.key), navSection(r.URL.Path) == l.href})
		}
	}
	q := r.URL.Query()
	switch msg := q.Get("done"); msg {
	case "":
	case "bulk":
		p.Flash = p.T("queue.bulk.result", q.Get("changed"), q.Get("skipped"))
	default:
		if hasText("done." + msg) {
			p.Flash = p.T("done." + msg)
		}
	}
	return p
}

// navSection is the navigation link a console page belongs under.
func navSection(path string) string {
	switch {
	case strings.HasPrefix(path, "/console/policies"), strings.HasPrefix(path, "/console/payouts/"),
		strings.HasPrefix(path, "/console/incidents/") && strings.HasSuffix(path, "/payouts"):
		return "/console/policies"
	case strings.HasPrefix(path, "/console/incidents"):
		return "/console/incidents"
	}
	return path
}

// staffNav is the console's header.
type staffNav struct {
	Email, Role, CSRF string
	Links             []navLink
}

// IndustryName returns an industry's name.
func (p *consolePage) IndustryName(code string) string {
	return p.optionName(claimdesk.Industries, code)
}

// RegionName returns a region's name.
func (p *consolePage) RegionName(code string) string { return p.optionName(claimdesk.Regions, code) }

// StatusName returns a status's name.
func (p *consolePage) StatusName(s claimdesk.Status) string {
	return p.optionName(claimdesk.Statuses, string(s))
}

// krwCount writes a count, with "or more" when it stopped at the cap.
func krwCount(n int, capped bool, lang claimdesk.Lang) string {
	s := claimdesk.FormatKRW(int64(n))
	if capped {
		return text(lang, "queue.more", s)
	}
	return text(lang, "queue.count", s)
}

// reviewers returns the active accounts that can be given reports.
func (s *Server) reviewers(r *http.Request) ([]*claimdesk.User, error) {
	users, err := s.Users.FindUsers(r.Context())
	if err != nil {
		return nil, err
	}
	var out []*claimdesk.User
	for _, u := range users {
		if !u.Disabled && u.Role.Can(claimdesk.PermReview) {
			out = append(out, u)
		}
	}
	return out, nil
}
