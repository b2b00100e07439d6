package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/sheet"
	"github.com/claimdesk/claimdesk/store"
)

// ImportCommand is "claimdesk import FILE".
type ImportCommand struct {
	Stdout, Stderr io.Writer
}

// Run imports a CSV or XLSX file of reports. Rows with problems are listed and written to the
// result file; the exit status is 1 when any row failed.
func (c *ImportCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("import", c.Stderr)
	data := dataFlag(fs)
	allOrNothing := fs.Bool("all-or-nothing", false, "import nothing when any row has a problem")
	incident := fs.String("incident", "", "the incident of rows that name none")
	result := fs.String("result", "", "where to write the per-row result (default FILE.result.csv)")
	langOpt := langFlag(fs, "language of the row messages (and of a template): ko or en")
	template := fs.String("template", "", "write a template to fill in to this .xlsx file (for --incident, with its services), and import nothing")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: claimdesk import [flags] FILE.csv|FILE.xlsx\n       claimdesk import --template FILE.xlsx [--incident ID]")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *template != "" {
		if len(files) != 0 {
			fs.Usage()
			return errUsage
		}
		return c.writeTemplate(ctx, data, *template, *incident, langOpt)
	}
	if len(files) != 1 {
		fs.Usage()
		return errUsage
	}
	file := files[0]
	lang, err := langOpt.lang()
	if err != nil {
		return err
	}
	content, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, data, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = cliContext(ctx)
	done, err := sheet.ImportFile(ctx, store.NewReportService(db), store.NewIncidentService(db), store.NewImportService(db), file, content,
		claimdesk.Import{Incident: *incident, AllOrNothing: *allOrNothing}, db.Now(), lang)
	var unreadable *sheet.UnreadableError
	if errors.As(err, &unreadable) {
		return fmt.Errorf("%s: %w", file, err)
	} else if err != nil {
		return fmt.Errorf("%s: %s", file, describeIn(err, lang))
	}
	table, res, rec := done.Table, done.Result, done.Record
	// Flag duplicates now: the background scan stops with this process.
	if _, err := db.FlagDuplicates(ctx); err != nil {
		fmt.Fprintf(c.Stderr, "warning: duplicate scan: %v (it runs again when the server starts)\n", err)
	}
	if *result == "" {
		*result = strings.TrimSuffix(file, filepath.Ext(file)) + ".result.csv"
	}
	if err := os.WriteFile(*result, rec.ResultCSV, 0o644); err != nil {
		fmt.Fprintf(c.Stderr, "warning: could not write the result file: %v\n", err)
		*result = ""
	}

	fmt.Fprintf(c.Stdout, "%s (%s, %s): %d rows: %d imported, %d imported before, %d with problems",
		filepath.Base(file), table.Format, encodingName(table), len(res.Rows), res.Imported, res.Existing, res.Failed)
	if res.Skipped > 0 {
		fmt.Fprintf(c.Stdout, ", %d not imported (--all-or-nothing)", res.Skipped)
	}
	fmt.Fprintln(c.Stdout)
	if len(res.Unknown) > 0 {
		fmt.Fprintf(c.Stdout, "ignored columns: %s\n", strings.Join(res.Unknown, ", "))
	}
	for _, r := range res.Rows {
		if r.Status != claimdesk.ImportFailed {
			continue
		}
		for _, p := range res.Problems(r, lang) {
			fmt.Fprintf(c.Stdout, "row %d: %s\n", r.Row, p)
		}
	}
	if *result != "" {
		fmt.Fprintf(c.Stdout, "per-row result: %s (import %d)\n", *result, rec.ID)
	}
	if res.Failed > 0 {
		return errRowsFailed
	}
	return nil
}

// writeTemplate writes the import template (see sheet.WriteImportTemplate).
func (c *ImportCommand) writeTemplate(ctx context.Context, data *place, path, incident string, langOpt langValue) error {
	lang, err := langOpt.lang()
	if err != nil {
		return err
	}
	var inc *claimdesk.Incident
	if incident != "" {
		db, err := openDB(ctx, data, nil)
		if err != nil {
			return err
		}
		defer db.Close()
		if inc, err = store.NewIncidentService(db).FindIncidentByID(cliContext(ctx), incident); err != nil {
			return fmt.Errorf("incident %q: %w", incident, explain(err))
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := sheet.WriteImportTemplate(f, inc, lang); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "template: %s (fill in from row 2; the values each column takes are on the second sheet)\n", path)
	return nil
}

// errRowsFailed ends an import with some bad rows: exit status 1, the rows already listed.
var errRowsFailed = fmt.Errorf("some rows were not imported")

func encodingName(t *sheet.Table) string {
	if t.Format == "xlsx" {
		return "workbook"
	}
	return t.Encoding
}

// describeIn is describe with the field messages in lang.
func describeIn(err error, lang claimdesk.Lang) string {
	fe := claimdesk.FieldErrorsOf(err)
	if len(fe) == 0 {
		return err.Error()
	}
	var msgs []string
	for _, f := range fe {
		msgs = append(msgs, f.Message(lang))
	}
	return strings.Join(msgs, "; ")
}
