package booking

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/metrics"
)

var bookingsDesc = prometheus.NewDesc("booktraining_bookings",
	"Bookings by status (held, waiting, offered, confirmed, cancelled…), counted at each scrape.",
	[]string{"status"}, nil)

// Collector counts bookings by status at each scrape, for GET /metrics.
func Collector(pool *pgxpool.Pool, log *slog.Logger) prometheus.Collector {
	return metrics.Counted(bookingsDesc, log, func(ctx context.Context) ([]metrics.Count, error) {
		rows, err := bookingdb.New(pool).CountBookingsByStatus(ctx)
		if err != nil {
			return nil, fmt.Errorf("count bookings: %w", err)
		}
		counts := make([]metrics.Count, len(rows))
		for i, r := range rows {
			counts[i] = metrics.Count{Labels: []string{string(r.Status)}, Value: float64(r.Bookings)}
		}
		return counts, nil
	})
}
