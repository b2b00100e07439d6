package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
		{"GET /console/bulk", s.handleBulkConfirm, p(claimdesk.PermReview)},
		{"POST /console/bulk", s.handleBulk, p(claimdesk.PermReview)},
		{"GET /console/new", s.handleStaffForm, p(claimdesk.PermEnterReports)},
		{"POST /console/new", s.handleStaffSubmit, p(claimdesk.PermEnterReports)},
		{"GET /console/import", s.handleImportPage, p(claimdesk.PermImport)},
		{"POST /console/import", s.handleImportUpload, p(claimdesk.PermImport)},
		{"GET /console/imports/{id}/result.csv", s.handleImportResult, p(claimdesk.PermImport)},
		{"GET /console/admin", s.handleAdmin, p(claimdesk.PermAdmin)},
		{"GET /console/incidents", s.handleDashboardIndex, p(claimdesk.PermStats)},
		{"GET /console/incidents/{id}", s.handleDashboard, p(claimdesk.PermStats)},
		{"POST /console/admin/users", s.handleUserAdd, p(claimdesk.PermAdmin)},
		{"POST /console/admin/users/disable", s.handleUserDisable, p(claimdesk.PermAdmin)},
		{"POST /console/admin/tokens", s.handleTokenCreate, p(claimdesk.PermAdmin)},
		{"POST /console/admin/tokens/revoke", s.handleTokenRevoke, p(claimdesk.PermAdmin)},
		{"GET /console/reports/{receipt}/evidence/{id}", s.handleEvidence, p(claimdesk.PermReview)},
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
		if _, ok := consoleTexts["done."+msg]; ok {
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

// loginPage is the console's door.
type loginPage struct {
	page
	Email, Next, Error string
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if staffOnly(claimdesk.ActorFrom(r.Context())) {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return nil
	}
	p := &loginPage{page: s.newPage(w, r, "login.title"), Next: safeNext(r.URL.Query().Get("next"))}
	p.NoIndex = true
	s.render(w, r, http.StatusOK, "login", p)
	return nil
}

// safeNext keeps a post-login destination only if it is a console page of this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/console"
	}
	return next
}

func (s *Server) handleLoginSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "request_rejected")
	}
	p := &loginPage{page: s.newPage(w, r, "login.title"), Email: r.PostForm.Get("email"), Next: safeNext(r.PostForm.Get("next"))}
	p.NoIndex = true
	// Throttled per address; per account and address (five failures, then one every three
	// minutes); and per account from anywhere, more slowly. Only failures count against an
	// account, and the answer is the same whether the e-mail has an account or not: an
	// attacker can slow their own guesses, not lock a person out.
	now, addr := time.Now(), s.clientAddr(r)
	account := strings.ToLower(strings.TrimSpace(p.Email))
	wait := time.Duration(0)
	if ok, d := s.loginLimiter.allow(addr, now); !ok {
		wait = d
	}
	wait = max(wait, s.loginPairs.waitFor(account+" "+addr, now), s.loginAccounts.waitFor(account, now))
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		p.Error = p.T("login_throttled")
		s.render(w, r, http.StatusTooManyRequests, "login", p)
		return nil
	}
	u, err := s.Users.Authenticate(r.Context(), p.Email, r.PostForm.Get("password"))
	switch claimdesk.ErrorCode(err) {
	case "":
	case claimdesk.EUNAUTHORIZED:
		s.loginPairs.spend(account+" "+addr, now)
		s.loginAccounts.spend(account, now)
		p.Error = userMessage(err, p.Lang)
		s.render(w, r, http.StatusUnauthorized, "login", p)
		return nil
	default:
		return err
	}
	// A new session at every login, and the old one ended: a session fixed before login
	// (by someone who planted the cookie) is worth nothing after it.
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.Sessions.DeleteSession(r.Context(), c.Value)
	}
	token, err := s.Sessions.CreateSession(r.Context(), u.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookieFor(r, token, 0))
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) sessionCookieFor(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookies || r.TLS != nil, MaxAge: maxAge}
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Sessions.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.sessionCookieFor(r, "", -1))
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
	return nil
}

// queuePage is the review queue, or, for intake officers, the reports they entered.
type queuePage struct {
	consolePage
	Query      url.Values
	Filter     claimdesk.ReportFilter
	Errors     map[string]string
	Incidents  []*claimdesk.Incident
	Incident   *claimdesk.Incident // when one is selected: its services can be filtered on
	Reports    []*claimdesk.Report
	Counts     claimdesk.StatusCounts
	Tabs       []navLink
	NextPage   string
	FirstPage  string
	OwnOnly    bool // an intake officer's own reports
	Reviewers  []*claimdesk.User
	CanReview  bool
	QueryBulk  string
	PageSize   int
	TotalLabel string
}

const queuePageSize = 50

// queueCountBudget is how long a queue page may spend counting its filtered set.
const queueCountBudget = 20 * time.Millisecond

func (s *Server) handleConsoleHome(w http.ResponseWriter, r *http.Request) error {
	a := claimdesk.ActorFrom(r.Context())
	p := &queuePage{consolePage: s.newConsolePage(w, r, "console.queue"), PageSize: queuePageSize}
	if !a.Can(claimdesk.PermReview) && !a.Can(claimdesk.PermOwnReports) {
		// An analyst: no queue; the statistics are their page.
		return s.handleDashboardIndex(w, r)
	}
	q := r.URL.Query()
	filter, fe := parseFilter(q, a)
	p.Errors = map[string]string{}
	for _, f := range fe {
		p.Errors[f.Field] = f.Message(p.Lang)
	}
	p.CanReview = a.Can(claimdesk.PermReview)
	if !p.CanReview {
		// Intake officers see the reports they entered, and only those.
		filter.EnteredBy, p.OwnOnly = a.Key(), true
	}
	filter.Limit = queuePageSize
	p.Filter, p.Query = filter, filterQuery(q)
	var err error
	if p.Incidents, err = s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{}); err != nil {
		return err
	}
	for _, inc := range p.Incidents {
		if inc.ID == filter.Incident {
			p.Incident = inc
		}
	}
	if p.Reports, err = s.Reports.FindReports(r.Context(), filter); err != nil {
		return err
	}
	// The filtered total gets a small time budget: past it the page says so rather than make
	// the reviewer wait for a count (the counts per status are exact and free).
	countCtx, cancel := context.WithTimeout(r.Context(), queueCountBudget)
	p.Counts, err = s.Reports.CountReports(countCtx, filter)
	cancel()
	if err != nil {
		return err
	}
	if p.Counts.Unknown {
		p.TotalLabel = p.T("queue.uncounted")
	} else {
		p.TotalLabel = krwCount(p.Counts.Total, p.Counts.Capped, p.Lang)
	}
	// Status tabs keep every other filter.
	all := filterQuery(q)
	all.Del("status")
	p.Tabs = append(p.Tabs, navLink{"/console?" + all.Encode(), p.T("queue.all"), len(filter.Statuses) == 0})
	for _, st := range claimdesk.Statuses {
		t := filterQuery(q)
		t.Set("status", st.Code)
		label := st.Label.In(p.Lang)
		if !p.OwnOnly {
			label += " " + claimdesk.FormatKRW(int64(p.Counts.ByStatus[claimdesk.Status(st.Code)]))
		}
		p.Tabs = append(p.Tabs, navLink{"/console?" + t.Encode(), label,
			len(filter.Statuses) == 1 && string(filter.Statuses[0]) == st.Code})
	}
	if len(p.Reports) == queuePageSize {
		next := filterQuery(q)
		next.Set("after", cursor(p.Reports[len(p.Reports)-1], filter.Sort))
		p.NextPage = "/console?" + next.Encode()
	}
	if q.Get("after") != "" {
		p.FirstPage = "/console?" + filterQuery(q).Encode()
	}
	p.QueryBulk = filterQuery(q).Encode()
	if p.CanReview {
		if p.Reviewers, err = s.reviewers(r); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "queue", p)
	return nil
}

// View helpers of the queue.

// IndustryOptions returns the industries, the filtered one selected.
func (p *queuePage) IndustryOptions() []choice {
	return p.options(claimdesk.Industries, p.Filter.Industry)
}

// RegionOptions returns the regions, the filtered one selected.
func (p *queuePage) RegionOptions() []choice { return p.options(claimdesk.Regions, p.Filter.Region) }

// ChannelOptions returns the intake channels, the filtered one selected.
func (p *queuePage) ChannelOptions() []choice { return p.channelOptions(string(p.Filter.Channel)) }

// SortOptions returns the orders, the current one selected.
func (p *queuePage) SortOptions() []choice {
	var out []choice
	for _, s := range []struct {
		v   claimdesk.ReportSort
		key string
	}{{claimdesk.SortOldest, "sort.oldest"}, {claimdesk.SortNewest, "sort.newest"}, {claimdesk.SortLossDesc, "sort.loss_desc"}, {claimdesk.SortLossAsc, "sort.loss_asc"}} {
		out = append(out, choice{Value: string(s.v), Label: p.T(s.key), Checked: p.Filter.Sort == s.v})
	}
	return out
}

// BulkStatuses returns the statuses a bulk action can set.
func (p *queuePage) BulkStatuses() []choice {
	var out []choice
	for _, st := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted, claimdesk.StatusRejected} {
		out = append(out, choice{Value: string(st), Label: p.StatusName(st)})
	}
	return out
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

// ServiceNames returns the names of a report's services, from the incidents on the page.
func (p *queuePage) ServiceNames(r *claimdesk.Report) string {
	var inc *claimdesk.Incident
	for _, i := range p.Incidents {
		if i.ID == r.Incident {
			inc = i
		}
	}
	var names []string
	for _, id := range r.Services {
		if inc != nil {
			if svc, ok := inc.Service(id); ok {
				names = append(names, svc.Name.In(p.Lang))
				continue
			}
		}
		names = append(names, id)
	}
	return strings.Join(names, ", ")
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
	return s.renderDetail(w, r, http.StatusOK, "", nil)
}

// renderDetail shows a report's page, with an error and the reviewer's input when a decision
// was refused.
func (s *Server) renderDetail(w http.ResponseWriter, r *http.Request, status int, errMsg string, form url.Values) error {
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

// describeEntry turns an audit entry into lines a reviewer reads.
func describeEntry(e *claimdesk.AuditEntry, lang claimdesk.Lang) historyItem {
	h := historyItem{At: e.At, Actor: e.Actor, Action: text(lang, "audit."+e.Action)}
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
		return s.renderDetail(w, r, statusOf(claimdesk.ErrorCode(err)), msg, r.PostForm)
	}
	return err
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) error {
	change := claimdesk.StatusChange{To: claimdesk.Status(r.PostForm.Get("to")), Reason: r.PostForm.Get("reason"), Message: r.PostForm.Get("message")}
	_, err := s.Review.ChangeStatus(r.Context(), r.PathValue("receipt"), change)
	return s.decided(w, r, err, "status")
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

// bulkPage confirms a bulk action: what it does and to how many reports.
type bulkPage struct {
	consolePage
	Back     string     // the queue with the same filter
	Query    url.Values // the filter, carried to the confirmation
	Action   url.Values
	Count    int
	Describe string
	Error    string
}

// bulkAction reads a bulk action from a form.
func bulkAction(v url.Values) (claimdesk.BulkAction, error) {
	var a claimdesk.BulkAction
	switch v.Get("action") {
	case "assign":
		id, err := strconv.ParseInt(v.Get("assignee"), 10, 64)
		if err != nil {
			return a, claimdesk.Errorm(claimdesk.EINVALID, "assignee_invalid")
		}
		a.AssignTo = &id
	case "status":
		a.Status = claimdesk.StatusChange{To: claimdesk.Status(v.Get("to")), Reason: v.Get("reason")}
		if !claimdesk.Statuses.Has(string(a.Status.To)) || a.Status.To == claimdesk.StatusMerged || a.Status.To == claimdesk.StatusReceived {
			return a, claimdesk.Errorm(claimdesk.EINVALID, "bulk_status_invalid")
		}
		if a.Status.To == claimdesk.StatusNeedsInfo {
			a.Status.Message = v.Get("message")
		}
	default:
		return a, claimdesk.Errorm(claimdesk.EINVALID, "bulk_action_invalid")
	}
	return a, nil
}

func (s *Server) handleBulkConfirm(w http.ResponseWriter, r *http.Request) error {
	a := claimdesk.ActorFrom(r.Context())
	q := r.URL.Query()
	p := &bulkPage{consolePage: s.newConsolePage(w, r, "bulk.title"), Query: filterQuery(q), Action: url.Values{}}
	p.Back = "/console?" + p.Query.Encode()
	for _, k := range []string{"action", "assignee", "to", "reason", "message"} {
		if v := q.Get(k); v != "" {
			p.Action.Set(k, v)
		}
	}
	action, err := bulkAction(q)
	if err != nil {
		p.Error = userMessage(err, p.Lang)
		s.render(w, r, http.StatusUnprocessableEntity, "bulk", p)
		return nil
	}
	filter, _ := parseFilter(q, a)
	filter.CountAll = true
	c, err := s.Reports.CountReports(r.Context(), filter)
	if err != nil {
		return err
	}
	p.Count = c.Total
	if action.AssignTo != nil {
		name := text(p.Lang, "bulk.nobody")
		users, _ := s.reviewers(r)
		for _, u := range users {
			if u.ID == *action.AssignTo {
				name = u.Email
			}
		}
		p.Describe = p.T("bulk.assign", claimdesk.FormatKRW(int64(p.Count)), name)
	} else {
		l, _ := claimdesk.Statuses.Label(string(action.Status.To))
		p.Describe = p.T("bulk.status", claimdesk.FormatKRW(int64(p.Count)), l.In(p.Lang))
	}
	s.render(w, r, http.StatusOK, "bulk", p)
	return nil
}

func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request) error {
	a := claimdesk.ActorFrom(r.Context())
	action, err := bulkAction(r.PostForm)
	if err != nil {
		return err
	}
	filter, _ := parseFilter(r.PostForm, a)
	res, err := s.Review.Bulk(r.Context(), filter, action)
	if err != nil {
		return err
	}
	back := filterQuery(r.PostForm)
	back.Set("done", "bulk")
	back.Set("changed", strconv.Itoa(res.Changed))
	back.Set("skipped", strconv.Itoa(res.Skipped))
	http.Redirect(w, r, "/console?"+back.Encode(), http.StatusSeeOther)
	return nil
}

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
	stored, _, err := s.createReport(r, in, key)
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

// importPage is the upload page for batches, and their result.
type importPage struct {
	consolePage
	Result    *claimdesk.ImportResult
	Record    *claimdesk.ImportRecord
	Error     string
	Incidents []*claimdesk.Incident
	Failed    []importFailure
}

type importFailure struct {
	Row      int
	Messages []string
}

func (s *Server) handleImportPage(w http.ResponseWriter, r *http.Request) error {
	p := &importPage{consolePage: s.newConsolePage(w, r, "console.import")}
	var err error
	if p.Incidents, err = s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{}); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "import", p)
	return nil
}

func (s *Server) handleImportResult(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	rec, err := s.Imports.FindImport(r.Context(), id)
	if err != nil {
		return err
	}
	a := claimdesk.ActorFrom(r.Context())
	if rec.Actor != a.String() && !a.Can(claimdesk.PermAdmin) {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found") // someone else's import
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+strconv.FormatInt(rec.ID, 10)+`-result.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(rec.ResultCSV)
	return nil
}
