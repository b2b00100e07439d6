package claimdesk

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The fast reading of plain strings and lists gives what encoding/json gives, or declines.
func FuzzPlainJSON(f *testing.F) {
	for _, s := range []string{`"abc"`, `"행복떡집"`, ` "a b" `, `""`, `"a\"b"`, `"\u0041"`, "\"\xff\"", `[]`, `[ ]`,
		`["talk-channel","kakao-pay"]`, ` [ "a" , "b" ] `, `["a",null]`, `[1]`, `["a\\b"]`, `[""]`, `null`, `12`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return // the body is decoded once before: only valid values reach these
		}
		if got, ok := plainString(json.RawMessage(s)); ok {
			var want string
			if err := json.Unmarshal([]byte(s), &want); err != nil || got != want {
				t.Errorf("plainString(%q) = %q; encoding/json: %q, %v", s, got, want, err)
			}
		}
		if got, ok := plainList(json.RawMessage(s)); ok {
			var want []string
			if err := json.Unmarshal([]byte(s), &want); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("plainList(%q) = %q; encoding/json: %q, %v", s, got, want, err)
			}
		}
	})
}

// The values intake sees most are read fast.
func TestPlainJSONTakesTheCommonForms(t *testing.T) {
	for _, s := range []string{`"행복떡집"`, `"2022-10-15"`, `""`} {
		if _, ok := plainString(json.RawMessage(s)); !ok {
			t.Errorf("plainString(%s) declined", s)
		}
	}
	for _, s := range []string{`["talk-channel","kakao-pay"]`, `[]`, `[ "a" , "b" ]`} {
		if _, ok := plainList(json.RawMessage(s)); !ok {
			t.Errorf("plainList(%s) declined", s)
		}
	}
}
