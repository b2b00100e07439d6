package http

import (
	"fmt"

	"github.com/claimdesk/claimdesk"
)

// text returns a page text in lang: from the pages' own catalogue, else from the domain's.
func text(lang claimdesk.Lang, key string, args ...any) string {
	l, ok := pageTexts[key]
	if !ok {
		if l, ok = consoleTexts[key]; !ok {
			return claimdesk.Message(lang, key, args...)
		}
	}
	s := l.In(lang)
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// pageTexts are the words of the pages, in Korean and English.
var pageTexts = map[string]claimdesk.Label{
	"site.name":      {Ko: "플랫폼 장애 피해신고센터", En: "Platform Outage Damage Reports"},
	"site.skip":      {Ko: "본문으로 건너뛰기", En: "Skip to content"},
	"site.switch":    {Ko: "English", En: "한국어"},
	"site.footer":    {Ko: "신고 내용은 피해 규모 파악과 보상 심사에만 쓰입니다.", En: "Reports are used only to measure the damage and to review compensation."},
	"site.lookup":    {Ko: "내 신고 확인", En: "Check my report"},
	"site.requestid": {Ko: "오류 번호", En: "Error reference"},

	"home.title":    {Ko: "피해 신고", En: "Report damage"},
	"home.lead":     {Ko: "플랫폼 장애로 영업에 피해를 입은 소상공인은 이곳에서 피해를 신고할 수 있습니다. 다른 서비스에 가입하거나 로그인할 필요가 없고, 3분 정도 걸립니다. 접수하면 접수번호를 드립니다.", En: "Small businesses that lost trade to a platform outage can report their damage here. No sign-up or login with any other service is needed, and it takes about three minutes. You get a receipt number when it is filed."},
	"home.open":     {Ko: "신고를 받고 있는 장애", En: "Outages taking reports"},
	"home.none":     {Ko: "지금 신고를 받고 있는 장애가 없습니다.", En: "No outage is taking reports at the moment."},
	"home.period":   {Ko: "장애 기간", En: "Outage"},
	"home.ongoing":  {Ko: "계속 중", En: "ongoing"},
	"home.services": {Ko: "피해 서비스 %d개", En: "%d services affected"},
	"home.report":   {Ko: "이 장애 피해 신고하기", En: "Report damage from this outage"},
	"home.lookup":   {Ko: "이미 신고하셨나요? 접수번호와 전화번호로 신고 내용과 진행 상황을 볼 수 있습니다.", En: "Already reported? See your report and its progress with your receipt number and phone number."},

	"form.title":          {Ko: "%s 피해 신고", En: "Damage report: %s"},
	"form.lead":           {Ko: "(필수)라고 적힌 항목만 꼭 채우면 됩니다. 나중에 보완을 요청드릴 수 있습니다.", En: "Only the fields marked (required) must be filled in; we may ask you for more later."},
	"form.required":       {Ko: "필수", En: "required"},
	"form.error":          {Ko: "오류", En: "Error"},
	"form.summary":        {Ko: "고칠 곳이 %d군데 있습니다", En: "There are %d things to fix"},
	"form.business":       {Ko: "사업장", En: "Your business"},
	"form.contact":        {Ko: "대표자와 연락처", En: "Owner and contact"},
	"form.where":          {Ko: "지역과 업종", En: "Location and industry"},
	"form.damage":         {Ko: "피해 내용", En: "The damage"},
	"form.consent":        {Ko: "개인정보 수집·이용 동의", En: "Consent to the use of personal data"},
	"form.submit":         {Ko: "신고 접수하기", En: "File the report"},
	"form.closed":         {Ko: "이 장애의 피해 신고 접수는 끝났습니다.", En: "This outage no longer takes damage reports."},
	"form.resubmitted":    {Ko: "이 신고서는 이미 한 번 다른 내용으로 접수되었습니다. 새 신고로 따로 접수하려면 내용을 확인하고 다시 '신고 접수하기'를 누르세요. 이미 접수한 신고를 고치려면 그 신고의 페이지를 이용하세요.", En: "This form was already filed once with other content. To file it as a separate new report, check it and press 'File the report' again; to change the report already filed, use its own page."},
	"form.approx":         {Ko: "약", En: "approx."},
	"form.paid":           {Ko: "유료", En: "paid"},
	"form.free":           {Ko: "무료", En: "free"},
	"form.choose":         {Ko: "선택하세요", En: "Choose"},
	"form.won":            {Ko: "원", En: "KRW"},
	"form.consent.agree":  {Ko: "위 내용을 읽었으며 개인정보 수집·이용에 동의합니다", En: "I have read the above and agree to the collection and use of my personal data"},
	"form.consent.items":  {Ko: "수집 항목: 상호, 사업자등록번호, 대표자 성명, 연락처, 이메일, 지역, 업종, 피해 내용과 금액", En: "What: business name and number, owner's name, phone, e-mail, location, industry, the damage and its amount"},
	"form.consent.use":    {Ko: "이용 목적: 피해 규모 파악, 피해 신고 검토, 보상 산정과 지급, 진행 상황 안내", En: "Why: to measure the damage, review reports, compute and pay compensation, and tell you how your report is doing"},
	"form.consent.keep":   {Ko: "보유 기간: 보상 절차가 끝날 때까지. 관련 법령이 보관을 정한 경우 그 기간까지", En: "How long: until the compensation process ends, or longer where a law requires it"},
	"form.consent.refuse": {Ko: "동의하지 않을 수 있지만, 동의하지 않으면 신고를 접수할 수 없습니다.", En: "You may refuse, but a report cannot be filed without consent."},
	"form.honeypot":       {Ko: "이 칸은 비워 두세요", En: "Leave this empty"},

	"hint.business_name":             {Ko: "간판이나 사업자등록증에 적힌 이름", En: "As on your sign or business registration certificate"},
	"hint.business_number":           {Ko: "숫자 10자리. '-'는 넣어도 빼도 됩니다. 예: 120-81-47521", En: "10 digits, with or without dashes, e.g. 120-81-47521"},
	"hint.no_business_number_reason": {Ko: "사업자등록번호가 없을 때만 적어 주세요. 예: 대리운전 기사, 배달 기사", En: "Only if you have no business number, e.g. designated driver, delivery rider"},
	"hint.phone":                     {Ko: "진행 상황을 알려 드릴 번호. 예: 010-1234-5678", En: "Where we tell you how your report is doing, e.g. 010-1234-5678"},
	"hint.email":                     {Ko: "선택", En: "Optional"},
	"hint.district":                  {Ko: "선택. 예: 수원시, 마포구", En: "Optional, e.g. Suwon-si, Mapo-gu"},
	"hint.services":                  {Ko: "장애로 쓰지 못해 피해를 입은 서비스를 모두 고르세요. 괄호 안은 장애 시간입니다.", En: "Choose every service whose outage cost you trade; the outage times are in brackets."},
	"hint.damage_types":              {Ko: "해당하는 것을 모두 고르세요 (선택).", En: "Choose all that apply (optional)."},
	"hint.damage_dates":              {Ko: "장애 기간: %s ~ %s. 예: 2022-10-15", En: "The outage ran from %s to %s, e.g. 2022-10-15"},
	"hint.usual_daily_sales":         {Ko: "장애가 없던 평소의 하루 매출, 원 단위 (선택). 예: 1,500,000", En: "Your sales on a normal day, in won (optional), e.g. 1,500,000"},
	"hint.claimed_loss":              {Ko: "이번 장애로 입은 피해 금액(추정), 원 단위. 예: 900,000", En: "What the outage cost you (an estimate), in won, e.g. 900,000"},
	"hint.description":               {Ko: "무슨 일이 있었는지 자유롭게 적어 주세요 (선택, 4,000자 이내).", En: "Tell us what happened (optional, at most 4,000 characters)."},

	"report.title":         {Ko: "신고 %s", En: "Report %s"},
	"report.filed":         {Ko: "신고가 접수되었습니다", En: "Your report has been filed"},
	"report.receipt":       {Ko: "접수번호", En: "Receipt number"},
	"report.keep":          {Ko: "접수번호를 적어 두세요. 접수번호와 전화번호로 언제든 이 신고를 다시 볼 수 있습니다.", En: "Write the receipt number down: with it and your phone number you can see this report again at any time."},
	"report.link":          {Ko: "이 신고를 바로 여는 주소", En: "The address that opens this report"},
	"report.link.hint":     {Ko: "즐겨찾기에 넣거나 문자로 자신에게 보내 두세요. 이 주소를 아는 사람은 신고 내용을 볼 수 있으니 다른 사람과 나누지 마세요.", En: "Bookmark it or text it to yourself. Anyone with this address can see the report, so do not share it."},
	"report.status":        {Ko: "진행 상황", En: "Status"},
	"report.next":          {Ko: "담당자가 신고를 검토합니다. 자료가 더 필요하면 이 페이지와 연락처로 알려 드립니다.", En: "Staff will review your report; if more is needed we will say so on this page and contact you."},
	"report.details":       {Ko: "신고 내용", En: "What you reported"},
	"report.damage_period": {Ko: "피해 기간", En: "Damage period"},
	"report.request":       {Ko: "담당자가 자료를 더 요청했습니다", En: "Staff have asked for more information"},
	"report.answer":        {Ko: "답변", En: "Your answer"},
	"report.answer.hint":   {Ko: "요청에 대한 답을 적고, 고칠 내용이 있으면 아래에서 고친 뒤 보내 주세요.", En: "Answer the request and, if anything needs correcting, correct it below before sending."},
	"report.answer.fields": {Ko: "신고 내용 고치기", En: "Correct your report"},
	"report.answer.submit": {Ko: "답변 보내기", En: "Send the answer"},
	"report.answered":      {Ko: "답변을 보냈습니다. 담당자가 다시 검토합니다.", En: "Your answer has been sent; staff will review the report again."},
	"report.your_answer":   {Ko: "보낸 답변", En: "Your answer"},
	"report.merged":        {Ko: "이 신고는 같은 사업장의 다른 신고(%s)와 합쳐졌습니다. 그 신고로 처리됩니다.", En: "This report was merged with another of the same business (%s), which goes on in its place."},
	"report.received":      {Ko: "접수 일시", En: "Filed"},
	"report.channel":       {Ko: "접수 경로", En: "Filed through"},
	"report.none":          {Ko: "없음", En: "none"},
	"report.another":       {Ko: "다른 신고하기", En: "File another report"},

	"offer.title":               {Ko: "보상 안내", En: "Your compensation"},
	"offer.payments":            {Ko: "지급 내역", En: "Payments"},
	"offer.award":               {Ko: "담당자가 제출하신 자료를 보고 보상액을 정했습니다.", En: "Staff set this amount after looking at your documents."},
	"payment.line":              {Ko: "%s %s (%s) — %s", En: "%s %s (%s) — %s"},
	"payment.offer":             {Ko: "보상액", En: "Compensation"},
	"payment.top_up":            {Ko: "추가 지급", En: "Top-up"},
	"payment.owed":              {Ko: "지급 예정", En: "to be paid"},
	"payment.in_file":           {Ko: "은행 이체 준비 중", En: "being transferred"},
	"payment.paid":              {Ko: "%s 지급 완료", En: "paid on %s"},
	"offer.amount":              {Ko: "제시된 보상액", En: "Amount offered"},
	"offer.how":                 {Ko: "이렇게 계산했습니다", En: "How it was computed"},
	"offer.policy":              {Ko: "보상 기준: %s (%d판)", En: "Policy: %s (version %d)"},
	"offer.review":              {Ko: "신고하신 피해 금액은 자동 산정 범위를 넘어, 담당자가 자료를 보고 보상액을 따로 정합니다.", En: "The loss you reported is above what is computed automatically; staff will set the amount after looking at your documents."},
	"offer.ineligible":          {Ko: "이 신고는 이번 보상 기준에 해당하지 않습니다.", En: "This report is not covered by the compensation policy."},
	"offer.choose":              {Ko: "보상액을 받으시려면 입금받을 계좌를 알려 주세요. 금액이 맞지 않으면 %s까지 이의 신청을 할 수 있습니다.", En: "To receive the amount, give the account to pay it into. If you think it is wrong, you can contest it until %s."},
	"offer.choose_late":         {Ko: "이의 신청 기간(%s까지)은 지났습니다. 보상액을 받으시려면 입금받을 계좌를 알려 주세요.", En: "The appeal window closed on %s. To receive the amount, give the account to pay it into."},
	"offer.contest_only":        {Ko: "이 판단이 맞지 않다고 생각하시면 %s까지 이의 신청을 할 수 있습니다.", En: "If you think this is wrong, you can contest it until %s."},
	"offer.accept":              {Ko: "보상액 받기", En: "Accept the amount"},
	"offer.accept.submit":       {Ko: "이 계좌로 받겠습니다", En: "Pay it into this account"},
	"offer.bank":                {Ko: "은행", En: "Bank"},
	"offer.bank.hint":           {Ko: "예: KB국민은행, 농협, 카카오뱅크", En: "e.g. KB Kookmin Bank, NongHyup, KakaoBank"},
	"offer.account_number":      {Ko: "계좌번호", En: "Account number"},
	"offer.account_number.hint": {Ko: "숫자만 또는 '-'를 넣어서. 예: 123456-01-234567", En: "Digits, with or without dashes, e.g. 123456-01-234567"},
	"offer.account_holder":      {Ko: "예금주", En: "Account holder"},
	"offer.account_holder.hint": {Ko: "대표자 또는 사업장 명의의 계좌", En: "An account in the owner's or the business's name"},
	"offer.contest":             {Ko: "이의 신청하기", En: "Contest the amount"},
	"offer.message":             {Ko: "이의 신청 사유", En: "Why you contest it"},
	"offer.message.hint":        {Ko: "예: 실제로 가게 문을 닫은 기간이 더 깁니다. 담당자가 다시 검토합니다.", En: "e.g. the shop was closed for longer. Staff will review the report again."},
	"offer.evidence":            {Ko: "증빙 자료 (선택)", En: "Evidence (optional)"},
	"offer.evidence.hint":       {Ko: "사진(JPG, PNG)이나 PDF, %d개까지, 파일마다 %dMB 이하. 예: 매출 장부, 영업 중단 안내문 사진", En: "Photos (JPG, PNG) or PDF, up to %d files of %d MB each, e.g. sales records, a photo of a closure notice"},
	"offer.evidence.again":      {Ko: "보안을 위해 고른 파일은 다시 골라 주세요.", En: "For your safety, choose the files again."},
	"offer.contest.submit":      {Ko: "이의 신청 보내기", En: "Send the contest"},
	"offer.accepted":            {Ko: "%s에 보상액을 받겠다고 답하셨습니다. 입금 계좌: %s %s (%s).", En: "On %s you accepted the amount, to be paid into %s %s (%s)."},
	"offer.paid_soon":           {Ko: "지급 일정은 연락처로 안내해 드립니다.", En: "We will tell you when it is paid."},
	"offer.contested":           {Ko: "%s에 이의 신청을 하셨습니다. 담당자가 다시 검토합니다.", En: "On %s you contested the amount; staff will review the report again."},
	"offer.your_message":        {Ko: "보낸 사유", En: "What you wrote"},
	"offer.your_files":          {Ko: "보낸 파일", En: "Files you sent"},
	"offer.done.accepted":       {Ko: "답변을 받았습니다. 알려 주신 계좌로 보상액을 보내 드립니다.", En: "Thank you: the amount will be paid into the account you gave."},
	"offer.done.contested":      {Ko: "이의 신청을 받았습니다. 담당자가 다시 검토합니다.", En: "Your contest has been received; staff will review the report again."},
	"offer.too_large":           {Ko: "보낸 파일이 모두 합쳐 너무 큽니다. 파일마다 %dMB 이하, %d개까지 올려 주세요.", En: "The files are too large together: at most %[2]d files of %[1]d MB each."},
	"channel.web":               {Ko: "웹 신고", En: "Web form"},
	"channel.api":               {Ko: "제휴 기관 연계", En: "Partner system"},
	"channel.staff":             {Ko: "창구·전화 접수", En: "Desk or phone"},
	"channel.import":            {Ko: "일괄 접수", En: "Batch import"},

	"lookup.title":   {Ko: "내 신고 확인", En: "Check my report"},
	"lookup.lead":    {Ko: "접수할 때 받은 접수번호와 신고할 때 적은 전화번호를 넣으세요.", En: "Enter the receipt number you were given and the phone number you reported with."},
	"lookup.receipt": {Ko: "접수번호", En: "Receipt number"},
	"lookup.phone":   {Ko: "신고할 때 적은 전화번호", En: "The phone number you reported with"},
	"lookup.hint":    {Ko: "9자리, 예: 7QX-4M9-AKP. 소문자로 적거나 '-'를 빼도 됩니다.", En: "9 characters, e.g. 7QX-4M9-AKP; lower case and no dashes are fine."},
	"lookup.submit":  {Ko: "신고 보기", En: "Show my report"},

	"error.title": {Ko: "요청을 처리하지 못했습니다", En: "We could not do that"},
	"error.home":  {Ko: "처음으로", En: "Back to the start"},
}
