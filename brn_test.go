package claimdesk_test

import (
	"testing"

	"github.com/claimdesk/claimdesk"
)

func TestNormalizeBusinessNumber(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"dashed", "120-81-47521", "120-81-47521", ""},
		{"digits only", "1208147521", "120-81-47521", ""},
		{"spaces and dots", " 124 81 00998", "124-81-00998", ""},
		{"dotted", "220.81.62517", "220-81-62517", ""},
		{"copied from the hint", "120\u201181\u201147521", "120-81-47521", ""},
		{"full-width hyphens", "120\uff0d81\uff0d47521", "120-81-47521", ""},
		{"another valid", "104-81-37225", "104-81-37225", ""},
		{"ninth digit carries", "102-81-42945", "102-81-42945", ""},
		{"sole proprietor", "116-81-19614", "116-81-19614", ""},
		{"last digit off by one", "120-81-47522", "", "brn_checksum"},
		{"one digit mistyped", "124-81-00999", "", "brn_checksum"},
		{"adjacent digits swapped", "210-81-47521", "", "brn_checksum"},
		{"all zeros", "000-00-00000", "", "brn_checksum"},
		{"nine digits", "120-81-4752", "", "brn_format"},
		{"eleven digits", "120-81-475210", "", "brn_format"},
		{"letters", "12O-81-47521", "", "brn_format"},
		{"full-width digits", "１２０-81-47521", "", "brn_format"},
		{"empty", "", "", "brn_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := claimdesk.NormalizeBusinessNumber(tt.in)
			if got != tt.want || code != tt.code {
				t.Errorf("NormalizeBusinessNumber(%q) = %q, %q; want %q, %q", tt.in, got, code, tt.want, tt.code)
			}
		})
	}
}

// Every single mistyped digit of a valid number must be caught: that is the point of the check
// digit, and the reason the form can tell a merchant to look again before they file.
func TestBusinessNumberCatchesEverySingleDigitError(t *testing.T) {
	const valid = "1208147521"
	for i := range valid {
		for d := byte('0'); d <= '9'; d++ {
			if d == valid[i] {
				continue
			}
			typo := valid[:i] + string(d) + valid[i+1:]
			if _, code := claimdesk.NormalizeBusinessNumber(typo); code != "brn_checksum" {
				t.Errorf("%s (digit %d changed) gave code %q, want brn_checksum", typo, i+1, code)
			}
		}
	}
}

func TestMakeBusinessNumber(t *testing.T) {
	for _, n := range []int{101000000, 120814752, 999999999, 220816251} {
		s := claimdesk.MakeBusinessNumber(n)
		if got, code := claimdesk.NormalizeBusinessNumber(s); code != "" || got != s {
			t.Errorf("MakeBusinessNumber(%d) = %q: %q", n, s, code)
		}
	}
	if got := claimdesk.MakeBusinessNumber(120814752); got != "120-81-47521" {
		t.Errorf("got %q, want the known 120-81-47521", got)
	}
}
