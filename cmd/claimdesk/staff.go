package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

// cliContext returns ctx acting as the operator at the command line: the audit trail records
// the operating-system account.
func cliContext(ctx context.Context) context.Context {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = "operator"
	}
	return claimdesk.WithActor(ctx, claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: name})
}

// UserCommand is "claimdesk user add|list|disable".
type UserCommand struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Run dispatches the subcommand.
func (c *UserCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.Stderr, "usage: claimdesk user add|list|disable [flags]")
		return errUsage
	}
	fs := newFlagSet("user "+args[0], c.Stderr)
	data := dataFlag(fs)
	var email, role, name *string
	switch args[0] {
	case "add":
		email = fs.String("email", "", "the account's e-mail (its login)")
		role = fs.String("role", "", "intake, reviewer, analyst or admin")
		name = fs.String("name", "", "the person's name, for the console")
	case "disable":
		email = fs.String("email", "", "the account to disable")
	case "list":
	default:
		fmt.Fprintf(c.Stderr, "claimdesk user: unknown subcommand %q (want add, list or disable)\n", args[0])
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	users := store.NewUserService(db)
	ctx = cliContext(ctx)
	switch args[0] {
	case "add":
		r, err := claimdesk.ParseRole(*role)
		if err != nil {
			return err
		}
		password, generated, err := readPassword(c.Stdin)
		if err != nil {
			return err
		}
		u := &claimdesk.User{Email: *email, Name: *name, Role: r}
		if err := users.CreateUser(ctx, u, password); err != nil {
			return explain(err)
		}
		fmt.Fprintf(c.Stdout, "created %s (%s)\n", u.Email, u.Role)
		if generated {
			fmt.Fprintf(c.Stdout, "password (shown once, give it to %s by a safe way):\n%s\n", u.Email, password)
		}
	case "disable":
		if err := users.DisableUser(ctx, *email); err != nil {
			return explain(err)
		}
		fmt.Fprintf(c.Stdout, "disabled %s; its sessions are ended\n", *email)
	case "list":
		list, err := users.FindUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tROLE\tSTATE\tLAST LOGIN")
		for _, u := range list {
			state, last := "active", "never"
			if u.Disabled {
				state = "disabled"
			}
			if !u.LastLoginAt.IsZero() {
				last = u.LastLoginAt.In(claimdesk.KST).Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Role, state, last)
		}
		tw.Flush()
	}
	return nil
}

// readPassword takes the password from the first line of standard input when something is
// piped in, and otherwise makes one up.
func readPassword(stdin io.Reader) (password string, generated bool, err error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			stdin = nil // a terminal: do not wait for typing that would echo the password
		}
	}
	if stdin != nil {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", false, fmt.Errorf("read password: %w", err)
		}
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			return line, false, nil
		}
	}
	// 20 random base-32 characters: 100 bits, typeable.
	return claimdesk.NewSecret("")[:20], true, nil
}

// TokenCommand is "claimdesk token create|list|revoke".
type TokenCommand struct {
	Stdout, Stderr io.Writer
}

// Run dispatches the subcommand.
func (c *TokenCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.Stderr, "usage: claimdesk token create|list|revoke [flags]")
		return errUsage
	}
	fs := newFlagSet("token "+args[0], c.Stderr)
	data := dataFlag(fs)
	var role, name, person *string
	var id *int64
	switch args[0] {
	case "create":
		role = fs.String("role", "", "a service token's role: intake, reviewer, analyst or admin")
		person = fs.String("user", "", "a personal token: the e-mail of the person it acts as, with their role")
		name = fs.String("name", "", "who or what uses it, e.g. the partner's name or the person's laptop")
	case "revoke":
		id = fs.Int64("id", 0, "the token's ID (see token list)")
	case "list":
	default:
		fmt.Fprintf(c.Stderr, "claimdesk token: unknown subcommand %q (want create, list or revoke)\n", args[0])
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens := store.NewTokenService(db)
	ctx = cliContext(ctx)
	switch args[0] {
	case "create":
		var r claimdesk.Role
		if (*role == "") == (*person == "") {
			fmt.Fprintln(c.Stderr, "claimdesk token create: give --user EMAIL (a personal token) or --role ROLE (a service token)")
			return errUsage
		}
		if *role != "" {
			if r, err = claimdesk.ParseRole(*role); err != nil {
				return err
			}
		}
		secret, t, err := tokens.CreateToken(ctx, *name, r, *person)
		if err != nil {
			return explain(err)
		}
		who := "a service token"
		if t.User != 0 {
			who = "acting as " + t.UserEmail
		}
		// The secret alone on the last line, so that scripts can take it.
		fmt.Fprintf(c.Stdout, "token %d for %q, %s with role %s; it is shown once and only its hash is kept:\n%s\n", t.ID, t.Name, who, t.Role, secret)
	case "revoke":
		if err := tokens.RevokeToken(ctx, *id); err != nil {
			return explain(err)
		}
		fmt.Fprintf(c.Stdout, "revoked token %d\n", *id)
	case "list":
		list, err := tokens.FindTokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tACTS AS\tSTATE\tCREATED\tLAST USED")
		for _, t := range list {
			state, used := "active", "never"
			if !t.RevokedAt.IsZero() {
				state = "revoked"
			}
			if !t.LastUsed.IsZero() {
				used = t.LastUsed.In(claimdesk.KST).Format("2006-01-02 15:04")
			}
			as := "(service)"
			if t.UserEmail != "" {
				as = t.UserEmail
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, as, state, t.CreatedAt.In(claimdesk.KST).Format("2006-01-02 15:04"), used)
		}
		tw.Flush()
	}
	return nil
}

// AuditCommand is "claimdesk audit verify".
type AuditCommand struct {
	Stdout, Stderr io.Writer
}

const auditUsage = `usage: claimdesk audit verify [--data DIR] [--expect ENTRY:HASH ...] [--audit-key FILE ...]
Checks the audit trail's chain, that it still holds the checkpoint the server keeps in
DIR/audit.head and every --expect point (a head recorded earlier), and that every row that
decides money (users, tokens, policies, runs, awards, answers, evidence, payments, payment
files) and every report is as the trail last recorded it. Entries written by another server
with a key of its own are checked with that key, given by --audit-key.`

// Run verifies the audit trail; a broken trail or a row it does not vouch for is an error
// (exit status 1).
func (c *AuditCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(c.Stderr, auditUsage)
		return errUsage
	}
	fs := newFlagSet("audit verify", c.Stderr)
	data := dataFlag(fs)
	var expect listFlag
	fs.Var(&expect, "expect", "a head recorded earlier, ENTRY:HASH as verify printed it; repeatable")
	var keyFiles listFlag
	fs.Var(&keyFiles, "audit-key", "another server's audit key (its DATA/audit.key), for the entries it wrote; repeatable")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	var others [][]byte
	for _, f := range keyFiles {
		key, err := readAuditKey(f)
		if err != nil {
			return fmt.Errorf("--audit-key: %w", err)
		}
		others = append(others, key)
	}
	var points []claimdesk.AuditPoint
	for _, e := range expect {
		n, hash, ok := strings.Cut(e, ":")
		entry, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil || entry <= 0 || hash == "" {
			return fmt.Errorf("--expect %q: want ENTRY:HASH, e.g. 1042:9f86d081…", e)
		}
		points = append(points, claimdesk.AuditPoint{Entry: entry, Hash: hash, From: "--expect"})
	}
	// The checkpoint is read before the database is opened: opening it may append entries.
	checkpoint := filepath.Join(data.Dir, store.CheckpointFile)
	p, err := store.ReadCheckpoint(checkpoint)
	if err != nil {
		return err
	}
	if p != nil {
		points = append(points, *p)
	}
	db, err := openDBWith(ctx, data, store.Options{NoDuplicateScan: true, OtherAuditKeys: others})
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := store.NewAuditService(db).VerifyAudit(ctx, points)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%d entries; head %d:%s\n", v.Entries, v.Entries, v.Head)
	if p == nil {
		fmt.Fprintf(c.Stdout, "no checkpoint at %s (the server writes it as it appends)\n", checkpoint)
	} else {
		fmt.Fprintf(c.Stdout, "checkpoint %s: entry %d, written %s\n", checkpoint, p.Entry, p.At.In(claimdesk.KST).Format("2006-01-02 15:04:05"))
	}
	var checked []string
	for _, t := range slices.Sorted(maps.Keys(v.Checked)) {
		checked = append(checked, fmt.Sprintf("%s %d", t, v.Checked[t]))
	}
	fmt.Fprintf(c.Stdout, "rows checked against the trail: %s\n", strings.Join(checked, ", "))
	for _, t := range slices.Sorted(maps.Keys(v.Unchecked)) {
		fmt.Fprintf(c.Stdout, "not vouched for: %s %d\n", t, v.Unchecked[t])
	}
	if v.OK() {
		fmt.Fprintln(c.Stdout, "audit trail intact")
		fmt.Fprintln(c.Stdout, "(record the head elsewhere too: a trail later cut short would not hold it)")
		return nil
	}
	if v.Unverified > 0 && v.BrokenAt == 0 {
		fmt.Fprintf(c.Stdout, "NOT VERIFIED: %s\n", v.Problem)
		return fmt.Errorf("the audit trail could not be checked in full: %d entries were written under another audit key", v.Unverified)
	}
	if v.BrokenAt != 0 || v.Problem != "" {
		fmt.Fprintf(c.Stdout, "BROKEN at entry %d: %s\n", v.BrokenAt, v.Problem)
	}
	for _, rp := range v.Rows {
		fmt.Fprintf(c.Stdout, "ROW %s\n", rp)
	}
	if v.RowProblems > len(v.Rows) {
		fmt.Fprintf(c.Stdout, "... and %d more rows\n", v.RowProblems-len(v.Rows))
	}
	if v.BrokenAt != 0 || v.Problem != "" {
		return fmt.Errorf("the audit trail is BROKEN at entry %d: it does not vouch for this database", v.BrokenAt)
	}
	return fmt.Errorf("the audit trail does not vouch for this database: %d rows differ from what it recorded", v.RowProblems)
}
