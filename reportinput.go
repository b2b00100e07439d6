package claimdesk

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReportInput is a report as decoded from a request, a form or a spreadsheet row, with the
// problems that decoding found (a date that is not a date, an amount that is not a number).
type ReportInput struct {
	Report   Report
	Problems FieldErrors
	// Documents filed with the report (the form's uploads), checked by Validate.
	Documents []DocumentFile
}

// Validate checks the decoded report like Report.Validate and reports the decoding problems
// together with the rule violations, one message per field, in form order.
func (in *ReportInput) Validate(inc *Incident, now time.Time) error {
	fe := slices.Clone(in.Problems)
	in.Report.check(inc, now, &fe)
	CheckDocuments(&fe, "documents", in.Documents)
	return fe.Err()
}

// serverFields are set by claimdesk; a client that sends them back (echoing a report it read)
// is not wrong, they are simply ignored.
var serverFields = map[string]bool{
	"receipt": true, "status": true, "channel": true, "access_token": true,
	"received_at": true, "updated_at": true,
}

// preferenceFields say how the merchant hears of the report (Report.Notify...): accepted
// with the report, but not part of it (not in its fingerprint, exports or imports).
var preferenceFields = map[string]bool{"notify": true, "lang": true, "fewer_messages": true}

// ErrNotObject is returned by ParseReportJSON when the body is valid JSON but not an object.
var ErrNotObject = errors.New("a report must be a JSON object")

// ParseReportJSON decodes a report from its JSON form (docs/api.md). A body that is not JSON, or not
// an object, is an error; everything else — wrong types, unknown fields, a missing
// claimed_loss — is collected as field problems so that all of them can be reported at once.
func ParseReportJSON(b []byte) (*ReportInput, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, ErrNotObject
		}
		return nil, err
	}
	if raw == nil {
		return nil, ErrNotObject // the body was "null"
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the report object")
	}
	in := &ReportInput{}
	r := &in.Report
	str := func(field string, dst *string) {
		if v, ok := raw[field]; ok && !isNull(v) {
			if s, ok := plainString(v); ok {
				*dst = s
			} else if err := json.Unmarshal(v, dst); err != nil {
				in.Problems.Add(field, "string_invalid")
			}
		}
	}
	list := func(field string, dst *[]string) {
		if v, ok := raw[field]; ok && !isNull(v) {
			if l, ok := plainList(v); ok {
				*dst = l
			} else if err := json.Unmarshal(v, dst); err != nil {
				in.Problems.Add(field, "list_invalid")
			}
		}
	}
	date := func(field string, dst *Date) {
		v, ok := raw[field]
		if !ok || isNull(v) {
			return
		}
		s, ok := plainString(v)
		if !ok && json.Unmarshal(v, &s) != nil {
			in.Problems.Add(field, "date_invalid")
		} else if s != "" {
			if d, err := ParseDate(strings.TrimSpace(s)); err != nil {
				in.Problems.Add(field, "date_invalid")
			} else {
				*dst = d
			}
		}
	}
	amount := func(field string) (int64, bool) {
		v, ok := raw[field]
		if !ok || isNull(v) {
			return 0, false
		}
		n, code := parseJSONAmount(v)
		if code != "" {
			in.Problems.addAmount(field, code)
			return 0, false
		}
		return n, true
	}

	for _, f := range r.textFields() {
		str(f.name, f.dst)
	}
	list("services", &r.Services)
	list("damage_types", &r.DamageTypes)
	date("damage_start", &r.DamageStart)
	date("damage_end", &r.DamageEnd)
	if n, ok := amount("usual_daily_sales"); ok {
		r.UsualDailySales = &n
	}
	if n, ok := amount("claimed_loss"); ok {
		r.ClaimedLoss = n
	} else if !in.Problems.Has("claimed_loss") {
		in.Problems.Add("claimed_loss", "required")
	}
	if v, ok := raw["consent"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &r.Consent); err != nil {
			in.Problems.Add("consent", "bool_invalid")
		}
	}

	if v, ok := raw["notify"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &r.Notify); err != nil {
			in.Problems.Add("notify", "list_invalid")
		}
	}
	if v, ok := raw["lang"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &r.Lang); err != nil {
			in.Problems.Add("lang", "string_invalid")
		}
	}
	if v, ok := raw["fewer_messages"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &r.FewerMessages); err != nil {
			in.Problems.Add("fewer_messages", "bool_invalid")
		}
	}

	for _, k := range sortedKeys(raw) {
		if !Fields.Has(k) && !serverFields[k] && !preferenceFields[k] {
			in.Problems.Add(k, "unknown_field")
		}
	}
	return in, nil
}

// addAmount records an amount problem; only "amount_too_large" names the bound.
func (fe *FieldErrors) addAmount(field, code string) {
	if code == "amount_too_large" {
		fe.Add(field, code, FormatKRW(MaxAmount))
	} else {
		fe.Add(field, code)
	}
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// plainString reads a JSON string that needs no decoding — no escape, valid UTF-8 — as what
// encoding/json would give, without its reflection; ok is false for anything else, which is
// then left to encoding/json. v is one valid JSON value (the body was decoded once already).
func plainString(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) < 2 || v[0] != '"' || bytes.IndexByte(v[1:len(v)-1], '\\') >= 0 || !utf8.Valid(v) {
		return "", false
	}
	return string(v[1 : len(v)-1]), true
}

// plainList reads a JSON list of plain strings (see plainString); ok is false for anything
// else, which is then left to encoding/json.
func plainList(v json.RawMessage) ([]string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) < 2 || v[0] != '[' || bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
		return nil, false
	}
	list := []string{}
	rest := bytes.TrimSpace(v[1:])
	if len(rest) > 0 && rest[0] == ']' {
		return list, len(rest) == 1
	}
	for {
		if len(rest) == 0 || rest[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, false
		}
		list = append(list, string(rest[1:1+end]))
		if rest = bytes.TrimSpace(rest[2+end:]); len(rest) == 0 {
			return nil, false
		}
		switch rest[0] {
		case ']':
			return list, len(rest) == 1
		case ',':
			rest = bytes.TrimSpace(rest[1:])
		default:
			return nil, false
		}
	}
}

// parseJSONAmount reads a whole number of won from a JSON number. Fractions, strings and
// numbers beyond MaxAmount are refused with the catalogue code to show.
func parseJSONAmount(v json.RawMessage) (int64, string) {
	s := string(bytes.TrimSpace(v))
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return 0, "amount_invalid"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var numErr *strconv.NumError
		if errors.As(err, &numErr) && numErr.Err == strconv.ErrRange {
			if s[0] == '-' {
				return 0, "amount_negative"
			}
			return 0, "amount_too_large"
		}
		// 1.5e6 and 1500000.0 are whole won written otherwise: taken, read exactly (a float
		// would round 1e-400 to 0 and 300000.0000000001 to 300000, which are not whole won).
		q, ok := new(big.Rat).SetString(s)
		switch {
		case !ok || !q.IsInt():
			return 0, "amount_invalid"
		case !q.Num().IsInt64():
			if q.Sign() < 0 {
				return 0, "amount_negative"
			}
			return 0, "amount_too_large"
		}
		n = q.Num().Int64()
	}
	return n, ""
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ReportFromText decodes a report from text values, as a web form or a spreadsheet row gives
// them: get returns a field's value ("" when absent) and list its values (a form's checkboxes;
// a spreadsheet cell split on ';'). Amounts may carry thousands separators and a trailing 원;
// booleans may be true/false, Y/N, 예/아니오 or a checked box ("on").
func ReportFromText(get func(field string) string, list func(field string) []string) *ReportInput {
	in := &ReportInput{}
	r := &in.Report
	for _, f := range r.textFields() {
		*f.dst = get(f.name)
	}
	r.Services = list("services")
	r.DamageTypes = list("damage_types")
	for _, c := range list("notify") {
		if c = strings.TrimSpace(c); c != "" { // "": every contact given, the form's default
			r.Notify = append(r.Notify, MessageChannel(c))
		}
	}
	r.Lang = Lang(strings.TrimSpace(get("lang")))
	for _, d := range []struct {
		field string
		dst   *Date
	}{{"damage_start", &r.DamageStart}, {"damage_end", &r.DamageEnd}} {
		if s := strings.TrimSpace(get(d.field)); s != "" {
			if v, err := ParseDate(normalizeDateText(s)); err != nil {
				in.Problems.Add(d.field, "date_invalid")
			} else {
				*d.dst = v
			}
		}
	}
	if s := strings.TrimSpace(get("usual_daily_sales")); s != "" {
		if n, code := ParseAmountText(s); code != "" {
			in.Problems.addAmount("usual_daily_sales", code)
		} else {
			r.UsualDailySales = &n
		}
	}
	if s := strings.TrimSpace(get("claimed_loss")); s == "" {
		in.Problems.Add("claimed_loss", "required")
	} else if n, code := ParseAmountText(s); code != "" {
		in.Problems.addAmount("claimed_loss", code)
	} else {
		r.ClaimedLoss = n
	}
	if s := strings.TrimSpace(get("consent")); s != "" {
		if v, ok := ParseBoolText(s); ok {
			r.Consent = v
		} else {
			in.Problems.Add("consent", "bool_invalid")
		}
	}
	return in
}

// textFields are the report's text inputs by their API names, for the decoders.
func (r *Report) textFields() []struct {
	name string
	dst  *string
} {
	return []struct {
		name string
		dst  *string
	}{
		{"incident", &r.Incident}, {"business_name", &r.BusinessName}, {"business_number", &r.BusinessNumber},
		{"no_business_number_reason", &r.NoBusinessNumberReason}, {"representative", &r.Representative},
		{"phone", &r.Phone}, {"email", &r.Email}, {"region", &r.Region}, {"district", &r.District},
		{"industry", &r.Industry}, {"description", &r.Description},
	}
}

// normalizeDateText reads a date as people and Korean offices write it, and returns it as
// YYYY-MM-DD for ParseDate: 2022-10-15, 2022.10.15, 2022. 10. 15., 2022/10/15, 2022년 10월
// 15일, 20221015; a time after the date ("2022-10-15 00:00:00") is ignored. Anything else is
// returned as it came, for ParseDate to refuse.
func normalizeDateText(s string) string {
	s = strings.TrimSpace(s)
	if d, _, ok := strings.Cut(s, " 00:00"); ok && len(d) >= 8 {
		s = d
	}
	if len(s) == 8 && strings.Trim(s, "0123456789") == "" {
		return s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(".-/ 년월일", r) })
	if len(parts) != 3 || len(parts[0]) != 4 {
		return s
	}
	for i := 1; i < 3; i++ {
		if len(parts[i]) == 1 {
			parts[i] = "0" + parts[i]
		}
	}
	return strings.Join(parts, "-")
}

// ParseAmountText reads a whole number of won as people write it: "1500000", "1,500,000",
// "1,500,000원", "90만원", "90만 원", "1억 2,000만원", "1억2천만". It returns a catalogue code
// when it cannot.
func ParseAmountText(s string) (int64, string) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "원"))
	s = strings.NewReplacer(",", "", " ", "").Replace(s)
	if s == "" {
		return 0, "amount_invalid"
	}
	if strings.HasPrefix(s, "-") {
		if strings.TrimLeft(s[1:], "0123456789만억천") == "" && len(s) > 1 {
			return 0, "amount_negative"
		}
		return 0, "amount_invalid"
	}
	// Digits followed by units, largest first: 억 (10^8), 만 (10^4), and 천 (10^3) within
	// either ("2천만" is 2,000 × 10,000); digits with no unit at the end are won.
	var total, group int64
	digits := ""
	lastUnit := int64(1 << 62)
	for _, r := range s + "$" {
		if r >= '0' && r <= '9' {
			digits += string(r)
			continue
		}
		var n int64
		if digits != "" {
			v, err := strconv.ParseInt(digits, 10, 64)
			if err != nil || v > 1<<50 {
				return 0, "amount_too_large"
			}
			n = v
		}
		hadDigits := digits != ""
		digits = ""
		switch r {
		case '천':
			if !hadDigits {
				n = 1
			}
			group += n * 1000
		case '$':
			total += group + n
		case '만', '억':
			unit := int64(10_000)
			if r == '억' {
				unit = 100_000_000
			}
			group += n
			if group == 0 || unit >= lastUnit {
				return 0, "amount_invalid"
			}
			if group > (1<<62)/unit {
				return 0, "amount_too_large"
			}
			total += group * unit
			group, lastUnit = 0, unit
		default:
			return 0, "amount_invalid"
		}
		if total > 1<<62 || group > 1<<50 {
			return 0, "amount_too_large"
		}
	}
	return total, ""
}

// ParseBoolText reads yes/no as forms and Korean spreadsheets write it.
func ParseBoolText(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "y", "yes", "on", "1", "예", "네", "동의":
		return true, true
	case "false", "n", "no", "off", "0", "아니오", "아니요", "미동의":
		return false, true
	}
	return false, false
}
