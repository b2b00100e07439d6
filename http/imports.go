package http

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
)

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

// handleImportTemplate answers GET /console/import/template.xlsx: a workbook to fill in, with
// the headers in the page's language, an example row, and the values each coded column takes
// (for the incident chosen, its services).
func (s *Server) handleImportTemplate(w http.ResponseWriter, r *http.Request) error {
	var inc *claimdesk.Incident
	if id := r.URL.Query().Get("incident"); id != "" {
		var err error
		if inc, err = s.Incidents.FindIncidentByID(r.Context(), id); err != nil {
			return err
		}
	}
	lang := pageLang(w, r)
	download(w, "claimdesk-import-template.xlsx", "xlsx")
	return sheet.WriteImportTemplate(w, inc, lang)
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

func (s *Server) handleImportUpload(w http.ResponseWriter, r *http.Request) error {
	p := &importPage{consolePage: s.newConsolePage(w, r, "console.import")}
	var err error
	if p.Incidents, err = s.Incidents.FindIncidents(r.Context(), claimdesk.IncidentFilter{}); err != nil {
		return err
	}
	fail := func(key string, args ...any) error {
		p.Error = p.T(key, args...)
		s.render(w, r, http.StatusUnprocessableEntity, "import", p)
		return nil
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return fail("import.nofile")
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, s.MaxUploadBytes+1))
	if err != nil {
		return err
	}
	if int64(len(content)) > s.MaxUploadBytes {
		return fail("body_too_large", s.MaxUploadBytes)
	}
	done, err := sheet.ImportFile(r.Context(), s.Reports, s.Incidents, s.Imports, hdr.Filename, content, claimdesk.Import{
		Incident: r.PostForm.Get("incident"), AllOrNothing: r.PostForm.Get("all_or_nothing") == "1"}, s.Now(), p.Lang)
	var unreadable *sheet.UnreadableError
	if errors.As(err, &unreadable) {
		return fail("import.unreadable", unreadable.Error())
	} else if fe := claimdesk.FieldErrorsOf(err); len(fe) > 0 {
		return fail("import.file", fe[0].Message(p.Lang))
	} else if err != nil {
		return err
	}
	p.Record, p.Result = done.Record, done.Result
	for _, row := range done.Result.Rows {
		if row.Status != claimdesk.ImportFailed {
			continue
		}
		p.Failed = append(p.Failed, importFailure{Row: row.Row, Messages: done.Result.Problems(row, p.Lang)})
	}
	s.render(w, r, http.StatusOK, "import", p)
	return nil
}
