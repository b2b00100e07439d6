package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// AuditService reads and verifies the audit trail.
type AuditService struct {
	db *DB
}

var _ claimdesk.AuditService = (*AuditService)(nil)

// NewAuditService returns an AuditService on db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// audit appends an entry for the actor in ctx, in the caller's transaction, so that the entry
// exists exactly when the change it records does. Appends are serialised by the one writer,
// which is what keeps the chain a chain.
func (db *DB) audit(ctx context.Context, tx *Tx, action string, reportID int64, receipt string, detail map[string]any) error {
	// The head of the chain is the group's (see group): read once, then carried from append
	// to append and from commit to commit.
	if !tx.head.known {
		h := auditHead{known: true}
		err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&h.id, &h.hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("audit: read head: %w", err)
		}
		tx.head = h
	}
	e, err := db.auditEntry(ctx, action, receipt, detail)
	if err != nil {
		return err
	}
	if reportID != 0 {
		e.ReportID = sql.NullInt64{Int64: reportID, Valid: true}
	}
	tx.head.link(&e, db.auditKey, db.auditKeyID)
	if _, err = tx.ExecContext(ctx, insertAudit, e.args()...); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// auditEntry is an entry for the actor in ctx, now, not yet linked into the chain.
func (db *DB) auditEntry(ctx context.Context, action, receipt string, detail map[string]any) (auditRow, error) {
	if detail == nil {
		detail = map[string]any{}
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return auditRow{}, fmt.Errorf("audit: %w", err)
	}
	return auditRow{At: formatTime(db.Now()), Actor: claimdesk.ActorFrom(ctx).String(),
		Action: action, Receipt: receipt, Detail: string(d)}, nil
}

const insertAudit = `INSERT INTO audit_log (id, at, actor, action, report_id, receipt, detail, prev_hash, key_id, hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func (e *auditRow) args() []any {
	return []any{e.ID, e.At, e.Actor, e.Action, e.ReportID, e.Receipt, e.Detail, e.PrevHash, e.KeyID, e.Hash}
}

// auditColumns are an entry's columns, in auditRow.scan's order.
const auditColumns = `id, at, actor, action, report_id, receipt, detail, prev_hash, key_id, hash`

func (e *auditRow) scan(rows *sql.Rows) error {
	return rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.ReportID, &e.Receipt, &e.Detail, &e.PrevHash, &e.KeyID, &e.Hash)
}

// link makes e the entry after h, with its MAC under key (named keyID), and moves h to it.
func (h *auditHead) link(e *auditRow, key []byte, keyID string) {
	e.ID, e.PrevHash, e.KeyID = h.id+1, h.hash, keyID
	e.Hash = e.mac(key)
	*h = auditHead{known: true, id: e.ID, hash: e.Hash}
}

// auditHead is the last entry of the chain as the writer knows it.
type auditHead struct {
	known bool
	id    int64
	hash  string
}

// auditRow is an audit entry as stored: the MAC is computed over these exact texts.
type auditRow struct {
	ID       int64
	At       string
	Actor    string
	Action   string
	ReportID sql.NullInt64
	Receipt  string
	Detail   string
	PrevHash string
	KeyID    string // the name of the key of its MAC (auditKeyID); empty in entries written before names
	Hash     string
}

// mac is HMAC-SHA256 over every column but hash, separated by a byte no column holds (the key's
// name only where there is one, so that entries written before names keep their MACs).
func (e *auditRow) mac(key []byte) string {
	reportID := ""
	if e.ReportID.Valid {
		reportID = strconv.FormatInt(e.ReportID.Int64, 10)
	}
	cols := []string{strconv.FormatInt(e.ID, 10), e.At, e.Actor, e.Action, reportID, e.Receipt, e.Detail, e.PrevHash}
	if e.KeyID != "" {
		cols = append(cols, e.KeyID)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.Join(cols, "\x1f")))
	return hex.EncodeToString(m.Sum(nil))
}

// auditKeyID names an audit key without giving it away: the start of a MAC it makes of a fixed
// text. Each entry records the name of the key that wrote it.
func auditKeyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("claimdesk audit key"))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// VerifyAudit checks the trail in three ways, in one read snapshot. It walks the chain in
// order, checking each entry's MAC and its link to the one before: an edited entry fails its
// own MAC, a deleted or inserted one breaks the numbering or the link. It checks that the
// trail still holds each of points, entries recorded outside the database: a trail cut short
// or emptied does not. And it compares every row that decides who is paid how much with the
// state the trail last recorded for it (see auditstate.go).
func (s *AuditService) VerifyAudit(ctx context.Context, points []claimdesk.AuditPoint) (claimdesk.AuditVerification, error) {
	v := claimdesk.AuditVerification{Checked: map[string]int{}, Unchecked: map[string]int{}}
	err := s.db.snapshot(ctx, func(q snap) error {
		tr, err := s.walk(ctx, q, points, &v)
		if err != nil || !v.OK() {
			return err // a broken chain vouches for nothing: the rows are not compared with it
		}
		if err := s.db.verifyRows(ctx, q, tr, &v); err != nil {
			return err
		}
		return s.db.verifyReports(ctx, q, tr, &v)
	})
	return v, err
}

// trail is what the walk learned of the rows' audited states.
type trail struct {
	rows    map[string]audited    // the last state recorded of each tracked row, by rowKey
	reports map[int64]reportTrail // what the report entries say of each report
	demo    []demoBatch           // demo reports, recorded a batch to an entry
	seen    map[string]bool       // rows found in their tables
}

type audited struct {
	state string
	entry int64
}

// reportTrail is a report as its entries describe it: the fingerprint of its content (see
// Report.Fingerprint), its status, and the report it was merged into.
type reportTrail struct {
	fingerprint [16]byte
	unknown     bool // its content was corrected by an entry older than fingerprints in answers
	status      claimdesk.Status
	into        string
	entry       int64
}

type demoBatch struct {
	first, last string // receipts
	count       int
	entry       int64
}

// entryDetail is what the verifier reads of an entry's detail.
type entryDetail struct {
	Rows        rowStates        `json:"rows"`
	Fingerprint string           `json:"fingerprint"`
	To          claimdesk.Status `json:"to"`
	Into        string           `json:"into"`
	Count       int              `json:"count"`
	First       string           `json:"first"`
	Last        string           `json:"last"`
}

// rowStates are the states of the rows an entry wrote, by table and key. Entries written before
// they were recorded may hold something else under the same name (an import's row count):
// that is no state.
type rowStates map[string]string

func (r *rowStates) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	return json.Unmarshal(b, (*map[string]string)(r))
}

// walk checks the chain and the points, and collects the audited states.
func (s *AuditService) walk(ctx context.Context, q snap, points []claimdesk.AuditPoint, v *claimdesk.AuditVerification) (*trail, error) {
	tr := &trail{rows: map[string]audited{}, reports: map[int64]reportTrail{}}
	at := map[int64]claimdesk.AuditPoint{}
	for _, p := range points {
		at[p.Entry] = p
	}
	rows, err := q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var prev string
	var want int64 = 1
	unknown := map[string]int{} // entries by the name of a key not given, which cannot be checked
	for rows.Next() {
		var e auditRow
		if err := e.scan(rows); err != nil {
			return nil, err
		}
		key, known := s.db.auditKeys[e.KeyID]
		switch {
		case e.ID != want:
			v.BrokenAt, v.Problem = e.ID, fmt.Sprintf("entry %d follows entry %d: entries are missing", e.ID, want-1)
		case e.PrevHash != prev:
			v.BrokenAt, v.Problem = e.ID, fmt.Sprintf("entry %d does not link to entry %d", e.ID, e.ID-1)
		case !known:
			unknown[e.KeyID]++
		case !hmac.Equal([]byte(e.Hash), []byte(e.mac(key))):
			v.BrokenAt, v.Problem = e.ID, fmt.Sprintf("entry %d was changed after it was written", e.ID)
			if e.ID == 1 {
				// From the first entry on, every entry failing its MAC while each still links
				// to the one before is not an edit (an edited entry breaks only itself): the
				// key is not the one that wrote them.
				if n, err := keyMismatch(rows, e.Hash, s.db.auditKey); err != nil {
					return nil, err
				} else if n > 1 {
					v.Problem = fmt.Sprintf("entries 1 to %d do not match the audit key, yet each links to the one before: "+
						"the key in DATA/audit.key is not the one that wrote them (a database restored without its --audit-key?); "+
						"restore the old key to verify them", n)
				}
			}
		}
		if p, ok := at[e.ID]; ok && v.BrokenAt == 0 && p.Hash != e.Hash {
			v.BrokenAt, v.Problem = e.ID, fmt.Sprintf("entry %d is not the one %s recorded: the trail was rewritten", e.ID, p.From)
		}
		if v.BrokenAt != 0 {
			return tr, nil
		}
		if err := tr.add(&e); err != nil {
			return nil, err
		}
		v.Entries++
		prev, want = e.Hash, want+1
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	v.Head = prev
	if len(unknown) > 0 {
		var names []string
		n := 0
		for _, id := range slices.Sorted(maps.Keys(unknown)) {
			names = append(names, fmt.Sprintf("%s (%d)", id, unknown[id]))
			n += unknown[id]
		}
		v.Unverified = n
		v.Problem = fmt.Sprintf("entries written under audit keys not given here: %d (by key: %s). Each links to the one before, "+
			"but what they say cannot be checked: give the key that wrote them with --audit-key FILE (another server's "+
			"DATA/audit.key, or the one kept with a backup). Servers that share a database should share one DATA/audit.key",
			n, strings.Join(names, ", "))
		return tr, nil
	}
	for _, p := range points {
		if p.Entry > int64(v.Entries) {
			when := ""
			if !p.At.IsZero() {
				when = " on " + p.At.In(claimdesk.KST).Format("2006-01-02 15:04")
			}
			v.BrokenAt = int64(v.Entries) + 1
			v.Problem = fmt.Sprintf("the trail ends at entry %d, but %s recorded entry %d%s: entries were removed from its end",
				v.Entries, p.From, p.Entry, when)
			return tr, nil
		}
	}
	return tr, nil
}

// keyMismatch reads on from an entry that failed its MAC and counts the entries, from the first,
// that link one to the next and all fail their MACs under key; rows is left partly read.
func keyMismatch(rows *sql.Rows, prev string, key []byte) (int, error) {
	n := 1
	for rows.Next() {
		var e auditRow
		if err := e.scan(rows); err != nil {
			return 0, err
		}
		if e.PrevHash != prev || hmac.Equal([]byte(e.Hash), []byte(e.mac(key))) {
			break
		}
		n, prev = n+1, e.Hash
	}
	return n, rows.Err()
}

// add takes in what one entry says of the rows it changed.
func (tr *trail) add(e *auditRow) error {
	reportAction := e.ReportID.Valid && (e.Action == claimdesk.AuditReportCreated || e.Action == claimdesk.AuditStatusChanged ||
		e.Action == claimdesk.AuditMerged || e.Action == claimdesk.AuditAnswered || e.Action == claimdesk.AuditCorrected)
	if !reportAction && e.Action != "demo.inserted" && !strings.Contains(e.Detail, `"rows"`) {
		return nil
	}
	var d entryDetail
	if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
		return fmt.Errorf("audit entry %d: %w", e.ID, err)
	}
	for k, state := range d.Rows {
		tr.rows[k] = audited{state, e.ID}
	}
	if e.Action == "demo.inserted" {
		tr.demo = append(tr.demo, demoBatch{d.First, d.Last, d.Count, e.ID})
	}
	if !reportAction {
		return nil
	}
	id := e.ReportID.Int64
	r, seen := tr.reports[id]
	if !seen {
		// First seen after its creation: filed in a demo batch, whose entry fingerprints
		// none of its reports. Its status is followed, its content cannot be.
		r.unknown = true
	}
	r.entry = e.ID
	switch e.Action {
	case claimdesk.AuditReportCreated:
		r = reportTrail{status: claimdesk.StatusReceived, entry: e.ID}
		r.fingerprint, r.unknown = fingerprintBytes(d.Fingerprint)
	case claimdesk.AuditStatusChanged:
		r.status = d.To
	case claimdesk.AuditMerged:
		if d.Into == "" {
			return nil // the kept report's entry: it does not change
		}
		r.status, r.into = claimdesk.StatusMerged, d.Into
	case claimdesk.AuditAnswered:
		r.status = d.To
		r.fingerprint, r.unknown = fingerprintBytes(d.Fingerprint)
	case claimdesk.AuditCorrected:
		r.fingerprint, r.unknown = fingerprintBytes(d.Fingerprint)
	}
	tr.reports[id] = r
	return nil
}

// fingerprintBytes keeps half of a fingerprint (enough to notice a change), and says when there
// is none.
func fingerprintBytes(fp string) ([16]byte, bool) {
	var b [16]byte
	raw, err := hex.DecodeString(fp)
	if err != nil || len(raw) < 16 {
		return b, true
	}
	copy(b[:], raw)
	return b, false
}

// problem records a row that does not match the trail.
func problem(v *claimdesk.AuditVerification, table, key, what string) {
	v.RowProblems++
	if len(v.Rows) < claimdesk.MaxListed {
		v.Rows = append(v.Rows, claimdesk.RowProblem{Table: table, Key: key, Problem: what})
	}
}

// compare checks one row's state against the trail, and takes it off the trail's list: what
// remains on it at the end was deleted.
func (tr *trail) compare(v *claimdesk.AuditVerification, table, key, state string) {
	k := rowKey(table, key)
	v.Checked[table]++
	a, ok := tr.rows[k]
	delete(tr.rows, k)
	switch {
	case !ok:
		problem(v, table, key, "not in the audit trail: written behind the service's back")
	case a.state != state:
		problem(v, table, key, fmt.Sprintf("differs from its state recorded by entry %d: changed behind the service's back", a.entry))
	}
}

// verifyRows compares the tracked tables, the runs' payouts and the payment files with the
// trail, and names the recorded rows that are gone.
func (db *DB) verifyRows(ctx context.Context, q snap, tr *trail, v *claimdesk.AuditVerification) error {
	for _, t := range trackedTables {
		if t.table == "payment_files" {
			continue // with its members, below
		}
		rows, err := q.QueryContext(ctx, t.query)
		if err != nil {
			return fmt.Errorf("verify %s: %w", t.table, err)
		}
		for rows.Next() {
			key, vals, err := t.scan(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("verify %s: %w", t.table, err)
			}
			if t.table == "evidence" && stateText(vals[2]) != stateText(vals[4]) {
				problem(v, t.table, key, "its bytes do not have the SHA-256 recorded with them: the file was changed")
			}
			tr.compare(v, t.table, key, digest(vals))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var runs, files []int64
	if err := collectIDs(ctx, q, &runs, `SELECT id FROM payout_runs WHERE state != 'computing' ORDER BY id`); err != nil {
		return err
	}
	for _, run := range runs {
		d, err := db.runPayoutsDigest(ctx, q, run)
		if err != nil {
			return err
		}
		tr.compare(v, "payouts", strconv.FormatInt(run, 10), d)
	}
	if err := collectIDs(ctx, q, &files, `SELECT id FROM payment_files ORDER BY id`); err != nil {
		return err
	}
	for _, f := range files {
		states := map[string]string{}
		if err := db.fileState(ctx, q, states, f); err != nil {
			return err
		}
		key := strconv.FormatInt(f, 10)
		tr.compare(v, "payment_files", key, states[rowKey("payment_files", key)])
	}
	gone := slices.Sorted(maps.Keys(tr.rows))
	for _, k := range gone {
		table, key, _ := strings.Cut(k, "/")
		problem(v, table, key, fmt.Sprintf("recorded by entry %d but no longer in the database: deleted behind the service's back", tr.rows[k].entry))
	}
	return nil
}

// verifyReports compares every report's status, merge and content with what its entries say.
// Demo reports are recorded a batch to an entry: they are counted against their batches, their
// content is not vouched for.
func (db *DB) verifyReports(ctx context.Context, q snap, tr *trail, v *claimdesk.AuditVerification) error {
	type batch struct {
		first, last int64
		count, seen int
		entry       int64
	}
	var batches []*batch
	for _, d := range tr.demo {
		b := &batch{count: d.count, entry: d.entry}
		for _, rc := range []struct {
			receipt string
			id      *int64
		}{{d.first, &b.first}, {d.last, &b.last}} {
			if err := q.QueryRowContext(ctx, `SELECT id FROM reports WHERE receipt = ?`, rc.receipt).Scan(rc.id); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		batches = append(batches, b)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+reportColumns+` FROM `+reportFrom+` ORDER BY r.id`)
	if err != nil {
		return fmt.Errorf("verify reports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			problem(v, "reports", "?", err.Error())
			continue
		}
		v.Checked["reports"]++
		want, ok := tr.reports[r.ID]
		delete(tr.reports, r.ID) // what remains at the end was deleted
		var in *batch
		if r.Demo {
			for _, b := range batches {
				if r.ID >= b.first && r.ID <= b.last {
					in = b
					in.seen++
					break
				}
			}
		}
		if !ok {
			if in != nil {
				v.Unchecked["demo reports, counted against their batches"]++
				continue
			}
			problem(v, "reports", r.Receipt, "not in the audit trail: written behind the service's back")
			continue
		}
		var what []string
		if r.Status != want.status {
			what = append(what, fmt.Sprintf("status %s, but the trail says %s", r.Status, want.status))
		}
		if r.MergedInto != want.into {
			what = append(what, fmt.Sprintf("merged into %q, but the trail says %q", r.MergedInto, want.into))
		}
		if want.unknown {
			v.Unchecked["reports whose content the trail never fingerprinted: demo or corrected before that (status checked)"]++
		} else if fp, _ := fingerprintBytes(r.Fingerprint()); fp != want.fingerprint {
			what = append(what, "its content (amounts, dates, services...) is not what the trail recorded")
		}
		if len(what) > 0 {
			problem(v, "reports", r.Receipt, strings.Join(what, "; ")+fmt.Sprintf(" (entry %d): changed behind the service's back", want.entry))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, b := range batches {
		if b.seen != b.count {
			problem(v, "reports", fmt.Sprintf("demo batch of entry %d", b.entry), fmt.Sprintf("holds %d demo reports, the entry recorded %d", b.seen, b.count))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(tr.reports)) {
		problem(v, "reports", "id "+strconv.FormatInt(id, 10), fmt.Sprintf("recorded by entry %d but no longer in the database: deleted behind the service's back",
			tr.reports[id].entry))
	}
	return nil
}

// History returns the audit entries about one report, oldest first.
func (db *DB) history(ctx context.Context, reportID int64) ([]*claimdesk.AuditEntry, error) {
	rows, err := db.reader().QueryContext(ctx, `SELECT id, at, actor, action, receipt, detail, prev_hash, hash
		FROM audit_log WHERE report_id = ? ORDER BY id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []*claimdesk.AuditEntry
	for rows.Next() {
		e := &claimdesk.AuditEntry{ReportID: reportID}
		var at, detail string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Receipt, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return nil, fmt.Errorf("audit entry %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
