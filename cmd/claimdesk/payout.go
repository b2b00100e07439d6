package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
	"github.com/claimdesk/claimdesk/store"
)

// PolicyCommand is "claimdesk policy add|list|show".
type PolicyCommand struct {
	Stdout, Stderr io.Writer
}

// Run runs one policy subcommand.
func (c *PolicyCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.Stderr, "usage: claimdesk policy add FILE | list | show ID[@VERSION]")
		return errUsage
	}
	fs := newFlagSet("policy "+args[0], c.Stderr)
	data := dataFlag(fs)
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = cliContext(ctx)
	policies := store.NewPolicyService(db)
	switch {
	case args[0] == "add" && len(positional) == 1:
		b, err := os.ReadFile(positional[0])
		if err != nil {
			return err
		}
		p, err := claimdesk.ParsePolicy(b)
		if err != nil {
			return fmt.Errorf("%s: %w", positional[0], explain(err))
		}
		if err := policies.AddPolicy(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "policy %s version %d (sha256 %s)\n", p.ID, p.Version, p.Hash)
	case args[0] == "list" && len(positional) == 0:
		ps, err := policies.Policies(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tVERSION\tKIND\tINCIDENTS\tNAME")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", p.ID, p.Version, p.Kind, strings.Join(p.Eligibility.Incidents, ","), p.Name.Ko)
		}
		return tw.Flush()
	case args[0] == "show" && len(positional) == 1:
		ps, err := claimdesk.ResolvePolicies(ctx, policies, []json.RawMessage{quote(positional[0])})
		if err != nil {
			return fmt.Errorf("%s: %w", positional[0], explain(err))
		}
		fmt.Fprintf(c.Stdout, "// version %d, sha256 %s\n", ps[0].Version, ps[0].Hash)
		_, err = c.Stdout.Write(ps[0].Document())
		return err
	default:
		fmt.Fprintln(c.Stderr, "usage: claimdesk policy add FILE | list | show ID[@VERSION]")
		return errUsage
	}
	return nil
}

func quote(s string) json.RawMessage { b, _ := json.Marshal(s); return b }

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// PayoutCommand is "claimdesk payout simulate|adopt|show|release|runs|export|files|paid".
type PayoutCommand struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

const payoutUsage = `usage:
  claimdesk payout simulate --incident ID --policy P [--policy Q ...] [--detail FILE.csv] [--lang en]
  claimdesk payout adopt    --incident ID --policy ID[@VERSION] --as EMAIL
  claimdesk payout show     --run N
  claimdesk payout release  --run N --as EMAIL --confirm SUM
  claimdesk payout runs     --incident ID
  claimdesk payout export   --run N --as EMAIL [--format csv|xlsx] [--out FILE]
  claimdesk payout export   --file N [--format csv|xlsx] [--out FILE]
  claimdesk payout files    --run N
  claimdesk payout paid     --file N --as EMAIL  (or --run N: every file of the run not marked paid)
A policy is a stored ID (kt-2018-tiers, kt-2018-tiers@1) or a policy file (policy.json).
Money moves by a named person: --as EMAIL is a staff account, its password read from
$CLAIMDESK_PASSWORD or the first line of standard input. Release shows the run's figures and
needs --confirm with the payable sum it shows, so that what is released is what was read.`

// payoutFlags are the flags each payout subcommand takes, besides --data and --db.
var payoutFlags = map[string]string{
	"simulate": "incident policy detail lang",
	"adopt":    "incident policy as",
	"show":     "run",
	"release":  "run as confirm",
	"runs":     "incident",
	"export":   "run file format out as lang",
	"files":    "run",
	"paid":     "run file as",
}

// Run runs one payout subcommand.
func (c *PayoutCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.Stderr, payoutUsage)
		return errUsage
	}
	// Each subcommand takes its own flags: one that does not apply is refused, not ignored.
	takes, ok := payoutFlags[args[0]]
	if !ok {
		fmt.Fprintln(c.Stderr, payoutUsage)
		return errUsage
	}
	fs := newFlagSet("payout "+args[0], c.Stderr)
	data := dataFlag(fs)
	has := func(name string) bool { return slices.Contains(strings.Fields(takes), name) }
	str := func(name, value, usage string) *string {
		v := &value
		if has(name) {
			fs.StringVar(v, name, value, usage)
		}
		return v
	}
	id := func(name, usage string) *int64 {
		v := new(int64)
		if has(name) {
			fs.Int64Var(v, name, 0, usage)
		}
		return v
	}
	incident := str("incident", "", "the incident")
	var refs listFlag
	if has("policy") {
		fs.Var(&refs, "policy", "a stored policy ID (ID@VERSION for a version) or a policy file; repeat to compare")
	}
	detail := str("detail", "", "write every report's payout to this CSV file")
	langOpt := langValue{str("lang", "ko", "language of the explanations and of a payment file's headers, ko or en")}
	runID := id("run", "the payout run")
	fileID := id("file", "a payment file")
	format := str("format", "csv", "csv or xlsx")
	out := str("out", "", "the file to write (default: standard output)")
	as := str("as", "", "the staff account that acts (password from $CLAIMDESK_PASSWORD or standard input)")
	confirm := str("confirm", "", "the payable sum the run shows, in won")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	lang, err := langOpt.lang()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = cliContext(ctx)
	payouts := store.NewPayoutService(db)
	need := func(ok bool, what string) error {
		if !ok {
			fmt.Fprintf(c.Stderr, "claimdesk payout %s: %s is required\n%s\n", args[0], what, payoutUsage)
			return errUsage
		}
		return nil
	}
	if *as != "" {
		if ctx, err = personContext(ctx, db, *as, c.Stdin); err != nil {
			return err
		}
	}
	switch args[0] {
	case "simulate", "adopt":
		if err := need(*incident != "" && len(refs) > 0, "--incident and --policy"); err != nil {
			return err
		}
		var raw []json.RawMessage
		for _, ref := range refs {
			if strings.HasSuffix(ref, ".json") {
				b, err := os.ReadFile(ref)
				if err != nil {
					return err
				}
				raw = append(raw, b)
			} else {
				raw = append(raw, quote(ref))
			}
		}
		ps, err := claimdesk.ResolvePolicies(ctx, store.NewPolicyService(db), raw)
		if err != nil {
			return explain(err)
		}
		if args[0] == "adopt" {
			if len(ps) != 1 {
				return need(false, "exactly one --policy")
			}
			run, err := payouts.AdoptPolicy(ctx, *incident, ps[0])
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(c.Stdout, "run %d: %s version %d for %s, %d payouts totalling %s KRW; pending: another person releases it (claimdesk payout release --run %d --as EMAIL shows its figures)\n",
				run.ID, run.Policy.ID, run.Policy.Version, run.Incident, run.Summary.WithAmount, claimdesk.FormatKRW(run.Summary.Total), run.ID)
			return nil
		}
		return c.simulate(ctx, payouts, *incident, ps, *detail, lang)
	case "show", "release":
		if err := need(*runID > 0, "--run"); err != nil {
			return err
		}
		run, err := payouts.FindRun(ctx, *runID)
		if err != nil {
			return explain(err)
		}
		if args[0] == "show" {
			return c.show(ctx, payouts, run)
		}
		f, err := payouts.RunFigures(ctx, run.ID)
		if err != nil {
			return err
		}
		if *confirm == "" {
			if err := c.show(ctx, payouts, run); err != nil {
				return err
			}
			return fmt.Errorf("run %d is not released: read the figures, then run again with --confirm %d", run.ID, f.Payable.Sum)
		}
		sum, code := claimdesk.ParseAmountText(*confirm)
		if code != "" {
			return fmt.Errorf("--confirm %q: %s", *confirm, claimdesk.Message(claimdesk.English, code))
		}
		// The count is the one read now: the store refuses if it changed since.
		run, err = payouts.ReleaseRun(ctx, run.ID, &claimdesk.Figure{Count: f.Payable.Count, Sum: sum})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(c.Stdout, "run %d released by %s: merchants see their offers; at most %d payments, %s KRW, can become payable\n",
			run.ID, run.ReleasedBy, f.Payable.Count, claimdesk.FormatKRW(f.Payable.Sum))
	case "paid":
		if err := need(*runID > 0 || *fileID > 0, "--file or --run"); err != nil {
			return err
		}
		if *fileID > 0 {
			f, err := payouts.MarkFilePaid(ctx, *fileID)
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(c.Stdout, "payment file %d (run %d): %d payments, %s KRW marked paid\n", f.ID, f.Run, f.Rows, claimdesk.FormatKRW(f.Total))
			return nil
		}
		res, err := payouts.MarkPaid(ctx, *runID)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(c.Stdout, "run %d: %d payment files, %d payments, %s KRW marked paid\n", *runID, res.Files, res.Payments, claimdesk.FormatKRW(res.Sum))
	case "files":
		if err := need(*runID > 0, "--run"); err != nil {
			return err
		}
		files, err := payouts.PaymentFiles(ctx, *runID)
		if err != nil {
			return explain(err)
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FILE\tPAYMENTS\tTOTAL KRW\tMADE BY\tPAID BY\tSTOPPED")
		for _, f := range files {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%d\n", f.ID, f.Rows, claimdesk.FormatKRW(f.Total), f.CreatedBy, f.PaidBy, f.Stopped.Count)
		}
		return tw.Flush()
	case "runs":
		if err := need(*incident != "", "--incident"); err != nil {
			return err
		}
		runs, err := payouts.Runs(ctx, *incident)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RUN\tPOLICY\tSTATE\tWITH AMOUNT\tTOTAL KRW\tADOPTED BY\tRELEASED BY")
		for _, r := range runs {
			fmt.Fprintf(tw, "%d\t%s@%d\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Policy.ID, r.Policy.Version, r.State,
				r.Summary.WithAmount, claimdesk.FormatKRW(r.Summary.Total), r.CreatedBy, r.ReleasedBy)
		}
		return tw.Flush()
	case "export":
		if err := need((*runID > 0) != (*fileID > 0) && (*format == "csv" || *format == "xlsx"), "--run or --file (and --format csv or xlsx)"); err != nil {
			return err
		}
		file := *fileID
		if file == 0 {
			f, err := payouts.ExportPayments(ctx, *runID)
			if err != nil {
				return explain(err)
			}
			file = f.ID
		}
		var w io.Writer = c.Stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		n, total, err := sheet.WritePayments(bw, *format, lang, payouts.PaymentRows(ctx, file))
		if err != nil {
			return explain(err)
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(c.Stderr, "payment file %d: %d payments, %s KRW; once the bank has paid it: claimdesk payout paid --file %d --as EMAIL\n",
			file, n, claimdesk.FormatKRW(total), file)
	default:
		fmt.Fprintln(c.Stderr, payoutUsage)
		return errUsage
	}
	return nil
}

// personContext acts as the staff account email, after checking its password: money moves
// by a named person, at the command line too.
func personContext(ctx context.Context, db *store.DB, email string, stdin io.Reader) (context.Context, error) {
	password := os.Getenv("CLAIMDESK_PASSWORD")
	if password == "" {
		if f, ok := stdin.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				return nil, fmt.Errorf("--as %s: pipe the password in, or set CLAIMDESK_PASSWORD", email)
			}
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	u, err := store.NewUserService(db).Authenticate(ctx, email, password)
	if err != nil {
		return nil, fmt.Errorf("--as %s: %w", email, explain(err))
	}
	a := u.Actor()
	a.Via = "cli"
	return claimdesk.WithActor(ctx, a), nil
}

// show prints a run and its figures by stage.
func (c *PayoutCommand) show(ctx context.Context, payouts *store.PayoutService, run *claimdesk.PayoutRun) error {
	f, err := payouts.RunFigures(ctx, run.ID)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(c.Stdout, "run %d: %s@%d for %s, %s; adopted by %s\n", run.ID, run.Policy.ID, run.Policy.Version, run.Incident, run.State, run.CreatedBy)
	if run.ReleasedBy != "" {
		fmt.Fprintf(c.Stdout, "released by %s\n", run.ReleasedBy)
	}
	fmt.Fprintf(c.Stdout, "as of %s: %d reports (%d covered, %d not covered)\n\n", f.AsOf.Format("2006-01-02 15:04"), f.Reports, f.Covered, f.Ineligible)
	fmt.Fprintf(c.Stdout, "%-36s %7s %15s\n", "STAGE", "COUNT", "KRW")
	for _, l := range []struct {
		name string
		f    claimdesk.Figure
	}{
		{"offers open now", f.Offers}, {"offered once reviewed", f.Unreviewed}, {"referred to review", claimdesk.Figure{Count: f.Referred}},
		{"approved awards", f.Awards}, {"accepted before (carried forward)", f.CarriedForward}, {"top-ups", f.TopUps},
		{"PAYABLE AT MOST", f.Payable}, {"accepted", f.Accepted}, {"  waiting for a payment file", f.Waiting},
		{"  held (report no longer accepted)", f.Held}, {"  in payment files, not paid", f.Exported}, {"  paid", f.Paid},
	} {
		fmt.Fprintf(c.Stdout, "%-36s %7d %15s\n", l.name, l.f.Count, claimdesk.FormatKRW(l.f.Sum))
	}
	for _, l := range f.Lower {
		fmt.Fprintf(c.Stdout, "gives less than accepted: %s %s -> %s KRW\n", l.Receipt, claimdesk.FormatKRW(l.Accepted), claimdesk.FormatKRW(l.Now))
	}
	if len(f.HeldReceipts) > 0 {
		fmt.Fprintf(c.Stdout, "held: %s\n", strings.Join(f.HeldReceipts, " "))
	}
	return nil
}

// simulate prints each policy's totals and the largest differences, and writes the detail.
func (c *PayoutCommand) simulate(ctx context.Context, payouts *store.PayoutService, incident string, ps []*claimdesk.Policy, detail string, lang claimdesk.Lang) error {
	var emit func(int, *claimdesk.Payout) error
	var cw *csv.Writer
	if detail != "" {
		f, err := os.Create(detail)
		if err != nil {
			return err
		}
		defer f.Close()
		bw := bufio.NewWriterSize(f, 1<<16)
		defer bw.Flush()
		bw.WriteString("\ufeff")
		cw = csv.NewWriter(bw)
		cw.Write([]string{"policy", "receipt", "outcome", "amount", "days", "hours", "service", "explanation"})
		emit = func(i int, po *claimdesk.Payout) error {
			amount := ""
			if po.Outcome == claimdesk.OutcomeAmount {
				amount = strconv.FormatInt(po.Amount, 10)
			}
			return cw.Write([]string{ps[i].ID, po.Receipt, string(po.Outcome), amount, strconv.Itoa(po.Days),
				strconv.FormatFloat(po.Hours, 'f', -1, 64), po.Service, po.Explanation.In(lang)})
		}
	}
	start := time.Now()
	sim, err := payouts.SimulatePayouts(ctx, incident, ps, emit)
	if err != nil {
		return explain(err)
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	}
	noun := "policies"
	if len(ps) == 1 {
		noun = "policy"
	}
	fmt.Fprintf(c.Stdout, "%s: %d reports, %d %s, %.1fs\n\n", incident, sim.Reports, len(ps), noun, time.Since(start).Seconds())
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "POLICY\tWITH AMOUNT\tREFERRED\tINELIGIBLE\tTOTAL KRW\tMEAN\tMEDIAN\t")
	for _, r := range sim.Policies {
		name := r.Policy.ID
		if r.Policy.Version > 0 {
			name += "@" + strconv.Itoa(r.Policy.Version)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", name, r.WithAmount, r.Referred, r.Ineligible,
			claimdesk.FormatKRW(r.Total), claimdesk.FormatKRW(r.Mean), claimdesk.FormatKRW(r.Median))
	}
	tw.Flush()
	for _, r := range sim.Policies {
		if b := r.Budget; b != nil && b.Scaled {
			fmt.Fprintf(c.Stdout, "%s: computed %s KRW over the budget of %s: scaled by %.6f, paid %s, remainder %s\n", r.Policy.ID,
				claimdesk.FormatKRW(b.Computed), claimdesk.FormatKRW(b.Budget), b.Factor, claimdesk.FormatKRW(b.Total), claimdesk.FormatKRW(b.Remainder))
		}
	}
	if len(sim.Differences) > 0 {
		fmt.Fprintln(c.Stdout, "\nlargest differences between the policies:")
		for _, d := range sim.Differences[:min(len(sim.Differences), 10)] {
			var as []string
			for _, a := range d.Amounts {
				if a == nil {
					as = append(as, "-")
				} else {
					as = append(as, claimdesk.FormatKRW(*a))
				}
			}
			fmt.Fprintf(c.Stdout, "  %s  %s\n", d.Receipt, strings.Join(as, " / "))
		}
	}
	if detail != "" {
		fmt.Fprintf(c.Stdout, "\nevery report's payout: %s\n", detail)
	}
	return nil
}
