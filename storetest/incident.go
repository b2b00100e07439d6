package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

// Incidents change while an outage goes on: each change is a version with who, when and what
// changed; an edit made from an older version is refused rather than lost.
func testIncidentVersions(t *testing.T, s Store) {
	adm := admin(t, 1)
	inc := testIncident("live-2024-04")
	analyst, _ := staff(t, s, "analyst@example.org", claimdesk.RoleAnalyst)
	wantCode(t, s.Incidents.CreateIncident(analyst, inc), claimdesk.EFORBIDDEN)
	if err := s.Incidents.CreateIncident(adm, inc); err != nil || inc.Version != 1 {
		t.Fatalf("create: version %d, %v", inc.Version, err)
	}
	wantCode(t, s.Incidents.CreateIncident(adm, testIncident("live-2024-04")), claimdesk.ECONFLICT)

	// A corrected restoration, with its source.
	fix, _ := s.Incidents.FindIncidentByID(ctx(t), inc.ID)
	fix.Services[0].MainBack = claimdesk.Restoration{At: fix.StartedAt.Add(18 * time.Hour), Source: "https://example.org/notice-2"}
	if err := s.Incidents.UpdateIncident(adm, fix, 1); err != nil || fix.Version != 2 {
		t.Fatalf("update: version %d, %v", fix.Version, err)
	}
	got, _ := s.Incidents.FindIncidentByID(ctx(t), inc.ID)
	if got.Version != 2 || !got.Services[0].MainBack.At.Equal(fix.StartedAt.Add(18*time.Hour)) || got.Services[0].MainBack.Source == "" {
		t.Fatalf("after the update: version %d, %+v", got.Version, got.Services[0].MainBack)
	}
	// Someone still looking at version 1 cannot overwrite version 2.
	stale := testIncident("live-2024-04")
	stale.Name.Ko = "고쳐 쓴 이름"
	wantCode(t, s.Incidents.UpdateIncident(adm, stale, 1), claimdesk.ECONFLICT)
	wantCode(t, s.Incidents.UpdateIncident(adm, testIncident("nobody-2024"), 0), claimdesk.ENOTFOUND)
	// Nothing changed, no version.
	same, _ := s.Incidents.FindIncidentByID(ctx(t), inc.ID)
	if err := s.Incidents.UpdateIncident(adm, same, 2); err != nil || same.Version != 2 {
		t.Fatalf("an unchanged incident: version %d, %v", same.Version, err)
	}

	versions, err := s.Incidents.IncidentVersions(ctx(t), inc.ID)
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions: %d, %v", len(versions), err)
	}
	v := versions[1]
	i := slices.IndexFunc(v.Changes, func(c claimdesk.IncidentChange) bool { return c.Field == "services.pay.main_back" })
	if v.Version != 2 || v.Origin != "edit" || !strings.Contains(v.Actor, "admin@example.org") || i < 0 || v.Changes[i].Service != "pay" ||
		v.Changes[i].From == "" || v.Changes[i].To == "" || v.Incident == nil || len(v.Changes) != 1 {
		t.Errorf("version 2: %+v", v)
	}
	res, err := s.Audit.VerifyAudit(ctx(t), nil)
	if err != nil || !res.OK() {
		t.Errorf("audit after incident changes: %+v %v", res, err)
	}
}

// An incident opened on one server takes reports on another at once, and so does a corrected
// window: neither waits for a cache to expire.
func testIntakeOpensOnSecondServer(t *testing.T, s Store) {
	other := s.Second(t)
	inc := testIncident("live-2024-05")
	inc.IntakeOpen = false
	if err := s.Incidents.CreateIncident(admin(t, 1), inc); err != nil {
		t.Fatal(err)
	}
	r := NewReport(1)
	r.Incident, r.Services = inc.ID, []string{"pay"}
	r.DamageStart, r.DamageEnd = claimdesk.DateOf(inc.StartedAt), claimdesk.DateOf(inc.StartedAt)
	_, _, err := other.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{})
	wantCode(t, err, claimdesk.EINVALID) // closed, and now in the second server's cache
	inc.IntakeOpen = true
	if err := s.Incidents.UpdateIncident(admin(t, 1), inc, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{}); err != nil {
		t.Fatalf("a report on the second server right after intake opened: %v", err)
	}
}

// Data files and edits resolve by version: a file is applied when new, when it names a later
// version, or when the stored version came from a file too; an edit in the console stands
// against an older file.
func testSeedByVersion(t *testing.T, s Store) {
	file := testIncident("seeded-2024-06")
	if err := s.Seed(ctx(t), []*claimdesk.Incident{file}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Incidents.FindIncidentByID(ctx(t), file.ID)
	if got.Version != 1 {
		t.Fatalf("seeded: version %d", got.Version)
	}
	// The operator changes the file: applied.
	changed := testIncident("seeded-2024-06")
	changed.Name.En = "Test outage, file changed"
	if err := s.Seed(ctx(t), []*claimdesk.Incident{changed}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Incidents.FindIncidentByID(ctx(t), file.ID); got.Version != 2 || got.Name.En != "Test outage, file changed" {
		t.Fatalf("a changed file: version %d %q", got.Version, got.Name.En)
	}
	// An edit in the console, then the same file at start again: the edit stands.
	got.Name.En = "Test outage, edited"
	if err := s.Incidents.UpdateIncident(admin(t, 1), got, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(ctx(t), []*claimdesk.Incident{testIncident("seeded-2024-06")}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Incidents.FindIncidentByID(ctx(t), file.ID); got.Version != 3 || got.Name.En != "Test outage, edited" {
		t.Fatalf("an older file over an edit: version %d %q", got.Version, got.Name.En)
	}
	// A file that names a later version wins, under that number.
	newer := testIncident("seeded-2024-06")
	newer.Version, newer.Name.En = 7, "Test outage, shipped"
	if err := s.Seed(ctx(t), []*claimdesk.Incident{newer}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Incidents.FindIncidentByID(ctx(t), file.ID); got.Version != 7 || got.Name.En != "Test outage, shipped" {
		t.Fatalf("a later file: version %d %q", got.Version, got.Name.En)
	}
}
