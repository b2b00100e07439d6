package http

import (
	"fmt"
	"math"
	"slices"

	"github.com/claimdesk/claimdesk"
)

// Charts are drawn on the server as SVG: no JavaScript, no CDN, nothing to load but the page.
// Each has the table of its numbers next to it; the chart is a picture of the table.

// barChart is a horizontal bar chart of shares.
type barChart struct {
	ID, Title string
	Height    int
	Bars      []chartBar
}

type chartBar struct {
	Label      string
	Value      string // shown at the end of the bar
	Y          int    // top of the row
	Width      float64
	LabelY     int
	ValueX     float64
	Percentage string
}

// Chart geometry, in SVG units: labels on the left, bars after them.
const (
	chartWidth   = 640
	chartLabelW  = 170
	chartBarMaxW = 320 // leaves room after the longest bar for "999,999 (99.99%)"
	chartRowH    = 26
)

// newBarChart charts rows of (label, count, share); bars are scaled to the largest share.
func newBarChart(id, title string, labels []string, counts []int, shares []float64) barChart {
	c := barChart{ID: id, Title: title, Height: len(labels)*chartRowH + 8}
	top := 0.0
	for _, sh := range shares {
		top = math.Max(top, sh)
	}
	for i, l := range labels {
		w := 0.0
		if top > 0 {
			w = shares[i] / top * chartBarMaxW
		}
		y := 4 + i*chartRowH
		c.Bars = append(c.Bars, chartBar{Label: l, Y: y + 3, Width: math.Round(w*10) / 10, LabelY: y + 17,
			ValueX: chartLabelW + 10 + math.Round(w*10)/10 + 6,
			Value:  fmt.Sprintf("%s (%s)", claimdesk.FormatKRW(int64(counts[i])), percent(shares[i]))})
	}
	return c
}

// percent writes a share (a fraction with four decimals) as a percentage with two: 0.496 ->
// 49.60%. The same number as in the exports, in the form people read.
func percent(share float64) string { return fmt.Sprintf("%.2f%%", share*100) }

// timeline is reports per day as columns, with the running total as a line.
type timeline struct {
	Title   string
	Columns []timeColumn
	Line    string // polyline points of the cumulative count
	Ticks   []timeTick
	Values  []timeTick // the value axis: Y and the count it marks
	Max     int
	Total   int
	Periods []dayPeriod // the same periods, for the table beside the chart
}

type timeColumn struct {
	X, Y, W, H float64
	Label      string
}

type timeTick struct {
	X, Y   float64
	Label  string
	Anchor string // text-anchor: start at the left edge, end at the right, middle elsewhere
}

// dayPeriod is one row of the reports-per-day table: a day during the outage weeks, a month
// afterwards.
type dayPeriod struct {
	Label             string // "2022-10-15", or "2026-12" for a month
	Month             bool
	From              claimdesk.Date
	Count, Cumulative int
}

const (
	timelineW = 640
	timelineH = 200
	timelineB = 24 // room for the day labels
	timelineL = 44 // room for the value axis
)

// dayWindow is how long after an incident starts reports are shown day by day: the weeks when
// nearly all of them arrive. Later reports are shown by month, so that one report filed a year
// after the outage adds a row, not a year of empty days.
const dayWindow = 28

// periodsOf turns the statistics' days (every day from the first report to the last) into the
// rows people read: each day from the start through the outage weeks (the incident's end and
// two weeks more, or four weeks, whichever is later), then one row per month that has reports.
func periodsOf(days []claimdesk.DayCount, inc *claimdesk.Incident) []dayPeriod {
	if len(days) == 0 {
		return nil
	}
	start := claimdesk.DateOf(inc.StartedAt)
	until := claimdesk.DateOf(start.Start().AddDate(0, 0, dayWindow-1))
	if !inc.EndedAt.IsZero() {
		if end := claimdesk.DateOf(inc.EndedAt.AddDate(0, 0, 14)); end.After(until) {
			until = end
		}
	}
	var out []dayPeriod
	for _, d := range days {
		if !d.Date.After(until) {
			out = append(out, dayPeriod{Label: d.Date.String(), From: d.Date, Count: d.Count, Cumulative: d.Cumulative})
			continue
		}
		if d.Count == 0 {
			continue
		}
		month := fmt.Sprintf("%04d-%02d", d.Date.Year, int(d.Date.Month))
		if n := len(out); n > 0 && out[n-1].Month && out[n-1].Label == month {
			out[n-1].Count += d.Count
			out[n-1].Cumulative = d.Cumulative
			continue
		}
		out = append(out, dayPeriod{Label: month, Month: true, From: d.Date, Count: d.Count, Cumulative: d.Cumulative})
	}
	return out
}

func newTimeline(title string, days []claimdesk.DayCount, inc *claimdesk.Incident) timeline {
	t := timeline{Title: title, Periods: periodsOf(days, inc)}
	if len(t.Periods) == 0 {
		return t
	}
	for _, p := range t.Periods {
		t.Max = max(t.Max, p.Count)
	}
	t.Total = t.Periods[len(t.Periods)-1].Cumulative
	plot := float64(timelineH - timelineB - 8)
	step := float64(timelineW-timelineL-10) / float64(len(t.Periods))
	every := max(1, len(t.Periods)/8)
	year := 0
	for i, p := range t.Periods {
		x := timelineL + float64(i)*step
		h := 0.0
		if t.Max > 0 {
			h = float64(p.Count) / float64(t.Max) * plot
		}
		t.Columns = append(t.Columns, timeColumn{X: round1(x + 1), W: round1(math.Max(step-2, 1)), Y: round1(8 + plot - h), H: round1(h),
			Label: fmt.Sprintf("%s: %s", p.Label, claimdesk.FormatKRW(int64(p.Count)))})
		cy := 8 + plot
		if t.Total > 0 {
			cy = 8 + plot - float64(p.Cumulative)/float64(t.Total)*plot
		}
		t.Line += fmt.Sprintf("%.1f,%.1f ", x+step/2, cy)
		// A tick every few columns, and at every month; the year where it changes.
		if i%every == 0 || p.Month {
			label := fmt.Sprintf("%02d-%02d", p.From.Month, p.From.Day)
			switch {
			case p.Month:
				label, year = p.Label, p.From.Year
			case p.From.Year != year:
				label, year = p.Label, p.From.Year
			}
			t.Ticks = append(t.Ticks, timeTick{X: round1(x + step/2), Y: timelineH - 10, Label: label, Anchor: "middle"})
		}
	}
	// Labels stay inside: the first starts at the left edge, the last ends at the right; a
	// label that would overlap the one before is left out (the month at the end wins).
	t.Ticks[0].X, t.Ticks[0].Anchor = timelineL, "start"
	if n := len(t.Ticks); n > 1 && t.Ticks[n-1].X > timelineW-60 {
		t.Ticks[n-1].X, t.Ticks[n-1].Anchor = timelineW-4, "end"
	}
	t.Ticks = spaceTicks(t.Ticks)
	if t.Max > 0 {
		for _, v := range slices.Compact([]int{0, t.Max / 2, t.Max}) {
			y := 8 + plot - float64(v)/float64(t.Max)*plot
			t.Values = append(t.Values, timeTick{X: timelineL - 6, Y: round1(y + 4), Label: claimdesk.FormatKRW(int64(v)), Anchor: "end"})
		}
	}
	return t
}

// tickCharWidth is about how wide a character of a tick label is, in the chart's units.
const tickCharWidth = 7.5

// spaceTicks drops the labels that would overlap the one kept before them; the last label is
// always kept, at the cost of the one before it.
func spaceTicks(ticks []timeTick) []timeTick {
	span := func(t timeTick) (float64, float64) {
		w := float64(len(t.Label)) * tickCharWidth
		switch t.Anchor {
		case "start":
			return t.X, t.X + w
		case "end":
			return t.X - w, t.X
		}
		return t.X - w/2, t.X + w/2
	}
	overlaps := func(prev timeTick, left float64) bool { _, r := span(prev); return r+6 > left }
	var out []timeTick
	for i, t := range ticks {
		l, _ := span(t)
		if i == len(ticks)-1 {
			for len(out) > 1 && overlaps(out[len(out)-1], l) {
				out = out[:len(out)-1] // the last label wins over those before it, not the first
			}
		}
		if len(out) > 0 && overlaps(out[len(out)-1], l) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// The dashboard's charts, from the statistics.

func serviceChart(s *claimdesk.Stats, lang claimdesk.Lang) barChart {
	return chartOf("chart-service", text(lang, "stats.by_service"), s.ByService, lang,
		func(r claimdesk.ServiceCount) (claimdesk.Label, int, float64) { return r.Name, r.Count, r.Share })
}

func codeChart(id, title string, rows []claimdesk.CodeCount, lang claimdesk.Lang) barChart {
	return chartOf(id, title, rows, lang,
		func(r claimdesk.CodeCount) (claimdesk.Label, int, float64) { return r.Name, r.Count, r.Share })
}

func statusChart(s *claimdesk.Stats, lang claimdesk.Lang) barChart {
	return chartOf("chart-status", text(lang, "stats.by_status"), s.ByStatus, lang,
		func(r claimdesk.StatusCount) (claimdesk.Label, int, float64) { return r.Name, r.Count, r.Share })
}

// chartOf charts the rows of a statistics table, each a name, a count and a share.
func chartOf[T any](id, title string, rows []T, lang claimdesk.Lang, row func(T) (claimdesk.Label, int, float64)) barChart {
	labels, counts, shares := make([]string, len(rows)), make([]int, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		var name claimdesk.Label
		name, counts[i], shares[i] = row(r)
		labels[i] = name.In(lang)
	}
	return newBarChart(id, title, labels, counts, shares)
}

func paidChart(s *claimdesk.Stats, lang claimdesk.Lang) barChart {
	return newBarChart("chart-paid", text(lang, "stats.paid_vs_free"),
		[]string{text(lang, "stats.paid"), text(lang, "stats.free")},
		[]int{s.PaidVsFree.Paid.Count, s.PaidVsFree.Free.Count},
		[]float64{s.PaidVsFree.Paid.Share, s.PaidVsFree.Free.Share})
}
