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

// MaxRows bounds one file, so that a runaway export cannot exhaust the server's memory.
const MaxRows = 200_000

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
		t.Rows = append(t.Rows, rec)
	}
	return t, nil
}

func readXLSX(data []byte) (*Table, error) {
	// Raw values: numbers and dates as stored (dates as Excel serial numbers), not as the
	// cell format displays them, and five times faster.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("XLSX: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("XLSX: the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("XLSX: %w", err)
	}
	if len(rows) > MaxRows+1 {
		return nil, ErrTooManyRows
	}
	return &Table{Rows: rows, Format: "xlsx"}, nil
}

// Cell returns row[i], or "" when the row is shorter.
func Cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}
