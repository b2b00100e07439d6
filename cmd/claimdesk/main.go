// Command claimdesk runs a damage-reporting and compensation center for platform outages.
//
//	claimdesk serve    [--addr 127.0.0.1:8080] [--data ./claimdesk-data]
//	claimdesk migrate  [--data ./claimdesk-data]
//	claimdesk user     add|list|disable
//	claimdesk token    create|list|revoke
//	claimdesk import   FILE
//	claimdesk audit    verify
//	claimdesk demo     --incident ID --reports N
//	claimdesk export   --incident ID [--table T] [--format csv|xlsx] [--out FILE]
//	claimdesk policy   add|list|show
//	claimdesk payout   simulate|adopt|release|runs|export|paid
//	claimdesk backup   --to FILE
//	claimdesk restore  --from FILE [--audit-key FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/claimdesk/claimdesk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process's exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = (&ServeCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "migrate":
		err = (&MigrateCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "user":
		err = (&UserCommand{Stdin: stdin, Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "token":
		err = (&TokenCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "import":
		err = (&ImportCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "audit":
		err = (&AuditCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "demo":
		err = (&DemoCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "export":
		err = (&ExportCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "policy":
		err = (&PolicyCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "payout":
		err = (&PayoutCommand{Stdin: stdin, Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "backup":
		err = (&BackupCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "restore":
		err = (&RestoreCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "claimdesk: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errRowsFailed):
		return 1
	default:
		fmt.Fprintf(stderr, "claimdesk %s: %v\n", args[0], err)
		return 1
	}
}

// errUsage marks a command line the flag package already complained about.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `claimdesk — damage reports and compensation for platform outages

Usage:
  claimdesk serve    [--addr HOST:PORT] [--data DIR]   run the web service
  claimdesk migrate  [--data DIR]                      create or upgrade the database
  claimdesk user     add|list|disable                  staff accounts (password on stdin)
  claimdesk token    create|list|revoke                API tokens for partner systems
  claimdesk import   FILE.csv|FILE.xlsx                file a batch of reports
  claimdesk audit    verify                            check the audit trail's hash chain
  claimdesk demo     --incident ID --reports N         fill the database with synthetic reports
  claimdesk export   --incident ID [--table T] [--format csv|xlsx] [--out FILE]
                                                       reports or statistics, as files
  claimdesk policy   add FILE | list | show ID         compensation policies
  claimdesk payout   simulate|adopt|release|runs|export|paid
                                                       what policies pay, runs and payment files
  claimdesk backup   --to FILE                         copy the SQLite database while it serves
  claimdesk restore  --from FILE [--audit-key FILE]    put a backup in place in an empty --data

Every command that touches data takes --data (default ./claimdesk-data, or $CLAIMDESK_DATA).
Run "claimdesk COMMAND -h" for a command's flags.
`)
}

// newFlagSet returns a flag set that reports errors to stderr and returns them.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("claimdesk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, turning a bad command line into errUsage (the flag package has
// already printed why).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
		return errUsage
	}
	return nil
}

// parseInterspersed parses flags that may come before, between or after positional
// arguments (the flag package alone stops at the first positional one), and returns those.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// envOr returns the environment variable name, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// langValue is a --lang flag's text.
type langValue struct{ text *string }

// langFlag registers --lang (ko by default) with its help text.
func langFlag(fs *flag.FlagSet, help string) langValue {
	return langValue{fs.String("lang", "ko", help)}
}

// lang reads the flag, refusing anything but ko and en.
func (v langValue) lang() (claimdesk.Lang, error) {
	l, ok := claimdesk.ParseLang(*v.text)
	if !ok {
		return "", fmt.Errorf("unknown language %q (want ko or en)", *v.text)
	}
	return l, nil
}

// envInt returns the environment variable name as a number, or def when it is unset or not a
// number.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func envFloat(name string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return f
	}
	return def
}

// place is where a command's data is: the data directory (the SQLite database, the audit key,
// incident files), and the PostgreSQL database when one is named.
type place struct {
	Dir string
	DB  string // postgres://… or "" for SQLite in Dir
}

// dataFlag registers --data (default $CLAIMDESK_DATA or ./claimdesk-data) and --db (default
// $CLAIMDESK_DB).
func dataFlag(fs *flag.FlagSet) *place {
	p := &place{}
	fs.StringVar(&p.Dir, "data", envOr("CLAIMDESK_DATA", "claimdesk-data"), "data directory (env CLAIMDESK_DATA)")
	fs.StringVar(&p.DB, "db", os.Getenv("CLAIMDESK_DB"), "PostgreSQL URL, postgres://user@host/db (env CLAIMDESK_DB); default: SQLite in the data directory")
	return p
}
