package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL each statement is a round trip to the server, and a new report is five or more
// statements (the report, its services, its idempotency key, its audit entry, the counts). A
// group's new reports therefore wait for the group's end, and are then sent pipelined: one
// round trip for the writer lock, the audit head, the last change number and the reports' IDs,
// one for every row of every report — one statement per table (see rowSet). A group of new
// reports alone has run no statement before then: the first batch also begins its
// transaction, and the second commits it.
//
// The writer lock is what keeps the audit trail one chain and the change numbers in commit
// order across processes. It is taken before a transaction's first statement, so a group of
// new reports alone holds it for those last two round trips and the commit, not while its
// requests are gathered; a group with any other write takes it at that write's first
// statement, so that each read-then-write sees the others' commits as before.
//
// A failure in the pipelined rows (a receipt drawn twice, an idempotency key already used)
// rolls the group back; the writer then runs it again with each write in its own savepoint
// and every statement sent at once, where each such case is handled where it arises.

// pendingReport is a new report whose rows wait for the end of its group.
type pendingReport struct {
	op    int // its operation in the group
	r     *Report
	idem  claimdesk.Idempotency
	at    time.Time
	audit auditRow // without its place in the chain and its report ID, known at the end
	docs  []claimdesk.DocumentFile
}

// pendReport does CreateReport's write for r on PostgreSQL: everything but the statements,
// which finishPostgres sends.
func (t *Tx) pendReport(ctx context.Context, r *Report, fingerprint string, idem claimdesk.Idempotency, now time.Time, docs []claimdesk.DocumentFile) error {
	r.Receipt = t.db.NewReceipt()
	r.Duplicate = false
	e, err := t.db.auditEntry(ctx, claimdesk.AuditReportCreated, r.Receipt, createdDetail(r, fingerprint))
	if err != nil {
		return err
	}
	t.pending = append(t.pending, pendingReport{op: t.op, r: r, idem: idem, at: now, audit: e, docs: docs})
	return nil
}

// start begins the transaction on PostgreSQL, with the writer lock, before its first
// statement, if it has not begun. A lock that fails leaves the transaction aborted, and the
// statement that follows reports it.
func (t *Tx) start(ctx context.Context) error {
	if t.tx != nil || !t.db.pg {
		return nil
	}
	if t.inBatch {
		return errors.New("write: a statement after the group's batch")
	}
	var err error
	if t.tx, err = t.conn.BeginTx(context.WithoutCancel(ctx), nil); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(context.WithoutCancel(ctx), lockWriter); err != nil {
		t.db.logger.Warn("writer lock", "err", err)
	}
	return nil
}

// writerLock is the advisory lock every PostgreSQL write transaction takes before its first
// statement: the audit trail has one head, and change numbers rise in commit order.
const (
	writerLock = "7261002"
	lockWriter = `SELECT pg_advisory_xact_lock(` + writerLock + `)`
)

// finishPostgres sends what the group left for its end (see above), and the count deltas. A
// report whose idempotency key is taken (by an earlier report, or by another of the group) is
// refused with errKeyTaken, as the statement it would have run would have found.
func (db *DB) finishPostgres(ctx context.Context, tx *Tx, results []error) (refused int, err error) {
	taken := map[string]bool{}
	if len(tx.pending) > 0 {
		if taken, err = db.placePending(ctx, tx); err != nil {
			return 0, err
		}
	} else if tx.tx == nil {
		return 0, nil // nothing was written: every write failed before its first statement
	}
	reports, services := rowSet{insert: `INSERT INTO reports (id, ` + insertColumns + `)`}, rowSet{insert: serviceRows}
	keys, audit := rowSet{insert: keyRows}, rowSet{insert: auditRows}
	docs, messages := rowSet{insert: documentRows}, rowSet{insert: messageRows}
	for i := range tx.pending {
		p := &tx.pending[i]
		r := p.r
		if k := p.idem.Key; k != "" {
			if taken[k] {
				results[p.op], r.ID = errKeyTaken, 0
				refused++
				continue
			}
			taken[k] = true
		}
		tx.inserted = true
		addCount(ctx, tx, r.Incident, r.Status, 1)
		tx.stored = append(tx.stored, storedReport{r.Incident, string(r.Channel)})
		tx.change++
		reports.add(append([]any{r.ID}, reportArgs(r, false, tx.change)...)...)
		for _, svc := range r.Services {
			services.add(r.ID, r.Incident, svc)
		}
		if p.idem.Key != "" {
			keys.add(p.idem.Key, p.idem.Fingerprint, r.ID, formatTime(p.at))
		}
		p.audit.ReportID = sql.NullInt64{Int64: r.ID, Valid: true}
		tx.head.link(&p.audit, db.auditKey, db.auditKeyID)
		audit.add(p.audit.args()...)
		for _, d := range p.docs {
			docs.add(documentArgs(r.ID, d, "filing", p.at)...)
		}
		msgs, err := db.messagesFor(ctx, claimdesk.Notice{Event: claimdesk.EventReportCreated, Report: r}, claimdesk.EventReportCreated, reportData(r))
		if err != nil {
			return 0, err
		}
		for i := range msgs {
			messages.add(msgs[i].args()...)
			tx.messages = true
		}
	}
	b := &pgx.Batch{}
	for _, s := range []*rowSet{&reports, &services, &keys, &audit, &docs, &messages} {
		if err := s.queue(b); err != nil {
			return 0, err
		}
	}
	for k, delta := range tx.counts {
		if delta != 0 {
			b.Queue(db.q(upsertCount), k.incident, k.status, delta)
		}
	}
	clear(tx.counts)
	if tx.inBatch {
		b.Queue(`COMMIT`)
	}
	if b.Len() == 0 {
		return refused, nil
	}
	if err := tx.sendBatch(ctx, b, nil); err != nil {
		return 0, fmt.Errorf("write the group's reports: %w", err)
	}
	tx.inBatch = false // committed, if it was begun in the batches
	return refused, nil
}

// The tables a group's new reports write, in rowSet's form: the columns of the rows' args.
const (
	serviceRows  = `INSERT INTO report_services (report_id, incident_id, service_id)`
	keyRows      = `INSERT INTO idempotency_keys (key, fingerprint, report_id, created_at)`
	auditRows    = `INSERT INTO audit_log (` + auditColumns + `)`
	documentRows = `INSERT INTO documents (report_id, kind, name, content_type, size, sha256, data, source, at)`
	messageRows  = `INSERT INTO messages (key, report_id, webhook_id, event, channel, recipient, subject, body, next_at, created_at, batch)`
)

// rowSet gathers a group's rows of one table, inserted by one statement: each column goes as
// an array, and unnest makes rows of them again. A statement per row cost PostgreSQL about
// three times the row's own insert (bind, plan and execute each time), and the server a
// message each.
type rowSet struct {
	insert string // INSERT INTO table (columns), in the order of add's args
	cols   [][]any
}

func (s *rowSet) add(args ...any) {
	if s.cols == nil {
		s.cols = make([][]any, len(args))
	}
	for i, a := range args {
		s.cols[i] = append(s.cols[i], a)
	}
}

// queue adds the insert of s's rows to b, if it has any.
func (s *rowSet) queue(b *pgx.Batch) error {
	if len(s.cols) == 0 {
		return nil
	}
	args, arrays := make([]any, len(s.cols)), make([]string, len(s.cols))
	for i, col := range s.cols {
		a, typ, err := pgArray(col)
		if err != nil {
			return fmt.Errorf("%s: column %d: %w", s.insert, i+1, err)
		}
		args[i], arrays[i] = a, fmt.Sprintf("$%d::%s[]", i+1, typ)
	}
	b.Queue(s.insert+` SELECT * FROM unnest(`+strings.Join(arrays, ", ")+`)`, args...)
	return nil
}

// pgArray makes one typed slice of a column's values, and names its PostgreSQL type. The
// first value decides: every row of a column has the same Go type.
func pgArray(col []any) (any, string, error) {
	switch col[0].(type) {
	case int64, int:
		a := make([]int64, len(col))
		for i, v := range col {
			switch v := v.(type) {
			case int64:
				a[i] = v
			case int:
				a[i] = int64(v)
			}
		}
		return a, "bigint", nil
	case *int64, sql.NullInt64:
		a := make([]*int64, len(col))
		for i, v := range col {
			switch v := v.(type) {
			case *int64:
				a[i] = v
			case sql.NullInt64:
				if v.Valid {
					a[i] = &v.Int64
				}
			}
		}
		return a, "bigint", nil
	case bool:
		a := make([]bool, len(col))
		for i, v := range col {
			a[i], _ = v.(bool)
		}
		return a, "boolean", nil
	case []byte:
		a := make([][]byte, len(col))
		for i, v := range col {
			a[i], _ = v.([]byte)
		}
		return a, "bytea", nil
	}
	if reflect.ValueOf(col[0]).Kind() != reflect.String {
		return nil, "", fmt.Errorf("no array for a %T", col[0])
	}
	a := make([]string, len(col))
	for i, v := range col {
		a[i] = reflect.ValueOf(v).String()
	}
	return a, "text", nil
}

// placePending begins the transaction and takes the writer lock if no statement has, and reads, in one round trip, the
// audit head and the last change number if the group does not know them yet, an ID for each
// pending report, and which of their idempotency keys are taken. Every write holds the lock,
// so none is taken between this look and the commit.
func (db *DB) placePending(ctx context.Context, tx *Tx) (taken map[string]bool, err error) {
	n := len(tx.pending)
	var keys []string
	for _, p := range tx.pending {
		if p.idem.Key != "" {
			keys = append(keys, p.idem.Key)
		}
	}
	taken = map[string]bool{}
	b := &pgx.Batch{}
	head, change := !tx.head.known, tx.change == 0
	if tx.tx == nil {
		// No statement has begun the transaction (and taken the lock): this batch begins it,
		// the last commits it.
		b.Queue(`BEGIN`)
		b.Queue(lockWriter)
		tx.inBatch = true
	}
	if head {
		b.Queue(`SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`)
	}
	if change {
		b.Queue(`SELECT coalesce(max(change_seq), 0) FROM reports`)
	}
	b.Queue(`SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, $1)`, n)
	if len(keys) > 0 {
		b.Queue(`SELECT key FROM idempotency_keys WHERE key = ANY($1)`, keys)
	}
	err = tx.sendBatch(ctx, b, func(br pgx.BatchResults) error {
		if tx.inBatch {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("begin: %w", err)
			}
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("writer lock: %w", err)
			}
		}
		if head {
			h := auditHead{known: true}
			if err := br.QueryRow().Scan(&h.id, &h.hash); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("audit: read head: %w", err)
			}
			tx.head = h
		}
		if change {
			if err := br.QueryRow().Scan(&tx.change); err != nil {
				return fmt.Errorf("change number: %w", err)
			}
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("report IDs: %w", err)
		}
		i := 0
		for rows.Next() && i < n {
			if err := rows.Scan(&tx.pending[i].r.ID); err != nil {
				rows.Close()
				return fmt.Errorf("report IDs: %w", err)
			}
			i++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("report IDs: %w", err)
		}
		if i != n {
			return fmt.Errorf("report IDs: %d drawn for %d reports", i, n)
		}
		if len(keys) == 0 {
			return nil
		}
		rows, err = br.Query()
		if err != nil {
			return fmt.Errorf("idempotency keys: %w", err)
		}
		var k string
		_, err = pgx.ForEachRow(rows, []any{&k}, func() error {
			taken[k] = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("idempotency keys: %w", err)
		}
		return nil
	})
	return taken, err
}

// sendBatch sends b on the transaction's connection as one pipeline, and lets read take the
// results (nil: only whether every statement succeeded matters).
func (t *Tx) sendBatch(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the writer's connection is a %T, not pgx's", dc)
		}
		br := c.Conn().SendBatch(ctx, b)
		var err error
		if read != nil {
			err = read(br)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}
