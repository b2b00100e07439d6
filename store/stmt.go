package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"sync"
)

// stmtCache prepares each distinct query once per pool and reuses it: SQLite spends a quarter
// of an intake's CPU parsing SQL when every call prepares its statement afresh. Queries are
// built from a fixed set of fragments (never from values, which are always bound), so the
// cache stays small.
type stmtCache struct {
	db     *DB
	pool   *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool
}

// get returns the prepared statement for query, preparing it on a free connection of the pool.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.cached(query, false); st != nil {
		return st, nil
	}
	st, err := c.pool.PrepareContext(ctx, c.db.q(query))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prior, ok := c.m[query]; ok {
		st.Close() // another goroutine won the race
		return prior, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

// cached returns the statement for query if it is prepared already. Otherwise it returns nil
// and, when want is set, notes the query for prepareWanted.
func (c *stmtCache) cached(query string, want bool) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	if !ok && want {
		if c.wanted == nil {
			c.wanted = map[string]bool{}
		}
		c.wanted[query] = true
	}
	return st
}

// prepareWanted prepares the queries noted by cached. The writer calls it between transactions:
// its pool's one connection is busy inside a transaction, so a statement cannot be prepared
// on the pool then.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	wanted := c.wanted
	c.wanted = nil
	c.mu.Unlock()
	for q := range wanted {
		c.get(ctx, q) // on failure the query simply stays unprepared and is noted again
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// Tx is a write transaction of the group-commit writer. Its methods are sql.Tx's, but they run
// statements prepared once on the writer connection when they can.
type Tx struct {
	tx *sql.Tx // on PostgreSQL, nil until the first statement (see Tx.start)
	db *DB
	group

	// On PostgreSQL: the connection the transaction runs on (for pipelined batches), and
	// whether new reports wait for the group's end (see pipeline.go).
	conn       *sql.Conn
	pipelining bool
	inBatch    bool // begun in a pipelined batch, and not yet committed or rolled back

	op int // the operation of the group running now
}

// group is what a write group has done that the database does not hold yet, or that must be
// acted on once it commits. It is saved and restored as a whole (an operation undone in its
// savepoint takes all of its share back), and it is dropped with a transaction that is rolled
// back: the writer keeps the audit head of the last commit, never one of a group that failed.
type group struct {
	head     auditHead        // the audit chain's last entry, this group's appends included
	change   int64            // the last change number given to a report (see Tx.nextChange); 0 before the first
	inserted bool             // a report was inserted: the duplicate scan has work after the commit
	messages bool             // messages were written: the outbox's worker has work after the commit
	counts   map[countKey]int // report_counts deltas, written before the commit
	stored   []storedReport   // reports created, told to the observer after the commit
	pending  []pendingReport  // reports whose statements wait for the group's end (PostgreSQL)
}

// save returns a copy of g to restore if what follows is undone. The stored reports share
// their array: restoring the shorter slice drops what was appended since.
func (g *group) save() group {
	c := *g
	c.counts = maps.Clone(g.counts)
	return c
}

// nextChange returns the next change number for a report this transaction writes. Numbers rise
// in commit order: the largest is read once per group, and groups commit one at a time (one
// writer per process; on PostgreSQL every write transaction first takes the writer lock).
func (t *Tx) nextChange(ctx context.Context) (int64, error) {
	if t.change == 0 {
		var last sql.NullInt64 // max() alone, so that SQLite reads it off the index
		if err := t.QueryRowContext(ctx, `SELECT max(change_seq) FROM reports`).Scan(&last); err != nil {
			return 0, fmt.Errorf("change number: %w", err)
		}
		t.change = last.Int64
	}
	t.change++
	return t.change, nil
}

// storedReport is a report created in a transaction, for the observer.
type storedReport struct{ incident, channel string }

// ExecContext runs a statement that returns no rows.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.start(ctx); err != nil {
		return nil, err
	}
	if st := t.db.writeStmts.cached(query, true); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.db.q(query), args...)
}

// QueryRowContext runs a query that returns at most one row.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := t.start(ctx); err != nil {
		// A row that reports the failure: the query runs on no transaction, under a
		// context already ended.
		done, cancel := context.WithCancel(ctx)
		cancel()
		return t.conn.QueryRowContext(done, query)
	}
	if st := t.db.writeStmts.cached(query, true); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.db.q(query), args...)
}

// QueryContext runs a query that returns rows.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.start(ctx); err != nil {
		return nil, err
	}
	if st := t.db.writeStmts.cached(query, true); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.db.q(query), args...)
}

// reader runs queries on the reader pool with prepared statements.
type reader struct{ db *DB }

// QueryRowContext runs a query that returns at most one row.
func (r reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := r.db.readStmts.get(ctx, query)
	if err != nil {
		return r.db.readDB.QueryRowContext(ctx, r.db.q(query), args...) // reports the error through the Row
	}
	return st.QueryRowContext(ctx, args...)
}

// QueryContext runs a query that returns rows.
func (r reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := r.db.readStmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// snap is a read snapshot: every query in it sees the database as it was when the first one
// ran, however long the reading takes and whatever is written meanwhile.
type snap struct {
	tx *sql.Tx
	db *DB
}

// QueryRowContext runs a query that returns at most one row.
func (s snap) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return s.tx.QueryRowContext(ctx, s.db.q(query), args...)
}

// QueryContext runs a query that returns rows.
func (s snap) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.tx.QueryContext(ctx, s.db.q(query), args...)
}

// snapshot runs fn in a read snapshot.
func (db *DB) snapshot(ctx context.Context, fn func(q snap) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.pg {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for the whole transaction
	}
	tx, err := db.readDB.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(snap{tx, db})
}
