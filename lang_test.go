package claimdesk_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// Every message key the code passes to Errorm is in the catalogue, in both languages; a missing
// one would show a merchant the bare key.
func TestErrormKeysExist(t *testing.T) {
	call := regexp.MustCompile(`Errorm\([a-zA-Z.]+, "([a-z_.]+)"`)
	found := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			found++
			ko, en := claimdesk.Message(claimdesk.Korean, m[1]), claimdesk.Message(claimdesk.English, m[1])
			if !claimdesk.HasMessage(m[1]) || ko == en {
				t.Errorf("%s: message %q: ko %q, en %q", path, m[1], ko, en)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 10 {
		t.Fatalf("found only %d Errorm calls; is the pattern stale?", found)
	}
}
