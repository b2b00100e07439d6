// Package store keeps claimdesk's data in a SQL database: an embedded SQLite file through a
// pure-Go driver (modernc.org/sqlite, no cgo), so that one binary with no configuration runs a
// claims center, or PostgreSQL, for several app servers sharing one database.
//
// Every write goes through one goroutine that commits in groups: whatever requests are waiting
// when a commit finishes are written in the next transaction, and each caller is answered only
// after that transaction's synchronous commit. A burst of reports thus costs one fsync per group,
// not one per report, and an acknowledged report is on disk.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/claimdesk/claimdesk"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

// FileName is the database file's name inside the data directory.
const FileName = "claimdesk.db"

// DB is an open claimdesk database: one writer connection fed by the group-commit loop, and a
// pool of readers that WAL mode lets run beside it.
type DB struct {
	path    string
	pg      bool    // PostgreSQL; SQLite otherwise
	writeDB *sql.DB // exactly one connection
	readDB  *sql.DB // query_only connections
	logger  *slog.Logger

	// clock is what Now reads, if set (SetClock); background work reads it while tests set it.
	clock atomic.Pointer[func() time.Time]

	// NewReceipt draws receipt numbers; tests make them predictable.
	NewReceipt func() string

	maxBatch int

	mu      sync.RWMutex // guards closing, tasks, closed, and the send on ops against its close
	closing bool         // Close has begun: no background task starts
	tasks   []*background
	closed  bool // the writer takes no more operations
	ops     chan *writeOp
	stopped chan struct{}
	stats   WriterStats
	statsMu sync.Mutex
	version atomic.Int64 // commits of this process: the statistics read its own writes at once

	auditKey   []byte
	auditKeyID string            // its name, recorded in each entry (see auditKeyID)
	auditKeys  map[string][]byte // by name, the keys verify checks entries with: this one, Options.OtherAuditKeys
	head       auditHead         // of the last commit; owned by the writer goroutine
	others     int64             // SQLite's data_version then: it moves when another connection commits
	checkpoint *checkpointer
	observer   Observer

	dupKick chan struct{}
	// outbox is the messages' configuration; outboxKick is signalled after a commit that wrote
	// messages (see MessagesWritten).
	outbox     outbox
	outboxKick chan struct{}
	noDupScan  bool
	incidents  incidentCache
	// projections are the statistics in memory (see projection.go).
	projections projections
	writeStmts  stmtCache
	readStmts   stmtCache
}

// Options tune a database; the zero value is right for serving.
type Options struct {
	Logger *slog.Logger // nil discards

	// MaxBatch caps how many writes share one transaction; 0 means 1000. 1 turns group
	// commit off, which is only useful to measure what it buys.
	MaxBatch int

	// AuditKey keys the audit trail's hash chain. Keep it outside the database (claimdesk
	// keeps it in DATA/audit.key), so that whoever can edit the database cannot re-forge the
	// chain. Empty means a random key for this process only: fine for tests.
	AuditKey []byte

	// OtherAuditKeys are the keys of other servers that wrote to the same database, for
	// verifying their entries (see AuditService.VerifyAudit); they write nothing.
	OtherAuditKeys [][]byte

	// NoDuplicateScan leaves the duplicate scan to whoever calls FlagDuplicates: for commands
	// that open the database for a moment, which must not spend it scanning what the server
	// will scan.
	NoDuplicateScan bool

	// Observer, when set, is told of every commit (for metrics).
	Observer Observer

	// CheckpointFile, when set, is where the audit trail's length and head are written as
	// they grow (claimdesk keeps them in DATA/audit.head): outside the database, so that a
	// trail cut short there is noticed (see AuditService.VerifyAudit).
	CheckpointFile string
}

// Open opens (creating if needed) the SQLite database at path, applies pending migrations, and
// starts the writer.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	// The file holds merchants' personal data: create it readable by its owner only. SQLite
	// gives its -wal and -shm files the same permissions.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database file: %w", err)
	}
	f.Close()
	db := newDB(opts)
	db.path = path

	// busy_timeout comes first so that the pragmas after it wait rather than fail while
	// another process (a backup, the CLI) holds a lock. synchronous=FULL makes each commit
	// wait for its fsync: that is what "acknowledged means durable" rests on.
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "temp_store(MEMORY)"}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append(pragmas, extra...) {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	if db.writeDB, err = sql.Open("sqlite", dsn()); err != nil {
		return nil, err
	}
	db.writeDB.SetMaxOpenConns(1)
	db.writeDB.SetMaxIdleConns(1)
	db.writeDB.SetConnMaxLifetime(0)
	db.writeDB.SetConnMaxIdleTime(0)
	if db.readDB, err = sql.Open("sqlite", dsn("query_only(1)")); err != nil {
		db.writeDB.Close()
		return nil, err
	}
	db.readDB.SetMaxOpenConns(8)
	db.readDB.SetMaxIdleConns(8)
	return db.start(ctx)
}

// newDB returns a DB with its options applied and no connections yet.
func newDB(opts Options) *DB {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1000
	}
	if len(opts.AuditKey) == 0 {
		opts.AuditKey = make([]byte, 32)
		rand.Read(opts.AuditKey)
	}
	db := &DB{logger: logger, NewReceipt: claimdesk.NewReceipt, maxBatch: opts.MaxBatch, auditKey: opts.AuditKey,
		observer: opts.Observer, noDupScan: opts.NoDuplicateScan, ops: make(chan *writeOp, 4096), stopped: make(chan struct{}),
		outboxKick: make(chan struct{}, 1)}
	db.incidents.ttl = 2 * time.Second
	db.auditKeyID = auditKeyID(opts.AuditKey)
	db.auditKeys = map[string][]byte{"": opts.AuditKey, db.auditKeyID: opts.AuditKey}
	for _, k := range opts.OtherAuditKeys {
		db.auditKeys[auditKeyID(k)] = k
	}
	if opts.CheckpointFile != "" {
		db.checkpoint = &checkpointer{path: opts.CheckpointFile, stop: make(chan struct{}), stopped: make(chan struct{})}
		if p, err := ReadCheckpoint(opts.CheckpointFile); err == nil && p != nil {
			db.checkpoint.floor = p.Entry
		}
	}
	return db
}

// start checks the connection, migrates, and starts the writer and the duplicate scan.
func (db *DB) start(ctx context.Context) (*DB, error) {
	db.writeStmts.db, db.readStmts.db = db, db
	db.writeStmts.pool, db.readStmts.pool = db.writeDB, db.readDB
	if err := db.writeDB.PingContext(ctx); err != nil {
		db.closeConns()
		return nil, fmt.Errorf("open %s: %w", db.path, err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.closeConns()
		return nil, err
	}
	db.optimize(ctx)
	go db.writeLoop()
	if db.checkpoint != nil {
		go db.checkpoint.run(db.logger)
	}
	db.dupKick = make(chan struct{}, 1)
	if !db.noDupScan {
		db.goBackground("duplicate scan", db.duplicateLoop)
		db.kickDuplicateScan() // catch up with reports stored before a crash
	}
	if err := db.auditBaseline(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit baseline: %w", err)
	}
	db.warnAuditKey(ctx)
	return db, nil
}

// warnAuditKey warns when the audit trail's last entry was written under another key than this
// process's: servers sharing a database with keys of their own write one chain that no one key
// verifies; a database restored without its key the same.
func (db *DB) warnAuditKey(ctx context.Context) {
	var id string
	err := db.readDB.QueryRowContext(ctx, `SELECT key_id FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&id)
	if err != nil || id == "" || id == db.auditKeyID {
		return
	}
	db.logger.Warn("audit: the trail's last entry was written under another audit key than this server's",
		"entry_key", id, "this_key", db.auditKeyID,
		"fix", "servers that share a database should share one DATA/audit.key: copy the first server's to the others "+
			"(`claimdesk audit verify --audit-key FILE` checks the entries written under another key)")
}

// Path returns the database file's path, or the PostgreSQL URL without its password.
func (db *DB) Path() string { return db.path }

// Close stops the background tasks and waits for them, stops taking writes, finishes the ones
// already queued, writes the audit checkpoint, and closes the database.
func (db *DB) Close() error {
	db.stopBackground()
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	close(db.ops)
	db.mu.Unlock()
	<-db.stopped
	if db.checkpoint != nil {
		close(db.checkpoint.stop)
		<-db.checkpoint.stopped
	}
	return db.closeConns()
}

func (db *DB) closeConns() error {
	db.writeStmts.close()
	db.readStmts.close()
	return errors.Join(db.readDB.Close(), db.writeDB.Close())
}

// Ping reports whether the database answers reads and the writer is running.
func (db *DB) Ping(ctx context.Context) error {
	db.mu.RLock()
	closed := db.closed
	db.mu.RUnlock()
	if closed {
		return claimdesk.Errorm(claimdesk.EUNAVAILABLE, "unavailable")
	}
	var one int
	return db.readDB.QueryRowContext(ctx, `SELECT 1 FROM schema_migrations LIMIT 1`).Scan(&one)
}

// optimize refreshes the query planner's statistics where the tables have changed much
// (PRAGMA optimize, sampling at most a few hundred rows per index, so it is quick at any size).
// Plans do not depend on it — the queue steers its own (see filterWhere) — but other queries
// do better with it.
func (db *DB) optimize(ctx context.Context) {
	if db.pg {
		return // autovacuum keeps PostgreSQL's statistics
	}
	if _, err := db.writeDB.ExecContext(ctx, `PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002`); err != nil {
		db.logger.Warn("optimize", "err", err)
	}
}

// reader returns the reader pool with prepared statements.
func (db *DB) reader() reader { return reader{db} }

// Secret returns the named server secret, making a random 32-byte one the first time.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	var value []byte
	err := db.write(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&value)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		value = make([]byte, 32)
		rand.Read(value)
		_, err = tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)`,
			name, value, formatTime(db.Now()))
		return err
	})
	return value, err
}

// timeFormat stores instants as fixed-width UTC text, so that SQLite's text comparison orders
// them in time.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// isSQLiteUniqueViolation reports whether err is SQLite refusing a duplicate in the unique index
// on column (e.g. "reports.receipt").
func isSQLiteUniqueViolation(err error, column string) bool {
	var e *sqlite3.Error
	return errors.As(err, &e) && e.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE &&
		strings.Contains(e.Error(), column)
}

// Now is the store's clock: the time, or what SetClock gave.
func (db *DB) Now() time.Time {
	if f := db.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// SetClock makes Now call now (nil: the time again); tests move the store's time with it.
func (db *DB) SetClock(now func() time.Time) {
	if now == nil {
		db.clock.Store(nil)
		return
	}
	db.clock.Store(&now)
}
