package claimdesk

import (
	"regexp"
	"testing"
)

// Every message of the catalogue exists in both languages and takes the same arguments in each.
func TestCatalogueBothLanguages(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	for key, m := range catalogue {
		if m.ko == "" || m.en == "" {
			t.Errorf("%q lacks a language", key)
		}
		if ko, en := verbs.FindAllString(m.ko, -1), verbs.FindAllString(m.en, -1); len(ko) != len(en) {
			t.Errorf("%q: Korean takes %v, English %v", key, ko, en)
		}
	}
}
