package claimdesk

import (
	"iter"
	"strings"
)

// Masking hides personal data from roles without PermPersonalData (analysts, exports for
// them) while keeping enough to tell records apart and spot patterns.

// MaskName keeps the first and last character: 김민지 -> 김*지, 행복떡집 -> 행**집.
func MaskName(s string) string {
	r := []rune(s)
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// MaskPhone hides the middle group: 010-2345-6789 -> 010-****-6789.
func MaskPhone(s string) string {
	parts := strings.Split(s, "-")
	if len(parts) == 3 {
		return parts[0] + "-" + strings.Repeat("*", len(parts[1])) + "-" + parts[2]
	}
	if len(parts) == 2 { // 1588-1234: a business's public number
		return s
	}
	return MaskName(s)
}

// MaskEmail keeps the first character of the local part and the domain: o***@example.com.
func MaskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return MaskName(s)
	}
	return string([]rune(local)[0]) + "***@" + domain
}

// MaskBusinessNumber keeps the tax office and type codes: 120-81-47521 -> 120-81-*****.
func MaskBusinessNumber(s string) string {
	if len(s) == 12 && s[3] == '-' && s[6] == '-' {
		return s[:7] + "*****"
	}
	return MaskName(s)
}

// Masked returns a copy of r with its personal data masked: names, phone, e-mail, business
// number, and the free text (which may hold any of them).
func (r *Report) Masked() *Report {
	c := *r
	c.BusinessName = MaskName(r.BusinessName)
	c.Representative = MaskName(r.Representative)
	c.Phone = MaskPhone(r.Phone)
	c.Email = MaskEmail(r.Email)
	c.BusinessNumber = MaskBusinessNumber(r.BusinessNumber)
	if r.Description != "" {
		c.Description = "***"
	}
	if r.NoBusinessNumberReason != "" {
		c.NoBusinessNumberReason = "***"
	}
	c.InfoRequest, c.InfoAnswer = "", ""
	return &c
}

// MaskAll yields the reports with their personal data masked (see Report.Masked).
func MaskAll(reports iter.Seq2[*Report, error]) iter.Seq2[*Report, error] {
	return func(yield func(*Report, error) bool) {
		for r, err := range reports {
			if r != nil {
				r = r.Masked()
			}
			if !yield(r, err) {
				return
			}
		}
	}
}
