package claimdesk

import (
	"bytes"
	"context"
	"iter"
	"strings"
	"time"
)

// PayoutRun is an adopted policy's payouts for one incident: one immutable row per report,
// computed once. A run is released for payment by a second administrator (four eyes); a later
// policy version makes a new run and the old one stays readable.
type PayoutRun struct {
	ID         int64        `json:"id"`
	Incident   string       `json:"incident"`
	Policy     PolicyRef    `json:"policy"`
	RapidOffer bool         `json:"rapid_offer"`
	AppealDays int          `json:"appeal_days"`
	State      RunState     `json:"state"`
	Summary    PolicyResult `json:"summary"`
	CreatedBy  string       `json:"created_by"` // Actor.String()
	CreatedAt  time.Time    `json:"created_at"`
	ReleasedBy string       `json:"released_by,omitempty"`
	ReleasedAt time.Time    `json:"released_at,omitzero"`
}

// RunState is where a payout run stands.
type RunState string

// The states of a run.
const (
	RunComputing RunState = "computing" // its rows are being written; a run left so was interrupted
	RunPending   RunState = "pending"   // complete, waiting for a second administrator
	RunReleased  RunState = "released"  // offers are shown and payment files exported
)

// RunStates lists the states with their names for people.
var RunStates = Options{
	{string(RunComputing), Label{"계산 중", "Computing"}},
	{string(RunPending), Label{"승인 대기", "Waiting for approval"}},
	{string(RunReleased), Label{"지급 승인됨", "Released"}},
}

// Offer is what a merchant is offered for their report: the payout of the incident's latest
// released run, and what the merchant answered.
type Offer struct {
	Run         *PayoutRun
	Payout      Payout
	Response    *OfferResponse // nil until the merchant answers
	AppealUntil time.Time      // contests are taken until then
}

// CanAccept reports whether the merchant may accept the offer: an amount not yet answered.
// Acceptance has no deadline; no one should lose money by answering late.
func (o *Offer) CanAccept() bool {
	return o.Response == nil && o.Payout.Outcome == OutcomeAmount
}

// CanContest reports whether the merchant may contest at now: an amount, or a finding that
// the report is not covered, not yet answered, within the appeal window. (A report referred to
// review has no automatic amount to contest: staff assess it.)
func (o *Offer) CanContest(now time.Time) bool {
	return o.Response == nil && o.Payout.Outcome != OutcomeReview && now.Before(o.AppealUntil)
}

// CanRespond reports whether the merchant may give resp at now.
func (o *Offer) CanRespond(resp *OfferResponse, now time.Time) bool {
	if resp.Accepted {
		return o.CanAccept()
	}
	return o.CanContest(now)
}

// OfferResponse is a merchant's answer to an offer.
type OfferResponse struct {
	Accepted bool        `json:"accepted"` // false: contested
	Bank     BankAccount `json:"bank,omitzero"`
	Message  string      `json:"message,omitempty"`
	At       time.Time   `json:"at"`
	Evidence []Evidence  `json:"evidence,omitempty"`
}

// BankAccount is where an accepted offer is paid.
type BankAccount struct {
	Bank   string `json:"bank"`
	Number string `json:"number"` // digits and dashes
	Holder string `json:"holder"`
}

// Evidence is a file a merchant sent with a contest.
type Evidence struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	At          time.Time `json:"at"`
}

// EvidenceFile is an uploaded file with its content.
type EvidenceFile struct {
	Name string
	Data []byte
}

// Limits of evidence files.
const (
	MaxEvidenceFiles = 5
	MaxEvidenceBytes = 5 << 20
)

// evidenceTypes are the accepted evidence types, by the bytes they start with.
var evidenceTypes = []struct{ magic, contentType string }{
	{"\xff\xd8\xff", "image/jpeg"},
	{"\x89PNG\r\n\x1a\n", "image/png"},
	{"%PDF-", "application/pdf"},
}

// EvidenceType returns the content type of an evidence file by its first bytes (never by its
// name or the browser's word), and false for anything but JPEG, PNG and PDF.
func EvidenceType(data []byte) (string, bool) {
	for _, t := range evidenceTypes {
		if bytes.HasPrefix(data, []byte(t.magic)) {
			return t.contentType, true
		}
	}
	return "", false
}

// Check checks a response before it is stored: a bank account to accept, a message to contest,
// evidence files within their limits.
func (r *OfferResponse) Check(files []EvidenceFile) error {
	var fe FieldErrors
	if r.Accepted {
		b := &r.Bank
		b.Bank, b.Holder = strings.TrimSpace(b.Bank), strings.TrimSpace(b.Holder)
		digits := strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return c
			}
			if c == '-' || c == ' ' {
				return -1
			}
			return 'x'
		}, b.Number)
		switch {
		case b.Bank == "":
			fe.Add("bank", "required")
		case len([]rune(b.Bank)) > 30 || hasControl(b.Bank, false):
			fe.Add("bank", "too_long", 30)
		}
		if len(digits) < 8 || len(digits) > 20 || strings.Contains(digits, "x") {
			fe.Add("account_number", "account_number_invalid")
		}
		b.Number = strings.TrimSpace(b.Number)
		switch {
		case b.Holder == "":
			fe.Add("account_holder", "required")
		case len([]rune(b.Holder)) > 50 || hasControl(b.Holder, false):
			fe.Add("account_holder", "too_long", 50)
		}
	} else {
		r.Message = strings.TrimSpace(r.Message)
		switch {
		case r.Message == "":
			fe.Add("message", "contest_message_required")
		case len([]rune(r.Message)) > MaxReviewText:
			fe.Add("message", "too_long", MaxReviewText)
		}
		if len(files) > MaxEvidenceFiles {
			fe.Add("evidence", "evidence_too_many", MaxEvidenceFiles)
		}
		for _, f := range files {
			if len(f.Data) > MaxEvidenceBytes {
				fe.Add("evidence", "evidence_too_large", f.Name, MaxEvidenceBytes>>20)
			} else if _, ok := EvidenceType(f.Data); !ok {
				fe.Add("evidence", "evidence_type", f.Name)
			}
		}
	}
	return fe.Err()
}

// PaymentRow is one line of a payment file.
type PaymentRow struct {
	Receipt        string
	BusinessName   string
	BusinessNumber string
	Representative string
	Amount         int64
	Accepted       bool // the merchant accepted the offer
	Bank           BankAccount
}

// Funnel counts where an incident's reports stand on the way to payment.
type Funnel struct {
	Reports    int `json:"reports"`
	Accepted   int `json:"accepted"`   // accepted in review (counting those a contest reopened)
	Offered    int `json:"offered"`    // shown an amount by a released run
	Agreed     int `json:"agreed"`     // the merchant accepted the offer
	Contested  int `json:"contested"`  // the merchant contested it
	Paid       int `json:"paid"`       // marked paid
	NeedsInfo  int `json:"needs_info"` // waiting for the merchant's documents
	Unanswered int `json:"unanswered"` // offered, not yet answered
	// NotInRun counts the reports (not rejected or merged) that the latest released run has no
	// payout for: filed after it was computed. They get no offer until a new run is adopted.
	NotInRun int `json:"not_in_run"`
}

// PayoutService adopts policies, releases runs, and carries offers to merchants.
type PayoutService interface {
	// SimulatePayouts runs policies over the incident's reports; with emit, every payout is
	// given to it explained (see Simulator.Run).
	SimulatePayouts(ctx context.Context, incident string, policies []*Policy, emit func(policy int, po *Payout) error) (*Simulation, error)
	// AdoptPolicy computes a run of a stored policy version for the incident, pending
	// release.
	AdoptPolicy(ctx context.Context, incident string, p *Policy) (*PayoutRun, error)
	// ReleaseRun releases a pending run; the actor must not be the one who adopted it.
	ReleaseRun(ctx context.Context, id int64) (*PayoutRun, error)
	// MarkPaid marks the payouts of a released run that merchants accepted as paid, and
	// returns how many it marked.
	MarkPaid(ctx context.Context, id int64) (int, error)
	FindRun(ctx context.Context, id int64) (*PayoutRun, error)
	Runs(ctx context.Context, incident string) ([]*PayoutRun, error)
	// RunPayouts returns a run's payouts in report order.
	RunPayouts(ctx context.Context, id int64) iter.Seq2[*Payout, error]
	// PaymentRows returns the lines of a released run's payment file: every payout with an
	// amount above zero, with bank details where the merchant gave them.
	PaymentRows(ctx context.Context, id int64) iter.Seq2[*PaymentRow, error]
	// Offer returns the offer shown on a report's page, ENOTFOUND when there is none yet.
	Offer(ctx context.Context, receipt string) (*Offer, error)
	// RespondToOffer records a merchant's acceptance or contest; a contest sends the report
	// back to review.
	RespondToOffer(ctx context.Context, receipt string, resp OfferResponse, files []EvidenceFile) (*Offer, error)
	// EvidenceFile returns one evidence file of a report.
	EvidenceFile(ctx context.Context, receipt string, id int64) (*Evidence, []byte, error)
	Funnel(ctx context.Context, incident string) (Funnel, error)
}
