package claimdesk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// One rule for all free text that people type or send: a report's fields and import cells,
// merchants' answers and contest messages, bank details, reviewers' notes, reasons and
// requests, awards, names of people, tokens and policies, and evidence file names. Control
// characters are refused (tab and line breaks only where a text area allows them), and so are
// the invisible formatting characters — direction overrides, zero-width spaces and joiners —
// that make text read other than it is: a file named "passwd\u202egnp.pdf" shows as
// "passwdfdp.png".

// hasControl reports whether s holds a character the rule refuses: a control character
// (multiline lets tab, CR and LF through), an invisible formatting character (Unicode's Cf:
// direction marks and overrides, zero-width characters, the BOM), or invalid UTF-8.
func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// TextRule is what a free-text field takes.
type TextRule struct {
	Required  string // the problem's code when it is empty; "" when it may be
	Max       int    // in characters
	Multiline bool   // a text area: tab and line breaks allowed
}

// CheckText trims *s and checks it against rule, adding at most one problem for field.
func CheckText(fe *FieldErrors, field string, s *string, rule TextRule) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		if rule.Required != "" {
			fe.Add(field, rule.Required)
		}
	case hasControl(*s, rule.Multiline):
		fe.Add(field, "control_chars")
	case utf8.RuneCountInString(*s) > rule.Max:
		fe.Add(field, "too_long", rule.Max)
	}
}

// CleanFileName is a file name as it may be shown and stored: without the characters the rule
// refuses, without a path, and at most 200 bytes; "file" when nothing is left.
func CleanFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}
