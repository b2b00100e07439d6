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
)

// ReportInput is a report as decoded from a request, a form or a spreadsheet row, with the
// problems that decoding found (a date that is not a date, an amount that is not a number).
type ReportInput struct {
	Report   Report
	Problems FieldErrors
}

// Validate checks the decoded report like Report.Validate and reports the decoding problems
// together with the rule violations, one message per field, in form order.
func (in *ReportInput) Validate(inc *Incident, now time.Time) error {
	fe := slices.Clone(in.Problems)
	in.Report.check(inc, now, &fe)
	return fe.Err()
}

// serverFields are set by claimdesk; a client that sends them back (echoing a report it read)
// is not wrong, they are simply ignored.
var serverFields = map[string]bool{
	"receipt": true, "status": true, "channel": true, "access_token": true,
	"received_at": true, "updated_at": true,
}

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
			if err := json.Unmarshal(v, dst); err != nil {
				in.Problems.Add(field, "string_invalid")
			}
		}
	}
	list := func(field string, dst *[]string) {
		if v, ok := raw[field]; ok && !isNull(v) {
			if err := json.Unmarshal(v, dst); err != nil {
				in.Problems.Add(field, "list_invalid")
			}
		}
	}
	date := func(field string, dst *Date) {
		var s string
		if v, ok := raw[field]; ok && !isNull(v) {
			if json.Unmarshal(v, &s) != nil {
				in.Problems.Add(field, "date_invalid")
			} else if s != "" {
				if d, err := ParseDate(strings.TrimSpace(s)); err != nil {
					in.Problems.Add(field, "date_invalid")
				} else {
					*dst = d
				}
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

	for _, k := range sortedKeys(raw) {
		if !Fields.Has(k) && !serverFields[k] {
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

// normalizeDateText accepts the separators people and spreadsheets use for dates: 2022.10.15,
// 2022/10/15 and 2022-10-15.
func normalizeDateText(s string) string {
	return strings.NewReplacer(".", "-", "/", "-").Replace(strings.TrimSuffix(s, "."))
}

// ParseAmountText reads a whole number of won as people write it: "1500000", "1,500,000",
// "1,500,000원". It returns a catalogue code when it cannot.
func ParseAmountText(s string) (int64, string) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "원"))
	s = strings.NewReplacer(",", "", " ", "").Replace(s)
	if s == "" {
		return 0, "amount_invalid"
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, "amount_invalid"
	}
	if neg {
		return 0, "amount_negative"
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, "amount_too_large"
	}
	return n, ""
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
