// Package sheet reads and writes the spreadsheets partners and regional desks exchange with
// claimdesk: CSV, in UTF-8 or in the EUC-KR/CP949 that Korean spreadsheet programs still save,
// and XLSX (through excelize).
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/korean"
)

// Table is a sheet's rows of text, the first being the header.
type Table struct {
	Rows     [][]string
	Format   string // "csv" or "xlsx"
	Encoding string // for CSV: "utf-8" or "cp949"
}

// The limits of one file, so that neither a runaway export nor a crafted file can exhaust the
// server's memory or disk (the README states them). An XLSX is read row by row: its worksheet is
// never expanded whole in memory, and past 16 MB it is unzipped to a temporary file.
const (
	MaxRows      = 200_000
	MaxColumns   = 100      // cells further right must be empty
	MaxCellBytes = 32 << 10 // Excel's own limit is 32,767 characters
	MaxUnzipped  = 200 << 20
)

// ErrTooManyRows is returned for a file over MaxRows.
var ErrTooManyRows = fmt.Errorf("more than %d rows: split the file", MaxRows)

// Read reads a CSV or XLSX file. The format is told by the content (an XLSX file is a ZIP
// archive), not by the name, which users get wrong.
func Read(data []byte) (*Table, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data)
	}
	return readCSV(data)
}

func readCSV(data []byte) (*Table, error) {
	t := &Table{Format: "csv", Encoding: "utf-8"}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // the BOM Excel writes
	if !utf8.Valid(data) {
		// Not UTF-8: Korean Excel's "CSV" is CP949, a superset of EUC-KR.
		// The decoder turns bytes it cannot read into U+FFFD rather than failing: any of
		// those means the file is not CP949 either.
		decoded, err := korean.EUCKR.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(decoded, utf8.RuneError) {
			return nil, errors.New("the file is neither UTF-8 nor CP949 (EUC-KR) text: save it as CSV UTF-8 or XLSX")
		}
		data, t.Encoding = decoded, "cp949"
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // short rows are a row problem, not a file problem
	r.LazyQuotes = true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("CSV: %w", err)
		}
		if len(t.Rows) >= MaxRows+1 {
			return nil, ErrTooManyRows
		}
		if rec, err = bounded(rec, len(t.Rows)+1); err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, rec)
	}
	return t, nil
}

func readXLSX(data []byte) (*Table, error) {
	// Raw values: numbers and dates as stored (dates as Excel serial numbers), not as the
	// cell format displays them, and five times faster.
	opts := excelize.Options{RawCellValue: true, UnzipSizeLimit: MaxUnzipped}
	f, err := excelize.OpenReader(bytes.NewReader(data), opts)
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, fmt.Errorf("XLSX: more than %d MB once unzipped: split the file", MaxUnzipped>>20)
		}
		return nil, fmt.Errorf("XLSX: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("XLSX: the workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("XLSX: %w", err)
	}
	defer rows.Close()
	t := &Table{Format: "xlsx"}
	for rows.Next() {
		if len(t.Rows) >= MaxRows+1 {
			return nil, ErrTooManyRows
		}
		cells, err := rows.Columns(opts)
		if err != nil {
			return nil, fmt.Errorf("XLSX: %w", err)
		}
		if cells, err = bounded(cells, len(t.Rows)+1); err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, cells)
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("XLSX: %w", err)
	}
	return t, nil
}

// bounded checks one row against the limits: no cell longer than MaxCellBytes, nothing past
// MaxColumns (empty cells there are dropped: spreadsheet programs leave them).
func bounded(cells []string, line int) ([]string, error) {
	for i, c := range cells {
		if len(c) > MaxCellBytes {
			return nil, fmt.Errorf("row %d, column %d: a cell of more than %d bytes", line, i+1, MaxCellBytes)
		}
		if i >= MaxColumns && strings.TrimSpace(c) != "" {
			return nil, fmt.Errorf("row %d: a value in column %d, past the %d columns a file may have", line, i+1, MaxColumns)
		}
	}
	if len(cells) > MaxColumns {
		cells = slices.Clone(cells[:MaxColumns]) // not to keep the padding's backing array
	}
	return cells, nil
}

// Cell returns row[i], or "" when the row is shorter.
func Cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}
