package http

import (
	"fmt"
	"math"

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
	Max     int
	Total   int
}

type timeColumn struct {
	X, Y, W, H float64
	Label      string
}

type timeTick struct {
	X     float64
	Label string
}

const (
	timelineW = 640
	timelineH = 200
	timelineB = 24 // room for the day labels
)

func newTimeline(title string, days []claimdesk.DayCount, lang claimdesk.Lang) timeline {
	t := timeline{Title: title}
	if len(days) == 0 {
		return t
	}
	for _, d := range days {
		t.Max = max(t.Max, d.Count)
	}
	t.Total = days[len(days)-1].Cumulative
	plot := float64(timelineH - timelineB - 8)
	step := float64(timelineW-20) / float64(len(days))
	every := max(1, len(days)/8)
	for i, d := range days {
		x := 10 + float64(i)*step
		h := 0.0
		if t.Max > 0 {
			h = float64(d.Count) / float64(t.Max) * plot
		}
		t.Columns = append(t.Columns, timeColumn{X: round1(x + 1), W: round1(math.Max(step-2, 1)), Y: round1(8 + plot - h), H: round1(h),
			Label: fmt.Sprintf("%s: %s", d.Date, claimdesk.FormatKRW(int64(d.Count)))})
		cy := 8 + plot
		if t.Total > 0 {
			cy = 8 + plot - float64(d.Cumulative)/float64(t.Total)*plot
		}
		t.Line += fmt.Sprintf("%.1f,%.1f ", x+step/2, cy)
		if i%every == 0 {
			t.Ticks = append(t.Ticks, timeTick{X: round1(x + step/2), Label: fmt.Sprintf("%02d-%02d", d.Date.Month, d.Date.Day)})
		}
	}
	return t
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
