package http

import (
	"regexp"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// verbs are the formatting verbs of a text, in order: a translation must take the same
// arguments.
var verbs = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)

// Every text people read exists in Korean and English with the same arguments, and each key has
// one home: a page text, a console text or the domain's catalogue, never two.
func TestTextCatalogues(t *testing.T) {
	for name, table := range map[string]map[string]claimdesk.Label{"pageTexts": pageTexts, "consoleTexts": consoleTexts} {
		for key, l := range table {
			if l.Ko == "" || l.En == "" {
				t.Errorf("%s[%q] lacks a language: %+v", name, key, l)
			}
			if ko, en := verbs.FindAllString(l.Ko, -1), verbs.FindAllString(l.En, -1); len(ko) != len(en) {
				t.Errorf("%s[%q]: Korean takes %v, English %v", name, key, ko, en)
			}
			if claimdesk.HasMessage(key) {
				t.Errorf("%s[%q] is also in the domain's catalogue", name, key)
			}
		}
	}
	for key := range pageTexts {
		if _, ok := consoleTexts[key]; ok {
			t.Errorf("%q is both a page text and a console text", key)
		}
	}
}
