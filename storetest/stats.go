package storetest

import (
	"testing"

	"github.com/claimdesk/claimdesk"
)

// testStats files the four reports of the dashboard's acceptance check and reads the tables.
func testStats(t *testing.T, s Store) {
	rev, _ := staff(t, s, "rev@example.org", claimdesk.RoleReviewer)
	rows := []struct {
		name, brn, phone, region, industry string
		services                           []string
		loss                               int64
	}{
		{"가게하나", "124-81-00998", "010-1000-0001", "11", "food", []string{"talk-channel", "kakao-pay"}, 100000},
		{"가게둘", "120-81-47521", "010-1000-0002", "41", "food", []string{"talk-channel"}, 200000},
		{"가게셋", "220-81-62517", "010-1000-0003", "50", "transport", []string{"kakao-t"}, 300000},
		{"가게넷", "104-81-37225", "010-1000-0004", "11", "services", []string{"talk-channel", "kakao-pay"}, 400000},
	}
	var receipts []string
	for i, row := range rows {
		r := file(t, s, merchant(t), i, func(r *claimdesk.Report) {
			r.BusinessName, r.BusinessNumber, r.Phone, r.Region, r.Industry, r.Services, r.ClaimedLoss =
				row.name, row.brn, row.phone, row.region, row.industry, row.services, row.loss
		})
		receipts = append(receipts, r.Receipt)
	}
	st, err := s.Stats.IncidentStats(ctx(t), "kakao-2022-10", claimdesk.StatsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalReports != 4 || st.TotalClaimedLoss != 1_000_000 || st.TotalBusinesses != 4 {
		t.Fatalf("totals %d %d %d", st.TotalReports, st.TotalClaimedLoss, st.TotalBusinesses)
	}
	if st.ByService[0].Service != "talk-channel" || st.ByService[0].Share != 0.75 || st.ByService[1].Share != 0.5 {
		t.Errorf("by service %+v", st.ByService[:3])
	}
	if st.ByIndustry[0].Share != 0.5 || st.ByRegion[0].Region != "11" || st.ByRegion[0].Share != 0.5 {
		t.Errorf("industry %+v region %+v", st.ByIndustry[0], st.ByRegion[0])
	}
	if len(st.ByDay) != 1 || st.ByDay[0].Count != 4 || st.PaidVsFree.Paid.Count != 3 {
		t.Errorf("days %+v paid %+v", st.ByDay, st.PaidVsFree)
	}
	// Filters narrow every table; a decision moves the funnel.
	seoul, _ := s.Stats.IncidentStats(ctx(t), "kakao-2022-10", claimdesk.StatsQuery{Region: "11"})
	if seoul.TotalReports != 2 || seoul.ByService[0].Share != 1 {
		t.Errorf("Seoul: %d reports, %+v", seoul.TotalReports, seoul.ByService[0])
	}
	if _, err := s.Review.ChangeStatus(rev, receipts[2], claimdesk.StatusChange{To: claimdesk.StatusInReview}); err != nil {
		t.Fatal(err)
	}
	st, _ = s.Stats.IncidentStats(ctx(t), "kakao-2022-10", claimdesk.StatsQuery{})
	if st.ByStatus[0].Count != 3 || st.ByStatus[1].Count != 1 {
		t.Errorf("funnel after a decision %+v", st.ByStatus[:2])
	}
	inReview, _ := s.Stats.IncidentStats(ctx(t), "kakao-2022-10", claimdesk.StatsQuery{Statuses: []claimdesk.Status{claimdesk.StatusInReview}})
	if inReview.TotalReports != 1 || inReview.ByIndustry[1].Industry != "services" || inReview.ByIndustry[2].Count != 1 {
		t.Errorf("in review: %d %+v", inReview.TotalReports, inReview.ByIndustry)
	}
	other, _ := s.Stats.IncidentStats(ctx(t), "kt-2018-11", claimdesk.StatsQuery{})
	if other.TotalReports != 0 || len(other.ByService) != 4 {
		t.Errorf("kt: %+v", other)
	}
	_, err = s.Stats.IncidentStats(ctx(t), "nope", claimdesk.StatsQuery{})
	wantCode(t, err, claimdesk.ENOTFOUND)
}
