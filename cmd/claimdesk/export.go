package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
	"github.com/claimdesk/claimdesk/store"
)

// ExportCommand is "claimdesk export": an incident's reports, or its statistics' tables.
type ExportCommand struct {
	Stdout, Stderr io.Writer
}

// Run writes the export to --out, or to standard output.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("export", c.Stderr)
	data := dataFlag(fs)
	incident := fs.String("incident", "", "the incident (required)")
	format := fs.String("format", "csv", "csv or xlsx")
	table := fs.String("table", "reports", "reports, or a statistics table: summary, by_service, by_industry, by_region, paid_vs_free, by_day, loss_by_industry, by_status, or all (xlsx)")
	out := fs.String("out", "", "the file to write (default: standard output)")
	masked := fs.Bool("masked", false, "mask personal data (names, phones, e-mails, business numbers), as for analysts")
	langOpt := langFlag(fs, "language of headers and names: ko or en")
	columns := fs.String("columns", "names", "for reports: names (headers in --lang, names beside codes), names-only, or api (docs/api.md names and codes, as partners and imports read them)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *incident == "" {
		fmt.Fprintln(c.Stderr, "claimdesk export: --incident is required")
		return errUsage
	}
	if *format != "csv" && *format != "xlsx" {
		return fmt.Errorf("unknown format %q (want csv or xlsx)", *format)
	}
	lang, err := langOpt.lang()
	if err != nil {
		return err
	}
	if *columns != "names" && *columns != "names-only" && *columns != "api" {
		return fmt.Errorf("unknown --columns %q (want names, names-only or api)", *columns)
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = cliContext(ctx)
	inc, err := store.NewIncidentService(db).FindIncidentByID(ctx, *incident)
	if err != nil {
		return fmt.Errorf("incident %q: %w", *incident, explain(err))
	}
	layout := sheet.Layout{Lang: lang, NamesOnly: *columns == "names-only", Incident: inc}
	if *columns == "api" {
		layout = sheet.Layout{}
	}

	var w io.Writer = c.Stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	start := time.Now()
	rows := 0
	if *table == "reports" {
		reports := claimdesk.AllReports(ctx, store.NewReportService(db), claimdesk.ReportFilter{Incident: *incident})
		if *masked {
			reports = claimdesk.MaskAll(reports)
		}
		if *format == "csv" {
			rows, err = sheet.WriteReportsCSV(bw, layout, reports)
		} else {
			rows, err = sheet.WriteReportsXLSX(bw, layout, reports)
		}
	} else {
		stats := store.NewStatsService(db)
		st, serr := stats.IncidentStats(ctx, *incident, claimdesk.StatsQuery{})
		if serr != nil {
			return serr
		}
		tables := sheet.StatsTables(st, lang)
		if *table != "all" {
			t, ok := sheet.FindTable(tables, *table)
			if !ok {
				return fmt.Errorf("unknown table %q", *table)
			}
			tables = []sheet.StatsTable{t}
		}
		switch {
		case *format == "xlsx":
			err = sheet.WriteTablesXLSX(bw, tables...)
		case len(tables) > 1:
			return fmt.Errorf("--table all needs --format xlsx: a CSV file holds one table")
		default:
			err = sheet.WriteTableCSV(bw, tables[0])
		}
		rows = len(tables[0].Rows)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && file != nil {
		if fi, serr := file.Stat(); serr == nil && fi.Mode().IsRegular() {
			err = file.Sync() // a device (/dev/null, a pipe) cannot be synced
		}
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if *out != "" {
		fmt.Fprintf(c.Stderr, "%s: %d rows of %s in %.1fs\n", *out, rows, *table, time.Since(start).Seconds())
	}
	return nil
}
