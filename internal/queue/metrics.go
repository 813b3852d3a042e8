package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pscp/booktraining/internal/metrics"
	"github.com/pscp/booktraining/internal/queue/internal/queuedb"
)

// JobLag is how long each job done waited past its due time: from
// scheduled_at (its moment, or its retry's) to the end of the attempt that
// did it, by kind. Every client New builds observes into it; main registers
// it for GET /metrics.
var JobLag = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name: "booktraining_job_lag_seconds",
	Help: "Time from a job's due time (scheduled_at) to the end of the attempt that did it, by kind.",
	// From a job taken at once to one an hour late (a process down).
	Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
}, []string{"kind"})

// lagHook observes JobLag when a job's work succeeds.
type lagHook struct {
	river.HookDefaults
}

func (*lagHook) WorkEnd(_ context.Context, job *rivertype.JobRow, err error) error {
	if err == nil {
		JobLag.WithLabelValues(job.Kind).Observe(max(time.Since(job.ScheduledAt), 0).Seconds())
	}
	return err
}

var _ rivertype.HookWorkEnd = (*lagHook)(nil)

var jobsDesc = prometheus.NewDesc("booktraining_jobs",
	"Jobs in River's table by kind and state (completed jobs are kept a day; failed ones until dealt with).",
	[]string{"kind", "state"}, nil)

// JobCollector counts River's jobs by kind and state at each scrape.
func JobCollector(pool *pgxpool.Pool, log *slog.Logger) prometheus.Collector {
	return metrics.Counted(jobsDesc, log, func(ctx context.Context) ([]metrics.Count, error) {
		rows, err := queuedb.New(pool).CountJobsByKindAndState(ctx)
		if err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		counts := make([]metrics.Count, len(rows))
		for i, r := range rows {
			counts[i] = metrics.Count{Labels: []string{r.Kind, r.State}, Value: float64(r.Jobs)}
		}
		return counts, nil
	})
}
