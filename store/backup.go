package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database at path to dest while it keeps serving:
// VACUUM INTO reads one snapshot in a read transaction, so writers go on beside it (WAL) and the
// copy holds exactly what was committed when it began. The copy is written to a temporary file,
// synced and renamed, so dest is either the whole backup or absent. It works on a database
// another process is serving.
func Backup(ctx context.Context, path, dest string) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(dest); err == nil {
		return 0, fmt.Errorf("backup: %s exists; choose a new file", dest)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	src, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return 0, err
	}
	defer src.Close()
	tmp := dest + ".partial"
	os.Remove(tmp)
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("backup: %w", err)
	}
	size, err := syncAndRename(tmp, dest)
	if err != nil {
		os.Remove(tmp)
	}
	return size, err
}

// Restore puts the backup at from in place as the database at path, which must not exist yet:
// a restore never overwrites data. The backup is checked (PRAGMA integrity_check) before it is
// put in place.
func Restore(ctx context.Context, from, path string) (int64, error) {
	if _, err := os.Stat(path); err == nil {
		return 0, fmt.Errorf("restore: %s exists; restore into an empty data directory", path)
	}
	if err := checkIntegrity(ctx, from); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return 0, err
	}
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	tmp := path + ".partial"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return 0, err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	size, err := syncAndRename(tmp, path)
	if err != nil {
		os.Remove(tmp)
	}
	return size, err
}

// checkIntegrity opens a database file read-only and runs SQLite's integrity check on it.
func checkIntegrity(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return fmt.Errorf("restore: %s is not a readable SQLite database: %w", path, err)
	}
	if result != "ok" {
		return fmt.Errorf("restore: %s fails its integrity check: %s", path, result)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		return errors.New("restore: " + path + " is not a claimdesk database")
	}
	return nil
}

// syncAndRename makes tmp durable and renames it to dest, syncing the directory so that the
// rename survives a crash too. It returns the file's size.
func syncAndRename(tmp, dest string) (int64, error) {
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, err
	}
	st, err := f.Stat()
	f.Close()
	if err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return 0, err
	}
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		d.Sync()
		d.Close()
	}
	return st.Size(), nil
}
