package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/jackc/pgx/v5"
)

// The duplicate scan compares each new report with the earlier reports of its incident and
// flags it when it probably repeats one: the same business number, or the same phone and a
// similar business name. It runs in the background right after each group commit that
// inserted reports (and every few seconds, and at start), reading on the reader pool and
// writing its flags in one batch. Keeping it out of the intake transaction keeps intake fast,
// and lets it see duplicates that arrived in the same group.

// dupScanBatch is how many new reports one pass of the scan takes.
const dupScanBatch = 500

// maxDupLinks bounds the earlier reports one report is linked to: the first few are enough to
// show side by side and merge, and a business that files a thousand times must not make
// every new report link to a thousand.
const maxDupLinks = 3

// kickDuplicateScan wakes the scan without waiting.
func (db *DB) kickDuplicateScan() {
	select {
	case db.dupKick <- struct{}{}:
	default:
	}
}

// duplicateLoop runs the duplicate scan, and refreshes the planner's statistics hourly.
func (db *DB) duplicateLoop(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	lastOptimize := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.dupKick:
		case <-tick.C:
			if !db.pg && time.Since(lastOptimize) > time.Hour { // (PostgreSQL has autovacuum)
				db.write(ctx, func(tx *Tx) error {
					_, err := tx.ExecContext(ctx, `PRAGMA optimize`)
					return err
				})
				lastOptimize = time.Now()
			}
		}
		if _, err := db.flagDuplicates(ctx, false); err != nil && ctx.Err() == nil && !errors.Is(err, errClosed) {
			db.logger.Error("duplicate scan", "err", err)
		}
	}
}

var errClosed = errors.New("database closed")

// FlagDuplicates runs the duplicate scan until it has caught up with the reports stored, and
// returns how many reports it flagged. The background scan calls it; so do imports before they
// report, and tests.
func (db *DB) FlagDuplicates(ctx context.Context) (int, error) { return db.flagDuplicates(ctx, true) }

// dupScanLock is the advisory lock PostgreSQL's duplicate scan holds: the servers sharing a
// database would otherwise each read every report's candidates, and all but one find their
// flags written already.
const dupScanLock = "7261003"

// flagDuplicates is FlagDuplicates; on PostgreSQL, it waits for another process's scan to end
// if wait is set, and otherwise leaves the scan to that process (it scans every report, this
// process's too). There the candidates of a batch are read in one round trip.
func (db *DB) flagDuplicates(ctx context.Context, wait bool) (int, error) {
	find := db.findDuplicates
	if db.pg {
		conn, err := db.readDB.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		tx, err := conn.BeginTx(ctx, nil) // the lock is the transaction's: its end releases it
		if err != nil {
			return 0, err
		}
		defer tx.Rollback()
		if wait {
			_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+dupScanLock+`)`)
		} else {
			var got bool
			if err = tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock(`+dupScanLock+`)`).Scan(&got); err == nil && !got {
				return 0, nil
			}
		}
		if err != nil {
			return 0, fmt.Errorf("duplicate scan lock: %w", err)
		}
		find = func(ctx context.Context, batch []newReport) ([]dupFlag, error) {
			return db.findDuplicatesPipelined(ctx, conn, batch)
		}
	}
	total := 0
	for {
		scanned, flagged, err := db.scanDuplicates(ctx, find)
		total += flagged
		if err != nil || scanned == 0 {
			return total, err
		}
	}
}

type newReport struct {
	id                                  int64
	receipt, incident, brn, phone, name string
	status                              claimdesk.Status
}

type dupFlag struct {
	report     newReport
	candidates []duplicate
}

type duplicate struct {
	id      int64
	receipt string
	reason  string
}

// scanDuplicates checks the next batch of reports after the recorded position.
func (db *DB) scanDuplicates(ctx context.Context, find func(context.Context, []newReport) ([]dupFlag, error)) (scanned, flagged int, err error) {
	db.mu.RLock()
	closed := db.closed
	db.mu.RUnlock()
	if closed {
		return 0, 0, errClosed
	}
	var last int64
	if err := db.reader().QueryRowContext(ctx, `SELECT value FROM progress WHERE name = 'duplicates'`).Scan(&last); err != nil {
		return 0, 0, fmt.Errorf("read scan position: %w", err)
	}
	rows, err := db.query(ctx, `SELECT id, receipt, incident_id, business_number, phone, business_name, status
		FROM reports WHERE id > ? ORDER BY id LIMIT ?`, last, dupScanBatch)
	if err != nil {
		return 0, 0, err
	}
	var batch []newReport
	for rows.Next() {
		var n newReport
		if err := rows.Scan(&n.id, &n.receipt, &n.incident, &n.brn, &n.phone, &n.name, &n.status); err != nil {
			rows.Close()
			return 0, 0, err
		}
		batch = append(batch, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(batch) == 0 {
		return 0, 0, err
	}
	flags, err := find(ctx, batch)
	if err != nil {
		return 0, 0, err
	}
	upTo := batch[len(batch)-1].id
	sys := claimdesk.WithActor(ctx, claimdesk.Actor{Kind: claimdesk.ActorSystem})
	err = db.write(sys, func(tx *Tx) error {
		// Another scan (a test's, an import's) may have done this batch meanwhile.
		res, err := tx.ExecContext(sys, `UPDATE progress SET value = ? WHERE name = 'duplicates' AND value = ?`, upTo, last)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, f := range flags {
			var receipts []string
			for _, c := range f.candidates {
				if _, err := tx.ExecContext(sys, `INSERT INTO report_duplicates (report_id, candidate_id, reason) VALUES (?, ?, ?)
					ON CONFLICT DO NOTHING`, f.report.id, c.id, c.reason); err != nil {
					return err
				}
				receipts = append(receipts, c.receipt)
			}
			if _, err := tx.ExecContext(sys, `UPDATE reports SET duplicate = TRUE WHERE id = ?`, f.report.id); err != nil {
				return err
			}
			if err := db.audit(sys, tx, claimdesk.AuditDuplicate, f.report.id, f.report.receipt,
				map[string]any{"possible_duplicate_of": receipts}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("flag duplicates: %w", err)
	}
	return len(batch), len(flags), nil
}

// The queries for a new report's candidates: the earlier reports of its incident with its
// business number, and those with its phone number (which count if the names are alike).
// Merged reports are left out: they already point to the one that stays.
const (
	dupsByNumber = `SELECT id, receipt, business_name FROM reports
		WHERE incident_id = ? AND business_number = ? AND id < ? AND status != 'merged' ORDER BY id LIMIT 3`
	dupsByPhone = `SELECT id, receipt, business_name FROM reports
		WHERE incident_id = ? AND phone = ? AND id < ? AND status != 'merged' ORDER BY id LIMIT 20`
)

// findDuplicates returns the new reports of batch that probably repeat earlier ones, with
// those.
func (db *DB) findDuplicates(ctx context.Context, batch []newReport) ([]dupFlag, error) {
	var flags []dupFlag
	for _, n := range batch {
		if n.status == claimdesk.StatusMerged {
			continue // a reviewer has already found what it repeats
		}
		f := dupFlag{report: n}
		query := func(reason, query, arg string) error {
			rows, err := db.reader().QueryContext(ctx, query, n.incident, arg, n.id)
			if err != nil {
				return fmt.Errorf("find duplicates: %w", err)
			}
			defer rows.Close()
			return f.add(reason, rows)
		}
		if n.brn != "" {
			if err := query(byNumber, dupsByNumber, n.brn); err != nil {
				return nil, err
			}
		}
		if err := query(byPhone, dupsByPhone, n.phone); err != nil {
			return nil, err
		}
		if len(f.candidates) > 0 {
			flags = append(flags, f)
		}
	}
	return flags, nil
}

// findDuplicatesPipelined is findDuplicates on PostgreSQL, sending every query of the batch
// at once on conn.
func (db *DB) findDuplicatesPipelined(ctx context.Context, conn *sql.Conn, batch []newReport) ([]dupFlag, error) {
	b := &pgx.Batch{}
	for _, n := range batch {
		if n.status == claimdesk.StatusMerged {
			continue
		}
		if n.brn != "" {
			b.Queue(db.q(dupsByNumber), n.incident, n.brn, n.id)
		}
		b.Queue(db.q(dupsByPhone), n.incident, n.phone, n.id)
	}
	var flags []dupFlag
	err := sendBatch(ctx, conn, b, func(br pgx.BatchResults) error {
		read := func(f *dupFlag, reason string) error {
			rows, err := br.Query()
			if err != nil {
				return fmt.Errorf("find duplicates: %w", err)
			}
			defer rows.Close()
			return f.add(reason, rows)
		}
		for _, n := range batch {
			if n.status == claimdesk.StatusMerged {
				continue
			}
			f := dupFlag{report: n}
			if n.brn != "" {
				if err := read(&f, byNumber); err != nil {
					return err
				}
			}
			if err := read(&f, byPhone); err != nil {
				return err
			}
			if len(f.candidates) > 0 {
				flags = append(flags, f)
			}
		}
		return nil
	})
	return flags, err
}

// Why a report is a candidate, as report_duplicates records it.
const (
	byNumber = "business_number"
	byPhone  = "phone_name"
)

// candidateRows are the rows of a candidates query, from database/sql or from a pgx batch.
type candidateRows interface {
	Next() bool
	Scan(...any) error
	Err() error
}

// add adds the candidates a query found: all those with the business number, those with the
// phone number whose names are alike; up to maxDupLinks in all.
func (f *dupFlag) add(reason string, rows candidateRows) error {
	for rows.Next() {
		d := duplicate{reason: reason}
		var name string
		if err := rows.Scan(&d.id, &d.receipt, &name); err != nil {
			return fmt.Errorf("find duplicates: %w", err)
		}
		if len(f.candidates) >= maxDupLinks || slices.ContainsFunc(f.candidates, func(c duplicate) bool { return c.id == d.id }) {
			continue
		}
		if reason == byPhone && !claimdesk.SimilarNames(name, f.report.name) {
			continue
		}
		f.candidates = append(f.candidates, d)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find duplicates: %w", err)
	}
	return nil
}
