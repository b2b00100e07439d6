package claimdesk

import (
	"fmt"
	"strconv"
	"strings"
)

// Lang is a language claimdesk speaks to people in. Korean is the default everywhere: the
// merchants it serves are in Korea, and English is offered as a switch.
type Lang string

// The languages of the message catalogue.
const (
	Korean  Lang = "ko"
	English Lang = "en"
)

// ParseLang returns the language named by s ("ko", "en", "en-US"...), and false when s names
// neither.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "ko" || strings.HasPrefix(s, "ko-"):
		return Korean, true
	case s == "en" || strings.HasPrefix(s, "en-"):
		return English, true
	}
	return "", false
}

// PreferredLang picks Korean or English from an Accept-Language header value (RFC 9110 §12.5.4):
// the supported language with the highest weight, Korean on a tie or when neither is named.
func PreferredLang(acceptLanguage string) Lang {
	best, bestQ := Korean, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		lang, ok := ParseLang(tag)
		if !ok {
			continue
		}
		q := 1.0
		if v, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ || (q == bestQ && lang == Korean) {
			best, bestQ = lang, q
		}
	}
	if bestQ <= 0 {
		return Korean
	}
	return best
}

// Message returns the catalogue text key in lang, filled with args. An unknown key is returned
// as is, so a missing translation shows up in tests rather than as an empty string.
func Message(lang Lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	text := m.ko
	if lang == English {
		text = m.en
	}
	if len(args) == 0 {
		return text
	}
	return fmt.Sprintf(text, args...)
}

// HasMessage reports whether key is in the catalogue.
func HasMessage(key string) bool { _, ok := catalogue[key]; return ok }

type text struct{ ko, en string }

// catalogue holds every sentence the domain shows to people. Keys are the codes of FieldError
// and Error. The words of the pages are the http package's (http/texts.tsv); a
// key lives in one of them only, which a test checks.
var catalogue = map[string]text{
	// How a report came in (Channel).
	"channel.web":    {"웹 신고", "Web form"},
	"channel.api":    {"제휴 기관 연계", "Partner system"},
	"channel.staff":  {"창구·전화 접수", "Desk or phone"},
	"channel.import": {"일괄 접수", "Batch import"},

	// Messages to merchants (see Notice.Text) and the rules of webhooks.
	"notice.sender":                  {"피해접수센터", "claimdesk"},
	"notice.head":                    {"접수번호 %s", "Receipt %s"},
	"notice.tail":                    {"신고 확인·답변: %s", "Your report: %s"},
	"notice.fewer":                   {"꼭 필요한 안내만 받으려면 위 링크의 '알림 설정'에서 바꿀 수 있습니다.", "To get only the messages your claim needs, change 'Notifications' at the link above."},
	"notice.received":                {"%s의 피해 신고가 접수되었습니다. 진행 상황과 추가 자료 요청을 이 번호로 알려 드립니다.", "The damage report of %s was received. We will tell you here how it goes and if we need more information."},
	"notice.needs_info":              {"신고 검토에 자료가 더 필요합니다: %s\n아래 링크에서 답변과 자료를 보내 주세요.", "We need more information to review your report: %s\nPlease answer at the link below."},
	"notice.needs_documents":         {"신고 검토에 자료가 더 필요합니다.\n보내 주실 자료: %s\n%s\n아래 링크에서 파일을 올려 주세요.", "We need more to review your report.\nPlease send: %s\n%s\nUpload the files at the link below."},
	"notice.status":                  {"신고 검토 결과: %s", "Your report's review: %s"},
	"notice.merged":                  {"같은 피해의 신고(%s)와 합쳐 처리합니다.", "Your report is handled together with report %s of the same damage."},
	"notice.offer":                   {"보상금 %s원을 제안합니다. %s까지 링크에서 수락하거나 이의를 제기해 주세요.", "We offer %s KRW in compensation. Please accept or contest it at the link by %s."},
	"notice.paid":                    {"보상금 %s원을 신고하신 계좌로 보냈습니다.", "We have sent %s KRW of compensation to the account you gave."},
	"notice.subject.paid":            {"보상금 지급 (%s)", "Compensation paid (%s)"},
	"notice.recovery":                {"요청하신 %s의 신고 접수번호와 링크입니다. 요청하지 않았다면 이 메시지는 무시하세요.", "Here are the receipt and link of the report of %s that you asked for. If you did not ask, ignore this message."},
	"notice.subject.recovery":        {"접수번호 안내 (%s)", "Your receipt number (%s)"},
	"recovery_off":                   {"이 센터는 문자·이메일 발송을 쓰지 않아 접수번호를 보내 드릴 수 없습니다. 아래 접수처에 전화해 주세요.", "This centre sends no texts or e-mail, so the receipt cannot be sent to you: please call the desk below."},
	"notice.corrected":               {"담당자가 신고 내용을 고쳤습니다: %s\n사유: %s\n내용이 맞지 않으면 링크에서 알려 주세요.", "Staff corrected your report: %s\nWhy: %s\nIf it is not right, tell us at the link."},
	"notice.subject.corrected":       {"신고 내용 수정 안내 (%s)", "Your report was corrected (%s)"},
	"correction_reason":              {"고친 이유를 적어 주세요.", "Say why you corrected it."},
	"correction_empty":               {"고친 내용이 없습니다.", "Nothing was changed."},
	"changed_meanwhile":              {"그사이 다른 사람이 이 신고를 바꿨습니다. 화면을 새로 고친 뒤 다시 해 주세요.", "Someone changed this report meanwhile; reload the page and try again."},
	"document_kind":                  {"알 수 없는 자료 종류입니다: %s", "Unknown kind of document: %s"},
	"document_type_sales":            {"%s: 매출 자료는 사진(JPG, PNG), PDF, 엑셀(XLSX), CSV 파일만 올릴 수 있습니다.", "%s: sales records can be photos (JPG, PNG), PDF, Excel (XLSX) or CSV files."},
	"document_unknown_request":       {"요청할 자료를 목록에서 고르세요: %s", "Choose the documents to ask for from the list: %s"},
	"notice.announcement":            {"%s", "%s"},
	"notice.subject.announcement":    {"신고 관련 안내 (%s)", "About your report (%s)"},
	"messages_off":                   {"문자·이메일 발송이 설정되지 않아 보낼 수 없습니다. 서버를 --sms-url이나 --smtp로 시작하세요.", "No texts or e-mail can be sent: start the server with --sms-url or --smtp."},
	"announcement_required":          {"보낼 내용을 적어 주세요.", "Write the message to send."},
	"notice.reminder":                {"보상 제안 %s원에 아직 답하지 않으셨습니다. 이의 신청은 %s까지 받습니다. 수락은 그 뒤에도 할 수 있습니다.", "You have not answered our offer of %s KRW. Contests are taken until %s; you can accept after that too."},
	"notice.subject.reminder":        {"이의 신청 기간 안내 (%s)", "The time to contest is ending (%s)"},
	"notice.other":                   {"신고에 새 소식이 있습니다.", "There is news about your report."},
	"notice.subject.received":        {"신고가 접수되었습니다 (%s)", "Your report was received (%s)"},
	"notice.subject.needs_documents": {"자료 보완 요청 (%s)", "Documents needed (%s)"},
	"notice.subject.needs_info":      {"자료 보완 요청 (%s)", "More information needed (%s)"},
	"notice.subject.status":          {"검토 결과 안내 (%s)", "Your report's review (%s)"},
	"notice.subject.merged":          {"신고 병합 안내 (%s)", "Your report was merged (%s)"},
	"notice.subject.offer":           {"보상 제안 (%s)", "Compensation offer (%s)"},
	"notice.subject.other":           {"신고 안내 (%s)", "About your report (%s)"},
	"notify_invalid":                 {"알림은 문자(sms)나 이메일(email)로 받을 수 있습니다.", "Messages come by text (sms) or e-mail (email)."},
	"notify_sms_needs_mobile":        {"문자 알림은 휴대전화 번호(010 등)로만 받을 수 있습니다.", "Text messages need a mobile number (010...)."},
	"notify_email_needs_address":     {"이메일 알림을 받으려면 이메일 주소를 입력해 주세요.", "Enter an e-mail address to get messages by e-mail."},
	"notice.subject.webhook_off":     {"웹훅을 껐습니다: %s", "A webhook was disabled: %s"},
	"notice.webhook_off":             {"%s 주소로 하루 동안 보내지 못해 웹훅을 껐습니다. 마지막 오류: %s\n콘솔이나 API에서 전송을 다시 보내면 다시 켜집니다.", "Deliveries to %s failed for a day, so the webhook was disabled. Last error: %s\nReplaying a delivery in the console or the API enables it again."},
	"webhook_not_found":              {"그 웹훅이 없습니다.", "There is no such webhook."},
	"message_not_found":              {"그 메시지가 없습니다.", "There is no such message."},
	"webhook_url_required":           {"알림을 받을 주소(URL)를 입력해 주세요.", "Enter the URL to deliver to."},
	"webhook_url_invalid":            {"주소는 http:// 또는 https://로 시작하는 URL이어야 합니다.", "The URL must start with http:// or https://."},
	"webhook_url_credentials":        {"주소에 아이디·비밀번호를 넣지 마세요. 서명으로 확인합니다.", "Do not put credentials in the URL: deliveries are signed."},
	"webhook_events_required":        {"받을 이벤트를 하나 이상 고르세요.", "Choose at least one event."},
	"webhook_event_unknown":          {"알 수 없거나 중복된 이벤트입니다: %s", "Unknown or repeated event: %s"},

	// Exports.
	"cross_origin":        {"다른 사이트에서 보낸 요청은 받지 않습니다. 이 사이트의 화면에서 다시 보내 주세요.", "A request sent from another site is refused; please send it again from this site's own page."},
	"lang_invalid":        {"언어는 ko 또는 en입니다.", "The language is ko or en."},
	"payment_kind.offer":  {"보상 수락", "accepted offer"},
	"payment_kind.top_up": {"추가 지급", "top-up"},
	"template.reports":    {"신고", "Reports"},
	"template.values":     {"값 목록", "Values"},
	"export_code_column":  {"%s 코드", "%s code"},
	"yes_no.true":         {"예", "yes"},
	"yes_no.false":        {"아니오", "no"},

	// Import problems, for the person who sent the file.
	"import_column":       {"%s열", "column %s"},
	"import_accepted":     {"가능한 값: %s", "accepted: %s"},
	"import_date_forms":   {"2022-10-15, 2022.10.15, 2022년 10월 15일, 20221015", "2022-10-15, 2022.10.15, 2022년 10월 15일, 20221015"},
	"import_amount_forms": {"1500000, 1,500,000원, 150만원", "1500000, 1,500,000원, 150만원"},
	"import_bool_forms":   {"예, 아니오 (Y, N)", "yes, no (Y, N, 예, 아니오)"},

	// How a payout was computed, a step each (see Policy.Compute).
	"payout_won":                     {"%s원", "%s KRW"},
	"payout_not_covered":             {"대상 아님: %s", "Not covered: %s"},
	"payout_tier":                    {"불통 %s 구간", "tier %s"},
	"payout_no_tier":                 {"해당 구간 없음", "no tier"},
	"days_range":                     {"%d~%d일", "%d-%d days"},
	"days_exactly":                   {"%d일", "%d days"},
	"days_or_more":                   {"%d일 이상", "%d days or more"},
	"payout_claimed":                 {"신고 피해액 %s", "claimed loss %s"},
	"payout_bracket":                 {"%s 구간", "bracket %s"},
	"payout_no_bracket":              {"해당 구간 없음", "no bracket"},
	"bracket_all":                    {"전체", "all"},
	"bracket_up_to":                  {"%s원 이하", "up to %s KRW"},
	"bracket_over":                   {"%s원 초과", "over %s KRW"},
	"bracket_between":                {"%s원 초과 %s원 이하", "over %s up to %s KRW"},
	"payout_review_documents":        {"증빙 서류 심사 뒤 결정 (자동 산정 없음)", "decided after a review of documents (no automatic amount)"},
	"payout_no_daily_sales":          {"평소 하루 매출이 없어 자동 산정 불가: 심사 뒤 결정", "no usual daily sales given, so no automatic amount: decided in review"},
	"payout_daily_loss":              {"평소 하루 매출 %s × %s 이익률 %s = 하루 손실 %s", "usual daily sales %s × %s margin %s = daily loss %s"},
	"payout_formula_days":            {"× %d일 × 보정률 %s = %s (%s원 미만 버림)", "× %d days × rate %s = %s (rounded down to %s KRW)"},
	"payout_floor":                   {"하한 %s 적용", "floor of %s"},
	"payout_cap":                     {"상한 %s 적용", "cap of %s"},
	"payout_flat":                    {"정액", "flat amount"},
	"payout_flat_industry":           {"%s 정액", "flat amount for %s"},
	"payout_flat_paid":               {"유료 서비스 피해 정액", "flat amount for a paid service"},
	"payout_flat_free":               {"무료 서비스 피해 정액", "flat amount for free services only"},
	"payout_not_down":                {"신고한 서비스가 피해 기간(%s ~ %s)에 장애가 아니었음 → 0일", "none of the services reported was down in the damage period (%s to %s) -> 0 days"},
	"payout_outage":                  {"%s 장애 %s = %s시간%s", "%s outage %s = %s hours%s"},
	"outage_within_damage":           {"신고한 피해 기간 %s ~ %s 안", "within the damage period %s to %s"},
	"outage_ongoing":                 {"아직 복구되지 않아 계산 시각까지", "still down: counted to now"},
	"outage_approximate":             {"복구 시각은 근사치", "restore time approximate"},
	"payout_calendar_days":           {"%d일 (장애가 걸친 날짜 수)", "%d days (calendar days touched, KST)"},
	"payout_started_days":            {"%d일 (시작된 24시간 단위)", "%d days (24-hour periods begun)"},
	"payout_award":                   {"담당자 개별 심사: %s", "Assessed individually by staff: %s"},
	"payout_budget":                  {"예산 %s / 산정 합계 %s 비율로 조정 = %s (%s원 미만 버림)", "scaled to the budget, %s of %s computed = %s (rounded down to %s KRW)"},
	"ineligible_incident":            {"이 정책이 정한 장애가 아님", "not an incident of this policy"},
	"ineligible_status":              {"심사 상태 '%s'", "review status '%s'"},
	"ineligible_industry":            {"업종 %s", "industry %s"},
	"ineligible_region":              {"지역 %s", "region %s"},
	"ineligible_services":            {"대상 서비스를 신고하지 않음", "none of the services it covers was reported"},
	"ineligible_only_free":           {"무료 서비스만 신고함", "only free services reported"},
	"ineligible_paid":                {"유료 서비스를 신고함", "a paid service reported"},
	"ineligible_district":            {"지역 %s %s", "region %s, district %s"},
	"ineligible_channel":             {"접수 경로 %s", "channel %s"},
	"ineligible_claimed_under":       {"신고 피해액이 %s원 미만", "claimed loss under %s KRW"},
	"ineligible_no_claim":            {"피해 금액을 신고하지 않음 (현금 보상 대상 아님)", "no loss claimed (no cash compensation)"},
	"payout_no_district":             {"시·군·구를 적지 않아 피해 지역 안으로 보고 계산 (심사에서 확인)", "no district given: computed as within the affected areas (checked in review)"},
	"payout_no_claim_review":         {"피해 금액을 신고하지 않아 심사 뒤 결정", "no loss claimed: decided in review"},
	"payout_declared_days":           {"신고한 피해 기간 %s ~ %s = %d일", "declared damage period %s to %s = %d days"},
	"ineligible_claimed_over":        {"신고 피해액이 %s원 초과", "claimed loss over %s KRW"},
	"ineligible_sales_over":          {"추정 연매출(평소 하루 매출 × 365)이 %s원 초과", "estimated annual sales (usual daily sales × 365) over %s KRW"},
	"ineligible_sales_over_industry": {"추정 연매출(평소 하루 매출 × 365)이 %s 기준 %s원 초과", "estimated annual sales (usual daily sales × 365) over the cap for %s, %s KRW"},

	// Report-level.
	"invalid_report": {"입력한 내용을 확인해 주세요. 항목별로 고칠 점을 적어 두었습니다.", "Please check what you entered; each field that needs a change says why."},
	"intake_closed":  {"이 장애의 피해 신고 접수가 끝났습니다.", "This incident no longer accepts damage reports."},

	// Field problems.
	"required":              {"필수 항목입니다.", "This field is required."},
	"too_long":              {"%d자 이하로 입력해 주세요.", "Please use at most %d characters."},
	"control_chars":         {"보이지 않는 문자(제어 문자, 글자 방향을 바꾸는 문자, 폭 없는 공백)가 들어 있습니다. 다시 입력해 주세요.", "This contains invisible characters (control, text-direction or zero-width characters); please type it again."},
	"brn_format":            {"사업자등록번호는 숫자 10자리입니다 (예: 120-81-47521).", "A business registration number has 10 digits (e.g. 120-81-47521)."},
	"brn_checksum":          {"올바른 사업자등록번호가 아닙니다. 사업자등록증의 숫자를 다시 확인해 주세요.", "This is not a valid business registration number; please check the digits on your certificate."},
	"brn_or_reason":         {"사업자등록번호를 입력하거나, 번호가 없으면 그 사유를 적어 주세요 (예: 대리운전 기사).", "Enter the business registration number, or, if you have none, say why (e.g. designated driver)."},
	"phone_invalid":         {"휴대전화(010-1234-5678) 또는 지역번호를 포함한 전화번호(02-123-4567)를 입력해 주세요.", "Enter a mobile number (010-1234-5678) or a landline with its area code (02-123-4567)."},
	"email_invalid":         {"이메일 주소 형식이 올바르지 않습니다 (예: name@example.com).", "This is not an e-mail address (e.g. name@example.com)."},
	"region_invalid":        {"목록에 있는 시·도를 선택해 주세요.", "Choose a province or metropolitan city from the list."},
	"industry_invalid":      {"목록에 있는 업종을 선택해 주세요.", "Choose an industry from the list."},
	"incident_unknown":      {"해당 장애를 찾을 수 없습니다.", "There is no such incident."},
	"services_required":     {"피해를 입은 서비스를 하나 이상 선택해 주세요.", "Choose at least one affected service."},
	"service_unknown":       {"이 장애에 해당하지 않는 서비스입니다: %s", "Not a service of this incident: %s"},
	"service_repeated":      {"같은 서비스를 두 번 선택했습니다: %s", "The same service is chosen twice: %s"},
	"damage_type_unknown":   {"목록에 없는 피해 유형입니다: %s", "Not a known damage type: %s"},
	"damage_type_repeated":  {"같은 피해 유형을 두 번 선택했습니다: %s", "The same damage type is chosen twice: %s"},
	"date_invalid":          {"날짜를 YYYY-MM-DD 형식으로 입력해 주세요 (예: 2022-10-15).", "Enter the date as YYYY-MM-DD (e.g. 2022-10-15)."},
	"date_outside":          {"장애 기간(%s ~ %s) 안의 날짜를 입력해 주세요.", "Enter a date within the incident (%s to %s)."},
	"incident_id_invalid":   {"장애 ID는 영문 소문자, 숫자, 하이픈으로 2~64자입니다 (예: kakao-2022-10).", "An incident ID is 2 to 64 lower-case letters, digits and hyphens (e.g. kakao-2022-10)."},
	"incident_exists":       {"같은 ID의 장애가 이미 있습니다: %s", "An incident with this ID exists already: %s"},
	"incident_changed":      {"다른 사람이 먼저 이 장애를 고쳤습니다 (지금 버전 %d). 새로 불러와 다시 고쳐 주세요.", "Someone changed this incident first (now version %d); reload it and make your change again."},
	"restored_before_start": {"복구 시각은 장애가 시작된 뒤여야 합니다.", "A service comes back after its outage started."},
	"restored_order":        {"전면 복구 시각은 주요 기능 복구 시각과 같거나 그 뒤여야 합니다.", "Fully back cannot come before main functions back."},
	"date_order":            {"피해 종료일은 시작일과 같거나 그 뒤여야 합니다.", "The end of the damage cannot be before its start."},
	"amount_invalid":        {"금액은 원 단위 숫자로 입력해 주세요 (예: 1500000).", "Enter the amount in whole won, digits only (e.g. 1500000)."},
	"amount_negative":       {"금액은 0원 이상이어야 합니다.", "The amount cannot be negative."},
	"amount_too_large":      {"금액은 %s원 이하로 입력해 주세요.", "The amount can be at most %s KRW."},
	"consent_required":      {"개인정보 수집·이용에 동의해야 신고할 수 있습니다.", "You must agree to the collection and use of personal data to file a report."},
	"bool_invalid":          {"true 또는 false 여야 합니다.", "Must be true or false."},
	"list_invalid":          {"문자열 목록이어야 합니다.", "Must be a list of strings."},
	"string_invalid":        {"문자열이어야 합니다.", "Must be a string."},
	"unknown_field":         {"알 수 없는 항목입니다.", "This field is not part of a report."},

	// Requests.
	"malformed_json":             {"요청 본문이 올바른 JSON이 아닙니다: %s", "The request body is not valid JSON: %s"},
	"body_too_large":             {"요청 본문이 너무 큽니다 (최대 %d바이트).", "The request body is too large (at most %d bytes)."},
	"unsupported_media":          {"요청 본문은 application/json 이어야 합니다.", "The request body must be application/json."},
	"idempotency_reused":         {"이 Idempotency-Key는 다른 내용의 신고에 이미 쓰였습니다. 새 신고에는 새 키를 쓰세요.", "This Idempotency-Key was already used for a different report; use a new key for a new report."},
	"idempotency_key_invalid":    {"Idempotency-Key는 1~255자의 보이는 ASCII 문자여야 합니다.", "An Idempotency-Key must be 1 to 255 visible ASCII characters."},
	"report_not_found":           {"접수번호가 없거나 접근 토큰이 맞지 않습니다.", "There is no report with this receipt number, or the access token does not match it."},
	"receipt_typo":               {"접수번호가 올바르지 않습니다. 한 글자씩 다시 확인해 주세요.", "This receipt number is not valid; please check it character by character."},
	"token_required":             {"이 신고를 보려면 접근 토큰이 필요합니다 (Authorization: Bearer ...).", "Reading this report needs its access token (Authorization: Bearer ...)."},
	"incident_not_found":         {"해당 장애를 찾을 수 없습니다.", "There is no such incident."},
	"not_found":                  {"요청한 페이지를 찾을 수 없습니다.", "The requested page does not exist."},
	"internal":                   {"서버에서 문제가 생겼습니다. 잠시 뒤 다시 시도해 주세요. 접수된 신고는 안전합니다.", "Something went wrong on our side; please try again shortly. Reports already filed are safe."},
	"unavailable":                {"서버가 잠시 요청을 받을 수 없습니다. 잠시 뒤 다시 시도해 주세요.", "The server cannot take requests right now; please try again shortly."},
	"method_not_allowed":         {"이 주소에서는 허용되지 않는 요청 방식입니다.", "This method is not allowed here."},
	"forbidden":                  {"이 작업을 할 권한이 없습니다.", "You are not allowed to do this."},
	"login_failed":               {"이메일 또는 비밀번호가 맞지 않습니다.", "The e-mail or password is not right."},
	"login_throttled":            {"로그인 시도가 너무 많습니다. 잠시 뒤 다시 시도해 주세요.", "Too many login attempts; please wait a moment and try again."},
	"session_expired":            {"로그인이 필요합니다. 세션이 만료되었을 수 있습니다.", "Please log in; your session may have expired."},
	"csrf_invalid":               {"보안 확인에 실패했습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.", "The security check failed; reload the page and try again."},
	"role_invalid":               {"역할은 intake, reviewer, analyst, admin 가운데 하나입니다.", "The role must be intake, reviewer, analyst or admin."},
	"password_length":            {"비밀번호는 %d자 이상 %d자 이하여야 합니다.", "A password must be %d to %d characters long."},
	"email_taken":                {"이미 있는 이메일입니다.", "This e-mail already has an account."},
	"user_not_found":             {"해당 계정이 없습니다.", "There is no such account."},
	"token_not_found":            {"해당 토큰이 없습니다.", "There is no such token."},
	"transition_invalid":         {"'%s' 상태인 신고는 '%s'(으)로 바꿀 수 없습니다.", "A report that is %q cannot be made %q."},
	"merge_needs_target":         {"중복 병합은 남길 신고의 접수번호를 정해서 해야 합니다.", "Merging needs the receipt of the report to keep."},
	"reason_required":            {"사유를 적어 주세요. 기록에 남습니다.", "Give a reason; it is kept in the history."},
	"info_message_required":      {"신고인에게 보여 줄 요청 내용을 적어 주세요.", "Write what the merchant is asked; they will see it."},
	"not_needs_info":             {"보완 요청 중인 신고만 답변할 수 있습니다.", "Only a report waiting for more information can be answered."},
	"merge_invalid":              {"같은 장애의 서로 다른 신고만 병합할 수 있고, 남길 신고는 병합된 신고가 아니어야 합니다.", "Only two different reports of the same incident can be merged, and the one kept must not itself be merged."},
	"note_required":              {"메모 내용을 적어 주세요.", "Write the note."},
	"assignee_invalid":           {"심사 권한이 있는 활성 계정에만 배정할 수 있습니다.", "Reports can only be assigned to an active account that reviews."},
	"answer_required":            {"답변을 적거나 고칠 항목을 고쳐 주세요.", "Write an answer or correct a field."},
	"import_empty":               {"빈 파일입니다.", "The file is empty."},
	"import_columns_missing":     {"파일 첫 줄에 필요한 열이 없습니다: %s", "The first row lacks required columns: %s"},
	"import_row_failed":          {"이 줄을 저장하지 못했습니다: %s", "This row could not be stored: %s"},
	"bulk_status_invalid":        {"일괄로 바꿀 수 있는 상태가 아닙니다.", "That status cannot be set in bulk."},
	"bulk_action_invalid":        {"일괄 처리할 작업을 고르세요.", "Choose what to do in bulk."},
	"status_invalid":             {"알 수 없는 상태입니다.", "Not a known status."},
	"channel_invalid":            {"알 수 없는 접수 경로입니다.", "Not a known channel."},
	"request_rejected":           {"요청을 처리할 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.", "The request could not be processed; reload the page and try again."},
	"policy_malformed":           {"정책 문서를 읽을 수 없습니다 (JSON): %s", "The policy document cannot be read (JSON): %s"},
	"policy_id_invalid":          {"정책 ID는 영문 소문자, 숫자, 하이픈으로 된 3~64자입니다 (예: kt-2018-tiers).", "A policy ID is 3 to 64 lower-case letters, digits and hyphens (e.g. kt-2018-tiers)."},
	"policy_name_required":       {"정책 이름을 한국어와 영어로 적어 주세요.", "Give the policy a name in Korean and in English."},
	"policy_day_rule_invalid":    {"일수 계산 방식은 started_24h_periods, calendar_days, declared_days 가운데 하나입니다.", "The day rule is started_24h_periods, calendar_days or declared_days."},
	"policy_restored_invalid":    {"복구 기준은 main(주요 기능 복구) 또는 full(전면 복구)입니다.", "restored is main (main functions back) or full (fully back)."},
	"policy_channel_invalid":     {"접수 경로는 web, api, staff, import 가운데 하나입니다.", "A channel is web, api, staff or import."},
	"policy_no_claim_invalid":    {"no_claim은 none(지급 없음) 또는 review(심사 뒤 결정)입니다.", "no_claim is none (nothing paid) or review (decided in review)."},
	"policy_paid_invalid":        {"paid는 \"paid\" 또는 \"free\" 입니다.", "paid is \"paid\" or \"free\"."},
	"policy_kind_invalid":        {"정책 종류는 duration_tiers, loss_brackets, formula, flat 가운데 하나입니다.", "The kind is one of duration_tiers, loss_brackets, formula, flat."},
	"policy_kind_table_missing":  {"%s 정책에는 그 표가 있어야 합니다.", "A %s policy needs its table."},
	"policy_kind_table_extra":    {"%s 정책에는 쓰이지 않는 항목입니다.", "Not used by a %s policy."},
	"policy_tier_gap":            {"구간은 빈틈이나 겹침 없이 이어져야 합니다: 이 구간은 %d일부터 시작해야 합니다.", "Tiers must follow each other with no gap or overlap: this one must start at %d days."},
	"policy_tier_order":          {"구간의 끝이 시작보다 앞설 수 없습니다.", "A tier cannot end before it starts."},
	"policy_open_not_last":       {"끝이 열린 구간은 마지막에만 둘 수 있습니다.", "Only the last tier or bracket may be open-ended."},
	"policy_bracket_order":       {"구간의 상한은 앞 구간보다 커야 합니다.", "Each bracket's upper bound must be above the one before."},
	"policy_review_amount":       {"심사로 넘기는 구간에는 금액을 정하지 않습니다.", "A bracket referred to review has no amount."},
	"policy_rate_invalid":        {"보정률은 0보다 크고 10 이하인 수입니다 (예: 0.8).", "The rate is a number above 0, at most 10 (e.g. 0.8)."},
	"policy_margin_invalid":      {"이익률은 0보다 크고 1 이하인 수입니다 (예: 0.3).", "A margin is a number above 0, at most 1 (e.g. 0.3)."},
	"policy_floor_cap_invalid":   {"하한과 상한은 0 이상이고, 하한이 상한보다 클 수 없습니다.", "The floor and cap are not negative, and the floor is not above the cap."},
	"policy_rounding_invalid":    {"반올림 단위는 1, 10, 100, 1000 ... 원입니다.", "The rounding unit is 1, 10, 100, 1000 ... KRW."},
	"policy_appeal_days_invalid": {"이의 신청 기간은 0~365일입니다.", "The appeal window is 0 to 365 days."},
	"policy_not_found":           {"해당 정책이 없습니다: %s", "There is no such policy: %s"},
	"policy_other_incident":      {"%s 정책은 이 장애에 쓰는 정책이 아닙니다.", "Policy %s is not for this incident."},
	"policies_required":          {"정책을 하나 이상 고르세요 (최대 %d개).", "Choose at least one policy (at most %d)."},
	"account_number_invalid":     {"계좌번호는 숫자 8~20자리입니다 (하이픈은 넣어도 됩니다).", "An account number has 8 to 20 digits (dashes allowed)."},
	"contest_message_required":   {"이의 신청 사유를 적어 주세요.", "Say why you contest the amount."},
	"evidence_too_many":          {"증빙 파일은 %d개까지 올릴 수 있습니다.", "You can attach at most %d files."},
	"evidence_too_large":         {"%s: 파일은 %dMB 이하여야 합니다.", "%s: a file can be at most %d MB."},
	"evidence_type":              {"%s: 사진(JPG, PNG) 또는 PDF 파일만 올릴 수 있습니다.", "%s: only photos (JPG, PNG) and PDF files can be attached."},
	"run_not_pending":            {"승인 대기 중인 지급 계산만 승인할 수 있습니다.", "Only a run waiting for approval can be released."},
	"run_same_approver":          {"지급 계산을 채택한 사람은 (다른 토큰이나 명령줄로도) 승인할 수 없습니다. 다른 관리자가 승인해야 합니다.", "Whoever adopted a run cannot release it, with any of their sessions or tokens: another administrator must."},
	"run_not_released":           {"승인된 지급 계산에서만 할 수 있습니다.", "This needs a released run."},
	"run_not_found":              {"해당 지급 계산이 없습니다.", "There is no such payout run."},
	"offer_not_found":            {"아직 이 신고에 제시된 보상액이 없습니다.", "No amount has been offered for this report yet."},
	"offer_closed":               {"이미 답했거나 이의 신청 기간이 지났습니다.", "This offer has been answered already, or its appeal window has closed."},
	"console_session_only":       {"관리 화면은 로그인한 사람만 씁니다. API 토큰으로는 /api/v1/ 주소를 쓰세요.", "The console is for people who log in; with an API token, use the /api/v1/ addresses."},
	"search_masked":              {"이 역할은 상호·전화번호·사업자등록번호를 볼 수 없으므로, 접수번호로만 검색할 수 있습니다.", "Your role does not see names, phone numbers or business numbers: search by receipt number only."},
	"answer_invalid":             {"답은 accept(수락) 또는 contest(이의 신청)이어야 합니다.", "The answer must be accept or contest."},
	"policy_not_stored":          {"저장된 정책만 채택할 수 있습니다. 먼저 정책을 추가하세요.", "Only a stored policy can be adopted: add it first."},
	"detail_too_large":           {"신고별 지급 내역은 %d건까지 API로 답합니다. 더 많으면 claimdesk payout simulate --detail 로 파일에 쓰세요.", "The API answers with each report's payout for up to %d reports; for more, write them to a file with claimdesk payout simulate --detail."},
	"policy_too_large":           {"정책 문서는 %dKB 이하여야 합니다.", "A policy document can be at most %d KB."},
	"rate_limited":               {"요청이 너무 많습니다. %d초 뒤에 다시 시도해 주세요. 보낸 내용은 저장되지 않았습니다.", "Too many requests: please try again in %d seconds. What you sent was not stored."},
	"lookup_not_found":           {"접수번호와 전화번호가 일치하는 신고가 없습니다.", "No report matches this receipt number and phone number."},
	"person_required":            {"돈이 오가는 일(채택, 승인, 개별 보상, 지급 파일, 입금 완료)은 이름이 남는 담당자만 할 수 있습니다. 서비스 토큰이나 이름 없는 명령줄로는 할 수 없습니다 (claimdesk ... --as 이메일).", "Money is adopted, released, awarded, exported and marked paid only by a named person: not by a service token or the anonymous command line (claimdesk ... --as EMAIL)."},
	"token_invalid":              {"API 토큰이 없거나 폐기되었거나, 토큰 주인의 계정이 정지되었습니다.", "The API token is unknown or revoked, or its owner's account is disabled."},
	"token_other_person":         {"다른 사람으로 행동하는 토큰은 만들 수 없습니다. 자기 토큰만 만들 수 있습니다.", "You cannot make a token that acts as somebody else: only your own."},
	"user_disabled":              {"정지된 계정입니다.", "That account is disabled."},
	"award_amount_invalid":       {"보상액은 1원 이상인 정수입니다.", "The amount is a whole number of KRW above zero."},
	"award_above_claim":          {"보상액은 신고 피해액(%s원)을 넘을 수 없습니다.", "The amount cannot be above the loss claimed (%s KRW)."},
	"award_reason_required":      {"신고인에게 보일 산정 근거를 적어 주세요.", "Give the reason for the amount: the merchant sees it."},
	"award_report_not_accepted":  {"심사에서 인정된 신고에만 개별 보상액을 정할 수 있습니다.", "An individual amount is set only for a report accepted in review."},
	"award_after_acceptance":     {"신고인이 이미 보상액을 받겠다고 답했습니다.", "The merchant has already accepted an amount."},
	"award_not_referred":         {"보상 기준이 심사로 넘긴 신고가 아닙니다. 개별 보상은 자동 산정이 없는 신고에만 정합니다.", "The policy did not refer this report to review: individual amounts are for reports without an automatic one."},
	"award_pending":              {"이 신고에는 승인을 기다리는 개별 보상액이 이미 있습니다.", "An individual amount for this report already waits for approval."},
	"award_not_found":            {"승인을 기다리는 개별 보상액이 없습니다.", "No individual amount waits for approval."},
	"award_same_approver":        {"개별 보상액을 제안한 사람은 승인할 수 없습니다. 다른 담당자가 승인해야 합니다.", "Whoever proposed an amount cannot approve it: another person must."},
	"offer_not_open":             {"이 신고는 지금 다시 심사 중이라 보상액을 받을 수 없습니다. 심사가 끝나면 다시 안내해 드립니다.", "This report is being reviewed again, so the amount cannot be accepted now; you will be told when it can."},
	"run_figures_changed":        {"확인한 뒤 숫자가 바뀌었습니다: 이제 %d건, %s원이 지급될 수 있습니다. 다시 확인해 주세요.", "The figures changed since you checked them: now %d payouts, %s KRW, can become payable. Please check again."},
	"nothing_to_export":          {"지급 파일에 넣을 건이 없습니다. 받겠다고 답한 보상은 모두 이미 지급 파일에 들어 있습니다.", "Nothing waits for a payment file: every accepted offer is in one already."},
	"payment_file_not_found":     {"해당 지급 파일이 없습니다.", "There is no such payment file."},
	"file_already_paid":          {"지급 파일 %d은 이미 입금 완료로 표시되었습니다.", "Payment file %d is already marked paid."},
}

// Label is a name shown to people in both languages.
type Label struct {
	Ko string `json:"ko"`
	En string `json:"en"`
}

// In returns the label in lang.
func (l Label) In(lang Lang) string {
	if lang == English {
		return l.En
	}
	return l.Ko
}
