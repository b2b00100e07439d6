package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/claimdesk/claimdesk/store"
)

// BackupCommand copies a SQLite database while it serves.
type BackupCommand struct {
	Stdout, Stderr io.Writer
}

// Run writes a consistent copy of DATA/claimdesk.db to --to. It is safe while claimdesk serve
// takes reports: the copy is one snapshot, and intake goes on beside it.
func (c *BackupCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("backup", c.Stderr)
	data := dataFlag(fs)
	to := fs.String("to", "", "the backup file to write (must not exist)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *to == "" {
		fmt.Fprintln(c.Stderr, "claimdesk backup: --to FILE is required")
		return errUsage
	}
	if data.DB != "" {
		return errors.New("backup copies the SQLite database; for PostgreSQL use pg_dump or pg_basebackup (see the README)")
	}
	start := time.Now()
	size, err := store.Backup(ctx, filepath.Join(data.Dir, store.FileName), *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: %s in %.1fs\n", *to, byteSize(size), time.Since(start).Seconds())
	fmt.Fprintf(c.Stdout, "keep %s apart from it: the audit trail's key is not in the database\n", filepath.Join(data.Dir, auditKeyFile))
	return nil
}

// RestoreCommand puts a backup in place as a data directory's database.
type RestoreCommand struct {
	Stdout, Stderr io.Writer
}

// Run restores --from into --data, which must hold no database yet; with --audit-key, the
// audit trail's key is restored beside it.
func (c *RestoreCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("restore", c.Stderr)
	data := dataFlag(fs)
	from := fs.String("from", "", "the backup file to restore")
	keyFile := fs.String("audit-key", "", "the audit key saved with the backup (DATA/audit.key of the old server)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" {
		fmt.Fprintln(c.Stderr, "claimdesk restore: --from FILE is required")
		return errUsage
	}
	if data.DB != "" {
		return errors.New("restore puts back a SQLite database; for PostgreSQL use pg_restore (see the README)")
	}
	keyPath := filepath.Join(data.Dir, auditKeyFile)
	if *keyFile != "" {
		if err := restoreKey(*keyFile, keyPath); err != nil {
			return err
		}
	}
	size, err := store.Restore(ctx, *from, filepath.Join(data.Dir, store.FileName))
	if err != nil {
		if *keyFile != "" {
			os.Remove(keyPath) // a failed restore leaves nothing behind to block the next one
		}
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: restored %s from %s\n", data.Dir, byteSize(size), *from)
	if *keyFile == "" {
		fmt.Fprintln(c.Stdout, "no --audit-key given: a new key will be made, and `claimdesk audit verify` will report the restore as a break in the chain")
	}
	return nil
}

// restoreKey copies an audit key into place, never over another one.
func restoreKey(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if _, err := parseAuditKey(from, b); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("restore: %s exists; restore into an empty data directory", to)
	} else if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// byteSize writes a size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
