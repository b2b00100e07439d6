package sqlite

import (
	"context"
	"fmt"

	"github.com/claimdesk/claimdesk"
)

// writeOp is one caller's share of a group commit.
type writeOp struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
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

// commit runs a group in one transaction, each operation inside its own savepoint so that one
// failing does not undo the others, and answers every caller after the commit.
func (db *DB) commit(batch []*writeOp) {
	results := make([]error, len(batch))
	ctx := context.Background() // the transaction belongs to the group, not to one caller
	tx, err := db.writeDB.BeginTx(ctx, nil)
	if err != nil {
		db.logger.Error("begin group commit", "err", err, "ops", len(batch))
		for _, op := range batch {
			op.done <- fmt.Errorf("begin write: %w", err)
		}
		return
	}
	committed := 0
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			results[i] = err // the caller gave up before its turn; nothing was written
			continue
		}
		results[i] = runInSavepoint(ctx, &Tx{tx: tx, db: db}, op.fn)
		if results[i] == nil {
			committed++
		}
	}
	if err := tx.Commit(); err != nil {
		db.logger.Error("group commit", "err", err, "ops", len(batch))
		for i := range results {
			if results[i] == nil {
				results[i] = fmt.Errorf("commit: %w", err)
			}
		}
		committed = 0
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

// runInSavepoint runs fn so that its changes are undone alone when it fails or panics.
func runInSavepoint(ctx context.Context, tx *Tx, fn func(tx *Tx) error) (err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT op`); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
		if err != nil {
			if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO op`); rbErr != nil {
				err = fmt.Errorf("%w (and rollback: %v)", err, rbErr)
			}
		}
		if _, relErr := tx.ExecContext(ctx, `RELEASE op`); relErr != nil && err == nil {
			err = relErr
		}
	}()
	return fn(tx)
}
