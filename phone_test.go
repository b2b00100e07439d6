package claimdesk_test

import (
	"testing"

	"github.com/claimdesk/claimdesk"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"mobile dashed", "010-2345-6789", "010-2345-6789", true},
		{"mobile digits", "01023456789", "010-2345-6789", true},
		{"mobile spaced", "010 2345 6789", "010-2345-6789", true},
		{"mobile dotted", "010.2345.6789", "010-2345-6789", true},
		{"the hint's non-breaking hyphens", "010\u20112345\u20116789", "010-2345-6789", true},
		{"a Korean keyboard's full-width hyphens", "010\uff0d2345\uff0d6789", "010-2345-6789", true},
		{"international", "+82 10-2345-6789", "010-2345-6789", true},
		{"international with (0)", "+82 (0)10 2345 6789", "010-2345-6789", true},
		{"international no space", "+821023456789", "010-2345-6789", true},
		{"legacy mobile 10 digits", "011-234-5678", "011-234-5678", true},
		{"legacy mobile 11 digits", "0161234 5678", "016-1234-5678", true},
		{"Seoul 7 digits", "02-123-4567", "02-123-4567", true},
		{"Seoul 8 digits", "0212345678", "02-1234-5678", true},
		{"Seoul in parentheses", "(02) 1234-5678", "02-1234-5678", true},
		{"Gyeonggi", "031-123-4567", "031-123-4567", true},
		{"Jeju 8 digits", "064-1234-5678", "064-1234-5678", true},
		{"Sejong", "044-123-4567", "044-123-4567", true},
		{"internet phone", "070-1234-5678", "070-1234-5678", true},
		{"nationwide business", "1588-1234", "1588-1234", true},
		{"nationwide business 1644", "16441234", "1644-1234", true},
		{"mobile too short", "010-234-5678", "", false},
		{"mobile too long", "010-2345-67890", "", false},
		{"no such area code", "099-123-4567", "", false},
		{"area code without number", "031-12", "", false},
		{"letters", "010-CALL-ME", "", false},
		{"empty", "", "", false},
		{"1588 with extra digit", "1588-12345", "", false},
		{"foreign number", "+1 415 555 0100", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := claimdesk.NormalizePhone(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
