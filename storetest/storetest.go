// Package storetest is the conformance suite every claimdesk store implementation must pass:
// the same tests, run against a real database of each kind (SQLite and PostgreSQL: see store/db_test.go and store/postgres_test.go).
package storetest

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
)

// Store is one implementation under test, freshly opened on an empty, migrated database that
// holds the reference incidents.
type Store struct {
	Reports   claimdesk.ReportService
	Incidents claimdesk.IncidentService
	Users     claimdesk.UserService
	Sessions  claimdesk.SessionService
	Tokens    claimdesk.TokenService
	Review    claimdesk.ReviewService
	Audit     claimdesk.AuditService
	Stats     claimdesk.StatsService // serving fresh results (no staleness allowed)
	Policies  claimdesk.PolicyService
	Payouts   claimdesk.PayoutService
	Notices   claimdesk.NoticeService
	Outbox    Outbox

	// SetNow sets the store's clock, for expiries and lockouts.
	SetNow func(time.Time)

	// FlagDuplicates runs the duplicate scan to the end of the reports stored (the store also
	// runs it by itself after intake) and returns how many reports it flagged.
	FlagDuplicates func(context.Context) (int, error)

	// Seed stores incidents read from data files, as the server does at start.
	Seed func(ctx context.Context, incs []*claimdesk.Incident) error

	// SetReceipts replaces how the store draws receipt numbers.
	SetReceipts func(next func() string)

	// Second opens another handle on the same database, as a second server has.
	Second func(t *testing.T) Store

	// Exec runs a statement on the database behind the services' back, as someone with
	// access to the database could: for tests of what the database itself refuses, and of
	// what the audit trail detects.
	Exec func(ctx context.Context, q string, args ...any) error
}

// Run runs the suite; open must return a fresh store for each call.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"ReferenceIncidents", testReferenceIncidents},
		{"UpsertIncident", testUpsertIncident},
		{"IncidentServiceInUse", testIncidentServiceInUse},
		{"IncidentVersions", testIncidentVersions},
		{"IntakeOpensOnSecondServer", testIntakeOpensOnSecondServer},
		{"SeedByVersion", testSeedByVersion},
		{"CreateAndFindReport", testCreateAndFindReport},
		{"OptionalFieldsRoundTrip", testOptionalFieldsRoundTrip},
		{"InvalidReportStoresNothing", testInvalidReportStoresNothing},
		{"DecodingProblems", testDecodingProblems},
		{"ClosedIncident", testClosedIncident},
		{"ReplayAfterIntakeCloses", testReplayAfterIntakeCloses},
		{"Idempotency", testIdempotency},
		{"ConcurrentIdempotentRetries", testConcurrentIdempotentRetries},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ReceiptDrawnAgain", testReceiptDrawnAgain},
		{"FindReportsPages", testFindReportsPages},
		{"NotFound", testNotFound},
		{"Users", testUsers},
		{"LoginLockout", testLoginLockout},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"StatusChanges", testStatusChanges},
		{"NotesAndAssignment", testNotesAndAssignment},
		{"Duplicates", testDuplicates},
		{"Merge", testMerge},
		{"MerchantAnswer", testMerchantAnswer},
		{"QueueFilters", testQueueFilters},
		{"QueuePages", testQueuePages},
		{"QueueCounts", testQueueCounts},
		{"CountOutOfTime", testCountOutOfTime},
		{"Bulk", testBulk},
		{"AuditTrail", testAuditTrail},
		{"Permissions", testPermissions},
		{"Stats", testStats},
		{"Policies", testPolicies},
		{"PayoutRun", testPayoutRun},
		{"OfferWindows", testOfferWindows},
		{"Ledger", testLedger},
		{"PaymentHeld", testPaymentHeld},
		{"RapidOffer", testRapidOffer},
		{"PersonActs", testPersonActs},
		{"Awards", testAwards},
		{"AuditCoversMoney", testAuditCoversMoney},
		{"OutboxWithEvents", testOutboxWithEvents},
		{"OutboxClaims", testOutboxClaims},
		{"OutboxOffers", testOutboxOffers},
		{"OutboxRecovery", testOutboxRecovery},
		{"Correction", testCorrection},
		{"Documents", testDocuments},
		{"MessageToMany", testMessageToMany},
		{"OfferReminder", testOfferReminder},
		{"OfferOnAcceptance", testOfferOnAcceptance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// NewReport returns a valid report for kakao-2022-10; n varies the business so that reports
// differ.
func NewReport(n int) *claimdesk.Report {
	sales := int64(1_500_000)
	return &claimdesk.Report{
		Channel:  claimdesk.ChannelAPI,
		Incident: "kakao-2022-10", BusinessName: fmt.Sprintf("행복떡집 %d호점", n), BusinessNumber: "120-81-47521",
		Representative: "김민지", Phone: "010-2345-6789", Email: "owner@example.com", Region: "41", District: "수원시",
		Industry: "food", Services: []string{"talk-channel", "kakao-pay"}, DamageTypes: []string{"orders_lost", "payment_failed"},
		DamageStart: claimdesk.Date{Year: 2022, Month: 10, Day: 15}, DamageEnd: claimdesk.Date{Year: 2022, Month: 10, Day: 17},
		UsualDailySales: &sales, ClaimedLoss: 900_000 + int64(n), Description: "톡채널 주문 확인 불가\n예약 손님 연락 불가",
		Consent: true,
	}
}

// ctx is an operator's context: the command line acts with every permission.
// DistinctReport is NewReport(n) for a business of its own: its own business number and phone,
// as most reports of a real intake are.
func DistinctReport(n int) *claimdesk.Report {
	r := NewReport(n)
	r.BusinessNumber = claimdesk.MakeBusinessNumber(101000000 + n*7919%898999999)
	r.Phone = fmt.Sprintf("010-%04d-%04d", n/10000%10000, n%10000)
	return r
}

func ctx(t *testing.T) context.Context {
	return claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
}

func mustCreate(t *testing.T, s Store, r *claimdesk.Report, idem claimdesk.Idempotency) *claimdesk.Report {
	t.Helper()
	stored, created, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *r}, idem)
	if err != nil {
		t.Fatalf("CreateReport: %v", err)
	}
	if !created {
		t.Fatalf("CreateReport: created = false for a new report")
	}
	return stored
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := claimdesk.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func testReferenceIncidents(t *testing.T, s Store) {
	all, err := s.Incidents.FindIncidents(ctx(t), claimdesk.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "kakao-2022-10" || all[1].ID != "kt-2018-11" {
		t.Fatalf("incidents, most recent first: got %d: %v", len(all), ids(all))
	}
	ref, _ := claimdesk.ReferenceIncidents()
	for _, want := range ref {
		got, err := s.Incidents.FindIncidentByID(ctx(t), want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normal(got), normal(want)) {
			t.Errorf("stored %s differs from its data file:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
}

// normal puts an incident's times in one zone so DeepEqual compares instants.
func normal(inc *claimdesk.Incident) *claimdesk.Incident {
	c := *inc
	c.StartedAt, c.EndedAt = c.StartedAt.UTC(), c.EndedAt.UTC()
	c.Services = nil
	for _, s := range inc.Services {
		s.OutageStart, s.MainBack.At, s.FullBack.At = s.OutageStart.UTC(), s.MainBack.At.UTC(), s.FullBack.At.UTC()
		c.Services = append(c.Services, s)
	}
	return &c
}

func ids(incs []*claimdesk.Incident) []string {
	var out []string
	for _, i := range incs {
		out = append(out, i.ID)
	}
	return out
}

func testIncident(id string) *claimdesk.Incident {
	start := time.Date(2024, 3, 1, 9, 0, 0, 0, claimdesk.KST)
	return &claimdesk.Incident{
		ID: id, Name: claimdesk.Label{Ko: "시험 장애", En: "Test outage"}, Platform: "Test",
		StartedAt: start, EndedAt: start.Add(30 * time.Hour), IntakeOpen: true,
		Services: []claimdesk.Service{
			{ID: "pay", Name: claimdesk.Label{Ko: "결제", En: "Payments"}, Category: "payment", Paid: true,
				OutageStart: start, MainBack: claimdesk.Restoration{At: start.Add(20 * time.Hour)},
				FullBack: claimdesk.Restoration{At: start.Add(30 * time.Hour), Approximate: true, Source: "https://example.org/notice"}},
			{ID: "map", Name: claimdesk.Label{Ko: "지도", En: "Map"}, Category: "mobility",
				OutageStart: start, MainBack: claimdesk.Restoration{At: start.Add(2 * time.Hour)}, FullBack: claimdesk.Restoration{At: start.Add(2 * time.Hour)}},
		},
	}
}

func testUpsertIncident(t *testing.T, s Store) {
	inc := testIncident("test-2024-03")
	if err := s.Incidents.UpsertIncident(ctx(t), inc); err != nil {
		t.Fatal(err)
	}
	got, err := s.Incidents.FindIncidentByID(ctx(t), inc.ID)
	if err != nil || got.Services[0].ID != "pay" || !got.Services[0].Paid {
		t.Fatalf("FindIncidentByID: %+v, %v", got, err)
	}
	// A change is visible at once to the process that made it.
	inc.IntakeOpen = false
	inc.Name.En = "Test outage, closed"
	if err := s.Incidents.UpsertIncident(ctx(t), inc); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Incidents.FindIncidentByID(ctx(t), inc.ID)
	if got.IntakeOpen || got.Name.En != "Test outage, closed" {
		t.Fatalf("after update: %+v", got)
	}
	open := true
	list, _ := s.Incidents.FindIncidents(ctx(t), claimdesk.IncidentFilter{IntakeOpen: &open})
	for _, i := range list {
		if i.ID == inc.ID {
			t.Fatal("closed incident listed as open")
		}
	}
	// Callers get copies: changing one does not change the store's.
	got.Services[0].Paid = false
	again, _ := s.Incidents.FindIncidentByID(ctx(t), inc.ID)
	if !again.Services[0].Paid {
		t.Fatal("a caller's change leaked into the store")
	}
	bad := testIncident("test-bad")
	bad.Services[0].MainBack.At = bad.Services[0].OutageStart.Add(-time.Hour)
	wantCode(t, s.Incidents.UpsertIncident(ctx(t), bad), claimdesk.EINVALID)
}

func testIncidentServiceInUse(t *testing.T, s Store) {
	inc := testIncident("test-in-use")
	if err := s.Incidents.UpsertIncident(ctx(t), inc); err != nil {
		t.Fatal(err)
	}
	r := NewReport(1)
	r.Incident, r.Services = inc.ID, []string{"map"}
	r.DamageStart, r.DamageEnd = claimdesk.Date{Year: 2024, Month: 3, Day: 1}, claimdesk.Date{Year: 2024, Month: 3, Day: 2}
	mustCreate(t, s, r, claimdesk.Idempotency{})
	inc.Services = inc.Services[:1] // drop "map", which a report names
	wantCode(t, s.Incidents.UpsertIncident(ctx(t), inc), claimdesk.ECONFLICT)
	got, _ := s.Incidents.FindIncidentByID(ctx(t), inc.ID)
	if len(got.Services) != 2 {
		t.Fatalf("the refused update changed the incident: %+v", got.Services)
	}
}

func testCreateAndFindReport(t *testing.T, s Store) {
	r := NewReport(1)
	r.BusinessNumber, r.Phone = "1208147521", "01023456789"
	stored := mustCreate(t, s, r, claimdesk.Idempotency{})
	if _, ok := claimdesk.ParseReceipt(stored.Receipt); !ok {
		t.Errorf("receipt %q is not a valid receipt", stored.Receipt)
	}
	if stored.Status != claimdesk.StatusReceived || stored.ReceivedAt.IsZero() || stored.Channel != claimdesk.ChannelAPI {
		t.Errorf("server fields: %+v", stored)
	}
	if stored.BusinessNumber != "120-81-47521" || stored.Phone != "010-2345-6789" {
		t.Errorf("not normalised: %q %q", stored.BusinessNumber, stored.Phone)
	}
	got, err := s.Reports.FindReportByReceipt(ctx(t), stored.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	assertSameReport(t, got, stored)
}

func assertSameReport(t *testing.T, got, want *claimdesk.Report) {
	t.Helper()
	g, w := *got, *want
	g.ID, w.ID = 0, 0
	if !g.ReceivedAt.Equal(w.ReceivedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("times: got %v/%v, want %v/%v", g.ReceivedAt, g.UpdatedAt, w.ReceivedAt, w.UpdatedAt)
	}
	g.ReceivedAt, g.UpdatedAt, w.ReceivedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("read back\n got %+v\nwant %+v", g, w)
	}
}

func testOptionalFieldsRoundTrip(t *testing.T, s Store) {
	r := NewReport(2)
	r.UsualDailySales, r.Email, r.District, r.Description, r.DamageTypes = nil, "", "", "", nil
	r.BusinessNumber, r.NoBusinessNumberReason = "", "대리운전 기사 (사업자등록 없음)"
	stored := mustCreate(t, s, r, claimdesk.Idempotency{})
	got, err := s.Reports.FindReportByReceipt(ctx(t), stored.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	if got.UsualDailySales != nil || len(got.DamageTypes) != 0 || got.BusinessNumber != "" {
		t.Errorf("optional fields: %+v", got)
	}
	zero := int64(0)
	r = NewReport(3)
	r.UsualDailySales = &zero
	stored = mustCreate(t, s, r, claimdesk.Idempotency{})
	got, _ = s.Reports.FindReportByReceipt(ctx(t), stored.Receipt)
	if got.UsualDailySales == nil || *got.UsualDailySales != 0 {
		t.Errorf("usual_daily_sales 0 read back as %v", got.UsualDailySales)
	}
}

func testInvalidReportStoresNothing(t *testing.T, s Store) {
	for name, edit := range map[string]func(r *claimdesk.Report){
		"bad business number": func(r *claimdesk.Report) { r.BusinessNumber = "120-81-47522" },
		"unknown incident":    func(r *claimdesk.Report) { r.Incident = "no-such-incident" },
		"foreign service":     func(r *claimdesk.Report) { r.Services = []string{"landline"} },
		"no consent":          func(r *claimdesk.Report) { r.Consent = false },
	} {
		r := NewReport(4)
		edit(r)
		_, _, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{Key: "k-" + name, Fingerprint: "f"})
		wantCode(t, err, claimdesk.EINVALID)
		if len(claimdesk.FieldErrorsOf(err)) == 0 {
			t.Errorf("%s: no field errors in %v", name, err)
		}
	}
	all, err := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{})
	if err != nil || len(all) != 0 {
		t.Fatalf("invalid reports left %d rows (%v)", len(all), err)
	}
	// The keys of refused requests stay free.
	mustCreate(t, s, NewReport(4), claimdesk.Idempotency{Key: "k-no consent", Fingerprint: "f"})
}

// wantFields fails unless err is EINVALID with exactly these field:code problems, in any order.
func wantFields(t *testing.T, err error, want ...string) {
	t.Helper()
	var got []string
	for _, f := range claimdesk.FieldErrorsOf(err) {
		got = append(got, f.Field+":"+f.Code)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if claimdesk.ErrorCode(err) != claimdesk.EINVALID || !slices.Equal(got, want) {
		t.Fatalf("got %v (%v), want EINVALID with %v", err, got, want)
	}
}

// What could not be decoded is answered together with the rules the rest breaks, one problem
// per field, and nothing is stored.
func testDecodingProblems(t *testing.T, s Store) {
	in := &claimdesk.ReportInput{Report: *NewReport(7)}
	in.Report.ClaimedLoss = 0
	in.Problems.Add("claimed_loss", "amount_invalid")
	in.Report.Phone = "12"
	before := counts(t, s, in.Report.Incident)
	_, _, err := s.Reports.CreateReport(ctx(t), in, claimdesk.Idempotency{Key: "k-undecoded", Fingerprint: "f"})
	wantFields(t, err, "claimed_loss:amount_invalid", "phone:phone_invalid")
	if after := counts(t, s, in.Report.Incident); !maps.Equal(before, after) {
		t.Fatalf("a refused report was counted: %v → %v", before, after)
	}
}

func testClosedIncident(t *testing.T, s Store) {
	inc := testIncident("test-closed")
	inc.IntakeOpen = false
	if err := s.Incidents.UpsertIncident(ctx(t), inc); err != nil {
		t.Fatal(err)
	}
	r := NewReport(5)
	r.Incident, r.Services = inc.ID, []string{"pay"}
	r.DamageStart, r.DamageEnd = claimdesk.Date{Year: 2024, Month: 3, Day: 1}, claimdesk.Date{Year: 2024, Month: 3, Day: 1}
	_, _, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{})
	fe := claimdesk.FieldErrorsOf(err)
	if len(fe) != 1 || fe[0].Code != "intake_closed" {
		t.Fatalf("got %v, want incident:intake_closed", err)
	}
}

func testIdempotency(t *testing.T, s Store) {
	r := NewReport(6)
	idem := claimdesk.Idempotency{Key: "api:retry-1", Fingerprint: r.Fingerprint()}
	first := mustCreate(t, s, r, idem)

	again := NewReport(6)
	replay, created, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *again}, idem)
	if err != nil || created {
		t.Fatalf("replay: created=%v err=%v", created, err)
	}
	assertSameReport(t, replay, first)

	other := NewReport(7)
	_, _, err = s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *other}, claimdesk.Idempotency{Key: idem.Key, Fingerprint: other.Fingerprint()})
	wantCode(t, err, claimdesk.ECONFLICT)

	all, _ := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{})
	if len(all) != 1 {
		t.Fatalf("%d reports after a replay and a conflict, want 1", len(all))
	}
}

// A client that times out and retries many times at once still files one report.
func testConcurrentIdempotentRetries(t *testing.T, s Store) {
	const n = 40
	var wg sync.WaitGroup
	receipts := make([]string, n)
	createdCount := 0
	var mu sync.Mutex
	for i := range n {
		wg.Go(func() {
			r := NewReport(8)
			stored, created, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{Key: "api:storm", Fingerprint: r.Fingerprint()})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			receipts[i] = stored.Receipt
			if created {
				createdCount++
			}
		})
	}
	// Other merchants file at the same moment: their reports share commits with the retries.
	for i := range n {
		wg.Go(func() {
			if _, _, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *DistinctReport(500 + i)}, claimdesk.Idempotency{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if createdCount != 1 {
		t.Errorf("%d of %d concurrent retries created a report, want 1", createdCount, n)
	}
	for _, r := range receipts {
		if r != receipts[0] {
			t.Fatalf("retries got different receipts: %v", receipts)
		}
	}
	wantReceivedOnce(t, s, n+1) // the retries' report and the others'
}

// A receipt drawn twice, against a stored report or within one commit, is drawn again: every
// report is stored once, under a receipt of its own, counted once and in the trail once.
func testReceiptDrawnAgain(t *testing.T, s Store) {
	first := mustCreate(t, s, DistinctReport(1), claimdesk.Idempotency{})
	var mu sync.Mutex
	draws := uint64(0)
	s.SetReceipts(func() string {
		mu.Lock()
		defer mu.Unlock()
		draws++
		if draws%2 == 1 {
			return first.Receipt // every other draw is taken
		}
		return claimdesk.ReceiptFromNumber(1000 + draws)
	})
	const n = 30
	var wg sync.WaitGroup
	got := make([]*claimdesk.Report, n)
	for i := range n {
		wg.Go(func() {
			stored, _, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *DistinctReport(10 + i)}, claimdesk.Idempotency{})
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = stored
		})
	}
	wg.Wait()
	seen := map[string]bool{first.Receipt: true}
	for _, r := range got {
		if r == nil {
			t.FailNow()
		}
		if seen[r.Receipt] {
			t.Fatalf("receipt %s given twice", r.Receipt)
		}
		seen[r.Receipt] = true
		back, err := s.Reports.FindReportByReceipt(ctx(t), r.Receipt)
		if err != nil || back.BusinessName != r.BusinessName {
			t.Fatalf("report %s read back as %+v, %v", r.Receipt, back, err)
		}
	}
	wantReceivedOnce(t, s, n+1)
}

// wantReceivedOnce checks that n reports were received, each counted once and in an intact
// audit trail once.
func wantReceivedOnce(t *testing.T, s Store, n int) {
	t.Helper()
	if c := counts(t, s, "kakao-2022-10"); c[claimdesk.StatusReceived] != n {
		t.Errorf("counted %d received, want %d", c[claimdesk.StatusReceived], n)
	}
	if v, err := s.Audit.VerifyAudit(ctx(t), nil); err != nil || !v.OK() || v.Entries != n {
		t.Errorf("audit trail: %+v, %v; want %d entries, intact", v, err, n)
	}
}

func testConcurrentCreates(t *testing.T, s Store) {
	const n = 300
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]*claimdesk.Report{}
	for i := range n {
		wg.Go(func() {
			stored, _, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *DistinctReport(100 + i)}, claimdesk.Idempotency{})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[stored.Receipt] != nil {
				t.Errorf("receipt %s issued twice", stored.Receipt)
			}
			seen[stored.Receipt] = stored
		})
	}
	wg.Wait()
	for receipt, want := range seen {
		got, err := s.Reports.FindReportByReceipt(ctx(t), receipt)
		if err != nil {
			t.Fatal(err)
		}
		assertSameReport(t, got, want)
	}
	if len(seen) != n {
		t.Fatalf("%d reports, want %d", len(seen), n)
	}
}

func testFindReportsPages(t *testing.T, s Store) {
	var want []string
	for i := range 7 {
		want = append(want, mustCreate(t, s, NewReport(200+i), claimdesk.Idempotency{}).Receipt)
	}
	var got []string
	var after int64
	for {
		page, err := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{Incident: "kakao-2022-10", AfterID: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			got = append(got, r.Receipt)
		}
		after = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged receipts %v, want %v", got, want)
	}
	other, _ := s.Reports.FindReports(ctx(t), claimdesk.ReportFilter{Incident: "kt-2018-11"})
	if len(other) != 0 {
		t.Fatalf("kt-2018-11 has %d reports, want 0", len(other))
	}
}

func testNotFound(t *testing.T, s Store) {
	_, err := s.Reports.FindReportByReceipt(ctx(t), claimdesk.NewReceipt())
	wantCode(t, err, claimdesk.ENOTFOUND)
	_, err = s.Incidents.FindIncidentByID(ctx(t), "no-such-incident")
	wantCode(t, err, claimdesk.ENOTFOUND)
}

// A report filed under a key is given back on a retry even after its incident has closed.
func testReplayAfterIntakeCloses(t *testing.T, s Store) {
	inc := testIncident("test-replay")
	if err := s.Incidents.UpsertIncident(ctx(t), inc); err != nil {
		t.Fatal(err)
	}
	newReport := func() *claimdesk.Report {
		r := NewReport(9)
		r.Incident, r.Services = inc.ID, []string{"pay"}
		r.DamageStart, r.DamageEnd = claimdesk.Date{Year: 2024, Month: 3, Day: 1}, claimdesk.Date{Year: 2024, Month: 3, Day: 1}
		return r
	}
	r := newReport()
	idem := claimdesk.Idempotency{Key: "api:late-retry", Fingerprint: r.Fingerprint()}
	first := mustCreate(t, s, r, idem)
	inc.IntakeOpen = false
	if err := s.Incidents.UpsertIncident(ctx(t), inc); err != nil {
		t.Fatal(err)
	}
	replay, created, err := s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *newReport()}, idem)
	if err != nil || created || replay.Receipt != first.Receipt {
		t.Fatalf("retry after close: %v, created=%v, err=%v", replay, created, err)
	}
	// A new report is refused, and one under a reused key with other content is a conflict.
	_, _, err = s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *newReport()}, claimdesk.Idempotency{})
	wantCode(t, err, claimdesk.EINVALID)
	other := newReport()
	other.ClaimedLoss++
	_, _, err = s.Reports.CreateReport(ctx(t), &claimdesk.ReportInput{Report: *other}, claimdesk.Idempotency{Key: idem.Key, Fingerprint: other.Fingerprint()})
	wantCode(t, err, claimdesk.ECONFLICT)
}

// ImportSeeds are the fuzz seeds of the import: the sample files in sheetTestdata (the sheet
// package's testdata directory, as the fuzz test's package sees it) and files that once broke a
// reader.
func ImportSeeds(f *testing.F, sheetTestdata string) {
	f.Helper()
	for _, name := range []string{"reports-utf8.csv", "reports-cp949.csv", "reports.xlsx"} {
		b, err := os.ReadFile(filepath.Join(sheetTestdata, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("incident,business_name\nkakao-2022-10,\"unterminated\n"))
	f.Add([]byte("\ufeff상호,대표자,연락처,시도,업종,피해 서비스,피해 시작일,피해 종료일,피해 금액,동의\n=cmd|' /C calc'!A0,김,010-1234-5678,41,food,talk-channel,44849,2022-10-17,\"1,000\",Y\n"))
	f.Add([]byte("PK\x03\x04garbage"))
}
