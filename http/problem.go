package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/claimdesk/claimdesk"
)

// statusOf maps a domain error code to its HTTP status: the one place this is decided. Any
// code not listed (EINTERNAL, or an error that is not a *claimdesk.Error) is a 500.
func statusOf(code string) int {
	if status, ok := statusByCode[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

var statusByCode = map[string]int{
	claimdesk.EINVALID:      http.StatusUnprocessableEntity,
	claimdesk.EMALFORMED:    http.StatusBadRequest,
	claimdesk.ENOTFOUND:     http.StatusNotFound,
	claimdesk.ECONFLICT:     http.StatusConflict,
	claimdesk.EUNAUTHORIZED: http.StatusUnauthorized,
	claimdesk.EFORBIDDEN:    http.StatusForbidden,
	claimdesk.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	claimdesk.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	claimdesk.EUNAVAILABLE:  http.StatusServiceUnavailable,
	claimdesk.EMETHOD:       http.StatusMethodNotAllowed,
	claimdesk.ELOCKED:       http.StatusTooManyRequests,
}

// problem is an RFC 9457 problem document, with claimdesk's extensions: the field errors of a
// validation failure and the request ID to quote to support.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Code      string         `json:"code"` // stable, for programs: "invalid_report", "receipt_typo"...
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id"`
	Errors    []problemField `json:"errors,omitempty"`
}

type problemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// userMessage returns what a person may be told about err, in lang. Internal errors are
// logged by the caller and shown as a generic apology: their text may hold SQL or file paths.
func userMessage(err error, lang claimdesk.Lang) string {
	var e *claimdesk.Error
	if errors.As(err, &e) && e.Code != claimdesk.EINTERNAL {
		return e.Localized(lang)
	}
	return claimdesk.Message(lang, "internal")
}

// problemCode returns the most precise stable code of err: its catalogue key, else its code.
func problemCode(err error) string {
	var e *claimdesk.Error
	if errors.As(err, &e) && e.Key != "" && e.Code != claimdesk.EINTERNAL {
		return e.Key
	}
	return claimdesk.ErrorCode(err)
}

// writeProblem answers an API request with err as a problem document.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	code := claimdesk.ErrorCode(err)
	status := statusOf(code)
	lang := claimdesk.PreferredLang(r.Header.Get("Accept-Language"))
	switch {
	case status < 500 || code == claimdesk.EUNAVAILABLE:
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away (a phone that lost its signal, a load test that ended): nothing
		// failed, and an operator woken by errors should not be.
		s.Logger.Info("request abandoned by the client", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path)
	default:
		s.Logger.Error("request failed", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p := problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    userMessage(err, lang),
		Code:      problemCode(err),
		Instance:  r.URL.Path,
		RequestID: requestID(r),
	}
	for _, f := range claimdesk.FieldErrorsOf(err) {
		p.Errors = append(p.Errors, problemField{Field: f.Field, Code: f.Code, Message: f.Message(lang)})
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="claimdesk"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("Content-Language", string(lang))
	writeJSON(w, status, "application/problem+json", p)
}

// writeJSON writes v as the whole response.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "SK C&C", not "SK C\u0026C": nobody embeds this JSON in HTML
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// api adapts a handler that returns an error into an http.Handler that answers errors as
// problem documents.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeProblem(w, r, err)
		}
	})
}
