package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
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

// rebind rewrites a query for PostgreSQL. Its ? placeholders become $1, $2... And SQLite's plan
// hint, a unary + before a column ("+r.region = ?"), is dropped: PostgreSQL plans by its
// statistics and has no unary + on text. A + that adds ("a + b", "a +b") stays. Quoted texts
// and names and comments are copied as they are.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		end := -1 // the end of a quoted text or a comment, copied as it is
		switch {
		case c == '\'' || c == '"': // a doubled quote closes and opens again: the same text
			end = after(query, i+1, string(c))
		case strings.HasPrefix(query[i:], "--"):
			end = after(query, i, "\n")
		case strings.HasPrefix(query[i:], "/*"):
			end = after(query, i+2, "*/")
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		case c == '+' && i+1 < len(query) && isNameByte(query[i+1]) && !followsOperand(b.String()):
			continue // the plan hint
		}
		if end >= 0 {
			b.WriteString(query[i:end])
			i = end - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// after returns the index just past the first sep in s from i on, or len(s).
func after(s string, i int, sep string) int {
	if j := strings.Index(s[i:], sep); j >= 0 {
		return i + j + len(sep)
	}
	return len(s)
}

func isNameByte(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// followsOperand reports whether the query text before a + ends in a value the + can add to (a
// name, a number, a closing parenthesis or quote) rather than in an operator or a keyword.
func followsOperand(before string) bool {
	before = strings.TrimRight(before, " \t\n")
	if before == "" {
		return false
	}
	if last := before[len(before)-1]; last == ')' || last == '\'' || last == '"' {
		return true
	} else if !isNameByte(last) {
		return false
	}
	i := len(before)
	for i > 0 && isNameByte(before[i-1]) {
		i--
	}
	switch strings.ToUpper(before[i:]) {
	case "WHERE", "AND", "OR", "NOT", "ON", "WHEN", "THEN", "ELSE", "BY", "SELECT", "HAVING":
		return false
	}
	return true
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

// beginWrite starts a write transaction for the group, isolated when each write is to run in
// its own savepoint. On PostgreSQL it runs on a connection of its own (for pipelined batches),
// and begins, with the writer lock, before its first statement (see pipeline.go); at once when
// isolated: a lock taken inside a savepoint would go with it.
func (db *DB) beginWrite(ctx context.Context, isolated bool) (*Tx, error) {
	tx := &Tx{db: db, group: group{head: db.head}}
	if !db.pg {
		var err error
		tx.tx, err = db.writeDB.BeginTx(ctx, nil)
		return tx, err
	}
	conn, err := db.writeDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx.conn = conn
	tx.head = auditHead{} // another process may have appended since: read it again
	tx.pipelining = !isolated
	if isolated {
		if err := tx.start(ctx); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return tx, nil
}

// rollback undoes the transaction, wherever it was begun.
func (t *Tx) rollback() {
	switch {
	case t.tx != nil:
		t.tx.Rollback()
	case t.inBatch:
		if _, err := t.conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
			t.conn.Raw(func(any) error { return driver.ErrBadConn }) // the connection is not reused
		}
		t.inBatch = false
	}
}

// commit commits the transaction, unless its last batch did (or nothing was written).
func (t *Tx) commit() error {
	if t.tx != nil {
		return t.tx.Commit()
	}
	return nil
}

// release returns the transaction's connection, once it has ended.
func (t *Tx) release() {
	if t.conn != nil {
		t.conn.Close()
	}
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
