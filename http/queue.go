package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

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
	switch filter.Sort {
	case claimdesk.SortOldest: // the queue's default: first received, first worked
		filter.Sort = claimdesk.SortReceived
	case claimdesk.SortNewest:
		filter.Sort = claimdesk.SortReceivedDesc
	}
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
	}{{claimdesk.SortReceived, "sort.oldest"}, {claimdesk.SortReceivedDesc, "sort.newest"}, {claimdesk.SortLossDesc, "sort.loss_desc"}, {claimdesk.SortLossAsc, "sort.loss_asc"}} {
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
