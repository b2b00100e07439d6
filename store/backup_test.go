package store_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// A backup taken while reports keep arriving holds every report acknowledged before it began,
// and restores into a database that opens and serves them.
func TestBackupUnderLoad(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	reports := store.NewReportService(db)
	var (
		mu    sync.Mutex
		acked []string // receipts, in the order they were acknowledged
		n     atomic.Int64
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := storetest.DistinctReport(w*1_000_000 + i)
				stored, _, err := reports.CreateReport(ctx, &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, stored.Receipt)
				mu.Unlock()
				n.Add(1)
			}
		})
	}
	for n.Load() < 2000 {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	dest := filepath.Join(t.TempDir(), "backup.db")
	size, err := store.Backup(ctx, db.Path(), dest)
	close(stop)
	wg.Wait()
	if err != nil || size == 0 {
		t.Fatalf("backup: %d bytes, %v", size, err)
	}
	if _, err := store.Backup(ctx, db.Path(), dest); err == nil {
		t.Error("a backup overwrote an existing file")
	}

	restored := filepath.Join(t.TempDir(), "data", store.FileName)
	if _, err := store.Restore(ctx, dest, restored); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Restore(ctx, dest, restored); err == nil {
		t.Error("a restore overwrote a database")
	}
	db2, err := store.Open(ctx, restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	reports2 := store.NewReportService(db2)
	for _, receipt := range before {
		if _, err := reports2.FindReportByReceipt(ctx, receipt); err != nil {
			t.Fatalf("report %s, acknowledged before the backup began, is not in it: %v", receipt, err)
		}
	}
	counts, _ := reports2.CountReports(ctx, claimdesk.ReportFilter{})
	t.Logf("%d reports acknowledged before the backup, %d in it, %d in all by the end", len(before), counts.Total, n.Load())
	if counts.Total < len(before) {
		t.Errorf("the backup holds %d reports, fewer than the %d acknowledged before it", counts.Total, len(before))
	}
}

// A file that is not a claimdesk database is refused and nothing is put in place.
func TestRestoreRefusesGarbage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.db")
	os.WriteFile(bad, []byte("not a database at all, just some text"), 0o600)
	dest := filepath.Join(dir, "data", store.FileName)
	if _, err := store.Restore(context.Background(), bad, dest); err == nil {
		t.Fatal("garbage restored")
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("a refused restore left %s: %v", dest, err)
	}
}
