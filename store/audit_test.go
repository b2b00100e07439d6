package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/pgtest"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// Each way of changing the audit log behind claimdesk's back is detected on a real database
// file: an edited column, an edited detail, a deleted entry, a deleted entry with the rest
// renumbered, an entry forged without the key, and verification with another key.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	tests := []struct {
		name     string
		tamper   string
		otherKey bool
		brokenAt int64
		problem  string
	}{
		{"intact", ``, false, 0, ""},
		{"edited time", `UPDATE audit_log SET at = at || 'x' WHERE id = 2`, false, 2, "changed"},
		{"edited actor", `UPDATE audit_log SET actor = 'user:9 someone@else' WHERE id = 3`, false, 3, "changed"},
		{"edited detail", `UPDATE audit_log SET detail = replace(detail, 'in_review', 'accepted') WHERE id = 3`, false, 3, "changed"},
		{"deleted entry", `DELETE FROM audit_log WHERE id = 3`, false, 4, "missing"},
		{"deleted and renumbered", `DELETE FROM audit_log WHERE id = 3; UPDATE audit_log SET id = id - 1 WHERE id > 3`, false, 3, "link"},
		{"forged without the key", `UPDATE audit_log SET detail = '{}', hash = lower(hex(randomblob(32))) WHERE id = 5`, false, 5, "changed"},
		{"another key", ``, true, 0, "written under audit keys not given here: 5"}, // not an edit: the key is another
		{"entries from before key names, another key", `UPDATE audit_log SET key_id = ''`, true, 1, "do not match the audit key"},
		{"key name changed", `UPDATE audit_log SET key_id = 'ffffffffffff' WHERE id = 3`, false, 0, "written under audit keys not given here: 1 (by key: ffffffffffff (1))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), store.FileName)
			ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
			db, err := store.Open(ctx, path, store.Options{AuditKey: key})
			if err != nil {
				t.Fatal(err)
			}
			s := newStore(db)
			store.SeedReferenceIncidents(ctx, store.NewIncidentService(db))
			r, _, err := s.Reports.CreateReport(ctx, &claimdesk.ReportInput{Report: *storetest.DistinctReport(1)}, claimdesk.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			s.Review.AddNote(ctx, r.Receipt, "첫 메모")
			s.Review.ChangeStatus(ctx, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusInReview})
			s.Review.AddNote(ctx, r.Receipt, "둘째 메모")
			s.Review.AddNote(ctx, r.Receipt, "셋째 메모")
			db.Close()

			if tt.tamper != "" {
				raw, err := sql.Open("sqlite", "file:"+path)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := raw.Exec(tt.tamper); err != nil {
					t.Fatal(err)
				}
				raw.Close()
			}
			k := key
			if tt.otherKey {
				k = []byte(strings.Repeat("o", 32))
			}
			db, err = store.Open(ctx, path, store.Options{AuditKey: k})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			v, err := store.NewAuditService(db).VerifyAudit(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.BrokenAt != tt.brokenAt || !strings.Contains(v.Problem, tt.problem) || v.OK() != (tt.tamper == "" && !tt.otherKey) {
				t.Fatalf("verify: %+v, want broken at %d (%q)", v, tt.brokenAt, tt.problem)
			}
			if tt.brokenAt == 0 && v.Entries != 5 {
				t.Fatalf("%d entries, want 5", v.Entries)
			}
		})
	}
}

// Demo reports are counted against their batch's entry; once reviewed, their status is
// followed like any report's, and a status changed behind the service's back is caught.
func TestAuditVerifyDemoReports(t *testing.T) {
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	db := openDB(t)
	var reports []*claimdesk.Report
	var times []time.Time
	for i := range 3 {
		reports = append(reports, storetest.DistinctReport(i))
		times = append(times, time.Date(2022, 10, 16, 9, i, 0, 0, claimdesk.KST))
	}
	if err := db.InsertDemoReports(ctx, reports, times); err != nil {
		t.Fatal(err)
	}
	all, err := store.NewReportService(db).FindReports(ctx, claimdesk.ReportFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("%d reports, %v", len(all), err)
	}
	for _, to := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
		if _, err := store.NewReviewService(db).ChangeStatus(ctx, all[0].Receipt, claimdesk.StatusChange{To: to}); err != nil {
			t.Fatal(err)
		}
	}
	audit := store.NewAuditService(db)
	if v, err := audit.VerifyAudit(ctx, nil); err != nil || !v.OK() || v.Checked["reports"] != 3 {
		t.Fatalf("reviewed demo reports: %+v %v", v, err)
	}
	if err := store.Write(db, ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE reports SET status = 'rejected' WHERE receipt = ?`, all[0].Receipt)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if v, err := audit.VerifyAudit(ctx, nil); err != nil || v.RowProblems != 1 || !strings.Contains(v.Rows[0].Problem, "status rejected") {
		t.Fatalf("a demo report's status changed: %+v %v", v, err)
	}
}

// Servers that share a database but not an audit key write one chain that no one key checks.
// Each entry names its key: a server's verify links the other's entries but cannot check them,
// and says so (the trail is not OK, and not broken); given the other key, it checks them all,
// and an entry edited is caught under either key.
func TestAuditVerifyEntriesOfAnotherKey(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
			var where string
			if dialect == "sqlite" {
				where = filepath.Join(t.TempDir(), store.FileName)
			} else {
				where = pgtest.DSN(t)
			}
			open := func(key []byte, others ...[]byte) *store.DB {
				opts := store.Options{AuditKey: key, OtherAuditKeys: others}
				var db *store.DB
				var err error
				if dialect == "sqlite" {
					db, err = store.Open(ctx, where, opts)
				} else {
					db, err = store.OpenPostgres(ctx, where, opts)
				}
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := store.SeedReferenceIncidents(ctx, store.NewIncidentService(db)); err != nil {
					t.Fatal(err)
				}
				return db
			}
			keyA, keyB := bytes.Repeat([]byte{0xa}, 32), bytes.Repeat([]byte{0xb}, 32)
			a, b := open(keyA), open(keyB)
			for i, db := range []*store.DB{a, b, b, a} {
				in := &claimdesk.ReportInput{Report: *storetest.DistinctReport(i)}
				if _, _, err := store.NewReportService(db).CreateReport(ctx, in, claimdesk.Idempotency{}); err != nil {
					t.Fatal(err)
				}
			}
			v, err := store.NewAuditService(a).VerifyAudit(ctx, nil)
			if err != nil || v.OK() || v.BrokenAt != 0 || v.Unverified < 2 || !strings.Contains(v.Problem, "--audit-key") {
				t.Fatalf("verified with one key of two: %+v %v", v, err)
			}
			both := open(keyA, keyB)
			v, err = store.NewAuditService(both).VerifyAudit(ctx, nil)
			if err != nil || !v.OK() || v.Unverified != 0 || v.Checked["reports"] != 4 {
				t.Fatalf("verified with both keys: %+v %v", v, err)
			}
			var byB int64
			if err := store.ReadRow(both, ctx, `SELECT max(id) FROM audit_log WHERE action = 'report.created' AND key_id = (
				SELECT key_id FROM audit_log WHERE action = 'report.created' ORDER BY id DESC LIMIT 1 OFFSET 1)`).Scan(&byB); err != nil {
				t.Fatal(err)
			}
			if err := store.Write(both, ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE audit_log SET detail = '{}' WHERE id = `+strconv.FormatInt(byB, 10))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			v, err = store.NewAuditService(both).VerifyAudit(ctx, nil)
			if err != nil || v.OK() || v.BrokenAt != byB || !strings.Contains(v.Problem, "changed after it was written") {
				t.Fatalf("an entry of the other key edited: %+v %v", v, err)
			}
		})
	}
}
