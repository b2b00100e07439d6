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
	// The head of the chain is remembered between appends (only the writer goroutine appends)
	// and read again after anything was rolled back.
	if !db.head.known {
		db.head = auditHead{known: true}
		err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&db.head.id, &db.head.hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			db.head.known = false
			return fmt.Errorf("audit: read head: %w", err)
		}
	}
	prevID, prev := db.head.id, db.head.hash
	if detail == nil {
		detail = map[string]any{}
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	e := auditRow{ID: prevID + 1, At: formatTime(db.Now()), Actor: claimdesk.ActorFrom(ctx).String(),
		Action: action, Receipt: receipt, Detail: string(d), PrevHash: prev}
	if reportID != 0 {
		e.ReportID = sql.NullInt64{Int64: reportID, Valid: true}
	}
	e.Hash = e.mac(db.auditKey)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, report_id, receipt, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.At, e.Actor, e.Action, e.ReportID, e.Receipt, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		db.head.known = false
		return fmt.Errorf("audit: append: %w", err)
	}
	db.head.id, db.head.hash = e.ID, e.Hash
	return nil
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
	Hash     string
}

// mac is HMAC-SHA256 over every column but hash, separated by a byte no column holds.
func (e *auditRow) mac(key []byte) string {
	reportID := ""
	if e.ReportID.Valid {
		reportID = strconv.FormatInt(e.ReportID.Int64, 10)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.Join([]string{strconv.FormatInt(e.ID, 10), e.At, e.Actor, e.Action, reportID,
		e.Receipt, e.Detail, e.PrevHash}, "\x1f")))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyAudit walks the trail in order and checks each entry's MAC and its link to the one
// before. An edited entry fails its own MAC; a deleted or inserted one breaks the numbering or
// the link. (Cutting entries off the end leaves a shorter valid chain: compare Head with one
// recorded earlier to catch that.)
func (s *AuditService) VerifyAudit(ctx context.Context) (claimdesk.AuditVerification, error) {
	var v claimdesk.AuditVerification
	rows, err := s.db.query(ctx, `SELECT id, at, actor, action, report_id, receipt, detail, prev_hash, hash
		FROM audit_log ORDER BY id`)
	if err != nil {
		return v, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var prev string
	var want int64 = 1
	for rows.Next() {
		var e auditRow
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.ReportID, &e.Receipt, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return v, err
		}
		switch {
		case e.ID != want:
			v.BrokenAt, v.Problem = e.ID, fmt.Sprintf("entry %d follows entry %d: entries are missing", e.ID, want-1)
		case e.PrevHash != prev:
			v.BrokenAt, v.Problem = e.ID, fmt.Sprintf("entry %d does not link to entry %d", e.ID, e.ID-1)
		case !hmac.Equal([]byte(e.Hash), []byte(e.mac(s.db.auditKey))):
			v.BrokenAt, v.Problem = e.ID, fmt.Sprintf("entry %d was changed after it was written", e.ID)
		}
		if v.BrokenAt != 0 {
			return v, nil
		}
		v.Entries++
		prev, want = e.Hash, want+1
	}
	v.Head = prev
	return v, rows.Err()
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
