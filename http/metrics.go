package http

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are what /metrics tells Prometheus: requests by route and status, their latency,
// reports received by incident and channel, the database's connection pools, and the sizes of
// its group commits. Each Server has its own registry, so tests can start many.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	reports  *prometheus.CounterVec
	batches  prometheus.Histogram
	commits  prometheus.Histogram
	limited  *prometheus.CounterVec
	messages *prometheus.CounterVec
	handler  http.Handler
}

// NewMetrics returns the metrics with Go's runtime and process collectors registered.
func NewMetrics() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claimdesk_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "claimdesk_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route"})
	m.reports = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claimdesk_reports_received_total", Help: "Reports stored by this process, by incident and channel.",
	}, []string{"incident", "channel"})
	m.batches = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "claimdesk_db_commit_batch_size", Help: "Write operations carried by one group commit.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000},
	})
	m.commits = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "claimdesk_db_commit_duration_seconds", Help: "Time a group commit took, its fsync included.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	})
	m.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claimdesk_rate_limited_total", Help: "Requests refused with 429 by the per-address limits, by limit.",
	}, []string{"limit"})
	m.messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claimdesk_messages_total", Help: "Attempts to deliver the outbox's messages, by channel (sms, email, webhook) and outcome (sent, retry, failed).",
	}, []string{"channel", "outcome"})
	m.registry.MustRegister(m.requests, m.latency, m.reports, m.batches, m.commits, m.limited, m.messages,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

// Committed records a group commit (it implements the store's observer).
func (m *Metrics) Committed(ops int, took time.Duration) {
	m.batches.Observe(float64(ops))
	m.commits.Observe(took.Seconds())
}

// ReportStored counts a report stored.
func (m *Metrics) ReportStored(incident, channel string) {
	m.reports.WithLabelValues(incident, channel).Inc()
}

// MessageDelivered counts an attempt to deliver a message (it implements notify.Observer).
func (m *Metrics) MessageDelivered(channel, outcome string) {
	m.messages.WithLabelValues(channel, outcome).Inc()
}

// observe records one answered request.
func (m *Metrics) observe(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched" // no pattern: keep the label set small whatever the path
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // a client may send any word as a method: the label set stays closed
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
}

// WatchPools registers the statistics of named connection pools, read at each scrape.
func (m *Metrics) WatchPools(pools func() map[string]sql.DBStats) {
	m.registry.MustRegister(&poolCollector{pools: pools})
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler { return m.handler }

// poolCollector reads database/sql pool statistics when scraped.
type poolCollector struct {
	pools func() map[string]sql.DBStats
}

var (
	poolOpen     = prometheus.NewDesc("claimdesk_db_pool_open_connections", "Open connections of a database pool.", []string{"pool"}, nil)
	poolInUse    = prometheus.NewDesc("claimdesk_db_pool_in_use_connections", "Connections in use.", []string{"pool"}, nil)
	poolIdle     = prometheus.NewDesc("claimdesk_db_pool_idle_connections", "Idle connections.", []string{"pool"}, nil)
	poolMax      = prometheus.NewDesc("claimdesk_db_pool_max_open_connections", "The most connections the pool opens.", []string{"pool"}, nil)
	poolWaits    = prometheus.NewDesc("claimdesk_db_pool_wait_total", "Times a caller waited for a connection.", []string{"pool"}, nil)
	poolWaitTime = prometheus.NewDesc("claimdesk_db_pool_wait_seconds_total", "Time spent waiting for connections.", []string{"pool"}, nil)
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMax, poolWaits, poolWaitTime} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, st := range c.pools() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.Idle), name)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(st.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
	}
}
