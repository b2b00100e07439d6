package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/claimdesk/claimdesk"
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
		if _, err := db.FlagDuplicates(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, errClosed) {
			db.logger.Error("duplicate scan", "err", err)
		}
	}
}

var errClosed = errors.New("database closed")

// FlagDuplicates runs the duplicate scan until it has caught up with the reports stored, and
// returns how many reports it flagged. The background scan calls it; so do imports before they
// report, and tests.
func (db *DB) FlagDuplicates(ctx context.Context) (int, error) {
	total := 0
	for {
		scanned, flagged, err := db.scanDuplicates(ctx)
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
func (db *DB) scanDuplicates(ctx context.Context) (scanned, flagged int, err error) {
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
	var flags []dupFlag
	for _, n := range batch {
		if n.status == claimdesk.StatusMerged {
			continue // a reviewer has already found what it repeats
		}
		cands, err := db.findDuplicates(ctx, n)
		if err != nil {
			return 0, 0, err
		}
		if len(cands) > 0 {
			flags = append(flags, dupFlag{n, cands})
		}
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

// findDuplicates returns the earlier reports of n's incident that n probably repeats. Merged
// reports are left out: they already point to the one that stays.
func (db *DB) findDuplicates(ctx context.Context, n newReport) ([]duplicate, error) {
	var out []duplicate
	seen := map[int64]bool{}
	scan := func(reason, query, arg string, match func(name string) bool) error {
		rows, err := db.reader().QueryContext(ctx, query, n.incident, arg, n.id)
		if err != nil {
			return fmt.Errorf("find duplicates: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var d duplicate
			var name string
			if err := rows.Scan(&d.id, &d.receipt, &name); err != nil {
				return err
			}
			if len(out) < maxDupLinks && !seen[d.id] && match(name) {
				d.reason, seen[d.id] = reason, true
				out = append(out, d)
			}
		}
		return rows.Err()
	}
	if n.brn != "" {
		if err := scan("business_number", `SELECT id, receipt, business_name FROM reports
			WHERE incident_id = ? AND business_number = ? AND id < ? AND status != 'merged' ORDER BY id LIMIT 3`,
			n.brn, func(string) bool { return true }); err != nil {
			return nil, err
		}
	}
	if err := scan("phone_name", `SELECT id, receipt, business_name FROM reports
		WHERE incident_id = ? AND phone = ? AND id < ? AND status != 'merged' ORDER BY id LIMIT 20`,
		n.phone, func(name string) bool { return claimdesk.SimilarNames(name, n.name) }); err != nil {
		return nil, err
	}
	return out, nil
}
