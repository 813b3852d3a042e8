package email

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pscp/booktraining/internal/dbsqlc"
)

var emailsDesc = prometheus.NewDesc("booktraining_emails",
	"Emails kept (2 years) by outcome: sent, failed (given up on: never sent), or waiting (not yet sent: kept "+
		"without a mail server, or being retried), counted at each scrape.",
	[]string{"outcome"}, nil)

// Collector counts emails by outcome at each scrape, for GET /metrics.
func Collector(pool *pgxpool.Pool, log *slog.Logger) prometheus.Collector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return collector{pool: pool, log: log}
}

type collector struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

func (collector) Describe(ch chan<- *prometheus.Desc) { ch <- emailsDesc }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := dbsqlc.New(c.pool).CountEmailsByOutcome(ctx)
	if err != nil {
		c.log.Error("metrics: count emails", "error", err)
		ch <- prometheus.NewInvalidMetric(emailsDesc, err)
		return
	}
	// Every outcome, so a rate or an alert sees 0 rather than nothing.
	counts := map[string]int64{"sent": 0, "failed": 0, "waiting": 0}
	for _, r := range rows {
		counts[r.Outcome] = r.Emails
	}
	for outcome, n := range counts {
		ch <- prometheus.MustNewConstMetric(emailsDesc, prometheus.GaugeValue, float64(n), outcome)
	}
}
