// Package metrics assembles what GET /metrics serves, in Prometheus's text
// format: the Go runtime and process, the database pool's use, and the
// collectors each part of the domain gives (jobs, bookings, emails); the web
// app adds its requests. Counts read from the database at each scrape are the
// same from every app process; the runtime, the pool, the requests and the
// job lag are each process's own.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// New returns a registry with the runtime's, the process's and the pool's
// metrics and the given collectors.
func New(pool *pgxpool.Pool, cs ...prometheus.Collector) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	all := append([]prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		PoolCollector(pool),
	}, cs...)
	for _, c := range all {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return reg, nil
}

var (
	poolConns = prometheus.NewDesc("booktraining_db_pool_connections",
		"Connections of this process's database pool, by state (acquired: in use; idle; constructing).",
		[]string{"state"}, nil)
	poolMax = prometheus.NewDesc("booktraining_db_pool_max_connections",
		"The most connections this process's pool opens (DATABASE_MAX_CONNS).", nil, nil)
	poolAcquires = prometheus.NewDesc("booktraining_db_pool_acquires_total",
		"Connections taken from the pool.", nil, nil)
	poolEmptyAcquires = prometheus.NewDesc("booktraining_db_pool_empty_acquires_total",
		"Connections taken from the pool that had to wait because none was idle.", nil, nil)
	poolCanceledAcquires = prometheus.NewDesc("booktraining_db_pool_canceled_acquires_total",
		"Waits for a connection given up because their request ended first.", nil, nil)
	poolAcquireSeconds = prometheus.NewDesc("booktraining_db_pool_acquire_seconds_total",
		"Time spent taking connections from the pool, waits included.", nil, nil)
)

// PoolCollector reports a pool's use (pgxpool.Stat) at each scrape.
func PoolCollector(pool *pgxpool.Pool) prometheus.Collector { return poolCollector{pool} }

type poolCollector struct{ pool *pgxpool.Pool }

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolMax, poolAcquires, poolEmptyAcquires, poolCanceledAcquires, poolAcquireSeconds} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolEmptyAcquires, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolCanceledAcquires, prometheus.CounterValue, float64(s.CanceledAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolAcquireSeconds, prometheus.CounterValue, s.AcquireDuration().Seconds())
}

// Count is one value a Counted collector reports, with its labels' values in
// the order of its description's labels.
type Count struct {
	Labels []string
	Value  float64
}

// ScrapeTimeout bounds the queries of one Counted collector at one scrape.
const ScrapeTimeout = 5 * time.Second

// Counted reports, at each scrape, what count reads (from the database) as
// gauges described by desc. A failed read is logged and reported to the
// scraper as an invalid metric, never as zeros.
func Counted(desc *prometheus.Desc, log *slog.Logger, count func(context.Context) ([]Count, error)) prometheus.Collector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return counted{desc: desc, log: log, count: count}
}

type counted struct {
	desc  *prometheus.Desc
	log   *slog.Logger
	count func(context.Context) ([]Count, error)
}

func (c counted) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c counted) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		c.log.Error("metrics: count at scrape", "metric", c.desc.String(), "error", err)
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, n.Value, n.Labels...)
	}
}
