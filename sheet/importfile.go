package sheet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"time"

	"github.com/claimdesk/claimdesk"
)

// UnreadableError is a file that could not be read as a spreadsheet, and why.
type UnreadableError struct{ Err error }

func (e *UnreadableError) Error() string { return e.Err.Error() }
func (e *UnreadableError) Unwrap() error { return e.Err }

// Imported is what importing a file did.
type Imported struct {
	Table  *Table
	Result *claimdesk.ImportResult
	Record *claimdesk.ImportRecord // with the per-row result file, in lang
}

// ImportFile is the one import procedure, at the console and at the command line alike: read
// the file (CSV or XLSX), file its rows (see claimdesk.RunImport), write the per-row result file
// and record the import with the file's name and hash. An unreadable file is an *UnreadableError;
// a file the import refuses as a whole (no header it knows) is EINVALID.
func ImportFile(ctx context.Context, reports claimdesk.ReportService, incidents claimdesk.IncidentService,
	imports claimdesk.ImportService, name string, content []byte, imp claimdesk.Import, now time.Time, lang claimdesk.Lang) (*Imported, error) {
	table, err := Read(content)
	if err != nil {
		return nil, &UnreadableError{err}
	}
	imp.Rows = table.Rows
	res, err := claimdesk.RunImport(ctx, reports, incidents, imp, now)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := WriteImportResult(&buf, res, lang); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	rec := &claimdesk.ImportRecord{FileName: filepath.Base(name), FileHash: hex.EncodeToString(sum[:]), Rows: len(res.Rows),
		Imported: res.Imported, Existing: res.Existing, Failed: res.Failed, ResultCSV: buf.Bytes()}
	if err := imports.RecordImport(ctx, rec); err != nil {
		return nil, err
	}
	return &Imported{Table: table, Result: res, Record: rec}, nil
}
