// Command server runs Book safeguarding training: it reads the configuration,
// starts a private PostgreSQL when no DATABASE_URL is set, applies the
// migrations, loads demo data into an empty database, and serves the app
// until SIGINT or SIGTERM, letting requests in flight finish.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/London must work on machines without zoneinfo

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/db"
	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/demand"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pglocal"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/services"
	"github.com/pscp/booktraining/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run is the whole program. ready, when not nil, receives the address the
// app listens on once it is serving (tests use it).
func run(ctx context.Context, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	var h slog.Handler
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(stdout, opts)
	} else {
		h = slog.NewTextHandler(stdout, opts)
	}
	log := slog.New(web.LogHandler(h))
	slog.SetDefault(log)
	if cfg.MemoryLimit > 0 {
		// GOMEMLIMIT, when set, is the runtime's own (and config leaves
		// MemoryLimit 0): this is the default for when it is not.
		debug.SetMemoryLimit(cfg.MemoryLimit)
		log.Info("soft memory limit set (MEMORY_LIMIT)", "bytes", cfg.MemoryLimit)
	}

	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		if cfg.DemoReset {
			log.Warn("DEMO_RESET: deleting the private PostgreSQL's database, to load fresh demo data", "dir", cfg.LocalPostgresDir)
		}
		srv, err := pglocal.Start(ctx, pglocal.Options{Dir: cfg.LocalPostgresDir, Database: "booktraining", Logger: log, Recreate: cfg.DemoReset})
		if errors.Is(err, pglocal.ErrNoServer) {
			return err // one clear sentence: what to install, or to set DATABASE_URL
		} else if err != nil {
			return fmt.Errorf("start the private PostgreSQL (or set DATABASE_URL): %w", err)
		}
		defer func() {
			if err := srv.Stop(); err != nil {
				log.Error("stop private PostgreSQL", "error", err)
			}
		}()
		dbURL = srv.URL
	}

	poolCfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	poolCfg.MaxConns = cfg.DatabaseMaxConns
	name := withSessionDefaults(poolCfg.ConnConfig)
	// A training manager's request sees and changes only their
	// partnership's rows (row-level security; internal/scope).
	scope.Pool(poolCfg)
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer pool.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = pool.Ping(pingCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	// The job queue's own pool: River and every worker's statements go
	// through it, so a rush of emails waits for these few connections and
	// never for the requests'.
	jobsCfg := poolCfg.Copy()
	jobsCfg.MaxConns = cfg.JobsDatabaseMaxConns
	jobsCfg.ConnConfig.RuntimeParams["application_name"] = name + " jobs"
	jobsPool, err := pgxpool.NewWithConfig(ctx, jobsCfg)
	if err != nil {
		return fmt.Errorf("connect to the database (job queue): %w", err)
	}
	defer jobsPool.Close()

	if err := db.Migrate(ctx, pool, log); err != nil {
		return err
	}
	if cfg.DemoData {
		began := time.Now()
		seeded, err := demo.SeedWithAccounts(ctx, pool, began)
		if err != nil {
			return err
		}
		if seeded {
			log.Info("loaded demo data into the empty database: sixteen courses, partner agencies, venues, a term of sessions, the demo accounts and a past term",
				"took", time.Since(began).Round(time.Millisecond))
		}
	}

	// Every part of the app, built once, with the hooks that join them
	// (internal/services): the web app below and the job queue share them.
	// Email deliveries give way to people's requests while more are in
	// flight than the pool has connections (internal/demand).
	load := demand.NewGauge(int(pool.Config().MaxConns))
	svc, err := services.New(pool, cfg, services.Options{Now: time.Now, Logger: log, JobsPool: jobsPool, Demand: load})
	if err != nil {
		return err
	}
	// The deployment's own partnership is named by the configuration until
	// it is told its own details (internal/partnership).
	if err := svc.Partnerships.NameFirst(ctx, cfg.PartnershipName, cfg.TrainingEmail, cfg.TrainingPhone); err != nil {
		return err
	}
	// One connection hears every change to the catalogue, so that the public
	// catalogue pages stay cached until one (internal/web/public_cache.go).
	go svc.Catalogue.Listen(ctx, log)
	// Offers, holds and reminders made before their jobs existed (an older
	// version, the demo data) get them now; the sweeps would find them late.
	if err := svc.Bookings.ScheduleMissing(ctx); err != nil {
		log.Error("schedule the jobs of offers, holds and reminders that have none (the sweeps will do their work)", "error", err)
	}
	// Not ctx: a signal must not cancel deliveries in flight. Stop, below,
	// lets them finish (or gives up after SHUTDOWN_TIMEOUT).
	if err := svc.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := svc.Jobs.Stop(stopCtx); err != nil {
			log.Error("stop job queue", "error", err)
		}
	}()
	// River UI (/admin/jobs/) shows every job to operators.
	jobsUI, err := queue.UI(ctx, svc.Jobs, log)
	if err != nil {
		return err
	}

	app, err := web.New(web.Deps{
		Services:       svc,
		CookieSecure:   cfg.CookieSecure,
		Ready:          pool.Ping,
		Logger:         log,
		Partnership:    cfg.PartnershipName,
		RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: cfg.TrustedProxies,
		ProxyHeader:    cfg.ProxyHeader,
		// Kept emails are only for reading when none are really sent.
		ShowEmailBodies: cfg.SMTPURL == "",
		TrainingEmail:   cfg.TrainingEmail,
		TrainingPhone:   cfg.TrainingPhone,
		JobsUI:          jobsUI,
		MetricsToken:    cfg.MetricsToken,
		// Bounded: the memory of a booking rush (internal/web limitSignedIn).
		SignedInInFlight: cfg.RequestsInFlight,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on port %d (set PORT to use another): %w", cfg.Port, err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- app.Listener(ln) }()
	log.Info("serving Book safeguarding training", "url", cfg.BaseURL.String(), "port", cfg.Port)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := app.ShutdownWithContext(shutdownCtx); err != nil {
		log.Error("shutdown", "error", err)
	}
	log.Info("stopped")
	return nil
}

// withSessionDefaults sets what DATABASE_URL leaves unsaid of the app's
// database sessions, and returns the application name they carry:
//   - application_name "booktraining", so pg_stat_activity tells the
//     requests' connections from the job queue's (" jobs");
//   - jit off: the app's statements are short, and a report over a grown
//     year crossed jit_above_cost, where compiling took tens of
//     milliseconds more than it saved.
func withSessionDefaults(c *pgx.ConnConfig) string {
	if c.RuntimeParams["application_name"] == "" {
		c.RuntimeParams["application_name"] = "booktraining"
	}
	if c.RuntimeParams["jit"] == "" {
		c.RuntimeParams["jit"] = "off"
	}
	return c.RuntimeParams["application_name"]
}
