package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// The store speaks two dialects with one set of queries: they are written with ? placeholders
// and portable SQL (TRUE/FALSE, FILTER, ON CONFLICT, RETURNING), rewritten for PostgreSQL's $n
// on first use. The few real differences (search, plan hints, data versions) branch on db.pg.

func (db *DB) dialect() string {
	if db.pg {
		return "postgres"
	}
	return "sqlite"
}

// rebound caches queries rewritten for PostgreSQL.
var rebound sync.Map // string -> string

// q returns query in the database's dialect: for PostgreSQL, its ? placeholders numbered $1,
// $2... (outside quotes).
func (db *DB) q(query string) string {
	if !db.pg {
		return query
	}
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	out := rebind(query)
	rebound.Store(query, out)
	return out
}

// unaryPlus is SQLite's plan hint, a + before a column ("+r.region = ?"): PostgreSQL plans by
// its statistics and has no unary + on text, so the hint is dropped.
var unaryPlus = regexp.MustCompile(`(^|[\s(])\+([a-z_]+(\.[a-z_]+)?)`)

func rebind(query string) string {
	query = unaryPlus.ReplaceAllString(query, "$1$2")
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// OpenPostgres opens the PostgreSQL database at url ("postgres://user@host:5432/claimdesk"),
// applies pending migrations, and starts the writer. Several processes may serve the same
// database: each has its own group-commit writer, and their transactions take turns on an
// advisory lock so that the audit trail stays one chain.
func OpenPostgres(ctx context.Context, url string, opts Options) (*DB, error) {
	db := newDB(opts)
	db.pg, db.path = true, redactURL(url)
	var err error
	if db.writeDB, err = sql.Open("pgx", url); err != nil {
		return nil, err
	}
	db.writeDB.SetMaxOpenConns(1)
	db.writeDB.SetMaxIdleConns(1)
	if db.readDB, err = sql.Open("pgx", url); err != nil {
		db.writeDB.Close()
		return nil, err
	}
	db.readDB.SetMaxOpenConns(16)
	db.readDB.SetMaxIdleConns(16)
	db.readDB.SetConnMaxIdleTime(5 * time.Minute)
	return db.start(ctx)
}

// redactURL hides the password of a connection URL, for logs and messages.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "@"); j >= 0 {
			cred := u[i+3 : i+3+j]
			if k := strings.Index(cred, ":"); k >= 0 {
				return u[:i+3] + cred[:k] + ":***" + u[i+3+j:]
			}
		}
	}
	return u
}

// writerLock is the advisory lock every PostgreSQL write transaction takes first: processes
// sharing the database write in turns, each a whole group at a time, so that the audit trail
// has one head.
const writerLock = "7261002"

// beginWrite starts a write transaction; on PostgreSQL it waits for the other processes'
// writers first.
func (db *DB) beginWrite(ctx context.Context) (*sql.Tx, error) {
	tx, err := db.writeDB.BeginTx(ctx, nil)
	if err != nil || !db.pg {
		return tx, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+writerLock+`)`); err != nil {
		tx.Rollback()
		return nil, err
	}
	db.head.known = false // another process may have written since
	return tx, nil
}

// isUniqueViolation reports whether err is the database refusing a duplicate in the unique
// index on column ("reports.receipt").
func isUniqueViolation(err error, column string) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		table, col, _ := strings.Cut(column, ".")
		return pe.Code == "23505" && pe.TableName == table && strings.Contains(pe.ConstraintName, col)
	}
	return isSQLiteUniqueViolation(err, column)
}

// pgVersion is PostgreSQL's write-ahead log position: it moves whenever anything is written,
// by this process or another, so it serves as the data version of cached results.
func (db *DB) pgVersion() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var lsn string
	if err := db.readDB.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		db.logger.Warn("data version", "err", err)
		return -time.Now().UnixNano() // unknown: never equal to a cached version
	}
	hi, lo, _ := strings.Cut(lsn, "/")
	h, _ := strconv.ParseUint(hi, 16, 32)
	l, _ := strconv.ParseUint(lo, 16, 32)
	return int64(h<<32 | l)
}

// query runs a query on the reader pool without preparing it (for queries built from filters).
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.readDB.QueryContext(ctx, db.q(query), args...)
}

// queryRow is query for at most one row.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.readDB.QueryRowContext(ctx, db.q(query), args...)
}

// noLimit is the LIMIT argument that means none: -1 for SQLite, NULL for PostgreSQL.
func (db *DB) noLimit() any {
	if db.pg {
		return nil
	}
	return -1
}
