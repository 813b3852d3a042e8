package booking

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pscp/booktraining/internal/dbsqlc"
)

var bookingsDesc = prometheus.NewDesc("booktraining_bookings",
	"Bookings by status (held, waiting, offered, confirmed, cancelled…), counted at each scrape.",
	[]string{"status"}, nil)

// Collector counts bookings by status at each scrape, for GET /metrics.
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

func (collector) Describe(ch chan<- *prometheus.Desc) { ch <- bookingsDesc }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := dbsqlc.New(c.pool).CountBookingsByStatus(ctx)
	if err != nil {
		c.log.Error("metrics: count bookings", "error", err)
		ch <- prometheus.NewInvalidMetric(bookingsDesc, err)
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(bookingsDesc, prometheus.GaugeValue, float64(r.Bookings), r.Status)
	}
}
