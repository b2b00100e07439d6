package claimdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Report is one merchant's damage report (피해 신고) for one incident. The input fields and
// their JSON names are the contract of docs/api.md; the server sets Receipt, Status, Channel and the
// times.
type Report struct {
	ID      int64   `json:"-"`
	Receipt string  `json:"receipt"`
	Status  Status  `json:"status"`
	Channel Channel `json:"channel"`

	Incident               string   `json:"incident"`
	BusinessName           string   `json:"business_name"`   // 상호
	BusinessNumber         string   `json:"business_number"` // 사업자등록번호, "120-81-47521"
	NoBusinessNumberReason string   `json:"no_business_number_reason"`
	Representative         string   `json:"representative"` // 대표자
	Phone                  string   `json:"phone"`          // normalised, "010-2345-6789"
	Email                  string   `json:"email"`
	Region                 string   `json:"region"`   // 시·도 code, see Regions
	District               string   `json:"district"` // 시·군·구
	Industry               string   `json:"industry"` // see Industries
	Services               []string `json:"services"`
	DamageTypes            []string `json:"damage_types"`
	DamageStart            Date     `json:"damage_start"`
	DamageEnd              Date     `json:"damage_end"`
	UsualDailySales        *int64   `json:"usual_daily_sales"` // KRW, optional
	ClaimedLoss            int64    `json:"claimed_loss"`      // KRW
	Description            string   `json:"description"`
	Consent                bool     `json:"consent"` // 개인정보 수집·이용 동의

	// How the merchant hears of their report (see notice.go): the channels they chose (none:
	// every contact given, SMS to a mobile number and e-mail), the language, and whether they
	// want only the messages their claim needs.
	Notify        []MessageChannel `json:"notify,omitempty"`
	Lang          Lang             `json:"lang,omitempty"`
	FewerMessages bool             `json:"fewer_messages,omitempty"`

	ReceivedAt time.Time `json:"received_at"`
	UpdatedAt  time.Time `json:"updated_at"`

	// Set in review. The merchant sees the request for information, their answer, and which
	// report theirs was merged into; staff see the rest.
	InfoRequest   string   `json:"info_request,omitempty"`
	InfoDocuments []string `json:"info_documents,omitempty"` // the documents asked for (DocumentKinds)
	InfoAnswer    string   `json:"info_answer,omitempty"`
	MergedInto    string   `json:"merged_into,omitempty"` // receipt of the report kept
	AssignedTo    int64    `json:"-"`                     // user ID, 0 for nobody
	Assignee      string   `json:"-"`                     // that user's e-mail
	EnteredBy     string   `json:"-"`                     // Actor.Key() of staff who entered or imported it
	Duplicate     bool     `json:"-"`                     // flagged at intake as a possible duplicate
	Demo          bool     `json:"demo,omitempty"`        // synthetic, made by claimdesk demo
}

// Status is where a report stands in review.
type Status string

// The statuses of the review workflow.
const (
	StatusReceived  Status = "received"
	StatusInReview  Status = "in_review"
	StatusNeedsInfo Status = "needs_info"
	StatusAccepted  Status = "accepted"
	StatusRejected  Status = "rejected"
	StatusMerged    Status = "merged"
)

// Statuses lists the statuses with their names for people.
var Statuses = Options{
	{string(StatusReceived), Label{"접수", "Received"}},
	{string(StatusInReview), Label{"검토 중", "In review"}},
	{string(StatusNeedsInfo), Label{"보완 요청", "More information needed"}},
	{string(StatusAccepted), Label{"인정", "Accepted"}},
	{string(StatusRejected), Label{"불인정", "Rejected"}},
	{string(StatusMerged), Label{"중복 병합", "Merged as a duplicate"}},
}

// Channel is how a report reached claimdesk.
type Channel string

// The intake channels.
const (
	ChannelWeb    Channel = "web"
	ChannelAPI    Channel = "api"
	ChannelStaff  Channel = "staff"
	ChannelImport Channel = "import"
)

// Limits of a report's fields.
const (
	MaxBusinessName   = 100
	MaxRepresentative = 50
	MaxReason         = 500
	MaxDistrict       = 50
	MaxEmail          = 254
	MaxDescription    = 4000
	MaxAmount         = 10_000_000_000 // 100억원
)

// ReportService stores damage reports.
type ReportService interface {
	// CreateReport validates the report in `in` against its incident, together with the
	// problems found decoding it (one message per field), gives it a receipt, and stores it
	// durably: when it returns without error the report survives a crash or power cut. It sets
	// the input's receipt, status and times. With an idempotency key, a replay of the same
	// request returns the report first stored under that key and created == false, even when
	// the incident has closed since.
	//
	// Returns EINVALID with field errors when the input breaks a rule, ECONFLICT when the key
	// was used for a request with another fingerprint, and EFORBIDDEN when the actor may not
	// file on the report's channel (staff entry, import).
	CreateReport(ctx context.Context, in *ReportInput, idem Idempotency) (stored *Report, created bool, err error)

	// FindReportByReceipt returns the report with the receipt number, in its printed form.
	// Returns ENOTFOUND when there is none.
	FindReportByReceipt(ctx context.Context, receipt string) (*Report, error)

	// FindReports returns the reports that match filter, in its order; an actor who may not see
	// personal data gets them masked. Returns EINVALID for an unknown sort.
	FindReports(ctx context.Context, filter ReportFilter) ([]*Report, error)

	// CountReports counts the reports that match filter (its Statuses aside) per status.
	// Returns no code of its own: an unknown incident has no reports.
	CountReports(ctx context.Context, filter ReportFilter) (StatusCounts, error)
}

// ReportFilter selects reports: the review queue, bulk actions and exports use it. Empty
// fields do not filter.
type ReportFilter struct {
	Incident string
	Statuses []Status
	Industry string
	Region   string
	Service  string
	Channel  Channel
	From, To Date   // received on these KST days, inclusive
	LossMin  *int64 // claimed loss bounds, inclusive
	LossMax  *int64
	Text     string // a receipt, a business number, a phone number, or part of a business name
	// ReceiptOnly matches Text as a receipt only. The store sets it for whoever may not see
	// personal data: they may not search by what is masked for them, which would tell it.
	ReceiptOnly bool
	AssignedTo  *int64 // 0 for unassigned
	EnteredBy   string // Actor.Key() of the staff who entered them
	Duplicates  bool   // only reports flagged as possible duplicates

	Sort ReportSort

	// CountAll makes CountReports count the filtered set exactly, however large (for a bulk
	// action's confirmation), instead of stopping at CountCap.
	CountAll bool

	// Pages are taken by key, so a page costs the same however deep it is: AfterID (and,
	// sorting by loss, AfterLoss) are those of the last report of the previous page.
	AfterID       int64
	AfterLoss     int64
	AfterReceived time.Time // sorting by received time
	Limit         int       // at most this many; 0 for all
}

// ReportSort orders a list of reports.
type ReportSort string

// The orders of reports. The queue works them by received time, first come first: fair to the
// merchants who filed first. Storage order (SortOldest, SortNewest) is how exports and bulk
// actions page through; it is not always received order (demonstration data is not).
const (
	SortOldest       ReportSort = ""
	SortNewest       ReportSort = "newest"
	SortReceived     ReportSort = "received"
	SortReceivedDesc ReportSort = "received_desc"
	SortLossDesc     ReportSort = "loss_desc"
	SortLossAsc      ReportSort = "loss_asc"
)

// StatusCounts counts reports per status. Capped is set when a count stopped at the cap
// rather than being exact (large filtered sets are counted only up to CountCap).
type StatusCounts struct {
	ByStatus map[Status]int
	Total    int
	Capped   bool
	// Unknown is set when the filtered set was not counted because ctx ended first: the
	// queue gives its count a time budget, so that a wide filter never slows a page.
	Unknown bool
}

// CountCap bounds counting a filtered set, to keep a queue page fast at any size (the counts
// per status come from counters and are always exact).
const CountCap = 1000

// Idempotency makes a retried request safe: Key is chosen by the client (or the form), and
// Fingerprint identifies the request's content, so that the same key with other content can be
// told from a retry.
type Idempotency struct {
	Key         string
	Fingerprint string
}

// Fingerprint returns a digest of the report's input fields (those of docs/api.md) as submitted.
// Two submissions with the same fields give the same fingerprint whatever the JSON key order or
// spacing was; nothing the server sets counts.
func (r *Report) Fingerprint() string {
	b, _ := json.Marshal(r.input()) // plain values always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// reportInput holds exactly the input fields of a report; a test checks it against Fields.
type reportInput struct {
	Incident               string   `json:"incident"`
	BusinessName           string   `json:"business_name"`
	BusinessNumber         string   `json:"business_number"`
	NoBusinessNumberReason string   `json:"no_business_number_reason"`
	Representative         string   `json:"representative"`
	Phone                  string   `json:"phone"`
	Email                  string   `json:"email"`
	Region                 string   `json:"region"`
	District               string   `json:"district"`
	Industry               string   `json:"industry"`
	Services               []string `json:"services"`
	DamageTypes            []string `json:"damage_types"`
	DamageStart            Date     `json:"damage_start"`
	DamageEnd              Date     `json:"damage_end"`
	UsualDailySales        *int64   `json:"usual_daily_sales"`
	ClaimedLoss            int64    `json:"claimed_loss"`
	Description            string   `json:"description"`
	Consent                bool     `json:"consent"`
}

func (r *Report) input() reportInput {
	return reportInput{r.Incident, r.BusinessName, r.BusinessNumber, r.NoBusinessNumberReason,
		r.Representative, r.Phone, r.Email, r.Region, r.District, r.Industry, r.Services,
		r.DamageTypes, r.DamageStart, r.DamageEnd, r.UsualDailySales, r.ClaimedLoss, r.Description,
		r.Consent}
}

// SetInput replaces r's input fields with in's, leaving what the server set alone: how a
// merchant's corrections are applied.
func (r *Report) SetInput(in *Report) {
	v := in.input()
	r.Incident, r.BusinessName, r.BusinessNumber, r.NoBusinessNumberReason = v.Incident, v.BusinessName, v.BusinessNumber, v.NoBusinessNumberReason
	r.Representative, r.Phone, r.Email, r.Region, r.District, r.Industry = v.Representative, v.Phone, v.Email, v.Region, v.District, v.Industry
	r.Services, r.DamageTypes, r.DamageStart, r.DamageEnd = v.Services, v.DamageTypes, v.DamageStart, v.DamageEnd
	r.UsualDailySales, r.ClaimedLoss, r.Description, r.Consent = v.UsualDailySales, v.ClaimedLoss, v.Description, v.Consent
}

// InputDiff lists the input fields that differ between a and b, with both values, for the
// history of a correction.
func InputDiff(a, b *Report) map[string][2]any {
	var ma, mb map[string]any
	ja, _ := json.Marshal(a.input())
	jb, _ := json.Marshal(b.input())
	json.Unmarshal(ja, &ma)
	json.Unmarshal(jb, &mb)
	out := map[string][2]any{}
	for k, va := range ma {
		if x, y := mustJSON(va), mustJSON(mb[k]); x != y {
			out[k] = [2]any{va, mb[k]}
		}
	}
	return out
}

// mustJSON is v as JSON, an empty list as none: a list left empty is no change.
func mustJSON(v any) string {
	if l, ok := v.([]any); ok && len(l) == 0 {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Validate checks r against the rules of docs/api.md and its incident inc (nil when the incident
// does not exist), as of now, and rewrites its fields to their canonical forms: trimmed text,
// the printed forms of the business and phone numbers, deduplicated lists. Every problem is
// reported, one per field, in an EINVALID error.
func (r *Report) Validate(inc *Incident, now time.Time) error {
	var fe FieldErrors
	r.check(inc, now, &fe)
	return fe.Err()
}

// check appends r's problems to fe, skipping fields that already have one (a field that could
// not even be decoded needs no second message).
func (r *Report) check(inc *Incident, now time.Time, fe *FieldErrors) {
	add := func(field, code string, args ...any) {
		if !fe.Has(field) {
			fe.Add(field, code, args...)
		}
	}
	text := func(field string, s *string, required bool, max int, multiline bool) {
		*s = strings.TrimSpace(*s)
		switch {
		case *s == "" && required:
			add(field, "required")
		case utf8.RuneCountInString(*s) > max:
			add(field, "too_long", max)
		case hasControl(*s, multiline):
			add(field, "control_chars")
		}
	}

	r.Incident = strings.TrimSpace(r.Incident)
	switch {
	case r.Incident == "":
		add("incident", "required")
	case inc == nil:
		add("incident", "incident_unknown")
	case !inc.TakesReports(now):
		add("incident", "intake_closed")
	}

	text("business_name", &r.BusinessName, true, MaxBusinessName, false)
	text("no_business_number_reason", &r.NoBusinessNumberReason, false, MaxReason, false)
	r.BusinessNumber = strings.TrimSpace(r.BusinessNumber)
	if r.BusinessNumber == "" {
		if r.NoBusinessNumberReason == "" {
			add("business_number", "brn_or_reason")
		}
	} else if brn, code := NormalizeBusinessNumber(r.BusinessNumber); code != "" {
		add("business_number", code)
	} else {
		r.BusinessNumber = brn
	}

	text("representative", &r.Representative, true, MaxRepresentative, false)
	r.Phone = strings.TrimSpace(r.Phone)
	if r.Phone == "" {
		add("phone", "required")
	} else if p, ok := NormalizePhone(r.Phone); !ok {
		add("phone", "phone_invalid")
	} else {
		r.Phone = p
	}
	text("email", &r.Email, false, MaxEmail, false)
	if r.Email != "" && !fe.Has("email") && !plausibleEmail(r.Email) {
		add("email", "email_invalid")
	}

	r.Region = strings.TrimSpace(r.Region)
	if r.Region == "" {
		add("region", "required")
	} else if !Regions.Has(r.Region) {
		add("region", "region_invalid")
	}
	text("district", &r.District, false, MaxDistrict, false)
	r.Industry = strings.ToLower(strings.TrimSpace(r.Industry))
	if r.Industry == "" {
		add("industry", "required")
	} else if !Industries.Has(r.Industry) {
		add("industry", "industry_invalid")
	}

	r.Services = cleanList(r.Services)
	if len(r.Services) == 0 {
		add("services", "services_required")
	} else if inc != nil {
		var unknown []string
		for _, s := range r.Services {
			if _, ok := inc.Service(s); !ok {
				unknown = append(unknown, s)
			}
		}
		if len(unknown) > 0 {
			add("services", "service_unknown", strings.Join(unknown, ", "))
		}
	}
	r.DamageTypes = cleanList(r.DamageTypes)
	var unknownTypes []string
	for _, t := range r.DamageTypes {
		if !DamageTypes.Has(t) {
			unknownTypes = append(unknownTypes, t)
		}
	}
	if len(unknownTypes) > 0 {
		add("damage_types", "damage_type_unknown", strings.Join(unknownTypes, ", "))
	}

	if r.DamageStart.IsZero() {
		add("damage_start", "required")
	}
	if r.DamageEnd.IsZero() {
		add("damage_end", "required")
	}
	if inc != nil {
		first, last := inc.DamagePeriod(now)
		for _, d := range []struct {
			field string
			date  Date
		}{{"damage_start", r.DamageStart}, {"damage_end", r.DamageEnd}} {
			if !d.date.IsZero() && (d.date.Before(first) || d.date.After(last)) {
				add(d.field, "date_outside", first.String(), last.String())
			}
		}
	}
	if !r.DamageStart.IsZero() && !r.DamageEnd.IsZero() && r.DamageEnd.Before(r.DamageStart) {
		add("damage_end", "date_order")
	}

	if r.UsualDailySales != nil {
		checkAmount("usual_daily_sales", *r.UsualDailySales, add)
	}
	checkAmount("claimed_loss", r.ClaimedLoss, add)
	text("description", &r.Description, false, MaxDescription, true)
	if !r.Consent {
		add("consent", "consent_required")
	}
	r.checkPreferences(add)
}

// checkPreferences checks how the merchant wants to hear of the report: known channels, each
// listed once, with the contact it needs (a mobile number for SMS, an address for e-mail), and
// a known language.
func (r *Report) checkPreferences(add func(field, code string, args ...any)) {
	for i, c := range r.Notify {
		switch {
		case !slices.Contains(MerchantChannels, c) || slices.Index(r.Notify, c) != i:
			add("notify", "notify_invalid")
			return
		case c == BySMS && !IsMobile(r.Phone):
			add("notify", "notify_sms_needs_mobile")
			return
		case c == ByEmail && r.Email == "":
			add("notify", "notify_email_needs_address")
			return
		}
	}
	if r.Lang != "" && r.Lang != Korean && r.Lang != English {
		add("lang", "lang_invalid")
	}
}

// CheckPreferences validates the report's message preferences on their own (a merchant
// changing them on their page), against the contacts it holds.
func (r *Report) CheckPreferences() error {
	var fe FieldErrors
	r.checkPreferences(fe.Add)
	return fe.Err()
}

// NotifyBy returns the channels the merchant hears through: those they chose or, when they
// chose none, every contact they gave (SMS to a mobile number, e-mail to an address).
func (r *Report) NotifyBy() []MessageChannel {
	if len(r.Notify) > 0 {
		return r.Notify
	}
	var by []MessageChannel
	if IsMobile(r.Phone) {
		by = append(by, BySMS)
	}
	if r.Email != "" {
		by = append(by, ByEmail)
	}
	return by
}

// IsMobile reports whether a normalised phone number is a mobile one (010, 011, 016-019),
// which can receive text messages.
func IsMobile(phone string) bool {
	return len(phone) > 3 && phone[:2] == "01" && strings.ContainsRune("016789", rune(phone[2]))
}

func checkAmount(field string, v int64, add func(field, code string, args ...any)) {
	switch {
	case v < 0:
		add(field, "amount_negative")
	case v > MaxAmount:
		add(field, "amount_too_large", FormatKRW(MaxAmount))
	}
}

// FormatKRW writes an amount of won with thousands separators: 1500000 -> "1,500,000".
func FormatKRW(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// cleanList trims, lower-cases and deduplicates list values, dropping empty ones; merchants and
// spreadsheets repeat themselves and nobody is helped by an error for it.
func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		v = strings.ToLower(strings.TrimSpace(v))
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// plausibleEmail accepts local@domain.tld without spaces: enough to catch a phone number typed
// into the e-mail box, without rejecting real addresses that a stricter grammar would.
func plausibleEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && !strings.ContainsAny(s, " \t,;<>") &&
		!strings.Contains(domain, "@") && strings.Contains(strings.Trim(domain, "."), ".")
}

// exportPage is how many reports AllReports reads at a time.
const exportPage = 2000

// AllReports yields every report that matches filter, in id order, in flat memory: from the
// store's export reading when it has one (see store.ReportService.ExportReports), else a page
// at a time.
func AllReports(ctx context.Context, reports ReportService, filter ReportFilter) iter.Seq2[*Report, error] {
	if e, ok := reports.(interface {
		ExportReports(context.Context, ReportFilter) iter.Seq2[*Report, error]
	}); ok {
		return e.ExportReports(ctx, filter) // the store's own export reading, when it has one
	}
	return func(yield func(*Report, error) bool) {
		f := filter
		f.Sort, f.Limit, f.AfterID = SortOldest, exportPage, 0
		for {
			page, err := reports.FindReports(ctx, f)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			if len(page) < exportPage {
				return
			}
			f.AfterID = page[len(page)-1].ID
		}
	}
}
