package claimdesk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// ReportTokens issues and checks the access tokens that let a merchant (or the partner system
// that filed for them) read and later update one report without an account.
//
// A token is an HMAC of the receipt number under a secret key kept in the database, so nothing
// per report needs to be stored, and a retried submission (the same Idempotency-Key) can hand
// back the same token the first answer carried — a client that never saw that answer would
// otherwise be locked out of its own report.
type ReportTokens struct {
	key []byte
}

// NewReportTokens returns a ReportTokens that signs with key, which must be at least 32 random
// bytes.
func NewReportTokens(key []byte) *ReportTokens {
	if len(key) < 32 {
		panic("claimdesk: report token key shorter than 32 bytes")
	}
	return &ReportTokens{key: key}
}

// Token returns the access token of the report with receipt (its printed form).
func (t *ReportTokens) Token(receipt string) string {
	mac := hmac.New(sha256.New, t.key)
	mac.Write([]byte("report-access/v1:" + receipt))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:24])
}

// Valid reports whether token is the access token of receipt, in constant time.
func (t *ReportTokens) Valid(receipt, token string) bool {
	return hmac.Equal([]byte(t.Token(receipt)), []byte(token))
}
