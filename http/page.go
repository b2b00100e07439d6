package http

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/claimdesk/claimdesk"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages holds the parsed templates, one set per page, parsed once at start.
type pages struct {
	sets         map[string]*template.Template
	assetVersion string
	executed     sync.Map // page name -> true, so a test can tell a template never ran
}

// sharedTemplates are parsed into every page's set.
var sharedTemplates = []string{"templates/layout.html", "templates/fields.html", "templates/charts.html"}

var templateFuncs = template.FuncMap{
	"krw":   claimdesk.FormatKRW,
	"int64": func(n int) int64 { return int64(n) },
	// dl is the data of a table's download links.
	"dl": func(csv, xlsx, table string) map[string]string {
		return map[string]string{"CSV": csv, "XLSX": xlsx, "Table": table}
	},
	"kst":  kst,
	"join": strings.Join,
	// restored pairs a page with one restoration, for the "restored" template.
	"restored": func(p any, c restorationCell) map[string]any { return map[string]any{"Page": p, "Cell": c} },
	"percent":  percent,
	"kstShort": kstShort,
}

// kst writes an instant in Korean time, as "2022-10-15 15:30".
func kst(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(claimdesk.KST).Format("2006-01-02 15:04")
}

// kstShort writes an instant in Korean time without its year, as "10-15 15:30".
func kstShort(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(claimdesk.KST).Format("01-02 15:04")
}

func mustParsePages() *pages {
	p, err := parsePages()
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a bug caught by any test
	}
	return p
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, name := range names {
		if isShared(name) {
			continue
		}
		files := append(append([]string{}, sharedTemplates...), name)
		t, err := template.New(path.Base(name)).Funcs(templateFuncs).ParseFS(templateFiles, files...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		p.sets[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	css, err := staticFiles.ReadFile("static/style.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(css)
	p.assetVersion = hex.EncodeToString(sum[:5])
	return p, nil
}

func isShared(name string) bool {
	for _, s := range sharedTemplates {
		if s == name {
			return true
		}
	}
	return false
}

// Names returns the page names, for the test that every template is executed.
func (p *pages) Names() []string {
	var out []string
	for n := range p.sets {
		out = append(out, n)
	}
	return out
}

// page is what every page's data carries: its language and the bits of the layout.
type page struct {
	Lang         claimdesk.Lang
	Title        string
	SwitchURL    string // this page in the other language
	AssetVersion string
	RequestID    string
	NoIndex      bool      // pages with personal data ask search engines to stay away
	Staff        *staffNav // the console's header, on console pages
	Now          time.Time // when the page is made
}

// Open reports whether inc takes reports as the page is made.
func (p *page) Open(inc *claimdesk.Incident) bool { return inc.TakesReports(p.Now) }

// T returns the page text key in the page's language.
func (p *page) T(key string, args ...any) string { return text(p.Lang, key, args...) }

// Won writes an amount of money: "30,000원", or "30,000 KRW" in English.
func (p *page) Won(n int64) string {
	if p.Lang == claimdesk.English {
		return claimdesk.FormatKRW(n) + " KRW"
	}
	return claimdesk.FormatKRW(n) + "원"
}

// PaymentLine is one payment of a report: its kind, amount, when it was owed, and where it
// stands.
func (p *page) PaymentLine(pay claimdesk.Payment) string {
	state := p.T("payment.owed")
	if !pay.PaidAt.IsZero() {
		state = p.T("payment.paid", kst(pay.PaidAt))
	} else if pay.File != 0 {
		state = p.T("payment.in_file")
	}
	return p.T("payment.line", p.T("payment."+string(pay.Kind)), p.Won(pay.Amount), kst(pay.CreatedAt), state)
}

// L returns a two-language label in the page's language.
// Who words an actor as the audit trail records it (see actorText).
func (p *page) Who(actor string) string { return actorText(actor, p.Lang) }

// RoleName is a staff role's name.
func (p *page) RoleName(r claimdesk.Role) string {
	l, ok := claimdesk.Roles.Label(string(r))
	if !ok {
		return string(r)
	}
	return l.In(p.Lang)
}

// Named returns a policy's coded setting by its name in the page's language: its kind, its day
// rule, the restoration it counts.
func (p *page) Named(what, code string) string {
	o := map[string]claimdesk.Options{"kind": claimdesk.PolicyKinds, "day_rule": claimdesk.DayRules, "restored": claimdesk.RestoredKinds}[what]
	if code == "" {
		code = o[0].Code
	}
	l, _ := o.Label(code)
	return l.In(p.Lang)
}

func (p *page) L(l claimdesk.Label) string { return l.In(p.Lang) }

// FieldLabel returns the name of a report field in the page's language.
func (p *page) FieldLabel(name string) string {
	l, _ := claimdesk.Fields.Label(name)
	return l.In(p.Lang)
}

// options returns a coded list as choices in the page's language, selected ones checked.
func (p *page) options(opts claimdesk.Options, selected ...string) []choice {
	var out []choice
	for _, o := range opts {
		out = append(out, choice{Value: o.Code, Label: o.Label.In(p.Lang), Checked: slices.Contains(selected, o.Code)})
	}
	return out
}

// channelOptions returns the intake channels, sel selected.
func (p *page) channelOptions(sel string) []choice {
	var out []choice
	for _, c := range []claimdesk.Channel{claimdesk.ChannelWeb, claimdesk.ChannelAPI, claimdesk.ChannelStaff, claimdesk.ChannelImport} {
		out = append(out, choice{Value: string(c), Label: p.T("channel." + string(c)), Checked: sel == string(c)})
	}
	return out
}

// optionName returns the name of code in opts, in the page's language, or code itself.
func (p *page) optionName(opts claimdesk.Options, code string) string {
	if l, ok := opts.Label(code); ok {
		return l.In(p.Lang)
	}
	return code
}

// Other returns the language the switch link leads to.
func (p *page) Other() claimdesk.Lang {
	if p.Lang == claimdesk.English {
		return claimdesk.Korean
	}
	return claimdesk.English
}

// pageData is implemented by every page's data struct through its embedded page.
type pageData interface{ base() *page }

func (p *page) base() *page { return p }

// newPage fills the layout fields for r.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, titleKey string, args ...any) page {
	lang := pageLang(w, r)
	p := page{Lang: lang, AssetVersion: s.pages.assetVersion, RequestID: requestID(r), Now: s.Now()}
	p.Title = p.T(titleKey, args...)
	q := r.URL.Query()
	q.Set("lang", string(p.Other()))
	p.SwitchURL = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	return p
}

const langCookie = "lang"

// pageLang picks a page's language: ?lang= (remembered in a cookie), then the cookie, then a
// form's hidden lang field, then Korean. Pages do not follow Accept-Language: claimdesk is
// Korean by default, and English is a choice the reader makes with the switch.
func pageLang(w http.ResponseWriter, r *http.Request) claimdesk.Lang {
	if l, ok := claimdesk.ParseLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := claimdesk.ParseLang(c.Value); ok {
			return l
		}
	}
	// Only a form its handler already parsed (under its size limit) is read here; an error
	// page must not read an unread body.
	if r.PostForm != nil {
		if l, ok := claimdesk.ParseLang(r.PostForm.Get("lang")); ok {
			return l
		}
	}
	return claimdesk.Korean
}

// render executes the page into a buffer first, so that a template error becomes a clean 500
// instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	body, err := s.execute(name, data)
	if err != nil {
		s.Logger.Error("render", "request_id", requestID(r), "page", name, "err", err)
		http.Error(w, claimdesk.Message(data.base().Lang, "internal"), http.StatusInternalServerError)
		return
	}
	pageHeader(w, data.base().Lang)
	w.WriteHeader(status)
	w.Write(body)
}

// execute renders a page into bytes.
func (s *Server) execute(name string, data pageData) ([]byte, error) {
	t, ok := s.pages.sets[name]
	if !ok {
		panic("no page template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, err
	}
	s.pages.executed.Store(name, true)
	return buf.Bytes(), nil
}

// pageHeader sets the headers of an HTML page in lang; pages are not stored by caches unless
// their handler said otherwise.
func pageHeader(w http.ResponseWriter, lang claimdesk.Lang) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(lang))
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("Vary", "Cookie")
}

// errorPage is shown for any error a page handler returns.
type errorPage struct {
	page
	Status  int
	Message string
}

// page adapts a handler that returns an error into an http.Handler that answers errors with a
// page in the reader's language.
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Every form is read under a limit (handlers narrow it), and an upload's files,
			// spilled to temporary files, are removed when the request ends, whatever the answer.
			r.Body = http.MaxBytesReader(w, r.Body, s.maxFormBody())
			defer func() {
				if r.MultipartForm != nil {
					r.MultipartForm.RemoveAll()
				}
			}()
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
				rc := http.NewResponseController(w)
				rc.SetReadDeadline(time.Now().Add(s.Budgets.Upload))
				rc.SetWriteDeadline(time.Now().Add(s.Budgets.Upload))
			}
		}
		err := h(w, r)
		if err == nil {
			return
		}
		code := claimdesk.ErrorCode(err)
		status := statusOf(code)
		if status >= 500 && code != claimdesk.EUNAVAILABLE {
			s.Logger.Error("page failed", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
		}
		p := &errorPage{page: s.newPage(w, r, "error.title"), Status: status}
		p.Message = userMessage(err, p.Lang)
		s.render(w, r, status, "error", p)
	})
}

// maxFormBody is the largest form a page takes: evidence files with a contest, or an import.
func (s *Server) maxFormBody() int64 { return max(maxOfferBody, s.MaxUploadBytes+1<<20) }

// staticHandler serves the embedded stylesheet. Pages link it with its content hash in the
// query, so it can be cached for a year and still change the moment it does.
func (s *Server) staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		if r.URL.Query().Get("v") == s.pages.assetVersion {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(w, r)
	})
}
