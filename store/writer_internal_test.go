package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/claimdesk/claimdesk"
)

func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A group whose operations fail after appending to the audit trail and counting keeps none of
// their share: the chain stays one chain, and only the committed operations are counted.
func TestGroupUndoesFailedShares(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	boom := errors.New("boom")
	var wg sync.WaitGroup
	for i := range 90 {
		wg.Go(func() {
			err := db.write(ctx, func(tx *Tx) error {
				if err := db.audit(ctx, tx, "test.share", 0, "", map[string]any{"i": i}); err != nil {
					return err
				}
				addCount(ctx, tx, "test-incident", claimdesk.StatusReceived, 1)
				tx.stored = append(tx.stored, storedReport{"test-incident", "web"})
				if i%3 == 1 {
					return boom
				}
				return nil
			})
			if (i%3 == 1) != errors.Is(err, boom) {
				t.Errorf("write %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	v, err := NewAuditService(db).VerifyAudit(ctx, nil)
	if err != nil || !v.OK() {
		t.Fatalf("the chain after failed shares: %+v, %v", v, err)
	}
	var entries, counted int
	ReadRow(db, ctx, `SELECT count(*) FROM audit_log WHERE action = 'test.share'`).Scan(&entries)
	ReadRow(db, ctx, `SELECT n FROM report_counts WHERE incident_id = 'test-incident'`).Scan(&counted)
	if entries != 60 || counted != 60 {
		t.Fatalf("%d entries and a count of %d, want the 60 committed writes", entries, counted)
	}
	if db.head.id == 0 {
		t.Fatal("the writer does not know the committed head")
	}
}

// Close stops every background task and waits for it; a task may still write while it stops,
// and none starts once Close has begun.
func TestCloseWaitsForBackground(t *testing.T) {
	db := openInternal(t)
	NewStatsService(db) // its refresh loop is one of the tasks
	var finished atomic.Bool
	var wrote error
	db.goBackground("test task", func(ctx context.Context) {
		<-ctx.Done()
		wrote = db.write(context.Background(), func(tx *Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO secrets (name, value, created_at) VALUES ('bg', x'00', '')`)
			return err
		})
		finished.Store(true)
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() || wrote != nil {
		t.Fatalf("Close returned before the task finished (%v), or its last write failed: %v", finished.Load(), wrote)
	}
	if db.goBackground("late", func(context.Context) { t.Error("a task started after Close") }) {
		t.Fatal("goBackground accepted a task after Close")
	}
	if len(db.tasks) != 0 {
		t.Fatalf("%d tasks left", len(db.tasks))
	}
}
