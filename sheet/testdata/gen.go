//go:build ignore

// gen writes the import fixtures: the same rows as UTF-8 CSV, CP949 CSV with Korean headers,
// and XLSX with date, number and boolean cells. Run from sheet/: go run testdata/gen.go
package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/korean"
)

var header = []string{"incident", "business_name", "business_number", "representative", "phone", "region", "industry",
	"services", "damage_types", "damage_start", "damage_end", "usual_daily_sales", "claimed_loss", "description", "consent"}

var koreanHeader = []string{"장애", "상호", "사업자등록번호", "대표자 성명", "연락처", "시·도", "업종",
	"피해 서비스", "피해 유형", "피해 시작일", "피해 종료일", "평소 하루 매출", "피해 금액", "피해 내용", "개인정보 수집·이용 동의"}

// Rows 2 and 3 are good, 4 has a mistyped business number, 5 a service of another incident
// and a date after the outage, 6 is blank, 7 is good (KT).
var rows = [][]string{
	{"kakao-2022-10", "가나다식당", "124-81-00998", "이하나", "010-1111-2222", "11", "food", "talk-channel;kakao-pay", "orders_lost",
		"2022-10-15", "2022-10-16", "1,500,000", "300,000", "주문 확인 불가, 예약 \"취소\"", "예"},
	{"kakao-2022-10", "라마바택시", "220-81-62517", "박두리", "010 3333 4444", "26", "transport", "kakao-t", "dispatch_failed",
		"2022.10.15", "2022.10.16", "", "150000", "", "Y"},
	{"kakao-2022-10", "잘못된번호상회", "124-81-00999", "최셋", "010-5555-6666", "41", "retail", "kakao-pay", "payment_failed",
		"2022-10-15", "2022-10-16", "", "50000", "", "true"},
	{"kakao-2022-10", "엉뚱한서비스", "102-81-42945", "정넷", "02-123-4567", "11", "services", "landline", "",
		"2022-10-15", "2022-11-30", "", "70000", "", "true"},
	{"", "", "", "", "", "", "", "", "", "", "", "", "", "", ""},
	{"kt-2018-11", "아현분식", "104-81-37225", "강다섯", "02-312-0000", "11", "food", "landline;card-terminal", "orders_lost;payment_failed",
		"2018-11-24", "2018-11-30", "800000", "2,000,000원", "=HYPERLINK(\"x\")", "true"},
}

func main() {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	w.WriteAll(rows)
	os.WriteFile("testdata/reports-utf8.csv", buf.Bytes(), 0o644)

	buf.Reset()
	w = csv.NewWriter(&buf)
	w.Write(koreanHeader)
	w.WriteAll(rows)
	cp949, err := korean.EUCKR.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		panic(err)
	}
	os.WriteFile("testdata/reports-cp949.csv", cp949, 0o644)

	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &header)
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		if r[0] != "" {
			for _, j := range []int{9, 10} { // dates as real date cells
				d, err := time.Parse("2006-01-02", r[j])
				if err != nil {
					d, _ = time.Parse("2006.01.02", r[j])
				}
				cells[j] = d
			}
			cells[12] = 300000 * (i + 1) // a number cell
			cells[14] = true             // a boolean cell
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Sheet1", cell, &cells)
		for _, col := range []string{"J", "K"} {
			f.SetCellStyle("Sheet1", col+itoa(i+2), col+itoa(i+2), dateStyle)
		}
	}
	if err := f.SaveAs("testdata/reports.xlsx"); err != nil {
		panic(err)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
