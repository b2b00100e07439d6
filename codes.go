package claimdesk

import (
	"strings"
	"unicode"
)

// Option is one allowed value of a coded field (region, industry, damage type, status) with its
// names for people.
type Option struct {
	Code  string
	Label Label
}

// Options is an ordered list of allowed values.
type Options []Option

// Label returns the label of code, and false when code is not in the list.
func (o Options) Label(code string) (Label, bool) {
	for _, opt := range o {
		if opt.Code == code {
			return opt.Label, true
		}
	}
	return Label{}, false
}

// Find returns the code that text names: the code itself, or either label, in any case and
// spacing ("서울특별시", "Seoul", "11"), or one of aliases (short forms people write).
func (o Options) Find(text string, aliases map[string]string) (string, bool) {
	key := optionKey(text)
	if key == "" {
		return "", false
	}
	for _, opt := range o {
		if key == optionKey(opt.Code) || key == optionKey(opt.Label.Ko) || key == optionKey(opt.Label.En) {
			return opt.Code, true
		}
	}
	code, ok := aliases[key]
	return code, ok
}

// optionKey is text as names are compared: its letters and digits, in lower case ("카카오 T",
// "카카오T" and "kakao-t" are one).
func optionKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NotListed is Options.Position's answer for a code that is not in the list.
const NotListed = 255

// Position returns code's place in the list as one byte, the form compact rows keep (statistics
// in memory, simulations), or NotListed. Every list is far shorter than 255.
func (o Options) Position(code string) uint8 {
	for i := range o {
		if o[i].Code == code {
			return uint8(i)
		}
	}
	return NotListed
}

// Has reports whether code is in the list.
func (o Options) Has(code string) bool { _, ok := o.Label(code); return ok }

// Regions are the 17 provinces and metropolitan cities (시·도) by their 2-digit administrative
// codes, as docs/api.md lists them.
var Regions = Options{
	{"11", Label{"서울특별시", "Seoul"}},
	{"26", Label{"부산광역시", "Busan"}},
	{"27", Label{"대구광역시", "Daegu"}},
	{"28", Label{"인천광역시", "Incheon"}},
	{"29", Label{"광주광역시", "Gwangju"}},
	{"30", Label{"대전광역시", "Daejeon"}},
	{"31", Label{"울산광역시", "Ulsan"}},
	{"36", Label{"세종특별자치시", "Sejong"}},
	{"41", Label{"경기도", "Gyeonggi"}},
	{"43", Label{"충청북도", "Chungbuk"}},
	{"44", Label{"충청남도", "Chungnam"}},
	{"46", Label{"전라남도", "Jeonnam"}},
	{"47", Label{"경상북도", "Gyeongbuk"}},
	{"48", Label{"경상남도", "Gyeongnam"}},
	{"50", Label{"제주특별자치도", "Jeju"}},
	{"51", Label{"강원특별자치도", "Gangwon"}},
	{"52", Label{"전북특별자치도", "Jeonbuk"}},
}

// RegionAliases are the short forms of the regions' names that offices write ("서울",
// "서울시", "경기", "충북"), and their names before they changed (강원도, 전라북도).
var RegionAliases = map[string]string{
	"서울": "11", "서울시": "11", "부산": "26", "부산시": "26", "대구": "27", "대구시": "27", "인천": "28", "인천시": "28",
	"광주": "29", "대전": "30", "대전시": "30", "울산": "31", "울산시": "31", "세종": "36", "세종시": "36",
	"경기": "41", "충북": "43", "충남": "44", "전남": "46", "경북": "47", "경남": "48",
	"제주": "50", "제주도": "50", "강원": "51", "강원도": "51", "전북": "52", "전라북도": "52",
}

// IndustryAliases are the ways industries are commonly written besides their labels.
var IndustryAliases = map[string]string{
	"외식": "food", "음식점": "food", "음식점업": "food", "요식업": "food",
	"서비스": "services", "운수": "transport", "운송업": "transport",
	"도소매": "retail", "도매업": "retail", "소매업": "retail", "도매": "retail", "소매": "retail", "기타업종": "other",
}

// Industries are the industry groups the federation used when it published its shares.
var Industries = Options{
	{"food", Label{"외식업", "Food service"}},
	{"services", Label{"서비스업", "Services"}},
	{"transport", Label{"운수업", "Transport"}},
	{"retail", Label{"도소매업", "Wholesale and retail"}},
	{"other", Label{"기타", "Other"}},
}

// DamageTypes are the kinds of harm a report can name (several per report).
var DamageTypes = Options{
	{"orders_lost", Label{"주문·예약 접수 불가", "Could not take orders or reservations"}},
	{"payment_failed", Label{"결제 불가", "Payments failed"}},
	{"dispatch_failed", Label{"배차·길안내 불가", "No dispatch or navigation"}},
	{"login_failed", Label{"로그인·인증 불가", "Login or authentication failed"}},
	{"notifications_failed", Label{"주문·배송 알림 불가", "Order and delivery notices failed"}},
	{"records_unreachable", Label{"주문내역·고객 연락처 조회 불가", "Order history and customer contacts unreachable"}},
	{"other", Label{"기타", "Other"}},
}

// ExportFields are the fields an export adds to a report's own: what the server recorded.
var ExportFields = Options{
	{"receipt", Label{"접수번호", "Receipt"}},
	{"status", Label{"처리 상태", "Status"}},
	{"received_at", Label{"접수 시각", "Received at"}},
	{"channel", Label{"접수 경로", "Channel"}},
	{"demo", Label{"시연용", "Demo"}},
}

// PaymentFields are the columns of a payment file.
var PaymentFields = Options{
	{"payment_id", Label{"지급번호", "Payment ID"}},
	{"receipt", Label{"접수번호", "Receipt"}},
	{"kind", Label{"구분", "Kind"}},
	{"business_name", Label{"상호", "Business name"}},
	{"business_number", Label{"사업자등록번호", "Business registration number"}},
	{"representative", Label{"대표자", "Representative"}},
	{"amount", Label{"지급액(원)", "Amount (KRW)"}},
	{"bank", Label{"은행", "Bank"}},
	{"account_number", Label{"계좌번호", "Account number"}},
	{"account_holder", Label{"예금주", "Account holder"}},
}

// Fields are the report's input fields in form order, with the names people see. The JSON API,
// CSV and XLSX headers and the form's input names all use these codes (docs/api.md).
var Fields = Options{
	{"incident", Label{"장애", "Incident"}},
	{"business_name", Label{"상호", "Business name"}},
	{"business_number", Label{"사업자등록번호", "Business registration number"}},
	{"no_business_number_reason", Label{"사업자등록번호가 없는 사유", "Reason for having no business number"}},
	{"representative", Label{"대표자 성명", "Representative's name"}},
	{"phone", Label{"연락처", "Phone number"}},
	{"email", Label{"이메일", "E-mail"}},
	{"region", Label{"시·도", "Province or city"}},
	{"district", Label{"시·군·구", "City, county or district"}},
	{"industry", Label{"업종", "Industry"}},
	{"services", Label{"피해 서비스", "Affected services"}},
	{"damage_types", Label{"피해 유형", "Kinds of damage"}},
	{"damage_start", Label{"피해 시작일", "Damage from"}},
	{"damage_end", Label{"피해 종료일", "Damage until"}},
	{"usual_daily_sales", Label{"평소 하루 매출", "Usual daily sales"}},
	{"claimed_loss", Label{"피해 금액", "Claimed loss"}},
	{"description", Label{"피해 내용", "What happened"}},
	{"consent", Label{"개인정보 수집·이용 동의", "Consent to the use of personal data"}},
}
