package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/claimdesk/claimdesk"
)

// The audit trail covers the money: every change to a row that decides who is paid how much
// records, in its entry, a digest of the row's state after the change ("rows": {"payments/7":
// "…"}). `claimdesk audit verify` digests the rows as they are now and compares: a row edited
// behind the service's back, or one that no entry ever recorded, is named with its table and
// key. Reports are checked the same way from what their own entries say (see verifyReports).

// tracked is a table whose rows the trail covers: the query that reads each row's state (the
// same for the writers and for verify, so that both digest exactly the same values), and the
// key of a row.
type tracked struct {
	table string
	query string // SELECT …; a WHERE clause may follow
	scan  func(rows *sql.Rows) (key string, state []any, err error)
}

var trackedTables = []tracked{
	{"users", `SELECT id, email, role, coalesce(disabled_at, ''), password_hash FROM users`, scanState(5)},
	{"api_tokens", `SELECT id, name, role, token_hash, coalesce(user_id, 0), coalesce(revoked_at, '') FROM api_tokens`, scanState(6)},
	{"policies", `SELECT id || '@' || version, hash, document FROM policies`, scanState(3)},
	{"payout_runs", `SELECT id, incident_id, policy_id, policy_version, policy_hash, rapid_offer, appeal_days, state, created_by,
		released_key FROM payout_runs`, scanState(10)},
	{"awards", `SELECT id, report_id, run_id, amount, reason, state, proposed_by, decided_by FROM awards`, scanState(8)},
	{"offer_responses", `SELECT id, report_id, run_id, coalesce(award_id, 0), amount, accepted, bank, account_number,
		account_holder, message FROM offer_responses`, scanState(10)},
	{"evidence", `SELECT id, report_id, coalesce(response_id, 0), sha256, size, data FROM evidence`, scanState(6)},
	// A payment's file is not part of its state: the file's own state covers which payments
	// it holds (see fileMembers).
	{"payments", `SELECT id, report_id, response_id, run_id, kind, amount FROM payments`, scanState(6)},
	{"payment_files", `SELECT id, run_id, rows, total, created_by, paid_at != '' FROM payment_files`, scanState(6)},
}

func trackedTable(name string) tracked {
	for _, t := range trackedTables {
		if t.table == name {
			return t
		}
	}
	panic("store: untracked table " + name)
}

// scanState scans a row of n columns, the first its key, into values that digest the same on
// SQLite and PostgreSQL.
func scanState(n int) func(rows *sql.Rows) (string, []any, error) {
	return func(rows *sql.Rows) (string, []any, error) {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", nil, err
		}
		return stateText(vals[0]), vals[1:], nil
	}
}

// stateText writes one scanned value the same way whichever database it came from.
func stateText(v any) string {
	switch v := v.(type) {
	case nil:
		return "\x00"
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case []byte:
		sum := sha256.Sum256(v)
		return hex.EncodeToString(sum[:])
	case string:
		return v
	case time.Time:
		return formatTime(v)
	}
	return fmt.Sprint(v)
}

// digest is the state of a row: SHA-256 over its values, each written by stateText and
// separated by a byte no value holds, cut to 128 bits.
func digest(vals []any) string {
	h := sha256.New()
	for _, v := range vals {
		h.Write([]byte(stateText(v)))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// rowKey is how the trail names a row: "payments/7".
func rowKey(table, key string) string { return table + "/" + key }

// states digests the rows of table that match where, into rows, for an audit entry.
func (db *DB) states(ctx context.Context, q queryer, into map[string]string, table, where string, args ...any) error {
	t := trackedTable(table)
	query := t.query
	if where != "" {
		query += " WHERE " + where
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("audit state of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		key, vals, err := t.scan(rows)
		if err != nil {
			return fmt.Errorf("audit state of %s: %w", table, err)
		}
		into[rowKey(table, key)] = digest(vals)
	}
	return rows.Err()
}

// rowStates returns the states of one row of each (table, id) pair, for an audit entry.
func (db *DB) rowStates(ctx context.Context, q queryer, pairs ...any) (map[string]string, error) {
	out := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := db.states(ctx, q, out, pairs[i].(string), "id = ?", pairs[i+1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// payoutsDigest is the state of a run's payouts, which never change once computed: a digest
// over every row in report order. It is recorded when the run is adopted.
type payoutsDigest struct{ h hash.Hash }

func newPayoutsDigest() *payoutsDigest { return &payoutsDigest{h: sha256.New()} }

func (d *payoutsDigest) add(reportID int64, outcome string, computed, amount int64, days int64, hours float64, service, ko, en string) {
	d.h.Write([]byte(digest([]any{reportID, outcome, computed, amount, days, hours, service, ko, en})))
}

func (d *payoutsDigest) sum() string { return hex.EncodeToString(d.h.Sum(nil)[:16]) }

// runPayoutsDigest digests a run's payouts as stored.
func (db *DB) runPayoutsDigest(ctx context.Context, q queryer, run int64) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT report_id, outcome, computed, amount, days, hours, service, explanation_ko,
		explanation_en FROM payouts WHERE run_id = ? ORDER BY report_id`, run)
	if err != nil {
		return "", fmt.Errorf("digest payouts: %w", err)
	}
	defer rows.Close()
	d := newPayoutsDigest()
	for rows.Next() {
		var reportID, computed, amount, days int64
		var hours float64
		var outcome, service, ko, en string
		if err := rows.Scan(&reportID, &outcome, &computed, &amount, &days, &hours, &service, &ko, &en); err != nil {
			return "", err
		}
		d.add(reportID, outcome, computed, amount, days, hours, service, ko, en)
	}
	return d.sum(), rows.Err()
}

// fileMembers digests which payments a payment file holds, and their amounts.
func (db *DB) fileMembers(ctx context.Context, q queryer, file int64) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, amount FROM payments WHERE file_id = ? ORDER BY id`, file)
	if err != nil {
		return "", fmt.Errorf("digest payment file: %w", err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var id, amount int64
		if err := rows.Scan(&id, &amount); err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%d:%d;", id, amount)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), rows.Err()
}

// fileState is a payment file's state: its row, and the payments it holds.
func (db *DB) fileState(ctx context.Context, q queryer, into map[string]string, file int64) error {
	if err := db.states(ctx, q, into, "payment_files", "id = ?", file); err != nil {
		return err
	}
	members, err := db.fileMembers(ctx, q, file)
	if err != nil {
		return err
	}
	k := rowKey("payment_files", strconv.FormatInt(file, 10))
	into[k] = digest([]any{into[k], members})
	return nil
}

// auditBaseline records, once, the state of the rows written before their changes were audited
// with it (migration 0007 asks for it): one entry per few hundred rows, so that verify checks
// them from here on rather than reporting each as missing from the trail.
func (db *DB) auditBaseline(ctx context.Context) error {
	var pending int
	err := db.readDB.QueryRowContext(ctx, `SELECT count(*) FROM progress WHERE name = 'audit_baseline' AND value = 0`).Scan(&pending)
	if err != nil || pending == 0 {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE progress SET value = 1 WHERE name = 'audit_baseline' AND value = 0`)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another process did it
		}
		all := map[string]string{}
		for _, t := range trackedTables {
			if t.table == "payment_files" {
				continue
			}
			if err := db.states(ctx, tx, all, t.table, ""); err != nil {
				return err
			}
		}
		var runs, files []int64
		if err := collectIDs(ctx, tx, &runs, `SELECT id FROM payout_runs WHERE state != 'computing'`); err != nil {
			return err
		}
		if err := collectIDs(ctx, tx, &files, `SELECT id FROM payment_files`); err != nil {
			return err
		}
		for _, run := range runs {
			d, err := db.runPayoutsDigest(ctx, tx, run)
			if err != nil {
				return err
			}
			all[rowKey("payouts", strconv.FormatInt(run, 10))] = d
		}
		for _, f := range files {
			if err := db.fileState(ctx, tx, all, f); err != nil {
				return err
			}
		}
		chunk := map[string]string{}
		flush := func() error {
			if len(chunk) == 0 {
				return nil
			}
			err := db.audit(ctx, tx, claimdesk.AuditBaseline, 0, "", map[string]any{"rows": chunk})
			chunk = map[string]string{}
			return err
		}
		for k, v := range all {
			chunk[k] = v
			if len(chunk) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
}

func collectIDs(ctx context.Context, q queryer, into *[]int64, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		*into = append(*into, id)
	}
	return rows.Err()
}

// The checkpoint: the trail's length and head, written by every process that appends to it into
// a file of its data directory, where an edit of the database cannot reach. A trail cut short,
// or emptied, no longer holds the entry the checkpoint names (see VerifyAudit).

// CheckpointFile is the checkpoint's name inside the data directory.
const CheckpointFile = "audit.head"

// ReadCheckpoint reads a checkpoint file; a missing file is no point at all (nil, nil).
func ReadCheckpoint(path string) (*claimdesk.AuditPoint, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return nil, fmt.Errorf("%s: not a checkpoint", path)
	}
	p := &claimdesk.AuditPoint{Hash: f[1], From: path}
	if p.Entry, err = strconv.ParseInt(f[0], 10, 64); err != nil {
		return nil, fmt.Errorf("%s: not a checkpoint", path)
	}
	if len(f) > 2 {
		p.At, _ = time.Parse(time.RFC3339, f[2])
	}
	return p, nil
}

// checkpointer writes the head the writer last committed into the checkpoint file, at most
// once a second and when the database closes.
type checkpointer struct {
	path    string
	head    atomic.Pointer[auditHead] // the committed head, published by the writer
	written auditHead
	floor   int64 // the entry the file named when the database opened: never written back below it
	stop    chan struct{}
	stopped chan struct{}
}

func (c *checkpointer) run(logger interface{ Warn(string, ...any) }) {
	defer close(c.stopped)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.write(logger)
		case <-c.stop:
			c.write(logger)
			return
		}
	}
}

func (c *checkpointer) write(logger interface{ Warn(string, ...any) }) {
	h := c.head.Load()
	if h == nil || *h == c.written {
		return
	}
	if h.id < c.floor {
		// The trail is shorter than the checkpoint says: keep the evidence of it.
		logger.Warn("audit checkpoint: the trail is shorter than its checkpoint; not overwritten", "entry", h.id, "checkpoint", c.floor)
		return
	}
	line := fmt.Sprintf("%d %s %s\n", h.id, h.hash, time.Now().UTC().Format(time.RFC3339))
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(line), 0o600); err != nil {
		logger.Warn("audit checkpoint", "err", err)
		return
	}
	if err := os.Rename(tmp, c.path); err != nil {
		logger.Warn("audit checkpoint", "err", err)
		return
	}
	c.written = *h
}
