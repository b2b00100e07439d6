package sheet

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// WriteImportResult writes an import's per-row result as CSV (UTF-8 with the BOM Korean Excel
// needs to recognise it): row, status, receipt, errors.
func WriteImportResult(w io.Writer, res *claimdesk.ImportResult, lang claimdesk.Lang) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"row", "status", "receipt", "errors"})
	for _, r := range res.Rows {
		cw.Write([]string{strconv.Itoa(r.Row), r.Status, r.Receipt, Safe(strings.Join(res.Problems(r, lang), " / "))})
	}
	cw.Flush()
	return cw.Error()
}

// Safe neutralises a cell that a spreadsheet would run as a formula (=, +, -, @, or a leading
// tab or carriage return): "formula injection" through data that merchants typed.
func Safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
