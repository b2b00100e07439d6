package claimdesk

import (
	"fmt"
	"math"
	"time"
)

// Date is a calendar day in KST, as merchants write the days of their damage. The zero Date is
// "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "YYYY-MM-DD" and rejects impossible days such as 2022-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return DateOf(t), nil
}

// DateOf returns the KST calendar day of t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(KST).Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Start returns midnight at the start of d, KST.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, KST) }

// DaysTo is the number of days from d to e (negative when e is before d).
func (d Date) DaysTo(e Date) int {
	return int(math.Round(e.Start().Sub(d.Start()).Hours() / 24))
}

// Before reports whether d comes before e.
func (d Date) Before(e Date) bool { return d.Start().Before(e.Start()) }

// After reports whether d comes after e.
func (d Date) After(e Date) bool { return e.Before(d) }

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	// By hand: exports write two dates a report, a million times over.
	if d.Year < 0 || d.Year > 9999 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	y, m, dd := d.Year, int(d.Month), d.Day
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + dd/10), byte('0' + dd%10)}
	return string(b[:])
}

// MarshalText writes d as "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "YYYY-MM-DD"; an empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
