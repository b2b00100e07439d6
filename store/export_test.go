package store

import (
	"context"
	"database/sql"

	"github.com/claimdesk/claimdesk"
)

// Write exposes the group-commit writer to tests.
func Write(db *DB, ctx context.Context, fn func(tx *Tx) error) error { return db.write(ctx, fn) }

// ReadRow runs a query on the reader pool, for tests.
func ReadRow(db *DB, ctx context.Context, q string, args ...any) *sql.Row {
	return db.queryRow(ctx, q, args...)
}

// WriterPragma reads a pragma on the writer connection.
func WriterPragma(db *DB, ctx context.Context, name string) (string, error) {
	var v string
	err := db.write(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	})
	return v, err
}

// RecomputeStats computes statistics from the tables, as the projection must match.
func RecomputeStats(db *DB, ctx context.Context, incident string, q claimdesk.StatsQuery) (*claimdesk.Stats, error) {
	return db.computeStats(ctx, incident, q)
}

// SimulateFromTables runs policies over the reports as the tables hold them, as the projection
// must match.
func SimulateFromTables(db *DB, ctx context.Context, incident string, policies []*claimdesk.Policy, emit func(int, *claimdesk.Payout) error) (*claimdesk.Simulation, error) {
	inc, err := db.incident(ctx, incident)
	if err != nil {
		return nil, err
	}
	var sim *claimdesk.Simulation
	err = db.snapshot(ctx, func(q snap) error {
		sm := &claimdesk.Simulator{Incident: inc, Policies: policies, Now: db.Now(), Reports: db.payoutReports(ctx, q, incident)}
		sim, err = sm.Run(ctx, emit)
		return err
	})
	return sim, err
}
