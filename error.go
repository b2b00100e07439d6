package claimdesk

import (
	"errors"
	"fmt"
	"slices"
)

// Error codes. Each maps to one HTTP status in one place (http/problem.go).
//
// Every method of the service interfaces names the codes it returns for the caller to act on.
// Any of them may also return EUNAVAILABLE (the database is unusable, or the server is shutting
// down) and errors without a code, which ErrorCode reads as EINTERNAL: those are not named
// again method by method. EFORBIDDEN is named where the method checks the actor in the context.
const (
	ECONFLICT     = "conflict"     // the request conflicts with stored state
	EINTERNAL     = "internal"     // a fault of ours; details are logged, never shown
	EINVALID      = "invalid"      // the input breaks a rule; see FieldErrors
	ENOTFOUND     = "not_found"    // no such entity (or the caller may not know it exists)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // credentials valid but not enough
	ETOOLARGE     = "too_large"    // the request body exceeds its limit
	EMALFORMED    = "malformed"    // the request cannot be parsed at all
	EUNAVAILABLE  = "unavailable"  // the service is shutting down or the database is unusable
	EUNSUPPORTED  = "unsupported"  // the request's media type is not accepted
	EMETHOD       = "method"       // the resource exists but not with this method
	ELOCKED       = "locked"       // too many attempts: wait before trying again
)

// Error is the one error type of the domain. Its Message is safe to show a user; Key, when set,
// names a catalogue message (see Message) so the boundary can show it in the user's language.
// Fields lists the per-field problems of an EINVALID error.
type Error struct {
	Code    string
	Message string
	Key     string
	Args    []any
	Fields  []FieldError

	enArgs []any // arguments for the English text, when they differ (labels in English)
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("claimdesk error: code=%s fields=%v", e.Code, e.Fields)
	}
	return fmt.Sprintf("claimdesk error: code=%s message=%s", e.Code, e.Message)
}

// Localized returns the error's message in lang: the catalogue text when the error has a Key,
// otherwise its Message.
func (e *Error) Localized(lang Lang) string {
	if e.Key == "" {
		return e.Message
	}
	if lang == English && e.enArgs != nil {
		return Message(lang, e.Key, e.enArgs...)
	}
	return Message(lang, e.Key, e.Args...)
}

// Errorf returns an *Error with code and a user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Errorm returns an *Error whose message is the catalogue entry key, so that it can be shown in
// the user's language.
func Errorm(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Message: Message(Korean, key, args...), Args: args}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any other error and ""
// for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// FieldError is one problem with one input field. Code names a catalogue message; Args fill it.
type FieldError struct {
	Field string
	Code  string
	Args  []any
}

// Message returns the problem as a sentence in lang.
func (f FieldError) Message(lang Lang) string { return Message(lang, f.Code, f.Args...) }

func (f FieldError) String() string { return f.Field + ":" + f.Code }

// FieldErrors collects the problems of one input, in the order they were found.
type FieldErrors []FieldError

// Add records a problem with field.
func (fe *FieldErrors) Add(field, code string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Code: code, Args: args})
}

// Has reports whether field already has a problem, so a later rule does not pile a second,
// derived message onto the same field.
func (fe FieldErrors) Has(field string) bool {
	for _, f := range fe {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when there are no problems, otherwise an EINVALID *Error carrying them all in
// the order of the form (unknown fields last), so that a list of errors reads top to bottom.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	sorted := slices.Clone(fe)
	slices.SortStableFunc(sorted, func(a, b FieldError) int { return fieldRank(a.Field) - fieldRank(b.Field) })
	return &Error{Code: EINVALID, Key: "invalid_report", Message: Message(Korean, "invalid_report"), Fields: sorted}
}

func fieldRank(field string) int {
	for i, f := range Fields {
		if f.Code == field {
			return i
		}
	}
	return len(Fields)
}

// FieldErrorsOf returns the field problems carried by err, or nil.
func FieldErrorsOf(err error) FieldErrors {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
