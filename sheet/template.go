package sheet

import (
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/claimdesk/claimdesk"
)

// WriteImportTemplate writes a workbook for an office to fill in: on its first sheet the
// import's headers in lang and one example row written as people write (names, not codes); on
// its second, the values each coded column takes, the incident's services among them when inc
// is given.
func WriteImportTemplate(w io.Writer, inc *claimdesk.Incident, lang claimdesk.Lang) error {
	f := excelize.NewFile()
	defer f.Close()
	reports, values := claimdesk.Message(lang, "template.reports"), claimdesk.Message(lang, "template.values")
	if err := f.SetSheetName("Sheet1", reports); err != nil {
		return err
	}
	if _, err := f.NewSheet(values); err != nil {
		return err
	}
	label := func(code string) string { l, _ := claimdesk.Fields.Label(code); return l.In(lang) }
	region, _ := claimdesk.Regions.Label("11")
	industry, _ := claimdesk.Industries.Label("food")
	damage, _ := claimdesk.DamageTypes.Label("orders_lost")
	example := map[string]any{
		"incident": "kakao-2022-10", "business_name": "행복떡집", "business_number": "120-81-47521",
		"representative": "김민지", "phone": "010-2345-6789", "email": "owner@example.com", "region": region.In(lang),
		"district": "마포구", "industry": industry.In(lang), "services": "톡채널; 카카오페이", "damage_types": damage.In(lang),
		"damage_start": "2022-10-15", "damage_end": "2022-10-17", "usual_daily_sales": "150만원", "claimed_loss": "90만원",
		"description": "톡채널 예약 확인 불가", "consent": claimdesk.Message(lang, "yes_no.true"),
	}
	var services []string
	if inc != nil {
		example["incident"] = inc.ID
		first, _ := inc.DamagePeriod(inc.StartedAt)
		example["damage_start"], example["damage_end"] = first.String(), first.String()
		for _, s := range inc.Services {
			services = append(services, s.Name.In(lang))
		}
		example["services"] = services[0]
	}
	var header, row []any
	for _, fd := range claimdesk.Fields {
		header = append(header, fd.Label.In(lang))
		row = append(row, example[fd.Code])
	}
	if err := f.SetSheetRow(reports, "A1", &header); err != nil {
		return err
	}
	if err := f.SetSheetRow(reports, "A2", &row); err != nil {
		return err
	}
	names := func(o claimdesk.Options) []string {
		out := make([]string, len(o))
		for i, opt := range o {
			out[i] = opt.Label.In(lang)
		}
		return out
	}
	lists := []struct {
		field  string
		values []string
	}{
		{"region", names(claimdesk.Regions)}, {"industry", names(claimdesk.Industries)}, {"services", services},
		{"damage_types", names(claimdesk.DamageTypes)},
		{"consent", []string{claimdesk.Message(lang, "yes_no.true"), claimdesk.Message(lang, "yes_no.false")}},
	}
	for col, l := range lists {
		if len(l.values) == 0 {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(col+1, 1)
		f.SetCellValue(values, cell, label(l.field))
		for i, v := range l.values {
			cell, _ := excelize.CoordinatesToCellName(col+1, i+2)
			f.SetCellValue(values, cell, v)
		}
	}
	_, err := f.WriteTo(w)
	return err
}
