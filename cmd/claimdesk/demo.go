package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/demo"
	"github.com/claimdesk/claimdesk/store"
)

// DemoCommand is "claimdesk demo": synthetic reports for demonstrations and benchmarks.
type DemoCommand struct {
	Stdout, Stderr io.Writer
}

// Run fills the database with demo reports of one incident.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("demo", c.Stderr)
	data := dataFlag(fs)
	incident := fs.String("incident", "kakao-2022-10", "the incident the reports are about")
	n := fs.Int("reports", 10000, "how many reports to make")
	seed := fs.Uint64("seed", 1, "the random seed: the same seed makes the same reports")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *n > 10_000_000 {
		return fmt.Errorf("--reports must be between 1 and 10,000,000")
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	inc, err := store.NewIncidentService(db).FindIncidentByID(ctx, *incident)
	if err != nil {
		return fmt.Errorf("incident %q: %w", *incident, explain(err))
	}
	ctx = cliContext(ctx)
	g := demo.New(inc, *seed)
	start := time.Now()
	const chunk = 50_000 // generated and stored a chunk at a time: flat memory at any n
	for done := 0; done < *n; done += chunk {
		k := min(chunk, *n-done)
		reports, times := make([]*claimdesk.Report, k), make([]time.Time, k)
		for i := range k {
			reports[i], times[i] = g.Report()
		}
		if err := db.InsertDemoReports(ctx, reports, times); err != nil {
			return err
		}
		fmt.Fprintf(c.Stderr, "\r%d of %d", done+k, *n)
	}
	fmt.Fprintln(c.Stderr)
	stored := time.Since(start)
	// The duplicate scan, as a server would have run it as the reports came in: a server
	// started on them has no backlog to scan.
	flagged, err := db.FlagDuplicates(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%d demo reports for %s in %.1fs (marked demo); %d flagged as possible duplicates in %.1fs\n",
		*n, inc.ID, stored.Seconds(), flagged, (time.Since(start) - stored).Seconds())
	return nil
}
