package http

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// incidentPage is the public page of an incident: headline counts for the press and the
// public, no personal data, cached by browsers and proxies for half a minute.
type incidentPage struct {
	page
	Incident     *claimdesk.Incident
	Stats        *claimdesk.Stats
	Timeline     timeline
	Restorations []restorationRow
}

// restorationRow is one service's restoration as announced: each kind with its source and, when
// it was corrected after the incident was first published, when.
type restorationRow struct {
	Service    claimdesk.Service
	Main, Full restorationCell
}

type restorationCell struct {
	claimdesk.Restoration
	Updated time.Time // when the last version that changed it was stored; zero if never
}

// restorationRows lays out inc's restorations with the time of their last update, from its
// versions.
func restorationRows(inc *claimdesk.Incident, versions []*claimdesk.IncidentVersion) []restorationRow {
	updated := map[string]time.Time{}
	for _, v := range versions {
		if v.Version == 1 {
			continue // the first publication is not an update
		}
		for _, c := range v.Changes {
			updated[c.Field] = v.At
		}
	}
	var rows []restorationRow
	for _, s := range inc.Services {
		p := "services." + s.ID + "."
		rows = append(rows, restorationRow{Service: s,
			Main: restorationCell{s.Back(claimdesk.RestoredMain), updated[p+"main_back"]},
			Full: restorationCell{s.Back(claimdesk.RestoredFull), updated[p+"full_back"]}})
	}
	return rows
}

// SourceLink is a restoration's source when it is a web address, for a link.
func (c restorationCell) SourceLink() string {
	if strings.HasPrefix(c.Source, "https://") || strings.HasPrefix(c.Source, "http://") {
		return c.Source
	}
	return ""
}

func (s *Server) handleIncidentPage(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := s.Stats.IncidentStats(r.Context(), inc.ID, claimdesk.StatsQuery{})
	if err != nil {
		return err
	}
	lang := pageLang(w, r)
	w.Header().Set("Cache-Control", "public, max-age=30")
	// The page is the same for every reader in a language until the statistics change, so
	// its last rendering is kept: under a crowd, serving costs a copy rather than a template.
	// (Only the plain address and ?lang= are kept; any other query renders afresh.)
	q := r.URL.Query()
	key, plain := inc.ID+"|"+string(lang), len(q) == 0 || (len(q) == 1 && q.Has("lang"))
	// The page is kept while neither the statistics nor the incident (its windows, its
	// intake) changed.
	if v, ok := s.publicPages.Load(key); plain && ok && v.(*renderedPage).stats == st && v.(*renderedPage).version == inc.Version &&
		v.(*renderedPage).open == inc.TakesReports(s.Now()) {
		v.(*renderedPage).serve(w, r, lang)
		return nil
	}
	p := &incidentPage{page: s.newPage(w, r, "public.title", inc.Name.In(lang)), Incident: inc, Stats: st}
	p.Timeline = newTimeline(p.T("stats.by_day"), st.ByDay, p.Incident)
	versions, err := s.Incidents.IncidentVersions(r.Context(), inc.ID)
	if err != nil {
		return err
	}
	p.Restorations = restorationRows(inc, versions)
	body, err := s.execute("incident", p)
	if err != nil {
		return err
	}
	rp := &renderedPage{stats: st, version: inc.Version, open: p.Open(inc), body: body, etag: fmt.Sprintf(`"%x"`, sha256.Sum256(body))}
	if plain {
		s.publicPages.Store(key, rp)
	}
	rp.serve(w, r, lang)
	return nil
}

// renderedPage is a public page as rendered from one computation of the statistics.
type renderedPage struct {
	stats   *claimdesk.Stats
	version int  // the incident's
	open    bool // whether it took reports
	body    []byte
	etag    string
}

// serve answers with the page, or 304 Not Modified to a reader who has it already.
func (rp *renderedPage) serve(w http.ResponseWriter, r *http.Request, lang claimdesk.Lang) {
	pageHeader(w, lang)
	w.Header().Set("ETag", rp.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(rp.body))
}

// dashboardPage is the damage-scale dashboard of the console.
type dashboardPage struct {
	consolePage
	Incident  *claimdesk.Incident
	Incidents []*claimdesk.Incident
	Stats     *claimdesk.Stats
	Query     url.Values
	Errors    map[string]string
	Charts    []barChart // service, industry, region, paid vs free, status
	Timeline  timeline
	CanExport bool
	CanAdmin  bool // may create and change incidents
	Masked    bool // exports for this account hide personal data
}

// TableURL returns the address of a table's download: the page's filters and language.
func (p *dashboardPage) TableURL(table, format string) string {
	return "/api/v1/incidents/" + p.Incident.ID + "/stats/" + table + "." + format + "?" + p.downloads()
}

// ReportsURL returns the address of the reports export, with the page's filters.
func (p *dashboardPage) ReportsURL(format string) string {
	return "/api/v1/incidents/" + p.Incident.ID + "/export/reports." + format + "?" + p.downloads()
}

// downloads is the query of a download: the page's filters and language. (Whole URLs are built
// here: html/template would escape a query spliced in after a "?".)
func (p *dashboardPage) downloads() string {
	q := url.Values{}
	for _, k := range []string{"status", "from", "to", "region", "industry", "channel"} {
		for _, v := range p.Query[k] {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	q.Set("lang", string(p.Lang))
	return q.Encode()
}

// Percent writes a share as a percentage.
func (p *dashboardPage) Percent(share float64) string { return percent(share) }

// RegionOptions returns the regions, the filtered one selected.
func (p *dashboardPage) RegionOptions() []choice {
	return p.options(claimdesk.Regions, p.Query.Get("region"))
}

// IndustryOptions returns the industries, the filtered one selected.
func (p *dashboardPage) IndustryOptions() []choice {
	return p.options(claimdesk.Industries, p.Query.Get("industry"))
}

// ChannelOptions returns the intake channels, the filtered one selected.
func (p *dashboardPage) ChannelOptions() []choice { return p.channelOptions(p.Query.Get("channel")) }

// StatusOptions returns the statuses, the filtered one selected.
func (p *dashboardPage) StatusOptions() []choice {
	return p.options(claimdesk.Statuses, p.Query.Get("status"))
}

func (s *Server) handleDashboardIndex(w http.ResponseWriter, r *http.Request) error {
	incs, err := s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{})
	if err != nil {
		return err
	}
	if len(incs) == 0 {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "incident_not_found")
	}
	http.Redirect(w, r, "/console/incidents/"+incs[0].ID, http.StatusSeeOther)
	return nil
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) error {
	a := claimdesk.ActorFrom(r.Context())
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	p := &dashboardPage{consolePage: s.newConsolePage(w, r, "stats.title", inc.Name.In(pageLang(w, r))), Incident: inc,
		Query: r.URL.Query(), Errors: map[string]string{}, CanExport: a.Can(claimdesk.PermExport), CanAdmin: a.Can(claimdesk.PermAdmin), Masked: !a.Can(claimdesk.PermPersonalData)}
	if p.Incidents, err = s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{}); err != nil {
		return err
	}
	q, fe := parseStatsQuery(r.URL.Query())
	for _, f := range fe {
		p.Errors[f.Field] = f.Message(p.Lang)
	}
	if len(fe) > 0 {
		q = claimdesk.StatsQuery{}
	}
	if p.Stats, err = s.Stats.IncidentStats(r.Context(), inc.ID, q); err != nil {
		return err
	}
	st := p.Stats
	p.Charts = []barChart{
		serviceChart(st, p.Lang),
		codeChart("chart-industry", p.T("stats.by_industry"), st.ByIndustry, p.Lang),
		codeChart("chart-region", p.T("stats.by_region"), st.ByRegion, p.Lang),
		paidChart(st, p.Lang),
		statusChart(st, p.Lang),
	}
	p.Timeline = newTimeline(p.T("stats.by_day"), st.ByDay, p.Incident)
	s.render(w, r, http.StatusOK, "dashboard", p)
	return nil
}
