package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrate applies, in name order, the embedded migrations of the database's dialect that it has
// not seen yet. Each runs in its own transaction together with the row that records it, so a
// failed migration leaves no trace and the next start tries it again. Migrations only go
// forward. Both dialects have the same migrations by name ("migrations/0001_init.sql"), each
// written in its own SQL. On PostgreSQL, processes starting at once take turns (an advisory
// lock held on the writer's one connection).
func (db *DB) Migrate(ctx context.Context) error {
	if db.pg {
		if _, err := db.writeDB.ExecContext(ctx, `SELECT pg_advisory_lock(`+migrationLock+`)`); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		defer db.writeDB.ExecContext(context.Background(), `SELECT pg_advisory_unlock(`+migrationLock+`)`)
	}
	if _, err := db.writeDB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	files, err := fs.Glob(migrationFiles, "migrations/"+db.dialect()+"/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(files)
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	for _, file := range files {
		name := "migrations/" + path.Base(file) // the same name in both dialects
		if applied[name] {
			continue
		}
		if err := db.applyMigration(ctx, file, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		db.logger.Info("applied migration", "name", name)
	}
	return nil
}

// migrationLock is the advisory lock key that serializes migrations on PostgreSQL.
const migrationLock = "7261001"

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

func (db *DB) applyMigration(ctx context.Context, file, name string) error {
	body, err := migrationFiles.ReadFile(file)
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
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`),
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
