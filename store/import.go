package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/claimdesk/claimdesk"
)

// ImportService keeps import records in the database.
type ImportService struct {
	db *DB
}

var _ claimdesk.ImportService = (*ImportService)(nil)

// NewImportService returns an ImportService on db.
func NewImportService(db *DB) *ImportService { return &ImportService{db: db} }

// RecordImport stores an import's record, with an audit entry.
func (s *ImportService) RecordImport(ctx context.Context, rec *claimdesk.ImportRecord) error {
	if err := claimdesk.Require(ctx, claimdesk.PermImport); err != nil {
		return err
	}
	rec.At, rec.Actor = s.db.Now(), claimdesk.ActorFrom(ctx).String()
	return s.db.write(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO imports (at, actor, file_name, file_hash, rows, imported, existing, failed, result_csv)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, formatTime(rec.At), rec.Actor, rec.FileName, rec.FileHash,
			rec.Rows, rec.Imported, rec.Existing, rec.Failed, rec.ResultCSV).Scan(&rec.ID); err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		return s.db.audit(ctx, tx, claimdesk.AuditImport, 0, "", map[string]any{"import": rec.ID, "file": rec.FileName,
			"sha256": rec.FileHash, "rows": rec.Rows, "imported": rec.Imported, "existing": rec.Existing, "failed": rec.Failed})
	})
}

// FindImport returns an import's record.
func (s *ImportService) FindImport(ctx context.Context, id int64) (*claimdesk.ImportRecord, error) {
	var rec claimdesk.ImportRecord
	var at string
	err := s.db.reader().QueryRowContext(ctx, `SELECT id, at, actor, file_name, file_hash, rows, imported, existing, failed, result_csv
		FROM imports WHERE id = ?`, id).Scan(&rec.ID, &at, &rec.Actor, &rec.FileName, &rec.FileHash, &rec.Rows,
		&rec.Imported, &rec.Existing, &rec.Failed, &rec.ResultCSV)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	} else if err != nil {
		return nil, err
	}
	rec.At, _ = parseTime(at)
	return &rec, nil
}
