package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate applies, in name order, the embedded migrations the database has not seen yet. Each
// runs in its own transaction together with the row that records it, so a failed migration
// leaves no trace and the next start tries it again. Migrations only go forward.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.writeDB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		if applied[name] {
			continue
		}
		if err := db.applyMigration(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		db.logger.Info("applied migration", "name", name)
	}
	return nil
}

func (db *DB) appliedMigrations(ctx context.Context) (map[string]bool, error) {
	rows, err := db.writeDB.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		applied[name] = true
	}
	return applied, rows.Err()
}

func (db *DB) applyMigration(ctx context.Context, name string) error {
	body, err := migrationFiles.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := db.writeDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
		name, formatTime(db.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// Migrations returns the names of the migrations applied to the database, in order.
func (db *DB) Migrations(ctx context.Context) ([]string, error) {
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(applied))
	for n := range applied {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}
