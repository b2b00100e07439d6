package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/claimdesk/claimdesk/pgtest"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// openPostgres opens a fresh PostgreSQL database with the reference incidents.
func openPostgres(t testing.TB) *store.DB {
	t.Helper()
	return openPostgresAt(t, pgtest.DSN(t))
}

// openPostgresAt opens the database at dsn, with the reference incidents.
func openPostgresAt(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.OpenPostgres(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.SeedReferenceIncidents(context.Background(), store.NewIncidentService(db)); err != nil {
		t.Fatal(err)
	}
	return db
}

// The same suite as on SQLite.
func TestStorePostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		dsn := pgtest.DSN(t)
		s := newStore(openPostgresAt(t, dsn))
		s.Second = func(t *testing.T) storetest.Store { return newStore(openPostgresAt(t, dsn)) } // a second server
		return s
	})
}

// Where pg_trgm can be had (the test cluster's superuser can), names are searched through a
// trigram index.
func TestPostgresNameSearchIndex(t *testing.T) {
	db := openPostgres(t)
	var n int
	if err := store.ReadRow(db, context.Background(), `SELECT count(*) FROM pg_indexes WHERE indexname = 'reports_business_name_trgm'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("trigram index: %d, %v", n, err)
	}
}
