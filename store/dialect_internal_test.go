package store

import "testing"

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
