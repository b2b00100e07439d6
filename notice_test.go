package claimdesk_test

import (
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// Every notice reads in both languages, with no catalogue key left in it, the receipt first and
// the link last; a long request is shortened to fit an LMS, never the receipt or the link.
func TestNoticeTexts(t *testing.T) {
	r := &claimdesk.Report{Receipt: "7QX-4M9-AKP", BusinessName: "행복떡집", MergedInto: "ABC-DEF-GHJ", InfoDocuments: []string{"photos"}}
	link := "https://claims.example.org/reports/7QX-4M9-AKP?token=abc"
	notices := []claimdesk.Notice{
		{Event: claimdesk.EventReportCreated, Report: r},
		{Event: claimdesk.EventStatusChanged, Report: r, To: claimdesk.StatusNeedsInfo, Message: "사진을 올려 주세요"},
		{Event: claimdesk.EventStatusChanged, Report: &claimdesk.Report{Receipt: r.Receipt}, To: claimdesk.StatusNeedsInfo, Message: "설명해 주세요"},
		{Event: claimdesk.EventStatusChanged, Report: r, To: claimdesk.StatusAccepted},
		{Event: claimdesk.EventStatusChanged, Report: r, To: claimdesk.StatusMerged},
		{Event: claimdesk.EventCorrected, Report: r, Fields: []string{"phone"}, Reason: "오타"},
		{Event: claimdesk.EventPayoutReleased, Report: r, Amount: 100000, Until: claimdesk.Date{Year: 2022, Month: 11, Day: 30}},
		{Event: claimdesk.EventPaymentMade, Report: r, Amount: 100000},
		{Event: claimdesk.EventOfferReminder, Report: r, Amount: 100000, Until: claimdesk.Date{Year: 2022, Month: 11, Day: 30}},
		{Event: claimdesk.EventRecovery, Report: r},
		{Event: claimdesk.EventAnnouncement, Report: r, Message: "11-30까지 매출 자료를 올려 주세요"},
	}
	for _, n := range notices {
		for _, lang := range []claimdesk.Lang{claimdesk.Korean, claimdesk.English} {
			subject, text := n.Text(lang, link, claimdesk.LMSLimit)
			if strings.Contains(subject+text, "notice.") || strings.Contains(subject+text, "%!") {
				t.Errorf("%s %s/%s: a key or a bad verb in %q / %q", lang, n.Event, n.To, subject, text)
			}
			lines := strings.Split(text, "\n")
			if !strings.Contains(lines[0], r.Receipt) || !strings.Contains(subject, r.Receipt) || !strings.Contains(text, link) ||
				!strings.Contains(lines[len(lines)-1], claimdesk.Message(lang, "notice.fewer")) {
				t.Errorf("%s %s/%s: want the receipt first, in the subject, and the link: %q", lang, n.Event, n.To, text)
			}
			if n.Message != "" && !strings.Contains(text, n.Message) {
				t.Errorf("%s %s: the message %q is missing from %q", lang, n.Event, n.Message, text)
			}
		}
	}
	long := claimdesk.Notice{Event: claimdesk.EventStatusChanged, Report: r, To: claimdesk.StatusNeedsInfo, Message: strings.Repeat("매출 자료를 올려 주세요. ", 200)}
	_, text := long.Text(claimdesk.Korean, link, claimdesk.LMSLimit)
	if n := claimdesk.LMSBytes(text); n > claimdesk.LMSLimit || n < claimdesk.LMSLimit-10 {
		t.Errorf("a long request is %d bytes, want just within %d", n, claimdesk.LMSLimit)
	}
	if !strings.Contains(text, r.Receipt) || !strings.Contains(text, link) || !strings.Contains(text, "…") {
		t.Errorf("a shortened request lost the receipt, the link or its mark: %q", text)
	}
	named := claimdesk.Notice{Event: claimdesk.EventReportCreated, Report: r, Sender: "소상공인연합회"}
	if subject, text := named.Text(claimdesk.Korean, link, 0); !strings.HasPrefix(subject, "[소상공인연합회] ") || !strings.HasPrefix(text, "[소상공인연합회] 접수번호 ") {
		t.Errorf("a named sender: %q / %q", subject, text)
	}
	if (claimdesk.Notice{Event: claimdesk.EventStatusChanged, To: claimdesk.StatusInReview}).Essential() {
		t.Error("a move into review is not essential")
	}
}
