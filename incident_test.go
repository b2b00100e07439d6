package claimdesk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

func TestReferenceIncidents(t *testing.T) {
	incs, err := claimdesk.ReferenceIncidents()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*claimdesk.Incident{}
	for _, inc := range incs {
		byID[inc.ID] = inc
	}
	k, kt := byID["kakao-2022-10"], byID["kt-2018-11"]
	if k == nil || kt == nil {
		t.Fatalf("reference incidents: %v", byID)
	}
	var ids []string
	for _, s := range k.Services {
		ids = append(ids, s.ID)
	}
	for _, id := range []string{"talk-channel", "kakaotalk", "kakao-pay", "gift", "login", "alimtalk",
		"talk-order", "kakao-t", "kakao-map", "kakao-ads", "melon"} {
		if !slices.Contains(ids, id) {
			t.Errorf("kakao-2022-10 lacks service %s", id)
		}
	}
	// The facts of DESIGN.md: down at 15:30 KST, everything back 127.5 hours later.
	if got := k.EndedAt.Sub(k.StartedAt); got != 127*time.Hour+30*time.Minute {
		t.Errorf("Kakao outage lasted %v, want 127.5h", got)
	}
	tc, _ := k.Service("talk-channel")
	if tc.OutageEnd.In(claimdesk.KST).Format("01-02 15:04") != "10-20 23:00" || tc.Paid {
		t.Errorf("talk-channel: %v paid=%v", tc.OutageEnd, tc.Paid)
	}
	msg, _ := k.Service("kakaotalk")
	if msg.OutageEnd.In(claimdesk.KST).Format("01-02 15:04") != "10-16 01:31" {
		t.Errorf("kakaotalk restored %v, want 10-16 01:31", msg.OutageEnd)
	}
	// KT's longest tier is 7 days or more, so some window must last that long, and such a
	// window is an estimate the data must own up to.
	longest := time.Duration(0)
	for _, s := range kt.Services {
		if d := s.OutageEnd.Sub(s.OutageStart); d > longest {
			longest = d
		}
		if !s.Approximate || s.Note.Ko == "" || s.Note.En == "" {
			t.Errorf("kt-2018-11 %s: approximate=%v without a note in both languages", s.ID, s.Approximate)
		}
	}
	if longest < 7*24*time.Hour {
		t.Errorf("longest KT window %v, want 7 days or more", longest)
	}
}

func TestIncidentDamagePeriod(t *testing.T) {
	inc := &claimdesk.Incident{StartedAt: time.Date(2022, 10, 15, 15, 30, 0, 0, claimdesk.KST),
		EndedAt: time.Date(2022, 10, 20, 23, 0, 0, 0, claimdesk.KST)}
	first, last := inc.DamagePeriod(time.Now())
	if first.String() != "2022-10-15" || last.String() != "2022-10-20" {
		t.Errorf("period %s..%s", first, last)
	}
	// An outage that starts late in the evening UTC is already the next day in Korea.
	inc.StartedAt = time.Date(2022, 10, 15, 20, 0, 0, 0, time.UTC)
	if first, _ := inc.DamagePeriod(time.Now()); first.String() != "2022-10-16" {
		t.Errorf("first day %s, want the KST day 2022-10-16", first)
	}
	inc.DamageUntil = claimdesk.Date{Year: 2022, Month: 10, Day: 31}
	if _, last := inc.DamagePeriod(time.Now()); last.String() != "2022-10-31" {
		t.Errorf("last day %s, want DamageUntil", last)
	}
}

func TestParseIncident(t *testing.T) {
	good := `{"id":"test-1","name":{"ko":"시험","en":"Test"},"started_at":"2024-01-01T09:00:00+09:00",
	"intake_open":true,"services":[{"id":"svc","name":{"ko":"서비스","en":"Service"},"category":"x",
	"outage_start":"2024-01-01T09:00:00+09:00","outage_end":"2024-01-01T10:00:00+09:00"}]}`
	if _, err := claimdesk.ParseIncident([]byte(good)); err != nil {
		t.Fatalf("good incident: %v", err)
	}
	bad := map[string]string{
		"unknown key":      `{"id":"x1","nmae":{}}`,
		"no services":      `{"id":"test-1","name":{"ko":"a","en":"b"},"started_at":"2024-01-01T09:00:00+09:00"}`,
		"window backwards": `{"id":"test-1","name":{"ko":"a","en":"b"},"started_at":"2024-01-01T09:00:00+09:00","services":[{"id":"svc","name":{"ko":"a","en":"b"},"outage_start":"2024-01-01T09:00:00+09:00","outage_end":"2024-01-01T08:00:00+09:00"}]}`,
		"bad id":           `{"id":"Bad ID","name":{"ko":"a","en":"b"},"started_at":"2024-01-01T09:00:00+09:00","services":[{"id":"svc","name":{"ko":"a","en":"b"},"outage_start":"2024-01-01T09:00:00+09:00"}]}`,
	}
	for name, doc := range bad {
		if _, err := claimdesk.ParseIncident([]byte(doc)); claimdesk.ErrorCode(err) != claimdesk.EINVALID {
			t.Errorf("%s: err %v, want invalid", name, err)
		}
	}
}

func TestPreferredLang(t *testing.T) {
	tests := map[string]claimdesk.Lang{
		"":                       claimdesk.Korean,
		"ko-KR,ko;q=0.9":         claimdesk.Korean,
		"en-US,en;q=0.9":         claimdesk.English,
		"en-US,ko;q=0.9":         claimdesk.English,
		"ko;q=0.5,en;q=0.8":      claimdesk.English,
		"fr-FR,fr;q=0.9":         claimdesk.Korean,
		"en;q=0":                 claimdesk.Korean,
		"ko-KR, en-US;q=0.9, *":  claimdesk.Korean,
		"de, en;q=0.5, ko;q=0.5": claimdesk.Korean,
	}
	for header, want := range tests {
		if got := claimdesk.PreferredLang(header); got != want {
			t.Errorf("PreferredLang(%q) = %s, want %s", header, got, want)
		}
	}
}
