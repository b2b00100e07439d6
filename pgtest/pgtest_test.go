package pgtest_test

import (
	"database/sql"
	"os"
	"testing"

	"github.com/claimdesk/claimdesk/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// Two tests' databases are apart: what one creates, the other does not see.
func TestDatabasesApart(t *testing.T) {
	a, b := pgtest.DSN(t), pgtest.DSN(t)
	if a == b {
		t.Fatal("the same database twice")
	}
	dba, err := sql.Open("pgx", a)
	if err != nil {
		t.Fatal(err)
	}
	defer dba.Close()
	if _, err := dba.Exec(`CREATE TABLE t (x int)`); err != nil {
		t.Fatal(err)
	}
	dbb, _ := sql.Open("pgx", b)
	defer dbb.Close()
	var n int
	if err := dbb.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name = 't'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d tables named t in the other database: %v", n, err)
	}
}
