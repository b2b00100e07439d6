package claimdesk

import (
	"strings"
	"testing"
)

// The one rule for free text: what it refuses, what it lets through, and file names cleaned.
func TestCheckText(t *testing.T) {
	for _, tt := range []struct {
		in        string
		multiline bool
		code      string
	}{
		{"  행복떡집  ", false, ""},
		{"줄\n바꿈\t탭", true, ""},
		{"줄\n바꿈", false, "control_chars"},
		{"NUL\x00", true, "control_chars"},
		{"벨\a", true, "control_chars"},
		{"passwd\u202egnp.pdf", false, "control_chars"}, // right-to-left override
		{"보이지\u200b않는", false, "control_chars"},         // zero-width space
		{"\u2066격리\u2069", false, "control_chars"},      // directional isolates
		{"\ufeffBOM", false, "control_chars"},
		{"bad \xff utf-8", true, "control_chars"},
		{strings.Repeat("가", 11), false, "too_long"},
		{"   ", false, "required"},
	} {
		var fe FieldErrors
		s := tt.in
		CheckText(&fe, "f", &s, TextRule{Required: "required", Max: 10, Multiline: tt.multiline})
		got := ""
		if len(fe) > 0 {
			got = fe[0].Code
		}
		if got != tt.code {
			t.Errorf("%q: %q, want %q", tt.in, got, tt.code)
		}
	}
	for in, want := range map[string]string{
		"passwd\u202egnp.pdf":    "passwdgnp.pdf",
		"../../etc/passwd":       "....etcpasswd",
		"매출\u200b장부.png":         "매출장부.png",
		"\x00":                   "file",
		strings.Repeat("가", 100): strings.Repeat("가", 66),
	} {
		if got := CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
