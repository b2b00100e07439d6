package claimdesk

import (
	"strings"
	"unicode"
)

// SimilarNames reports whether two business names probably name the same business: equal once
// spacing, punctuation and legal-form words are dropped, one containing the other, or sharing
// most of their character pairs. "행복 떡집", "(주)행복떡집" and "행복떡집 수원점" all match
// "행복떡집".
func SimilarNames(a, b string) bool {
	a, b = nameKey(a), nameKey(b)
	if a == "" || b == "" {
		return false
	}
	if a == b || (len([]rune(a)) >= 2 && strings.Contains(b, a)) || (len([]rune(b)) >= 2 && strings.Contains(a, b)) {
		return true
	}
	return dice(a, b) >= 0.6
}

// legalForms are words that name a company's legal form rather than the company.
var legalForms = []string{"주식회사", "(주)", "㈜", "유한회사", "(유)", "합자회사", "co.,ltd", "co.ltd", "inc", "ltd"}

func nameKey(s string) string {
	s = strings.ToLower(s)
	for _, f := range legalForms {
		s = strings.ReplaceAll(s, f, "")
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dice is the Sørensen–Dice coefficient of the two strings' character bigrams.
func dice(a, b string) float64 {
	pairs := func(s string) map[string]int {
		r := []rune(s)
		m := map[string]int{}
		for i := 0; i+1 < len(r); i++ {
			m[string(r[i:i+2])]++
		}
		return m
	}
	pa, pb := pairs(a), pairs(b)
	na, nb, common := 0, 0, 0
	for _, n := range pa {
		na += n
	}
	for p, n := range pb {
		nb += n
		common += min(n, pa[p])
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(common) / float64(na+nb)
}
