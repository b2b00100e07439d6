package http

import (
	"regexp"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// verbs are the formatting verbs of a text, in order: a translation must take the same
// arguments.
var verbs = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)

// Every text people read exists in Korean and English with the same arguments, and each key has
// one home: the pages' catalogue or the domain's, never both.
func TestTextCatalogues(t *testing.T) {
	if len(texts) < 100 {
		t.Fatalf("the pages' catalogue has %d texts; texts.tsv was not read", len(texts))
	}
	for key, l := range texts {
		if ko, en := verbs.FindAllString(l.Ko, -1), verbs.FindAllString(l.En, -1); len(ko) != len(en) {
			t.Errorf("texts[%q]: Korean takes %v, English %v", key, ko, en)
		}
		if claimdesk.HasMessage(key) {
			t.Errorf("texts[%q] is also in the domain's catalogue", key)
		}
	}
}

// The catalogue's reader refuses what would show people a key or half a translation.
func TestParseTextsRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"twice":      "a.b\t가\tA\na.b\t나\tB\n",
		"no English": "a.b\t가\n",
		"empty":      "a.b\t\tA\n",
		"spaces":     "a.b 가 A\n",
	} {
		if _, err := parseTexts(src); err == nil {
			t.Errorf("%s: parseTexts(%q) accepted it", name, src)
		}
	}
	got, err := parseTexts("# a comment\n\na.b\t가 %d\tA %d\n")
	if err != nil || got["a.b"] != (claimdesk.Label{Ko: "가 %d", En: "A %d"}) || len(got) != 1 {
		t.Errorf("parseTexts = %v, %v", got, err)
	}
	if !strings.Contains(text(claimdesk.English, "site.name"), "Outage") {
		t.Errorf("text(en, site.name) = %q", text(claimdesk.English, "site.name"))
	}
}

// History shows who acted in the reader's words, never the audit trail's keys.
func TestActorText(t *testing.T) {
	for actor, want := range map[string]string{
		"user:3 rev@example.org":                        "rev@example.org",
		"user:3 rev@example.org via token 5 rev-script": "rev@example.org (API 토큰 5)",
		"user:1 kim@example.org via cli":                "kim@example.org (명령줄)",
		"token:7":                                       "API 토큰 7",
		"merchant":                                      "신고인",
		"cli:root":                                      "명령줄",
		"system":                                        "claimdesk 자동 처리",
	} {
		if got := actorText(actor, claimdesk.Korean); got != want {
			t.Errorf("%q: %q, want %q", actor, got, want)
		}
	}
	if got := actorText("merchant", claimdesk.English); got != "the merchant" {
		t.Errorf("in English: %q", got)
	}
}
