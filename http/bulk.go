package http

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/claimdesk/claimdesk"
)

// bulkPage confirms a bulk action: what it does and to how many reports.
type bulkPage struct {
	consolePage
	Back     string     // the queue with the same filter
	Query    url.Values // the filter, carried to the confirmation
	Action   url.Values
	Count    int
	Describe string
	Preview  string // the message to send, as merchants will read it
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
	case "message":
		a.Message = v.Get("message")
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
	if action.Message != "" {
		p.Describe = p.T("bulk.message", claimdesk.FormatKRW(int64(p.Count)))
		p.Preview = action.Message
	} else if action.AssignTo != nil {
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

// batchPage shows how far a message to many has gone; it reloads itself until done.
type batchPage struct {
	consolePage
	Progress *claimdesk.BatchProgress
	Rows     []batchRow
}

type batchRow struct {
	Channel                     string
	Pending, Sent, Failed, Done int
}

func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) error {
	prog, err := s.Notices.Batch(r.Context(), r.PathValue("batch"))
	if err != nil {
		return err
	}
	p := &batchPage{consolePage: s.newConsolePage(w, r, "batch.title"), Progress: prog}
	for _, c := range []claimdesk.MessageChannel{claimdesk.BySMS, claimdesk.ByEmail} {
		if n, ok := prog.Counts[c]; ok {
			p.Rows = append(p.Rows, batchRow{Channel: p.T("message.channel." + string(c)), Pending: n[claimdesk.MessagePending],
				Sent: n[claimdesk.MessageSent], Failed: n[claimdesk.MessageFailed]})
		}
	}
	s.render(w, r, http.StatusOK, "batch", p)
	return nil
}

// handleAPIBatch answers GET /api/v1/messages/batches/{batch}: a message to many's progress.
func (s *Server) handleAPIBatch(w http.ResponseWriter, r *http.Request) error {
	prog, err := s.Notices.Batch(r.Context(), r.PathValue("batch"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", prog)
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
	if res.Batch != "" {
		http.Redirect(w, r, "/console/messages/"+res.Batch, http.StatusSeeOther)
		return nil
	}
	back := filterQuery(r.PostForm)
	back.Set("done", "bulk")
	back.Set("changed", strconv.Itoa(res.Changed))
	back.Set("skipped", strconv.Itoa(res.Skipped))
	http.Redirect(w, r, "/console?"+back.Encode(), http.StatusSeeOther)
	return nil
}
