package claimdesk

import (
	"context"
	"slices"
	"time"
)

// transitions is the review state machine: from each status, where a report may go.
//
//	received -> in_review -> needs_info -> (the merchant answers) -> in_review -> accepted | rejected
//
// A report can be merged into another as a duplicate from any open status, and a decision can
// be reopened (back to in_review) with a reason.
var transitions = map[Status][]Status{
	StatusReceived:  {StatusInReview, StatusNeedsInfo, StatusRejected, StatusMerged},
	StatusInReview:  {StatusNeedsInfo, StatusAccepted, StatusRejected, StatusMerged},
	StatusNeedsInfo: {StatusInReview, StatusRejected, StatusMerged},
	StatusAccepted:  {StatusInReview},
	StatusRejected:  {StatusInReview},
	StatusMerged:    nil,
}

// CanTransition reports whether a report may go from one status to another.
func CanTransition(from, to Status) bool { return slices.Contains(transitions[from], to) }

// NextStatuses returns where a report in status s may go, in the order the console offers them.
func NextStatuses(s Status) []Status { return transitions[s] }

// MaxReviewText bounds reasons, messages and notes.
const MaxReviewText = 2000

// StatusChange is a reviewer's decision about one report.
type StatusChange struct {
	To Status
	// Reason says why; required to reject and to reopen a decision. It is recorded in the
	// history, not shown to the merchant.
	Reason string
	// Message is what the merchant is asked, for needs_info; it is shown on their report page.
	Message string
	// Documents are the documents asked for with it (DocumentKinds codes), if any.
	Documents []string
}

// Check validates the change for a report now in status from. An impossible transition is
// ECONFLICT with a message naming both statuses; a missing reason or message is EINVALID.
func (c *StatusChange) Check(from Status) error {
	if c.To == StatusMerged {
		return Errorm(ECONFLICT, "merge_needs_target")
	}
	if !CanTransition(from, c.To) {
		fromL, _ := Statuses.Label(string(from))
		toL, _ := Statuses.Label(string(c.To))
		return &Error{Code: ECONFLICT, Key: "transition_invalid", Args: []any{fromL.Ko, toL.Ko},
			Message: Message(Korean, "transition_invalid", fromL.Ko, toL.Ko), enArgs: []any{fromL.En, toL.En}}
	}
	var fe FieldErrors
	reopen := c.To == StatusInReview && (from == StatusAccepted || from == StatusRejected)
	reason, message := TextRule{Max: MaxReviewText, Multiline: true}, TextRule{Max: MaxReviewText, Multiline: true}
	if c.To == StatusRejected || reopen {
		reason.Required = "reason_required"
	}
	if c.To == StatusNeedsInfo {
		message.Required = "info_message_required"
	}
	CheckText(&fe, "reason", &c.Reason, reason)
	CheckText(&fe, "message", &c.Message, message)
	if c.To != StatusNeedsInfo {
		c.Documents = nil
	}
	for i, d := range c.Documents {
		if !DocumentKinds.Has(d) || slices.Index(c.Documents, d) != i {
			fe.Add("documents", "document_unknown_request", d)
			break
		}
	}
	return fe.Err()
}

// ReviewService is the reviewers' side of reports. The actor in the context is recorded in the
// audit trail with every change; operations check its permissions and return EFORBIDDEN.
type ReviewService interface {
	// ChangeStatus applies a decision to the report. Returns EFORBIDDEN unless the actor
	// reviews, ENOTFOUND, ECONFLICT for a transition the state machine does not allow, and
	// EINVALID for a missing reason or message.
	ChangeStatus(ctx context.Context, receipt string, change StatusChange) (*Report, error)

	// Correct applies a reviewer's correction: validated like a new report (the incident
	// closing to new reports aside), audited with the old and new values and the reason, and
	// told to the merchant. EINVALID for a broken rule, a missing reason or no change;
	// EFORBIDDEN unless the actor reviews.
	Correct(ctx context.Context, receipt string, c Correction) (*Report, error)

	// Documents lists the documents the report's merchant sent (at filing, with answers),
	// without their content.
	Documents(ctx context.Context, receipt string) ([]Document, error)

	// DocumentFile returns one of the report's documents with its content, for staff who
	// review. ENOTFOUND when the report has no such document.
	DocumentFile(ctx context.Context, receipt string, id int64) (*Document, []byte, error)

	// AddNote records an internal note on the report (staff only, never shown to the merchant).
	// Returns EFORBIDDEN unless the actor reviews, EINVALID for an empty or too long note, and
	// ENOTFOUND.
	AddNote(ctx context.Context, receipt, body string) error

	// Assign gives the report to the user (0 to unassign). Returns EFORBIDDEN unless the actor
	// reviews, ENOTFOUND for the report, and EINVALID "assignee_invalid" for a user who is
	// unknown, disabled or may not review.
	Assign(ctx context.Context, receipt string, userID int64) error

	// Merge marks duplicate as a duplicate of original: the earlier receipt survives, the
	// later points to it, nothing is deleted. Returns EFORBIDDEN unless the actor reviews,
	// ENOTFOUND for either receipt, and ECONFLICT "merge_invalid" when the two are of different
	// incidents, the same, or in a status that cannot be merged.
	Merge(ctx context.Context, duplicate, original, reason string) error

	// Answer is the merchant's reply to a request for information, with corrected fields:
	// the report is validated again, by the rules of a new report, and goes back to
	// in_review. An answer must say something or change something. Returns ENOTFOUND for an
	// unknown receipt, ECONFLICT unless the report is in needs_info, and EINVALID with field
	// errors (the answer's own under "answer") when the answer or the corrected report breaks
	// a rule.
	Answer(ctx context.Context, receipt string, answer MerchantAnswer) (*Report, error)

	// History returns the report's audit entries, oldest first. Returns EFORBIDDEN unless the
	// actor reviews, and ENOTFOUND.
	History(ctx context.Context, receipt string) ([]*AuditEntry, error)

	// Duplicates returns the reports flagged as possible duplicates of this one, oldest first.
	// Returns EFORBIDDEN unless the actor reviews, and ENOTFOUND.
	Duplicates(ctx context.Context, receipt string) ([]*Report, error)

	// Bulk applies one action to every report matching filter, in batches, and returns how
	// many it changed; reports for which the action is not allowed are skipped and counted.
	// Returns EFORBIDDEN unless the actor reviews, and EINVALID for an action that does nothing,
	// a missing reason or message, or an assignee who may not review.
	Bulk(ctx context.Context, filter ReportFilter, action BulkAction) (BulkResult, error)
}

// MerchantAnswer is the merchant's reply: a message and the report as they corrected it.
type MerchantAnswer struct {
	Message string
	Report  ReportInput // the corrected input fields, as decoded; server fields are ignored
	// Documents sent with the answer (Report.Documents is not used).
	Documents []DocumentFile
}

// Correction is a reviewer's correction of a report's fields (a typo in a phone number, a
// wrong service), with why.
type Correction struct {
	Report ReportInput // the report's input fields as they should be; the incident and consent stay
	Reason string
}

// BulkAction is what a bulk operation does to each report: assign it, or change its status.
type BulkAction struct {
	AssignTo *int64       // assign to this user (0 unassigns)
	Status   StatusChange // when To is set
	// Message, when set, is sent to each report's merchant (an announcement: "documents
	// needed by 11-30"), through the channels they hear through.
	Message string
}

// MaxAnnouncement bounds a message to many, in characters: it must leave room, in an LMS,
// for the receipt and the link.
const MaxAnnouncement = 600

// BulkResult counts what a bulk operation did.
type BulkResult struct {
	Changed int
	Skipped int    // the state machine did not allow the change for these
	Batch   string // the messages' batch, when the action sent a message (see BatchProgress)
}

// BatchProgress is how far the messages of a batch have gone, by channel and status.
type BatchProgress struct {
	Batch  string                                   `json:"batch"`
	Counts map[MessageChannel]map[MessageStatus]int `json:"counts"`
	Total  int                                      `json:"total"`
	Done   int                                      `json:"done"` // sent or given up
}

// AuditEntry is one line of the append-only audit trail. Each entry's Hash covers its
// content and the previous entry's hash, keyed with a secret kept outside the database, so an
// edited, inserted or deleted entry breaks the chain (see `claimdesk audit verify`).
type AuditEntry struct {
	ID       int64
	At       time.Time
	Actor    string // Actor.String()
	Action   string // see the Audit* constants
	ReportID int64  // 0 when the entry is not about a report
	Receipt  string
	Detail   map[string]any // what changed and why
	PrevHash string
	Hash     string
}

// Audit actions.
const (
	AuditReportCreated = "report.created"
	AuditStatusChanged = "report.status"
	AuditNote          = "report.note"
	AuditAssigned      = "report.assigned"
	AuditMerged        = "report.merged"
	AuditAnswered      = "report.answered"
	AuditCorrected     = "report.corrected"
	AuditDuplicate     = "report.duplicate_flagged"
	AuditUserCreated   = "user.created"
	AuditUserDisabled  = "user.disabled"
	AuditLogin         = "user.login"
	AuditTokenCreated  = "token.created"
	AuditTokenRevoked  = "token.revoked"
	AuditImport        = "import"
	AuditBulk          = "bulk"
	AuditIncident      = "incident.stored"
	AuditPolicyAdded   = "policy.added"
	AuditRunAdopted    = "payout.adopted"
	AuditRunReleased   = "payout.released"
	AuditRunPaid       = "payout.paid"
	AuditOfferAccepted = "offer.accepted"
	AuditOfferContest  = "offer.contested"
	AuditRunComputing  = "payout.computing"
	AuditExported      = "payment.exported"
	AuditFilePaid      = "payment.paid"
	AuditAwardProposed = "award.proposed"
	AuditAwardApproved = "award.approved"
	AuditAwardDeclined = "award.declined"
	AuditBaseline      = "audit.baseline"
	AuditWebhookAdded  = "webhook.added"
	AuditPreferences   = "report.preferences"
	AuditWebhookReplay = "webhook.replayed"
)

// AuditService reads and verifies the audit trail; entries are written by the other services,
// in the same transaction as the change they record.
type AuditService interface {
	// VerifyAudit walks the whole trail and reports the first broken link, if any; checks that
	// it still holds each of points (entries recorded outside the database, so that a trail
	// cut short or emptied is noticed); and compares every row that decides who is paid how
	// much with the state its last entry recorded. A broken trail is a result, not an error:
	// returns no code of its own.
	VerifyAudit(ctx context.Context, points []AuditPoint) (AuditVerification, error)
}

// AuditPoint is an entry of the trail as recorded outside the database (the checkpoint file of
// a data directory, or an operator's note): the trail must still hold it.
type AuditPoint struct {
	Entry int64
	Hash  string
	At    time.Time // when it was recorded, if known
	From  string    // where it was recorded
}

// AuditVerification is the outcome of checking the trail.
type AuditVerification struct {
	Entries  int
	Head     string // the last entry's hash: record it, to detect a trail cut short later
	BrokenAt int64  // the first entry that fails, 0 when the chain is intact
	Problem  string
	// Checked counts the rows compared with their last audited state, by table.
	Checked map[string]int
	// Rows are the rows that differ from what the trail says, or that no entry recorded (at
	// most MaxListed); RowProblems counts them all.
	Rows        []RowProblem
	RowProblems int
	// Unchecked counts rows whose content the trail cannot vouch for, and why.
	Unchecked map[string]int
	// Unverified counts the entries written under keys the verification was not given (by
	// another server sharing the database): the chain links them, but their MACs are
	// unchecked, and the trail is not OK.
	Unverified int
}

// RowProblem is a row whose state is not what the audit trail last recorded.
type RowProblem struct {
	Table   string
	Key     string
	Problem string
}

func (p RowProblem) String() string { return p.Table + " " + p.Key + ": " + p.Problem }

// OK reports whether the trail verified: its chain, its length, and every row it covers.
func (v AuditVerification) OK() bool { return v.BrokenAt == 0 && v.Problem == "" && v.RowProblems == 0 }
