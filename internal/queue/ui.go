package queue

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// UIPrefix is where River UI is served: in the training manager's area,
// behind its role check (internal/web).
const UIPrefix = "/admin/jobs"

// UI returns River UI, the operators' view of every job and queue (list,
// retry, cancel, delete; pause a queue), served under UIPrefix. client may be
// insert-only. Its background services run until ctx ends.
func UI(ctx context.Context, client *river.Client[pgx.Tx], log *slog.Logger) (http.Handler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    log,
		Prefix:    UIPrefix,
		// A job's args can hold a person's id or address: shown only when
		// an operator opens the job.
		JobListHideArgsByDefault: true,
	})
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("river ui: start: %w", err)
	}
	return h, nil
}
