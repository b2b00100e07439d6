package http

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
)

// parseStatsQuery reads the statistics' filters: status (repeatable), from, to, region,
// industry, channel. Values that are not known are reported per field.
func parseStatsQuery(q url.Values) (claimdesk.StatsQuery, claimdesk.FieldErrors) {
	var sq claimdesk.StatsQuery
	var fe claimdesk.FieldErrors
	for _, v := range q["status"] {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st == "" {
				continue
			} else if !claimdesk.Statuses.Has(st) {
				fe.Add("status", "status_invalid")
			} else {
				sq.Statuses = append(sq.Statuses, claimdesk.Status(st))
			}
		}
	}
	for _, d := range []struct {
		name string
		dst  *claimdesk.Date
	}{{"from", &sq.From}, {"to", &sq.To}} {
		if v := strings.TrimSpace(q.Get(d.name)); v != "" {
			date, err := claimdesk.ParseDate(v)
			if err != nil {
				fe.Add(d.name, "date_invalid")
			}
			*d.dst = date
		}
	}
	if sq.Region = q.Get("region"); sq.Region != "" && !claimdesk.Regions.Has(sq.Region) {
		fe.Add("region", "region_invalid")
	}
	if sq.Industry = q.Get("industry"); sq.Industry != "" && !claimdesk.Industries.Has(sq.Industry) {
		fe.Add("industry", "industry_invalid")
	}
	switch sq.Channel = claimdesk.Channel(q.Get("channel")); sq.Channel {
	case "", claimdesk.ChannelWeb, claimdesk.ChannelAPI, claimdesk.ChannelStaff, claimdesk.ChannelImport:
	default:
		fe.Add("channel", "channel_invalid")
	}
	return sq, fe
}

// stats returns the statistics the request asks for.
func (s *Server) stats(r *http.Request) (*claimdesk.Stats, error) {
	q, fe := parseStatsQuery(r.URL.Query())
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return s.Stats.IncidentStats(r.Context(), r.PathValue("id"), q)
}

// handleAPIStats answers GET /api/v1/incidents/{id}/stats.
func (s *Server) handleAPIStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.stats(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", st)
	return nil
}

// handleStatsTable answers GET /api/v1/incidents/{id}/stats/{file}: one table as CSV or XLSX
// (by_service.csv), or all of them as one workbook (all.xlsx).
func (s *Server) handleStatsTable(w http.ResponseWriter, r *http.Request) error {
	name, format, _ := strings.Cut(r.PathValue("file"), ".")
	if format != "csv" && format != "xlsx" {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	st, err := s.stats(r)
	if err != nil {
		return err
	}
	lang := claimdesk.PreferredLang(r.Header.Get("Accept-Language"))
	if l, ok := claimdesk.ParseLang(r.URL.Query().Get("lang")); ok {
		lang = l
	}
	tables := sheet.StatsTables(st, lang)
	if name != "all" {
		t, ok := sheet.FindTable(tables, name)
		if !ok {
			return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
		}
		tables = []sheet.StatsTable{t}
	} else if format == "csv" {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found") // one CSV holds one table
	}
	download(w, fmt.Sprintf("%s-%s.%s", st.Incident, name, format), format)
	if format == "csv" {
		return sheet.WriteTableCSV(w, tables[0])
	}
	return sheet.WriteTablesXLSX(w, tables...)
}

// download sets the headers of a file download.
func download(w http.ResponseWriter, name, format string) {
	ct := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

// handleExportReports answers GET /api/v1/incidents/{id}/export/{file}: the incident's reports
// (the queue's filters apply) as reports.csv or reports.xlsx, streamed, personal data masked for
// those without the right to it.
func (s *Server) handleExportReports(w http.ResponseWriter, r *http.Request) error {
	format := strings.TrimPrefix(r.PathValue("file"), "reports.")
	if format != "csv" && format != "xlsx" {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	inc, err := s.Incidents.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	a := claimdesk.ActorFrom(r.Context())
	filter, fe := parseFilter(r.URL.Query(), a)
	if err := fe.Err(); err != nil {
		return err
	}
	filter.Incident = inc.ID
	// Without lang, the columns of docs/api.md, for partners; with it (the console's links),
	// headers in that language and names beside the codes, or instead of them (names=only).
	layout := sheet.Layout{Incident: inc}
	if v := r.URL.Query().Get("lang"); v != "" {
		lang, ok := claimdesk.ParseLang(v)
		if !ok {
			var fe claimdesk.FieldErrors
			fe.Add("lang", "lang_invalid")
			return fe.Err()
		}
		layout.Lang, layout.NamesOnly = lang, r.URL.Query().Get("names") == "only"
	}
	reports := claimdesk.AllReports(r.Context(), s.Reports, filter)
	if !a.Can(claimdesk.PermPersonalData) {
		reports = claimdesk.MaskAll(reports)
	}
	// The response may take a while for a million rows: no write deadline for this one.
	noDeadlines(w)
	download(w, inc.ID+"-reports."+format, format)
	var n int
	if format == "csv" {
		n, err = sheet.WriteReportsCSV(w, layout, reports)
	} else {
		n, err = sheet.WriteReportsXLSX(w, layout, reports)
	}
	if err != nil {
		// The header is gone: all that is left is to log, and to cut the response short so
		// that the client sees a broken download rather than a short one.
		s.Logger.Error("export", "request_id", requestID(r), "rows", n, "err", err)
		panic(http.ErrAbortHandler)
	}
	s.Logger.Info("export", "request_id", requestID(r), "incident", inc.ID, "format", format, "rows", n, "actor", a.String())
	return nil
}
