package store

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/claimdesk/claimdesk"
)

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`SELECT '?', "a?b" FROM t WHERE x = ?`, `SELECT '?', "a?b" FROM t WHERE x = $1`},
		{`SELECT 'it''s ?' WHERE y = ?`, `SELECT 'it''s ?' WHERE y = $1`},
		// SQLite's plan hints go; arithmetic stays.
		{`WHERE +r.region = ? AND (+received_at >= ?)`, `WHERE r.region = $1 AND (received_at >= $2)`},
		{`SET n = report_counts.n + excluded.n, m = m+1`, `SET n = report_counts.n + excluded.n, m = m+1`},
		{`SELECT a +b, (c) +d, 'x' +e, 2 +f FROM t`, `SELECT a +b, (c) +d, 'x' +e, 2 +f FROM t`},
		{`ORDER BY +x, y WHERE NOT +z AND (1 = 1 OR +w = ?)`, `ORDER BY x, y WHERE NOT z AND (1 = 1 OR w = $1)`},
		// Comments are copied: a ? or + in them is not SQL.
		{"SELECT a -- who? +b\nFROM t WHERE +c = ?", "SELECT a -- who? +b\nFROM t WHERE c = $1"},
		{`SELECT /* why? */ a FROM t WHERE b = ? -- last?`, `SELECT /* why? */ a FROM t WHERE b = $1 -- last?`},
		{`SELECT 'unclosed ?`, `SELECT 'unclosed ?`},
	} {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://claimdesk:secret@db1:5432/claimdesk": "postgres://claimdesk:***@db1:5432/claimdesk",
		"postgres://postgres@127.0.0.1/x":                "postgres://postgres@127.0.0.1/x",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPgArray(t *testing.T) {
	sales := int64(5)
	for _, c := range []struct {
		col  []any
		typ  string
		want string
	}{
		{[]any{int64(1), 2}, "bigint", "[1 2]"},
		{[]any{(*int64)(nil), &sales}, "bigint", "[<nil> 5]"},
		{[]any{sql.NullInt64{}, sql.NullInt64{Int64: 7, Valid: true}}, "bigint", "[<nil> 7]"},
		{[]any{true, false}, "boolean", "[true false]"},
		{[]any{[]byte("ab"), []byte{}}, "bytea", "[[97 98] []]"},
		{[]any{claimdesk.StatusReceived, "x"}, "text", "[received x]"},
	} {
		a, typ, err := pgArray(c.col)
		if err != nil || typ != c.typ {
			t.Errorf("pgArray(%v) = %s, %v; want %s", c.col, typ, err, c.typ)
			continue
		}
		got := fmt.Sprint(a)
		if p, ok := a.([]*int64); ok { // pointers print as addresses
			var vals []any
			for _, v := range p {
				if v == nil {
					vals = append(vals, nil)
				} else {
					vals = append(vals, *v)
				}
			}
			got = fmt.Sprint(vals)
		}
		if got != c.want {
			t.Errorf("pgArray(%v) = %s, want %s", c.col, got, c.want)
		}
	}
	if _, _, err := pgArray([]any{1.5}); err == nil {
		t.Error("pgArray took a float")
	}
}
