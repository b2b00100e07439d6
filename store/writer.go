package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/claimdesk/claimdesk"
)

// writeOp is one caller's share of a group commit.
type writeOp struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
}

// Observer is told what the writer commits, for metrics. Its methods are called from the
// writer goroutine after each commit: they must be quick.
type Observer interface {
	// Committed is called after each group commit with how many operations it carried and
	// how long the transaction took, commit and fsync included.
	Committed(ops int, took time.Duration)
	// ReportStored is called for each report a commit created.
	ReportStored(incident, channel string)
}

// WriterStats counts the group commits so far, for metrics and benchmarks.
type WriterStats struct {
	Commits  int64 // transactions committed
	Writes   int64 // operations committed in them
	MaxBatch int   // the most operations one commit carried
}

// Stats returns the writer's counters.
func (db *DB) Stats() WriterStats {
	db.statsMu.Lock()
	defer db.statsMu.Unlock()
	return db.stats
}

// PoolStats returns the connection pools' statistics: the one writer connection and the
// readers.
func (db *DB) PoolStats() (writer, readers sql.DBStats) {
	return db.writeDB.Stats(), db.readDB.Stats()
}

// write runs fn in a write transaction shared with whatever other writes are waiting, and
// returns once that transaction is durably committed (or fn's error, in which case fn's changes
// are rolled back and the others' are not). fn may run at most once; it must not keep tx.
//
// Once queued, an operation is waited for even if ctx ends meanwhile: the caller must learn
// whether what it asked for was stored.
func (db *DB) write(ctx context.Context, fn func(tx *Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return claimdesk.Errorm(claimdesk.EUNAVAILABLE, "unavailable")
	}
	select {
	case db.ops <- op:
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	db.mu.RUnlock()
	return <-op.done
}

// writeLoop is the one goroutine that writes. It takes the first waiting operation, adds every
// other one already queued (up to Options.MaxBatch), and commits them together. While that
// commit waits for the disk, new operations queue up for the next one: the busier the server,
// the larger the groups, and the fsync is paid once per group.
func (db *DB) writeLoop() {
	defer close(db.stopped)
	batch := make([]*writeOp, 0, db.maxBatch)
	for op := range db.ops {
		batch = append(batch[:0], op)
	gather:
		for len(batch) < db.maxBatch {
			select {
			case op, ok := <-db.ops:
				if !ok {
					break gather
				}
				batch = append(batch, op)
			default:
				break gather
			}
		}
		db.commit(batch)
		db.writeStmts.prepareWanted(context.Background())
	}
}

// commit runs a group in one transaction and answers every caller after the commit.
//
// It first runs the whole group straight through: writes rarely fail (input is validated
// before it reaches the writer), and savepoints are not free — each costs two statements and
// makes the full-text index flush a segment. If any operation fails, the group is rolled back
// and run again with each operation in its own savepoint, so that one failure undoes only
// itself. Operations may therefore run twice; they must only set their results on success.
func (db *DB) commit(batch []*writeOp) {
	start := time.Now()
	results := make([]error, len(batch))
	committed, err := db.runGroup(batch, results, false)
	if errors.Is(err, errRetryIsolated) {
		committed, err = db.runGroup(batch, results, true)
	}
	if err != nil {
		db.logger.Error("group commit", "err", err, "ops", len(batch))
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
		committed = 0
	}
	if db.observer != nil && committed > 0 {
		db.observer.Committed(len(batch), time.Since(start))
	}
	db.statsMu.Lock()
	db.stats.Commits++
	db.stats.Writes += int64(committed)
	db.stats.MaxBatch = max(db.stats.MaxBatch, len(batch))
	db.statsMu.Unlock()
	for i, op := range batch {
		op.done <- results[i]
	}
}

// errRetryIsolated asks commit to run the group again with savepoints.
var errRetryIsolated = errors.New("an operation failed: run the group again in savepoints")

// runGroup runs the batch in one transaction and commits it, filling results; it returns how
// many operations were committed. Without isolated, the first failing operation rolls the
// whole group back and runGroup returns errRetryIsolated.
func (db *DB) runGroup(batch []*writeOp, results []error, isolated bool) (int, error) {
	ctx := context.Background() // the transaction belongs to the group, not to one caller
	tx, err := db.beginWrite(ctx, isolated)
	if err != nil {
		return 0, fmt.Errorf("begin write: %w", err)
	}
	defer tx.release()
	var others int64 // SQLite's count of other connections' commits, as this transaction sees it
	if !db.pg {
		// Another process (an import at the command line, a second handle) may have written
		// since this writer's last commit: then the cached head is read again. The write lock
		// is held, so nobody commits between this look and the commit.
		if err := tx.tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&others); err != nil {
			tx.rollback()
			return 0, fmt.Errorf("data version: %w", err)
		}
		if others != db.others {
			tx.head = auditHead{}
		}
	}
	committed := 0
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			results[i] = err // the caller gave up before its turn; nothing was written
			continue
		}
		tx.op = i
		if isolated {
			results[i] = runInSavepoint(ctx, tx, op.fn)
		} else if results[i] = runCatching(tx, op.fn); results[i] != nil {
			tx.rollback()
			clear(results)
			return 0, errRetryIsolated
		}
		if results[i] == nil {
			committed++
		}
	}
	refused, err := db.finish(ctx, tx, results)
	if err != nil {
		tx.rollback()
		if tx.pipelining && len(tx.pending) > 0 {
			db.logger.Info("group commit: pipelined reports refused, writing them one at a time", "err", err)
			clear(results)
			return 0, errRetryIsolated
		}
		return 0, err
	}
	committed -= refused
	if err := tx.commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	db.head, db.others = tx.head, others // the one place the writer's head moves: after a commit
	if tx.inserted {
		db.kickDuplicateScan()
	}
	if tx.messages {
		select {
		case db.outboxKick <- struct{}{}:
		default:
		}
	}
	if db.observer != nil {
		for _, r := range tx.stored {
			db.observer.ReportStored(r.incident, r.channel)
		}
	}
	if committed > 0 {
		db.version.Add(1)
	}
	if db.checkpoint != nil && db.head.known {
		h := db.head
		db.checkpoint.head.Store(&h)
	}
	return committed, nil
}

// finish writes what the group left for its end, before the commit. It may still refuse
// operations, by setting their results; it returns how many it refused.
func (db *DB) finish(ctx context.Context, tx *Tx, results []error) (int, error) {
	if db.pg {
		return db.finishPostgres(ctx, tx, results)
	}
	if err := db.flushCounts(ctx, tx); err != nil {
		return 0, err
	}
	return 0, db.indexNames(ctx, tx)
}

// indexNames adds the business names of the reports inserted since the last group to the
// search index, in one statement: one FTS5 segment per group instead of one per report. It
// runs in the group's transaction, so a report is searchable exactly when it is committed.
// FTS5's docsize table records the last report indexed.
func (db *DB) indexNames(ctx context.Context, tx *Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reports_fts (rowid, business_name)
		SELECT id, business_name FROM reports WHERE id > (SELECT coalesce(max(id), 0) FROM reports_fts_docsize)`)
	if err != nil {
		return fmt.Errorf("index business names: %w", err)
	}
	return nil
}

// runCatching runs fn, turning a panic into an error.
func runCatching(tx *Tx, fn func(tx *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(tx)
}

// runInSavepoint runs fn so that its changes are undone alone when it fails or panics: its rows
// and its share of the group (audit head, counts, stored reports) alike.
func runInSavepoint(ctx context.Context, tx *Tx, fn func(tx *Tx) error) (err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT op`); err != nil {
		return err
	}
	saved := tx.group.save()
	defer func() {
		if err != nil {
			tx.group = saved
			if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO op`); rbErr != nil {
				err = fmt.Errorf("%w (and rollback: %v)", err, rbErr)
			}
		}
		if _, relErr := tx.ExecContext(ctx, `RELEASE op`); relErr != nil && err == nil {
			err = relErr
		}
	}()
	return runCatching(tx, fn)
}
