package claimdesk

import (
	"bytes"
	"context"
	"iter"
	"strings"
	"time"
)

// PayoutRun is an adopted policy's payouts for one incident: one immutable row per report,
// computed once. A run is released by a second person (four eyes). Runs of an incident are
// versions of one decision: a newer released run supersedes the older ones for reports whose
// merchants have not accepted yet (see Offer); the old ones stay readable.
type PayoutRun struct {
	ID       int64  `json:"id"`
	Incident string `json:"incident"`
	// IncidentVersion is the version of the incident whose windows the run computed with (0
	// for runs adopted before incidents had versions).
	IncidentVersion int          `json:"incident_version"`
	Policy          PolicyRef    `json:"policy"`
	RapidOffer      bool         `json:"rapid_offer"`
	AppealDays      int          `json:"appeal_days"`
	State           RunState     `json:"state"`
	Summary         PolicyResult `json:"summary"`
	CreatedBy       string       `json:"created_by"` // Actor.String()
	CreatedKey      string       `json:"-"`          // Actor.Key(): the person who may not release it
	CreatedAt       time.Time    `json:"created_at"`
	ReleasedBy      string       `json:"released_by,omitempty"`
	ReleasedAt      time.Time    `json:"released_at,omitzero"`
	// Figures are the run's figures by stage, where the answer carries them.
	Figures *RunFigures `json:"figures,omitempty"`
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

// Offer is what a merchant is offered for their report, and what they answered. Runs of an
// incident are versions of one decision: a report sees the payout of the latest released run,
// or an individual award approved for it, until the merchant accepts; an accepted offer is
// carried forward and never offered again (a later run that gives more adds a top-up payment;
// one that gives less changes nothing).
type Offer struct {
	// Run is the run of the offer; for an award, the released run that referred the report
	// to review.
	Run    *PayoutRun
	Award  *Award // set when the offer is an individual award
	Payout Payout
	// ReportStatus is the report's status now: an amount is accepted only while the report
	// is accepted in review (or, under a rapid offer, not rejected or merged).
	ReportStatus Status
	Response     *OfferResponse // nil until the merchant answers
	AppealUntil  time.Time      // contests are taken until then
	Payments     []Payment      // what the ledger owes the report, or paid it
}

// open reports whether the report's status lets the merchant accept an amount now.
func (o *Offer) open() bool {
	switch o.ReportStatus {
	case StatusAccepted:
		return true
	case StatusRejected, StatusMerged:
		return false
	}
	return o.Award == nil && o.Run != nil && o.Run.RapidOffer
}

// CanAccept reports whether the merchant may accept the offer: an amount above zero, not yet
// answered, of a report open for it. Acceptance has no deadline; no one should lose money by
// answering late.
func (o *Offer) CanAccept() bool {
	return o.Response == nil && o.Payout.Outcome == OutcomeAmount && o.Payout.Amount > 0 && o.open()
}

// CanContest reports whether the merchant may contest at now: an amount, or a finding that
// the report is not covered, not yet answered, within the appeal window, of a report not merged
// into another. (A report referred to review has no automatic amount to contest: staff assess
// it, and their award can be contested.)
func (o *Offer) CanContest(now time.Time) bool {
	return o.Response == nil && o.Payout.Outcome != OutcomeReview && now.Before(o.AppealUntil) &&
		o.ReportStatus != StatusMerged
}

// CanRespond reports whether the merchant may give resp at now.
func (o *Offer) CanRespond(resp *OfferResponse, now time.Time) bool {
	if resp.Accepted {
		return o.CanAccept()
	}
	return o.CanContest(now)
}

// Paid returns what the ledger has paid the report, and what it still owes.
func (o *Offer) Paid() (paid, owed int64) {
	for _, p := range o.Payments {
		if p.PaidAt.IsZero() {
			owed += p.Amount
		} else {
			paid += p.Amount
		}
	}
	return paid, owed
}

// OfferResponse is a merchant's answer to an offer.
type OfferResponse struct {
	ID       int64       `json:"-"`
	Amount   int64       `json:"amount"`   // what was offered when they answered
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
		CheckText(&fe, "bank", &b.Bank, TextRule{Required: "required", Max: 30})
		if len(digits) < 8 || len(digits) > 20 || strings.Contains(digits, "x") {
			fe.Add("account_number", "account_number_invalid")
		}
		b.Number = strings.TrimSpace(b.Number)
		CheckText(&fe, "account_holder", &b.Holder, TextRule{Required: "required", Max: 50})
	} else {
		CheckText(&fe, "message", &r.Message, TextRule{Required: "contest_message_required", Max: MaxReviewText, Multiline: true})
		if len(files) > MaxEvidenceFiles {
			fe.Add("evidence", "evidence_too_many", MaxEvidenceFiles)
		}
		for i := range files {
			files[i].Name = CleanFileName(files[i].Name)
			f := files[i]
			if len(f.Data) > MaxEvidenceBytes {
				fe.Add("evidence", "evidence_too_large", f.Name, MaxEvidenceBytes>>20)
			} else if _, ok := EvidenceType(f.Data); !ok {
				fe.Add("evidence", "evidence_type", f.Name)
			}
		}
	}
	return fe.Err()
}

// PaymentKind is why the ledger owes a report money.
type PaymentKind string

// The kinds of payment.
const (
	PaymentOffer PaymentKind = "offer"  // an accepted offer or award: at most one per report, ever
	PaymentTopUp PaymentKind = "top_up" // what a later run gives a report above what it accepted
)

// Payment is one row of the payout ledger: an amount owed to a report, exported in one payment
// file and paid when that file is marked paid.
type Payment struct {
	ID        int64       `json:"id"`
	Receipt   string      `json:"receipt"`
	Kind      PaymentKind `json:"kind"`
	Run       int64       `json:"run"` // the run whose payment files hold it
	Amount    int64       `json:"amount"`
	CreatedAt time.Time   `json:"created_at"`
	File      int64       `json:"file,omitempty"` // the payment file it was exported in
	PaidAt    time.Time   `json:"paid_at,omitzero"`
}

// PaymentRow is one line of a payment file.
type PaymentRow struct {
	PaymentID      int64
	Receipt        string
	Kind           PaymentKind
	BusinessName   string
	BusinessNumber string
	Representative string
	Amount         int64
	Bank           BankAccount
	// Status is the report's status now: a report rejected or merged after its file was
	// exported is flagged, for the bank transfer to be stopped.
	Status Status
}

// PaymentFile is a frozen batch of payments: every payment of a run that waited when it was
// exported, each exported once. It is sent to the bank and marked paid as a whole.
type PaymentFile struct {
	ID        int64     `json:"id"`
	Run       int64     `json:"run"`
	Incident  string    `json:"incident"`
	Rows      int       `json:"rows"`
	Total     int64     `json:"total"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	PaidBy    string    `json:"paid_by,omitempty"`
	PaidAt    time.Time `json:"paid_at,omitzero"`
	// Stopped counts the rows whose report has since been rejected or merged.
	Stopped Figure `json:"stopped"`
}

// Figure is a count of payouts and their sum.
type Figure struct {
	Count int   `json:"count"`
	Sum   int64 `json:"sum"`
}

// Add counts one amount.
func (f *Figure) Add(amount int64) { f.Count++; f.Sum += amount }

// RunFigures are what an approver signs: a run's payouts by stage, against the reports and the
// ledger as they stand now.
type RunFigures struct {
	AsOf       time.Time `json:"as_of"`
	Reports    int       `json:"reports"`    // reports the run has a payout for
	Covered    int       `json:"covered"`    // with an amount or referred to review
	Ineligible int       `json:"ineligible"` // not covered by the policy
	// Offers are the amounts above zero that merchants see now and may accept: reports
	// accepted in review (any open one under a rapid offer), not accepted before.
	Offers Figure `json:"offers"`
	// Unreviewed are the amounts of reports not yet accepted in review: offered once they
	// are.
	Unreviewed Figure `json:"unreviewed"`
	Referred   int    `json:"referred"` // referred to review: awarded one by one
	Awards     Figure `json:"awards"`   // approved awards of the reports it referred
	// CarriedForward are the reports accepted under an earlier run or award: their accepted
	// amount stands and they are never offered again.
	CarriedForward Figure `json:"carried_forward"`
	TopUps         Figure `json:"top_ups"` // of those, what this run gives above what they accepted
	// Lower are the carried-forward reports this run gives less or nothing: never clawed back,
	// listed for a person to look at.
	Lower []LowerPayout `json:"lower"`
	// Payable is what releasing the run can make payable at most: its offers and top-ups.
	Payable Figure `json:"payable"`

	Accepted Figure `json:"accepted"` // payments of this run: accepted offers and awards, top-ups
	Waiting  Figure `json:"waiting"`  // of those, not yet in a payment file, report accepted
	Held     Figure `json:"held"`     // not exported: the report is no longer accepted in review
	Exported Figure `json:"exported"` // in payment files not yet marked paid
	Paid     Figure `json:"paid"`
	// HeldReceipts are some of the held reports, for a reviewer to look at.
	HeldReceipts []string `json:"held_receipts"`
}

// LowerPayout is a report this run gives less than it accepted before.
type LowerPayout struct {
	Receipt  string `json:"receipt"`
	Accepted int64  `json:"accepted"` // paid or owed to it so far
	Now      int64  `json:"now"`      // what this run gives (0 when it gives none)
}

// MaxListed bounds the receipts a figure lists.
const MaxListed = 100

// AwardState is where an individual award stands.
type AwardState string

// The states of an award.
const (
	AwardProposed AwardState = "proposed" // waiting for a second person
	AwardApproved AwardState = "approved" // offered to the merchant
	AwardDeclined AwardState = "declined"
)

// AwardStates lists the states with their names for people.
var AwardStates = Options{
	{string(AwardProposed), Label{"승인 대기", "Waiting for approval"}},
	{string(AwardApproved), Label{"승인됨", "Approved"}},
	{string(AwardDeclined), Label{"반려됨", "Declined"}},
}

// Award is an amount set for one report that a policy referred to review, by a reviewer who
// looked at its documents, and approved by another person with the payouts right.
type Award struct {
	ID         int64      `json:"id"`
	Receipt    string     `json:"receipt"`
	Run        int64      `json:"run"` // the released run that referred the report
	Amount     int64      `json:"amount"`
	Reason     string     `json:"reason"` // shown to the merchant as the explanation
	State      AwardState `json:"state"`
	ProposedBy string     `json:"proposed_by"`
	ProposedAt time.Time  `json:"proposed_at"`
	DecidedBy  string     `json:"decided_by,omitempty"`
	DecidedAt  time.Time  `json:"decided_at,omitzero"`
	Note       string     `json:"note,omitempty"` // why it was declined
	// ProposedKey is the Actor.Key() of who proposed it: the person who may not approve it.
	ProposedKey string `json:"-"`
}

// Payout is the award as an offer's payout: its amount, explained by its reason.
func (a *Award) Payout() Payout {
	ex := &explanation{}
	ex.add("payout_award", a.Reason)
	ex.steps = append(ex.steps, won(a.Amount))
	return Payout{Receipt: a.Receipt, Outcome: OutcomeAmount, Computed: a.Amount, Amount: a.Amount, Explanation: ex.label()}
}

// CheckAward checks a proposed award against the report: an amount above zero and at most the
// loss claimed, and a reason.
func CheckAward(amount int64, reason string, claimedLoss int64) (string, error) {
	var fe FieldErrors
	switch {
	case amount <= 0:
		fe.Add("amount", "award_amount_invalid")
	case amount > claimedLoss:
		fe.Add("amount", "award_above_claim", FormatKRW(claimedLoss))
	}
	CheckText(&fe, "reason", &reason, TextRule{Required: "award_reason_required", Max: MaxReviewText, Multiline: true})
	return reason, fe.Err()
}

// CheckAwardNote checks why an award is declined: required, and bounded.
func CheckAwardNote(note string) (string, error) {
	var fe FieldErrors
	CheckText(&fe, "note", &note, TextRule{Required: "reason_required", Max: MaxReviewText, Multiline: true})
	return note, fe.Err()
}

// PaidResult is what marking payments paid did.
type PaidResult struct {
	Files    int   `json:"files"`
	Payments int   `json:"payments"`
	Sum      int64 `json:"sum"`
}

// Funnel counts where an incident's reports stand on the way to payment.
type Funnel struct {
	Reports    int `json:"reports"`
	Accepted   int `json:"accepted"`   // accepted in review (counting those a contest reopened)
	Offered    int `json:"offered"`    // shown an amount: by the latest released run, an award, or accepted earlier
	Agreed     int `json:"agreed"`     // the merchant accepted an offer
	Contested  int `json:"contested"`  // the merchant contested it
	Paid       int `json:"paid"`       // their accepted amount is in a payment file marked paid
	NeedsInfo  int `json:"needs_info"` // waiting for the merchant's documents
	Unanswered int `json:"unanswered"` // offered, not yet answered
	// NotInRun counts the reports (not rejected or merged) that the latest released run has no
	// payout for: filed after it was computed. They get no offer until a new run is adopted.
	NotInRun int `json:"not_in_run"`
	// Reached counts the merchants a message reached (delivered by text or e-mail), by stage:
	// "reports" (the receipt), "needs_info" (a request), "offered" (an offer), "paid".
	Reached map[string]int `json:"reached"`
}

// PayoutService adopts policies, releases runs, and carries offers to merchants and payments
// to the bank. Adopting, releasing, awarding, exporting and marking paid need a person (see
// RequirePerson): EFORBIDDEN "person_required" otherwise.
type PayoutService interface {
	// SimulatePayouts runs policies over the incident's reports; with emit, every payout is
	// given to it explained (see Simulator.Run). Returns EFORBIDDEN unless the actor may
	// simulate, ENOTFOUND for the incident, EINVALID "policy_other_incident" for a policy of
	// another incident, and emit's error as it is.
	SimulatePayouts(ctx context.Context, incident string, policies []*Policy, emit func(policy int, po *Payout) error) (*Simulation, error)
	// AdoptPolicy computes a run of a stored policy version for the incident, pending
	// release. Returns EFORBIDDEN unless the actor is a person who manages payouts, EINVALID
	// "policy_not_stored" unless p is a stored version as stored, EINVALID
	// "policy_other_incident", and ENOTFOUND for the incident.
	AdoptPolicy(ctx context.Context, incident string, p *Policy) (*PayoutRun, error)
	// ReleaseRun releases a pending run. Reports accepted earlier that the run gives more get a
	// top-up payment. Returns EFORBIDDEN unless the actor is a person who manages payouts
	// ("run_same_approver" for the person who adopted it), ENOTFOUND "run_not_found", ECONFLICT
	// "run_not_pending", and, with expect, ECONFLICT "run_figures_changed" unless the run's
	// payable figure is still that.
	ReleaseRun(ctx context.Context, id int64, expect *Figure) (*PayoutRun, error)
	// FindRun returns a run. Returns ENOTFOUND "run_not_found".
	FindRun(ctx context.Context, id int64) (*PayoutRun, error)
	// Runs returns the incident's runs, the newest first. Returns no code of its own.
	Runs(ctx context.Context, incident string) ([]*PayoutRun, error)
	// RunFigures computes a run's figures by stage, as of now. Returns EFORBIDDEN unless the
	// actor may simulate, and ENOTFOUND "run_not_found".
	RunFigures(ctx context.Context, id int64) (*RunFigures, error)
	// RunPayouts returns a run's payouts in report order; an unknown run has none. Yields no
	// code of its own.
	RunPayouts(ctx context.Context, id int64) iter.Seq2[*Payout, error]

	// ExportPayments puts every payment of a released run that waits (not exported yet, its
	// report still accepted in review) into a new payment file. Returns EFORBIDDEN unless the
	// actor is a person who manages payouts, ENOTFOUND "run_not_found", ECONFLICT
	// "run_not_released", and ECONFLICT "nothing_to_export" when none waits.
	ExportPayments(ctx context.Context, run int64) (*PaymentFile, error)
	// PaymentFiles returns a run's payment files. Returns EFORBIDDEN unless the actor manages
	// payouts.
	PaymentFiles(ctx context.Context, run int64) ([]*PaymentFile, error)
	// FindPaymentFile returns a payment file. Returns EFORBIDDEN unless the actor manages
	// payouts, and ENOTFOUND "payment_file_not_found".
	FindPaymentFile(ctx context.Context, id int64) (*PaymentFile, error)
	// PaymentRows returns the lines of a payment file, with the bank details. Yields
	// EFORBIDDEN unless the actor manages payouts.
	PaymentRows(ctx context.Context, file int64) iter.Seq2[*PaymentRow, error]
	// MarkFilePaid marks a payment file paid: the bank paid it. Returns EFORBIDDEN unless the
	// actor is a person who manages payouts, ENOTFOUND "payment_file_not_found", and ECONFLICT
	// "file_already_paid".
	MarkFilePaid(ctx context.Context, file int64) (*PaymentFile, error)
	// MarkPaid marks every payment file of a released run that is not marked yet paid.
	// Returns EFORBIDDEN unless the actor is a person who manages payouts, ENOTFOUND
	// "run_not_found", and ECONFLICT "run_not_released".
	MarkPaid(ctx context.Context, run int64) (PaidResult, error)

	// ProposeAward proposes an amount for a report the latest released run referred to
	// review, accepted in review. Returns EFORBIDDEN unless the actor is a person who reviews,
	// ENOTFOUND, ECONFLICT when the report is not accepted or not referred, or has an award
	// waiting or an acceptance, and EINVALID for the amount or reason.
	ProposeAward(ctx context.Context, receipt string, amount int64, reason string) (*Award, error)
	// ApproveAward approves the report's proposed award, by another person than who proposed
	// it; the merchant sees it as their offer. Returns EFORBIDDEN unless the actor is a person
	// who manages payouts ("award_same_approver" for the proposer), ENOTFOUND
	// "award_not_found" when no award is proposed, and ECONFLICT "award_report_not_accepted".
	ApproveAward(ctx context.Context, receipt string) (*Award, error)
	// DeclineAward declines the report's proposed award, with a note; the proposer may
	// withdraw their own. Returns EFORBIDDEN for anyone else who is not a person who manages
	// payouts, ENOTFOUND "award_not_found", and EINVALID for the note.
	DeclineAward(ctx context.Context, receipt, note string) (*Award, error)
	// Awards returns the report's awards, the newest first. Returns EFORBIDDEN unless the
	// actor reviews.
	Awards(ctx context.Context, receipt string) ([]*Award, error)

	// Offer returns the offer shown on a report's page. Returns ENOTFOUND for the report, or
	// "offer_not_found" when there is none yet.
	Offer(ctx context.Context, receipt string) (*Offer, error)
	// RespondToOffer records a merchant's acceptance (and its payment in the ledger) or
	// contest; a contest sends the report back to review. Returns EINVALID for the bank
	// details, the message or the files (see OfferResponse.Check), ENOTFOUND for the report
	// or when it has no offer, ECONFLICT "offer_not_open" for an acceptance the offer does not
	// take yet and "offer_closed" when its window has passed or it was answered.
	RespondToOffer(ctx context.Context, receipt string, resp OfferResponse, files []EvidenceFile) (*Offer, error)
	// EvidenceFile returns one evidence file of a report. Returns EFORBIDDEN unless the actor
	// reviews, and ENOTFOUND.
	EvidenceFile(ctx context.Context, receipt string, id int64) (*Evidence, []byte, error)
	// Funnel counts the incident's reports on the way to payment. Returns no code of its own.
	Funnel(ctx context.Context, incident string) (Funnel, error)
}
