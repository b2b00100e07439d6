package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
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
			return fmt.Errorf("%s", describe(err))
		}
		fmt.Fprintf(c.Stdout, "created %s (%s)\n", u.Email, u.Role)
		if generated {
			fmt.Fprintf(c.Stdout, "password (shown once, give it to %s by a safe way):\n%s\n", u.Email, password)
		}
	case "disable":
		if err := users.DisableUser(ctx, *email); err != nil {
			return fmt.Errorf("%s", describe(err))
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
	var role, name *string
	var id *int64
	switch args[0] {
	case "create":
		role = fs.String("role", "", "intake, reviewer, analyst or admin")
		name = fs.String("name", "", "who or what uses it, e.g. the partner's name")
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
		r, err := claimdesk.ParseRole(*role)
		if err != nil {
			return err
		}
		secret, t, err := tokens.CreateToken(ctx, *name, r)
		if err != nil {
			return fmt.Errorf("%s", describe(err))
		}
		// The secret alone on the last line, so that scripts can take it.
		fmt.Fprintf(c.Stdout, "token %d for %q with role %s; it is shown once and only its hash is kept:\n%s\n", t.ID, t.Name, t.Role, secret)
	case "revoke":
		if err := tokens.RevokeToken(ctx, *id); err != nil {
			return fmt.Errorf("%s", describe(err))
		}
		fmt.Fprintf(c.Stdout, "revoked token %d\n", *id)
	case "list":
		list, err := tokens.FindTokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATE\tCREATED\tLAST USED")
		for _, t := range list {
			state, used := "active", "never"
			if !t.RevokedAt.IsZero() {
				state = "revoked"
			}
			if !t.LastUsed.IsZero() {
				used = t.LastUsed.In(claimdesk.KST).Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, state, t.CreatedAt.In(claimdesk.KST).Format("2006-01-02 15:04"), used)
		}
		tw.Flush()
	}
	return nil
}

// AuditCommand is "claimdesk audit verify".
type AuditCommand struct {
	Stdout, Stderr io.Writer
}

// Run verifies the audit trail; a broken trail is an error (exit status 1).
func (c *AuditCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(c.Stderr, "usage: claimdesk audit verify [--data DIR]")
		return errUsage
	}
	fs := newFlagSet("audit verify", c.Stderr)
	data := dataFlag(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := store.NewAuditService(db).VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !v.OK() {
		return fmt.Errorf("the audit trail is BROKEN at entry %d: %s (%d entries before it are intact)", v.BrokenAt, v.Problem, v.Entries)
	}
	fmt.Fprintf(c.Stdout, "audit trail intact: %d entries; head %s\n", v.Entries, v.Head)
	fmt.Fprintln(c.Stdout, "(record the head: a trail later cut short would end before it)")
	return nil
}
