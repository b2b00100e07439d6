package claimdesk

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Messages to merchants and partners. An event that someone must hear of (a report received,
// a request for information, a decision...) writes its messages in the transaction that
// records it: a message exists exactly when its event does. A worker then delivers them,
// retrying with backoff, each under a key of its own that the channel sees, so that a message
// delivered twice (a server that stopped between sending and recording it) can be recognised
// as one.

// MessageChannel is how a message travels.
type MessageChannel string

// The channels.
const (
	BySMS     MessageChannel = "sms"     // an HTTP gateway to carriers' SMS/LMS
	ByEmail   MessageChannel = "email"   // SMTP
	ByWebhook MessageChannel = "webhook" // a partner's URL, signed
)

// MerchantChannels are the channels a merchant may choose, in the form's order.
var MerchantChannels = []MessageChannel{BySMS, ByEmail}

// MessageStatus is where a message's delivery stands.
type MessageStatus string

// The statuses of a message.
const (
	MessagePending MessageStatus = "pending" // not delivered yet; retried until it is, or gives up
	MessageSent    MessageStatus = "sent"    // the channel accepted it
	MessageFailed  MessageStatus = "failed"  // given up: every attempt for a day failed
)

// The events. Merchants hear of those that concern their report; partners subscribe to the
// webhook events (WebhookEvents) they want.
const (
	EventReportCreated  = "report.created"        // a report was received
	EventStatusChanged  = "report.status_changed" // a reviewer's decision, a request, a merge
	EventCorrected      = "report.corrected"      // staff corrected the report's fields
	EventInfoRequested  = "report.needs_info"     // a merchant's message of a request (a status change to needs_info)
	EventOfferAnswered  = "offer.answered"        // a merchant accepted or contested an offer
	EventPayoutReleased = "payout.released"       // a payout run's offers were made
	EventPaymentMade    = "payment.made"          // a payment was sent (to the merchant)
	EventOfferReminder  = "offer.reminder"        // an unanswered offer's window to contest is closing
	EventRecovery       = "report.recovery"       // a merchant who lost the receipt asked for it
	EventAnnouncement   = "report.announcement"   // a reviewer's message to many reports at once
	EventWebhookOff     = "webhook.disabled"      // a subscriber kept failing (to administrators)
)

// WebhookEvents are the events a partner can subscribe to.
var WebhookEvents = []string{EventReportCreated, EventStatusChanged, EventCorrected, EventOfferAnswered, EventPayoutReleased}

// Notification is one message to one recipient through one channel.
type Notification struct {
	ID        int64          `json:"-"`
	Key       string         `json:"id"` // what the channel sees: its idempotency key
	Receipt   string         `json:"receipt,omitempty"`
	Event     string         `json:"event"`
	Channel   MessageChannel `json:"channel"`
	To        string         `json:"to"` // a phone number, an address, a URL
	Subject   string         `json:"subject,omitempty"`
	Body      string         `json:"body"`
	Status    MessageStatus  `json:"status"`
	Attempts  int            `json:"attempts"`
	LastError string         `json:"last_error,omitempty"`
	Answer    string         `json:"answer,omitempty"` // the channel's last answer, shortened
	CreatedAt time.Time      `json:"created_at"`
	SentAt    *time.Time     `json:"sent_at,omitempty"`
	NextAt    time.Time      `json:"next_at"`

	WebhookID int64  `json:"webhook_id,omitempty"`
	Secret    string `json:"-"` // the webhook's signing secret, for the worker
}

// Webhook is a partner's subscription to events.
type Webhook struct {
	ID           int64      `json:"id"`
	URL          string     `json:"url"`
	Events       []string   `json:"events"`
	Secret       string     `json:"secret,omitempty"` // shown once, when it is registered
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

// MaxRecoveries is how many times a day a report's receipt is sent again on request.
const MaxRecoveries = 3

// MaxWebhookURL bounds a webhook's URL.
const MaxWebhookURL = 2000

// CheckWebhook validates a subscription: an http or https URL without credentials and at
// least one known event (listed once).
func CheckWebhook(rawURL string, events []string) error {
	var fe FieldErrors
	u, err := url.Parse(strings.TrimSpace(rawURL))
	switch {
	case strings.TrimSpace(rawURL) == "":
		fe.Add("url", "webhook_url_required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(rawURL) > MaxWebhookURL:
		fe.Add("url", "webhook_url_invalid")
	case u.User != nil:
		fe.Add("url", "webhook_url_credentials")
	}
	if len(events) == 0 {
		fe.Add("events", "webhook_events_required")
	}
	for i, e := range events {
		if !slices.Contains(WebhookEvents, e) || slices.Index(events, e) != i {
			fe.Add("events", "webhook_event_unknown", e)
			break
		}
	}
	return fe.Err()
}

// Notice is an event as a merchant hears of it: what is put in their messages.
type Notice struct {
	Event   string
	Report  *Report
	To      Status   // for EventStatusChanged: the new status
	Message string   // a reviewer's request (needs_info)
	Amount  int64    // an offer's or a payment's amount, KRW
	Until   Date     // an offer's deadline
	Fields  []string // for EventCorrected: the fields corrected (Fields codes)
	Reason  string   // for EventCorrected: why
	Batch   string   // for EventAnnouncement: the batch it is sent in
	Sender  string   // who the messages are from, in brackets at their start ("" for the catalogue's)
}

// ForMerchant reports whether the merchant hears of the event (partners hear of the rest).
func (n Notice) ForMerchant() bool {
	switch n.Event {
	case EventReportCreated, EventStatusChanged, EventCorrected, EventPayoutReleased, EventPaymentMade, EventRecovery, EventAnnouncement,
		EventOfferReminder:
		return n.Report != nil
	}
	return false
}

// Essential reports whether the merchant needs the notice for their claim: a merchant who
// asked for fewer messages still gets these (requests, decisions, offers and payments).
func (n Notice) Essential() bool {
	return n.Event != EventStatusChanged || n.To != StatusInReview
}

// Text is the notice in lang, with the report's link: a subject (for e-mail) and a text that
// begins with the receipt and ends with the link and how to receive fewer messages. The
// reviewer's message is the only free text; it is shortened so that the whole fits in limit
// bytes as an LMS counts them (see LMSBytes), when limit > 0.
func (n Notice) Text(lang Lang, link string, limit int) (subject, text string) {
	r := n.Report
	var key string
	args := []any{}
	switch {
	case n.Event == EventReportCreated:
		key = "notice.received"
		args = append(args, r.BusinessName)
	case n.Event == EventStatusChanged && n.To == StatusNeedsInfo:
		key = "notice.needs_info"
		if len(r.InfoDocuments) > 0 {
			key = "notice.needs_documents"
			var names []string
			for _, d := range r.InfoDocuments {
				l, _ := DocumentKinds.Label(d)
				names = append(names, l.In(lang))
			}
			args = append(args, strings.Join(names, ", "))
		}
		args = append(args, n.Message)
	case n.Event == EventStatusChanged && n.To == StatusMerged:
		key = "notice.merged"
		args = append(args, r.MergedInto)
	case n.Event == EventStatusChanged:
		key = "notice.status"
		l, _ := Statuses.Label(string(n.To))
		args = append(args, l.In(lang))
	case n.Event == EventPayoutReleased:
		key = "notice.offer"
		args = append(args, FormatKRW(n.Amount), n.Until.String())
	case n.Event == EventCorrected:
		key = "notice.corrected"
		var names []string
		for _, f := range n.Fields {
			l, _ := Fields.Label(f)
			names = append(names, l.In(lang))
		}
		args = append(args, strings.Join(names, ", "), n.Reason)
	case n.Event == EventAnnouncement:
		key = "notice.announcement"
		args = append(args, n.Message)
	case n.Event == EventRecovery:
		key = "notice.recovery"
		args = append(args, r.BusinessName)
	case n.Event == EventOfferReminder:
		key = "notice.reminder"
		args = append(args, FormatKRW(n.Amount), n.Until.String())
	case n.Event == EventPaymentMade:
		key = "notice.paid"
		args = append(args, FormatKRW(n.Amount))
	default:
		key = "notice.other"
	}
	label := SenderLabel(lang, n.Sender)
	subject = label + Message(lang, "notice.subject."+strings.TrimPrefix(key, "notice."), r.Receipt)
	head := label + Message(lang, "notice.head", r.Receipt)
	tail := Message(lang, "notice.tail", link) + "\n" + Message(lang, "notice.fewer") // every message says how to get fewer
	body := Message(lang, key, args...)
	// The free text (a reviewer's request, a correction's reason) is what gives way.
	free := len(args) - 1
	if limit > 0 && free >= 0 {
		if s, ok := args[free].(string); ok {
			if over := LMSBytes(head+"\n"+body+"\n"+tail) - limit; over > 0 {
				args[free] = ShortenLMS(s, LMSBytes(s)-over)
				body = Message(lang, key, args...)
			}
		}
	}
	return subject, head + "\n" + body + "\n" + tail
}

// SenderLabel is how a message from sender begins: its name in brackets, the catalogue's
// (피해접수센터) when sender is "".
func SenderLabel(lang Lang, sender string) string {
	if sender == "" {
		sender = Message(lang, "notice.sender")
	}
	return "[" + sender + "] "
}

// LMSLimit is how many bytes a Korean long message (LMS) carries: 2,000, a Hangul syllable
// counting two as in EUC-KR.
const LMSLimit = 2000

// LMSBytes is the length of s as carriers count it: one byte for ASCII, two for anything else.
func LMSBytes(s string) int {
	n := 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// ShortenLMS cuts s to at most max bytes as LMSBytes counts them, ending it with "…" when cut.
func ShortenLMS(s string, max int) string {
	if LMSBytes(s) <= max {
		return s
	}
	n := 0
	for i, r := range s {
		w := 1
		if r >= utf8.RuneSelf {
			w = 2
		}
		if n+w > max-2 {
			return s[:i] + "…"
		}
		n += w
	}
	return s
}

// NoticeService is the outbox's public side: partners' webhooks and what was sent.
type NoticeService interface {
	// CreateWebhook registers a subscription (administrators only) and returns it with its
	// signing secret, which is never shown again. EINVALID for a bad URL or event list.
	CreateWebhook(ctx context.Context, rawURL string, events []string) (*Webhook, error)
	// Webhooks lists the subscriptions, newest first, without their secrets.
	Webhooks(ctx context.Context) ([]*Webhook, error)
	// Deliveries lists a subscription's messages, newest first, with the answers they got.
	Deliveries(ctx context.Context, webhook int64, limit int) ([]*Notification, error)
	// Replay sends a subscription's message again, under the same key (it may have been
	// delivered: the subscriber tells by its webhook-id); a disabled subscription is enabled.
	Replay(ctx context.Context, webhook int64, key string) error
	// Messages lists what was sent (or is to be sent) about a report, oldest first.
	Messages(ctx context.Context, receipt string) ([]*Notification, error)
	// Recover sends, to the contacts on file, the receipt and link of each report filed with
	// this phone number and business number (never shown to whoever asks), at most
	// MaxRecoveries times a day per report. It returns how many reports it wrote to; the
	// caller shows the same answer whatever the count, so that asking reveals nothing.
	Recover(ctx context.Context, phone, businessNumber string) (int, error)
	// Batch tells how far the messages of a batch (a message to many) have gone.
	Batch(ctx context.Context, batch string) (*BatchProgress, error)
	// SetPreferences changes how the merchant hears of the report (Report.Notify, Lang and
	// FewerMessages, from r), audited. EINVALID for a channel without its contact.
	SetPreferences(ctx context.Context, receipt string, r *Report) error
}
