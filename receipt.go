package claimdesk

import (
	"crypto/rand"
	"strings"
)

// receiptAlphabet is Crockford's base 32: digits and capitals without I, L, O and U, so that a
// receipt read over the phone or copied from a handwritten note cannot mix up 0/O or 1/I/L.
const receiptAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// receiptLen is the number of symbols in a receipt: eight random ones (40 bits) and a check
// symbol. They are printed in three groups of three: "7QX-4M9-AKP".
const receiptLen = 9

// NewReceipt returns a fresh random receipt number in its printed form. Uniqueness is the
// store's job (a unique index, and a new draw on the rare collision); 40 bits keep collisions
// rare even at millions of reports, and make receipts impossible to enumerate.
func NewReceipt() string {
	var raw [receiptLen - 1]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("claimdesk: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	var sym [receiptLen]byte
	for i, b := range raw {
		sym[i] = receiptAlphabet[b&31]
	}
	sym[receiptLen-1] = receiptAlphabet[luhn32(sym[:receiptLen-1], false)]
	return formatReceipt(sym[:])
}

// ReceiptFromNumber returns the receipt whose eight symbols spell n in base 32, with its check
// symbol: deterministic receipts for tests and fixtures.
func ReceiptFromNumber(n uint64) string {
	var sym [receiptLen]byte
	for i := receiptLen - 2; i >= 0; i-- {
		sym[i] = receiptAlphabet[n%32]
		n /= 32
	}
	sym[receiptLen-1] = receiptAlphabet[luhn32(sym[:receiptLen-1], false)]
	return formatReceipt(sym[:])
}

// ParseReceipt reads a receipt number as a person might type it — lower case, without dashes or
// with spaces, O for 0, I or L for 1 — and returns its printed form. ok is false when it has the
// wrong length or its check symbol does not match, that is, when it was mistyped.
func ParseReceipt(s string) (receipt string, ok bool) {
	sym := make([]byte, 0, receiptLen)
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || strings.IndexByte(receiptAlphabet, byte(r)) < 0 || len(sym) == receiptLen {
			return "", false
		}
		sym = append(sym, byte(r))
	}
	if len(sym) != receiptLen || luhn32(sym, true) != 0 {
		return "", false
	}
	return formatReceipt(sym), true
}

func formatReceipt(sym []byte) string {
	return string(sym[0:3]) + "-" + string(sym[3:6]) + "-" + string(sym[6:9])
}

// luhn32 is the Luhn mod N algorithm over receiptAlphabet. With withCheck false it returns the
// check symbol's index for sym; with withCheck true it returns 0 when sym ends in a correct check
// symbol. It detects every single-symbol error and nearly every swap of adjacent symbols (all
// but "0" with "Z").
func luhn32(sym []byte, withCheck bool) int {
	const n = len(receiptAlphabet)
	factor, sum := 2, 0
	if withCheck {
		factor = 1
	}
	for i := len(sym) - 1; i >= 0; i-- {
		addend := factor * strings.IndexByte(receiptAlphabet, sym[i])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += addend/n + addend%n
	}
	if withCheck {
		return sum % n
	}
	return (n - sum%n) % n
}
