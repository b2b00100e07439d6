package claimdesk_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

func TestNewReceiptShape(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$`)
	seen := map[string]bool{}
	for range 10000 {
		r := claimdesk.NewReceipt()
		if !shape.MatchString(r) {
			t.Fatalf("receipt %q: want three groups of three Crockford symbols", r)
		}
		if strings.ContainsAny(r, "ILOU") {
			t.Fatalf("receipt %q holds an ambiguous letter", r)
		}
		if got, ok := claimdesk.ParseReceipt(r); !ok || got != r {
			t.Fatalf("ParseReceipt(%q) = %q, %v", r, got, ok)
		}
		if seen[r] {
			t.Fatalf("receipt %q drawn twice in 10,000", r)
		}
		seen[r] = true
	}
}

func TestParseReceipt(t *testing.T) {
	valid := claimdesk.NewReceipt() // e.g. 7QX-4M9-AKP
	plain := strings.ReplaceAll(valid, "-", "")
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"printed", valid, valid, true},
		{"lower case", strings.ToLower(valid), valid, true},
		{"no dashes", plain, valid, true},
		{"spaces", plain[:3] + " " + plain[3:6] + " " + plain[6:], valid, true},
		{"too short", plain[:8], "", false},
		{"too long", plain + "0", "", false},
		{"foreign symbol", plain[:8] + "#", "", false},
		{"hangul", plain[:8] + "가", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := claimdesk.ParseReceipt(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseReceipt(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// A receipt read over the phone as O for 0 or I/L for 1 still finds the report.
func TestParseReceiptReadsLookalikes(t *testing.T) {
	for range 200 {
		r := claimdesk.NewReceipt()
		if !strings.ContainsAny(r, "01") {
			continue
		}
		spoken := strings.NewReplacer("0", "O", "1", "l").Replace(r)
		if got, ok := claimdesk.ParseReceipt(spoken); !ok || got != r {
			t.Fatalf("ParseReceipt(%q) = %q, %v; want %q", spoken, got, ok, r)
		}
	}
}

// The check symbol catches every single changed symbol and every swap of adjacent symbols but
// the one pair Luhn mod N cannot tell apart.
func TestReceiptCheckSymbol(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	for range 50 {
		plain := strings.ReplaceAll(claimdesk.NewReceipt(), "-", "")
		for i := range plain {
			for _, c := range alphabet {
				if byte(c) == plain[i] {
					continue
				}
				typo := plain[:i] + string(c) + plain[i+1:]
				if _, ok := claimdesk.ParseReceipt(typo); ok {
					t.Fatalf("%s accepted with symbol %d changed (from %s)", typo, i, plain)
				}
			}
		}
		for i := 0; i+1 < len(plain); i++ {
			a, b := plain[i], plain[i+1]
			if a == b || (a == '0' && b == 'Z') || (a == 'Z' && b == '0') {
				continue
			}
			swapped := plain[:i] + string(b) + string(a) + plain[i+2:]
			if _, ok := claimdesk.ParseReceipt(swapped); ok {
				t.Fatalf("%s accepted with symbols %d and %d swapped (from %s)", swapped, i, i+1, plain)
			}
		}
	}
}

func TestReceiptFromNumber(t *testing.T) {
	seen := map[string]bool{}
	for n := range uint64(1000) {
		r := claimdesk.ReceiptFromNumber(n * 7919)
		if got, ok := claimdesk.ParseReceipt(r); !ok || got != r || seen[r] {
			t.Fatalf("ReceiptFromNumber(%d) = %q: valid %v, repeated %v", n, r, ok, seen[r])
		}
		seen[r] = true
	}
	if claimdesk.ReceiptFromNumber(0) != "000-000-000" {
		t.Errorf("got %q", claimdesk.ReceiptFromNumber(0))
	}
}
