package claimdesk

import "strings"

// areaCodes are the landline area codes in use since 2015, besides Seoul's 02.
var areaCodes = map[string]bool{
	"031": true, "032": true, "033": true, "041": true, "042": true, "043": true, "044": true,
	"051": true, "052": true, "053": true, "054": true, "055": true,
	"061": true, "062": true, "063": true, "064": true,
}

// legacyMobile are the mobile prefixes from before the 010 unification; a few such numbers are
// still in use.
var legacyMobile = map[string]bool{"011": true, "016": true, "017": true, "018": true, "019": true}

// NormalizePhone checks a Korean phone number and returns it in its usual printed form with
// dashes: mobile "010-1234-5678", Seoul "02-123-4567", other areas "031-123-4567", internet
// phones "070-1234-5678" and nationwide business numbers "1588-1234". Spaces, dashes, dots,
// parentheses and a leading +82 are accepted. ok is false for anything else.
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	s = strings.TrimSpace(s)
	if rest, found := strings.CutPrefix(s, "+82"); found {
		s = rest
		b.WriteByte('0')
		s = strings.TrimLeft(s, " -.(")
		s = strings.TrimPrefix(s, "0") // +82 (0)10... is a common way to write it
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '(' || r == ')' || numberSeparator(r):
		default:
			return "", false
		}
	}
	d := b.String()
	n := len(d)
	switch {
	case strings.HasPrefix(d, "010") && n == 11:
		return dashed(d, 3, 7), true
	case n >= 3 && legacyMobile[d[:3]] && (n == 10 || n == 11):
		return dashed(d, 3, n-4), true
	case strings.HasPrefix(d, "070") && n == 11:
		return dashed(d, 3, 7), true
	case strings.HasPrefix(d, "02") && (n == 9 || n == 10):
		return dashed(d, 2, n-4), true
	case n >= 3 && areaCodes[d[:3]] && (n == 10 || n == 11):
		return dashed(d, 3, n-4), true
	case n == 8 && (strings.HasPrefix(d, "15") || strings.HasPrefix(d, "16") || strings.HasPrefix(d, "18")):
		return dashed(d, 4, 4), true
	}
	return "", false
}

// dashed writes d with dashes before positions i and j.
func dashed(d string, i, j int) string {
	if i == j {
		return d[:i] + "-" + d[i:]
	}
	return d[:i] + "-" + d[i:j] + "-" + d[j:]
}

// numberSeparator reports whether r may stand between the digits of a phone or business number:
// spaces, dots and dashes, including those a phone's keyboard or a copied example brings (the
// non-breaking hyphen of the form's hints, a Korean keyboard's full-width "－", the minus sign).
func numberSeparator(r rune) bool {
	switch r {
	case ' ', '.', '-', '\u00a0', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\uff0d', '\u3000':
		return true
	}
	return false
}
