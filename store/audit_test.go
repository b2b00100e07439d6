package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
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
		{"another key", ``, true, 1, "do not match the audit key"}, // not an edit: the key is another
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
			if v.BrokenAt != tt.brokenAt || !strings.Contains(v.Problem, tt.problem) {
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
