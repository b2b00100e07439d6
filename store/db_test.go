package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// openDB opens a fresh database file in a temporary directory, with the reference incidents.
func openDB(t testing.TB) *store.DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), store.FileName))
}

// openAt opens the database file at path (another handle, when it is open already), with the
// reference incidents.
func openAt(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.SeedReferenceIncidents(context.Background(), store.NewIncidentService(db)); err != nil {
		t.Fatal(err)
	}
	return db
}

// cheapHasher keeps tests that create accounts fast; the hash format is the same.
var cheapHasher = claimdesk.PasswordHasher{Memory: 1024, Time: 1, Threads: 1}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		db := openDB(t)
		s := newStore(db)
		s.Second = func(t *testing.T) storetest.Store {
			return newStore(openAt(t, db.Path())) // another handle on the same file, as a second process would have
		}
		return s
	})
}

func newStore(db *store.DB) storetest.Store {
	users := store.NewUserService(db)
	users.Hasher = cheapHasher
	stats := store.NewStatsService(db)
	return storetest.Store{
		Reports: store.NewReportService(db), Incidents: store.NewIncidentService(db),
		Users: users, Sessions: users, Tokens: store.NewTokenService(db),
		Review: store.NewReviewService(db), Audit: store.NewAuditService(db), Stats: stats,
		Policies: store.NewPolicyService(db), Payouts: store.NewPayoutService(db), Notices: store.NewNoticeService(db),
		Outbox: storetest.Outbox{
			SetChannels: func(cs ...claimdesk.MessageChannel) {
				db.SetNotices(store.Notices{Channels: cs, Link: func(r string) string { return "https://claims.example.org/reports/" + r + "?token=t" }})
			},
			Claim: func(ctx context.Context, n int, lease time.Duration) ([]*claimdesk.Notification, error) {
				return db.ClaimMessages(ctx, n, lease, []claimdesk.MessageChannel{claimdesk.BySMS, claimdesk.ByEmail, claimdesk.ByWebhook})
			},
			Remind: db.RemindOffers,
			Record: func(ctx context.Context, m *claimdesk.Notification, sent bool) error {
				o := store.MessageOutcome{Sent: sent}
				if !sent {
					o.Err, o.Retry = "test failure", db.Now().Add(time.Minute)
				}
				return db.RecordMessage(ctx, m, o)
			},
		},
		SetNow:         func(t time.Time) { db.SetClock(func() time.Time { return t }) },
		FlagDuplicates: db.FlagDuplicates,
		SetReceipts:    func(next func() string) { db.NewReceipt = next },
		Seed: func(ctx context.Context, incs []*claimdesk.Incident) error {
			return store.SeedIncidents(ctx, store.NewIncidentService(db), incs)
		},
		Exec: func(ctx context.Context, q string, args ...any) error {
			return store.Write(db, ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err })
		},
	}
}

// Reopening a database applies nothing twice and keeps what it held.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SeedReferenceIncidents(ctx, store.NewIncidentService(db)); err != nil {
		t.Fatal(err)
	}
	stored, _, err := store.NewReportService(db).CreateReport(ctx, &claimdesk.ReportInput{Report: *storetest.NewReport(1)}, claimdesk.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := db.Migrations(ctx)
	db.Close()

	db, err = store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.SeedReferenceIncidents(ctx, store.NewIncidentService(db)); err != nil {
		t.Fatal(err)
	}
	again, _ := db.Migrations(ctx)
	if len(first) == 0 || len(again) != len(first) {
		t.Fatalf("migrations %v, then %v", first, again)
	}
	if _, err := store.NewReportService(db).FindReportByReceipt(ctx, stored.Receipt); err != nil {
		t.Fatalf("report lost on reopen: %v", err)
	}
}

// One failing write in a group does not undo the others, and a panicking one is contained (on
// PostgreSQL a failed statement ends the transaction, so the group is run again in savepoints).
func TestGroupCommitIsolation(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testGroupCommitIsolation(t, openDB(t)) })
	t.Run("postgres", func(t *testing.T) { testGroupCommitIsolation(t, openPostgres(t)) })
}

func testGroupCommitIsolation(t *testing.T, db *store.DB) {
	ctx := context.Background()
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 60)
	for i := range errs {
		wg.Go(func() {
			errs[i] = store.Write(db, ctx, func(tx *store.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, '')`,
					"s"+string(rune('A'+i)), []byte{0}); err != nil {
					return err
				}
				switch i % 3 {
				case 1:
					return boom
				case 2:
					panic("write panics")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i%3 == 0 && err != nil:
			t.Errorf("write %d: %v", i, err)
		case i%3 == 1 && !errors.Is(err, boom):
			t.Errorf("write %d: %v, want boom", i, err)
		case i%3 == 2 && err == nil:
			t.Errorf("write %d panicked but reported success", i)
		}
	}
	var n int
	if err := store.ReadRow(db, ctx, `SELECT count(*) FROM secrets WHERE name LIKE 's%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 20 {
		t.Fatalf("%d rows committed, want the 20 successful writes", n)
	}
}

// After Close, writes are refused with EUNAVAILABLE rather than hanging or panicking.
func TestWriteAfterClose(t *testing.T) {
	db := openDB(t)
	db.Close()
	_, _, err := store.NewReportService(db).CreateReport(context.Background(), &claimdesk.ReportInput{Report: *storetest.NewReport(1)}, claimdesk.Idempotency{})
	if claimdesk.ErrorCode(err) != claimdesk.EUNAVAILABLE && claimdesk.ErrorCode(err) != claimdesk.EINTERNAL {
		t.Fatalf("got %v", err)
	}
	if err := db.Ping(context.Background()); claimdesk.ErrorCode(err) != claimdesk.EUNAVAILABLE {
		t.Fatalf("Ping after close: %v", err)
	}
}

func TestSecretIsStable(t *testing.T) {
	db := openDB(t)
	a, err := db.Secret(context.Background(), "report-tokens")
	if err != nil || len(a) != 32 {
		t.Fatalf("secret %x, %v", a, err)
	}
	b, _ := db.Secret(context.Background(), "report-tokens")
	c, _ := db.Secret(context.Background(), "other")
	if string(a) != string(b) || string(a) == string(c) {
		t.Fatal("secrets not stable per name")
	}
}

// An acknowledged report survives a power cut only if each commit waits for its fsync: WAL
// with synchronous=FULL (2). A kill -9 test cannot see this (the page cache survives a
// process), so it is checked here.
func TestDurabilitySettings(t *testing.T) {
	db := openDB(t)
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1"} {
		got, err := store.WriterPragma(db, context.Background(), pragma)
		if err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}

// The database holds personal data: only its owner may read it.
func TestDatabaseFileMode(t *testing.T) {
	db := openDB(t)
	for _, suffix := range []string{"", "-wal"} {
		fi, err := os.Stat(db.Path() + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group and others", fi.Name(), mode)
		}
	}
}

// Audited writes that share groups with failing ones (which roll the group back and run it
// again in savepoints) leave an intact chain: the writer's remembered head must not outlive a
// rollback.
func TestAuditChainSurvivesRollbacks(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testAuditChainSurvivesRollbacks(t, openDB(t)) })
	t.Run("postgres", func(t *testing.T) { testAuditChainSurvivesRollbacks(t, openPostgres(t)) })
}

func testAuditChainSurvivesRollbacks(t *testing.T, db *store.DB) {
	s := newStore(db)
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	var receipts []string
	for i := range 60 {
		r, _, err := s.Reports.CreateReport(ctx, &claimdesk.ReportInput{Report: *storetest.DistinctReport(i)}, claimdesk.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, r.Receipt)
	}
	var wg sync.WaitGroup
	for i, receipt := range receipts {
		wg.Go(func() {
			to := claimdesk.StatusInReview
			if i%3 == 0 {
				to = claimdesk.StatusAccepted // not allowed from received: fails inside the write
			}
			s.Review.ChangeStatus(ctx, receipt, claimdesk.StatusChange{To: to})
			s.Review.AddNote(ctx, receipt, "메모")
		})
	}
	wg.Wait()
	v, err := s.Audit.VerifyAudit(ctx, nil)
	if err != nil || !v.OK() {
		t.Fatalf("chain broken: %+v %v", v, err)
	}
	// 60 created, 40 status changes, 60 notes.
	if v.Entries != 160 {
		t.Fatalf("%d entries, want 160", v.Entries)
	}
}
