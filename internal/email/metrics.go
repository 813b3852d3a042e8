package email

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pscp/booktraining/internal/email/internal/emaildb"
	"github.com/pscp/booktraining/internal/metrics"
)

var emailsDesc = prometheus.NewDesc("booktraining_emails",
	"Emails kept (2 years) by outcome: sent, failed (given up on: never sent), or waiting (not yet sent: kept "+
		"without a mail server, or being retried), counted at each scrape.",
	[]string{"outcome"}, nil)

// Collector counts emails by outcome at each scrape, for GET /metrics.
func Collector(pool *pgxpool.Pool, log *slog.Logger) prometheus.Collector {
	return metrics.Counted(emailsDesc, log, func(ctx context.Context) ([]metrics.Count, error) {
		rows, err := emaildb.New(pool).CountEmailsByOutcome(ctx)
		if err != nil {
			return nil, fmt.Errorf("count emails: %w", err)
		}
		// Every outcome, so a rate or an alert sees 0 rather than nothing.
		counts := map[string]int64{"sent": 0, "failed": 0, "waiting": 0}
		for _, r := range rows {
			counts[r.Outcome] = r.Emails
		}
		var out []metrics.Count
		for outcome, n := range counts {
			out = append(out, metrics.Count{Labels: []string{outcome}, Value: float64(n)})
		}
		return out, nil
	})
}
