package http

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// text returns a page text in lang: from the pages' catalogue (texts.tsv), else from the
// domain's.
func text(lang claimdesk.Lang, key string, args ...any) string {
	l, ok := texts[key]
	if !ok {
		return claimdesk.Message(lang, key, args...)
	}
	s := l.In(lang)
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// hasText reports whether key is in the pages' catalogue.
func hasText(key string) bool { _, ok := texts[key]; return ok }

//go:embed texts.tsv
var textFile string

// texts are the words of the pages and the console, in Korean and English: one catalogue, kept
// as a table translators can edit. A broken table stops the program at start, never a page.
var texts = mustParseTexts(textFile)

func mustParseTexts(src string) map[string]claimdesk.Label {
	t, err := parseTexts(src)
	if err != nil {
		panic("http/texts.tsv: " + err.Error())
	}
	return t
}

// parseTexts reads the catalogue's lines (key, Korean, English, tab-separated; # comments and
// blank lines skipped) and refuses a line without both languages and a key defined twice.
func parseTexts(src string) (map[string]claimdesk.Label, error) {
	t := map[string]claimdesk.Label{}
	for n, line := range strings.Split(src, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("line %d: want a key, a Korean and an English text separated by tabs", n+1)
		}
		if _, dup := t[f[0]]; dup {
			return nil, fmt.Errorf("line %d: %q is defined twice", n+1, f[0])
		}
		t[f[0]] = claimdesk.Label{Ko: f[1], En: f[2]}
	}
	return t, nil
}
