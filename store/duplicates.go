package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// dupScanEvery is the least time between two passes that commits wake.
const dupScanEvery = 300 * time.Millisecond

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
	lastOptimize, last := time.Now(), time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.dupKick:
			// Under a load every commit kicks: wait for more to gather. A pass's cost is
			// mostly its own (two lookups of a batch's values), so 500 reports cost little more
			// than 20.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(last.Add(dupScanEvery))):
			}
		case <-tick.C:
			if !db.pg && time.Since(lastOptimize) > time.Hour { // (PostgreSQL has autovacuum)
				db.write(ctx, func(tx *Tx) error {
					_, err := tx.ExecContext(ctx, `PRAGMA optimize`)
					return err
				})
				lastOptimize = time.Now()
			}
		}
		last = time.Now()
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
// process's too).
func (db *DB) flagDuplicates(ctx context.Context, wait bool) (int, error) {
	if db.pg {
		tx, err := db.readDB.BeginTx(ctx, nil) // the lock is the transaction's: its end releases it
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
	}
	total := 0
	for {
		scanned, flagged, err := db.scanDuplicates(ctx)
		total += flagged
		// A batch not full took every report committed when it was read: the scan has caught
		// up (and under a load, a loop until nothing is new would chase each commit).
		if err != nil || scanned < dupScanBatch {
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
	flags, err := db.findDuplicates(ctx, batch)
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

// findDuplicates returns the new reports of batch that probably repeat earlier ones, with
// those: the earlier reports of the incident with its business number (the first few), and
// those with its phone number whose business names are alike (among the first 20). Merged
// reports are left out: they already point to the one that stays. Each incident of the batch
// takes two questions, one by business numbers and one by phones, whatever the batch's size.
func (db *DB) findDuplicates(ctx context.Context, batch []newReport) ([]dupFlag, error) {
	byIncident := map[string][]newReport{}
	for _, n := range batch {
		if n.status != claimdesk.StatusMerged { // a reviewer has already found what it repeats
			byIncident[n.incident] = append(byIncident[n.incident], n)
		}
	}
	found := map[int64]*dupFlag{}
	for incident, reports := range byIncident {
		var numbers, phones []string
		for _, n := range reports {
			if n.brn != "" {
				numbers = append(numbers, n.brn)
			}
			phones = append(phones, n.phone)
		}
		sameNumber, err := db.earlierWith(ctx, incident, "business_number", numbers)
		if err != nil {
			return nil, err
		}
		samePhone, err := db.earlierWith(ctx, incident, "phone", phones)
		if err != nil {
			return nil, err
		}
		for _, n := range reports {
			f := &dupFlag{report: n}
			if n.brn != "" {
				f.add(byNumber, sameNumber[n.brn], 3)
			}
			f.add(byPhone, samePhone[n.phone], 20)
			if len(f.candidates) > 0 {
				found[n.id] = f
			}
		}
	}
	var flags []dupFlag
	for _, n := range batch {
		if f := found[n.id]; f != nil {
			flags = append(flags, *f)
		}
	}
	return flags, nil
}

// candidate is a report that a new one may repeat.
type candidate struct {
	id            int64
	receipt, name string
}

// earlierWith returns the reports of incident, merged ones aside, whose column (business_number
// or phone) is one of values, by value, in ID order.
func (db *DB) earlierWith(ctx context.Context, incident, column string, values []string) (map[string][]candidate, error) {
	out := map[string][]candidate{}
	if len(values) == 0 {
		return out, nil
	}
	values = slices.Compact(slices.Sorted(slices.Values(values)))
	// On PostgreSQL the values go as one array: one statement, planned once, whatever the
	// batch's size (a list of 500 placeholders was planned afresh each time, and cost more
	// than the lookups).
	in, args := ` = ANY(?)`, []any{incident, values}
	if !db.pg {
		in, args = ` IN (?`+strings.Repeat(", ?", len(values)-1)+`)`, []any{incident}
		for _, v := range values {
			args = append(args, v)
		}
	}
	rows, err := db.query(ctx, `SELECT id, receipt, business_name, `+column+` FROM reports
		WHERE incident_id = ? AND `+column+in+` AND status != 'merged' ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c candidate
		var v string
		if err := rows.Scan(&c.id, &c.receipt, &c.name, &v); err != nil {
			return nil, fmt.Errorf("find duplicates: %w", err)
		}
		out[v] = append(out[v], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	return out, nil
}

// Why a report is a candidate, as report_duplicates records it.
const (
	byNumber = "business_number"
	byPhone  = "phone_name"
)

// add adds, of the first few of cands filed before the report, those it probably repeats: all
// with its business number, those with its phone whose names are alike; up to maxDupLinks in
// all.
func (f *dupFlag) add(reason string, cands []candidate, first int) {
	for i, c := range cands {
		if i == first || c.id >= f.report.id || len(f.candidates) == maxDupLinks {
			return // in ID order: the rest were filed after it
		}
		if slices.ContainsFunc(f.candidates, func(d duplicate) bool { return d.id == c.id }) {
			continue
		}
		if reason == byPhone && !claimdesk.SimilarNames(c.name, f.report.name) {
			continue
		}
		f.candidates = append(f.candidates, duplicate{id: c.id, receipt: c.receipt, reason: reason})
	}
}
