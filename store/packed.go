package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// Reading many reports on SQLite (an export, the statistics' first scan), a row comes as one
// packed text: modernc.org/sqlite takes its connection's mutex for every column it reads, twice
// (the type, then the value), and those calls were a third of an export's CPU. SQLite joins the
// values with packSeparator (NULL as empty) and Go splits them without copying — so a value
// kept beyond the row must be copied (strings.Clone): a slice of it keeps the whole text alive.

// packSeparator is char(31), the unit separator: validation refuses it in every text field.
const packSeparator = "\x1f"

// packColumns is a list of columns as one packed text a row.
func packColumns(columns string) string {
	var parts []string
	for _, c := range strings.Split(columns, ",") {
		parts = append(parts, `coalesce(`+strings.TrimSpace(c)+`, '')`)
	}
	return strings.Join(parts, ` || char(31) || `)
}

// selectColumns is what to select for columns: themselves on PostgreSQL, packed (their
// packColumns) on SQLite; scanRow reads either.
func (db *DB) selectColumns(columns, packed string) string {
	if db.pg {
		return columns
	}
	return packed
}

// scanRow reads the current row of rows, selected as columns (on SQLite packed, see
// packColumns), into fields, as Scan would. The first column is the report's ID: a row whose
// values hold the separator (text stored before validation refused control characters, or
// written by hand) is read again column by column.
func (db *DB) scanRow(ctx context.Context, rows *sql.Rows, columns string, fields []any) error {
	if db.pg {
		return rows.Scan(fields...)
	}
	var packed string
	if err := rows.Scan(&packed); err != nil {
		return err
	}
	if strings.Count(packed, packSeparator) == len(fields)-1 {
		return unpackRow(packed, fields)
	}
	id, _, _ := strings.Cut(packed, packSeparator)
	return db.reader().QueryRowContext(ctx, `SELECT `+columns+` FROM reports r WHERE r.id = ?`, id).Scan(fields...)
}

// unpackRow reads a packed row into fields, which are what Scan would have filled; the row has a
// value for each. An empty value is NULL for a nullable number (never stored as text).
func unpackRow(row string, fields []any) error {
	for i, f := range fields {
		v, rest, _ := strings.Cut(row, packSeparator)
		row = rest
		var err error
		switch f := f.(type) {
		case *string:
			*f = v
		case *claimdesk.Status:
			*f = claimdesk.Status(v)
		case *claimdesk.Channel:
			*f = claimdesk.Channel(v)
		case *int64:
			*f, err = strconv.ParseInt(v, 10, 64)
		case *bool:
			*f = v == "1"
		case *sql.NullInt64:
			f.Valid = v != ""
			if f.Valid {
				f.Int64, err = strconv.ParseInt(v, 10, 64)
			}
		default:
			err = fmt.Errorf("no packed form for %T", f)
		}
		if err != nil {
			return fmt.Errorf("packed row: column %d: %w", i+1, err)
		}
	}
	return nil
}
