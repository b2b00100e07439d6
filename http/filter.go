package http

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// filterParams are the query parameters of a report filter, shared by the queue, bulk actions
// and exports, so that a filtered view can be handed from one to the other as a link.
var filterParams = []string{"incident", "status", "industry", "region", "service", "channel", "from", "to",
	"loss_min", "loss_max", "q", "assigned", "duplicates", "sort"}

// parseFilter reads a report filter from query parameters. Values that do not parse are
// reported per field and left out of the filter.
func parseFilter(q url.Values, a claimdesk.Actor) (claimdesk.ReportFilter, claimdesk.FieldErrors) {
	me := a.ID
	var f claimdesk.ReportFilter
	var fe claimdesk.FieldErrors
	f.Incident = q.Get("incident")
	for _, v := range q["status"] {
		for st := range strings.SplitSeq(v, ",") {
			if st = strings.TrimSpace(st); claimdesk.Statuses.Has(st) {
				f.Statuses = append(f.Statuses, claimdesk.Status(st))
			}
		}
	}
	f.Industry, f.Region, f.Service = q.Get("industry"), q.Get("region"), q.Get("service")
	f.Channel = claimdesk.Channel(q.Get("channel"))
	for _, d := range []struct {
		name string
		dst  *claimdesk.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := strings.TrimSpace(q.Get(d.name)); v != "" {
			if date, err := claimdesk.ParseDate(v); err != nil {
				fe.Add(d.name, "date_invalid")
			} else {
				*d.dst = date
			}
		}
	}
	for _, a := range []struct {
		name string
		dst  **int64
	}{{"loss_min", &f.LossMin}, {"loss_max", &f.LossMax}} {
		if v := strings.TrimSpace(q.Get(a.name)); v != "" {
			if n, code := claimdesk.ParseAmountText(v); code != "" {
				fe.Add(a.name, code)
			} else {
				*a.dst = &n
			}
		}
	}
	f.Text = strings.TrimSpace(q.Get("q"))
	if _, receipt := claimdesk.ParseReceipt(f.Text); f.Text != "" && !receipt && !a.Can(claimdesk.PermPersonalData) {
		// Names, phones and business numbers are masked for this role: searching by them would
		// tell them, one guess at a time.
		fe.Add("q", "search_masked")
	}
	switch q.Get("assigned") {
	case "me":
		f.AssignedTo = &me
	case "none":
		zero := int64(0)
		f.AssignedTo = &zero
	}
	f.Duplicates = q.Get("duplicates") == "1"
	switch s := claimdesk.ReportSort(q.Get("sort")); s {
	case claimdesk.SortNewest, claimdesk.SortReceived, claimdesk.SortReceivedDesc, claimdesk.SortLossDesc, claimdesk.SortLossAsc:
		f.Sort = s
	}
	// The page cursor: "ID" or, sorting by loss or received time, "LOSS.ID" or "MICROS.ID".
	if c := q.Get("after"); c != "" {
		key, id, found := strings.Cut(c, ".")
		if !found {
			id, key = key, "0"
		}
		f.AfterID, _ = strconv.ParseInt(id, 10, 64)
		n, _ := strconv.ParseInt(key, 10, 64)
		f.AfterLoss, f.AfterReceived = n, time.UnixMicro(n)
	}
	return f, fe
}

// filterQuery keeps the filter parameters of q (dropping the page cursor), for links that
// change one thing and keep the rest.
func filterQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, p := range filterParams {
		for _, v := range q[p] {
			if v != "" {
				out.Add(p, v)
			}
		}
	}
	return out
}

// cursor returns the "after" parameter that continues a list after r.
func cursor(r *claimdesk.Report, sort claimdesk.ReportSort) string {
	switch sort {
	case claimdesk.SortLossDesc, claimdesk.SortLossAsc:
		return strconv.FormatInt(r.ClaimedLoss, 10) + "." + strconv.FormatInt(r.ID, 10)
	case claimdesk.SortReceived, claimdesk.SortReceivedDesc:
		return strconv.FormatInt(r.ReceivedAt.UnixMicro(), 10) + "." + strconv.FormatInt(r.ID, 10)
	}
	return strconv.FormatInt(r.ID, 10)
}
