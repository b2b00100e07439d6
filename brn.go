package claimdesk

import "strings"

// NormalizeBusinessNumber checks a business registration number (사업자등록번호) and returns it
// in its printed form, 3-2-5 digits with dashes ("120-81-47521"). Spaces, dashes and dots are
// allowed in the input. The error code is "brn_format" when s is not 10 digits and
// "brn_checksum" when its check digit is wrong, which catches every single mistyped digit.
func NormalizeBusinessNumber(s string) (string, string) {
	digits := make([]int, 0, 10)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, int(r-'0'))
		case numberSeparator(r):
		default:
			return "", "brn_format"
		}
	}
	if len(digits) != 10 {
		return "", "brn_format"
	}
	if brnCheckDigit(digits[:9]) != digits[9] {
		return "", "brn_checksum"
	}
	// 000-00-00000 passes the arithmetic but no tax office issues it.
	if digits[0] == 0 && digits[1] == 0 && digits[2] == 0 {
		return "", "brn_checksum"
	}
	var b strings.Builder
	for i, d := range digits {
		if i == 3 || i == 5 {
			b.WriteByte('-')
		}
		b.WriteByte(byte('0' + d))
	}
	return b.String(), ""
}

// brnCheckDigit is the National Tax Service check digit: weights 1,3,7,1,3,7,1,3,5 over the
// first nine digits, plus the tens digit of the ninth digit times five.
func brnCheckDigit(d []int) int {
	weights := [9]int{1, 3, 7, 1, 3, 7, 1, 3, 5}
	sum := 0
	for i, w := range weights {
		sum += d[i] * w
	}
	sum += d[8] * 5 / 10
	return (10 - sum%10) % 10
}

// MakeBusinessNumber returns the valid business number, printed, whose first nine digits are
// those of n (101000000 to 999999999): for test and demonstration data.
func MakeBusinessNumber(n int) string {
	d := make([]int, 10)
	for i := 8; i >= 0; i-- {
		d[i], n = n%10, n/10
	}
	d[9] = brnCheckDigit(d)
	var b strings.Builder
	for i, x := range d {
		if i == 3 || i == 5 {
			b.WriteByte('-')
		}
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}
