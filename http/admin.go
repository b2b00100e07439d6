package http

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
)

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
	table, err := sheet.Read(content)
	if err != nil {
		return fail("import.unreadable", err.Error())
	}
	res, err := claimdesk.RunImport(r.Context(), s.Reports, s.Incidents, claimdesk.Import{Rows: table.Rows,
		Incident: r.PostForm.Get("incident"), AllOrNothing: r.PostForm.Get("all_or_nothing") == "1"}, s.Now())
	if err != nil {
		if fe := claimdesk.FieldErrorsOf(err); len(fe) > 0 {
			return fail("import.file", fe[0].Message(p.Lang))
		}
		return err
	}
	var buf bytes.Buffer
	if err := sheet.WriteImportResult(&buf, res, p.Lang); err != nil {
		return err
	}
	sum := sha256.Sum256(content)
	p.Record = &claimdesk.ImportRecord{FileName: filepath.Base(hdr.Filename), FileHash: hex.EncodeToString(sum[:]),
		Rows: len(res.Rows), Imported: res.Imported, Existing: res.Existing, Failed: res.Failed, ResultCSV: buf.Bytes()}
	if err := s.Imports.RecordImport(r.Context(), p.Record); err != nil {
		return err
	}
	p.Result = res
	for _, row := range res.Rows {
		if row.Status != claimdesk.ImportFailed {
			continue
		}
		fl := importFailure{Row: row.Row}
		for _, fe := range row.Errors {
			label, _ := claimdesk.Fields.Label(fe.Field)
			fl.Messages = append(fl.Messages, label.In(p.Lang)+": "+fe.Message(p.Lang))
		}
		p.Failed = append(p.Failed, fl)
	}
	s.render(w, r, http.StatusOK, "import", p)
	return nil
}

// adminPage lists staff accounts and API tokens.
type adminPage struct {
	consolePage
	Users     []*claimdesk.User
	Tokens    []*claimdesk.APIToken
	Roles     []choice
	Error     string
	NewSecret string // a token or password just made: shown this once
	NewFor    string
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, p *adminPage) error {
	var err error
	if p.Users, err = s.Users.FindUsers(r.Context()); err != nil {
		return err
	}
	if p.Tokens, err = s.APITokens.FindTokens(r.Context()); err != nil {
		return err
	}
	for _, o := range claimdesk.Roles {
		p.Roles = append(p.Roles, choice{Value: o.Code, Label: o.Label.In(p.Lang)})
	}
	// A page with a secret on it must not be cached anywhere.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "admin", p)
	return nil
}

func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) error {
	return s.renderAdmin(w, r, http.StatusOK, &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")})
}

// adminDone shows the admin page again, with the error of a refused change.
func (s *Server) adminDone(w http.ResponseWriter, r *http.Request, err error, p *adminPage) error {
	if err == nil {
		if p.NewSecret != "" {
			return s.renderAdmin(w, r, http.StatusOK, p)
		}
		http.Redirect(w, r, "/console/admin?done=admin", http.StatusSeeOther)
		return nil
	}
	switch claimdesk.ErrorCode(err) {
	case claimdesk.EINVALID, claimdesk.ECONFLICT, claimdesk.ENOTFOUND:
		p.Error = userMessage(err, p.Lang)
		if fe := claimdesk.FieldErrorsOf(err); len(fe) > 0 {
			p.Error = fe[0].Message(p.Lang)
		}
		return s.renderAdmin(w, r, statusOf(claimdesk.ErrorCode(err)), p)
	}
	return err
}

func (s *Server) handleUserAdd(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	password := r.PostForm.Get("password")
	if password == "" {
		password = claimdesk.NewSecret("")[:20]
		p.NewSecret = password
	}
	u := &claimdesk.User{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Role: claimdesk.Role(r.PostForm.Get("role"))}
	err := s.Users.CreateUser(r.Context(), u, password)
	if err != nil {
		p.NewSecret = ""
	}
	p.NewFor = u.Email
	return s.adminDone(w, r, err, p)
}

func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	return s.adminDone(w, r, s.Users.DisableUser(r.Context(), r.PostForm.Get("email")), p)
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	role, person := claimdesk.Role(r.PostForm.Get("role")), ""
	if role == "me" {
		role, person = "", claimdesk.ActorFrom(r.Context()).Name
	}
	secret, t, err := s.APITokens.CreateToken(r.Context(), r.PostForm.Get("name"), role, person)
	if err == nil {
		p.NewSecret, p.NewFor = secret, t.Name
	}
	return s.adminDone(w, r, err, p)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	p := &adminPage{consolePage: s.newConsolePage(w, r, "console.admin")}
	id, _ := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	return s.adminDone(w, r, s.APITokens.RevokeToken(r.Context(), id), p)
}
