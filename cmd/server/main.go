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
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/London must work on machines without zoneinfo

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/db"
	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/calendar"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/metrics"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/pglocal"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/privacy/registry"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/venue"
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

	if err := db.Migrate(ctx, pool, log); err != nil {
		return err
	}
	if cfg.DemoData {
		seeded, err := demo.SeedWithAccounts(ctx, pool, time.Now())
		if err != nil {
			return err
		}
		if seeded {
			log.Info("loaded demo data into the empty database: sixteen courses, partner agencies, venues, a term of sessions and the demo accounts")
		}
	}

	// Outgoing email: written in the transaction of its cause, delivered by
	// River's workers. Without SMTP_URL it stays in the database, readable at
	// /admin/emails.
	var sender email.Sender
	if cfg.SMTPURL != "" {
		if sender, err = email.NewSMTPSender(cfg.SMTPURL, cfg.EmailFrom); err != nil {
			return err
		}
	}
	// The retention schedule: a daily job on the same queue, run by the
	// elected leader (see the privacy notice). It erases and warns through
	// accounts, made below, before the queue starts.
	var accounts *account.Service
	retention := privacy.NewEnforcer(pool, time.Now, log,
		func(ctx context.Context, tx pgx.Tx, userID int64, now time.Time, reason string) error {
			return accounts.EraseForRetention(ctx, tx, userID, now, reason)
		},
		func(ctx context.Context, tx pgx.Tx, userID int64, to, name string, eraseOn time.Time) error {
			return accounts.WarnUnusedTx(ctx, tx, userID, to, name, eraseOn)
		})
	retention.SessionIdle = account.LoginIdle
	// Password reset requests are looked up and answered by a job, so known
	// and unknown addresses cost the request the same; the worker gets its
	// account service below, before the client starts.
	resets := &account.ResetPasswordWorker{}
	// Every part's background work on one River client (internal/queue):
	// email delivery, password resets and the retention schedule.
	deliver := email.Deliveries(pool, sender, log)
	switch {
	case sender != nil:
	case cfg.Local:
		log.Info("SMTP_URL is not set: emails are kept in the database, for training managers to read at /admin/emails (sign-in links removed); as this is localhost, each email's text, links included, is also written to this log")
		deliver = email.DevelopmentDeliveries(pool, log)
	default:
		log.Info("EMAIL_OUTBOX_ONLY is set: emails are kept in the database, unsent, for training managers to read at /admin/emails (sign-in links removed)")
	}
	// Services insert their jobs with an insert-only client; the working
	// client is built below, once every part's workers have their services.
	inserter, err := queue.NewInsertOnly(pool)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	outbox := email.NewOutbox(inserter)
	accounts = account.New(pool, outbox, cfg.BaseURL, time.Now, log)
	resets.Accounts = accounts
	bookings := booking.New(pool, outbox, cfg.BaseURL, cfg.PartnershipName, time.Now, log)
	bookings.OfferWindow = cfg.OfferWindow
	bookings.ReminderDays = cfg.ReminderDays
	scheduler := scheduling.New(pool, time.Now, log)
	scheduler.Bookings = bookings
	trainingRequests := trainingrequest.New(pool, outbox, scheduler, cfg.BaseURL, time.Now, log)
	trainingRequests.ResponseDays = cfg.RequestResponseDays
	bookings.Organizer.Name, bookings.Organizer.Email = cfg.PartnershipName, cfg.TrainingEmail // invites come from the training mailbox
	bookings.Contact.Phone = cfg.TrainingPhone
	accounts.OnErase = bookings.CancelFutureBookings
	accounts.Privacy = registry.New() // every part that stores personal data: the download and erasure
	accounts.Signature = email.Signature{Team: "Book safeguarding training", Partnership: cfg.PartnershipName,
		Email: cfg.TrainingEmail, Phone: cfg.TrainingPhone, Website: cfg.BaseURL.JoinPath("/").String()}
	var gateway payment.Gateway // nil: no card payments, paid places are invoiced
	if cfg.StripeSecretKey != "" {
		gateway = payment.NewStripeGateway(cfg.StripeSecretKey, cfg.StripeAPIURL, nil)
	}
	payments := payment.New(pool, gateway, cfg.StripeWebhookSecret, time.Now)
	payments.Hold = cfg.PaymentHold
	payments.Jobs = outbox // refunds, closed checkouts and invoices: jobs inserted with their cause
	if !payments.Online() {
		log.Info("online payment is off: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not set, so paid places are invoiced")
	}
	// Paid places: held while their person pays, confirmed by Stripe's webhook.
	bookings.Payments, bookings.PaymentHold = payments, cfg.PaymentHold
	payments.Handle(stripe.EventTypeCheckoutSessionCompleted, bookings.CheckoutCompleted)
	payments.Handle(stripe.EventTypeCheckoutSessionExpired, bookings.CheckoutExpired)
	// Charges and places billed to agencies: invoiced by a job, paid as Stripe says.
	payments.Handle(stripe.EventTypeInvoicePaid, payments.InvoicePaid)
	payments.Handle(stripe.EventTypeInvoiceVoided, payments.InvoiceVoided)
	payments.Handle(stripe.EventTypeInvoiceMarkedUncollectible, payments.InvoiceVoided)
	// The one working client: every part's workers, now that they have their
	// services. Booking work at its time (offers expiring, held places
	// lapsing, reminders), Stripe's refunds, closed checkouts and invoices
	// (each called with no transaction open), and the safety-net sweeps that
	// catch any job missed, run by one leader at a time.
	jobs, err := queue.New(pool, log, deliver, retention.Register,
		func(c *river.Config) error { return resets.Register(c.Workers) },
		bookings.Work(), payments.Work(),
		queue.Sweeps(pool, log, slices.Concat(bookings.Sweeps(), payments.Sweeps())...))
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	// Offers, holds and reminders made before their jobs existed (an older
	// version, the demo data) get them now; the sweeps would find them late.
	if err := bookings.ScheduleMissing(ctx); err != nil {
		log.Error("schedule the jobs of offers, holds and reminders that have none (the sweeps will do their work)", "error", err)
	}
	// Not ctx: a signal must not cancel deliveries in flight. Stop, below,
	// lets them finish (or gives up after SHUTDOWN_TIMEOUT).
	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := jobs.Stop(stopCtx); err != nil {
			log.Error("stop job queue", "error", err)
		}
	}()
	// A job that failed for good waits for a training manager at
	// /admin/attention, described by the part that added it; River UI
	// (/admin/jobs/) shows every job to operators.
	describers := map[string]queue.Describe{}
	for _, d := range []map[string]queue.Describe{email.Describers(pool), bookings.Describers(), payments.Describers()} {
		maps.Copy(describers, d)
	}
	failures := queue.NewFailures(pool, jobs, describers, time.Now, log)
	jobsUI, err := queue.UI(ctx, jobs, log)
	if err != nil {
		return err
	}
	// GET /metrics, for a scraper holding METRICS_TOKEN.
	var metricsRegistry *prometheus.Registry
	if cfg.MetricsToken != "" {
		if metricsRegistry, err = metrics.New(pool, queue.JobLag, queue.JobCollector(pool, log),
			booking.Collector(pool, log), email.Collector(pool, log)); err != nil {
			return err
		}
	}

	// The manager's services, built once here with their hooks, as above.
	agencies := agency.New(pool, time.Now)
	agencies.BillingContactAdded = payments.BillAgencyWhenDueTx // what waited for a billing contact is invoiced when one is added
	app, err := web.New(web.Deps{
		Catalogue:      catalogue.New(pool, time.Now),
		Accounts:       accounts,
		Bookings:       bookings,
		Payments:       payments,
		Scheduler:      scheduler,
		Calendars:      calendar.New(pool, bookings, time.Now),
		People:         people.New(pool, time.Now),
		Agencies:       agencies,
		Venues:         venue.New(pool, time.Now),
		Trainers:       trainer.New(pool, time.Now),
		Pool:           pool,
		CookieSecure:   cfg.CookieSecure,
		Ready:          pool.Ping,
		Logger:         log,
		Partnership:    cfg.PartnershipName,
		RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: cfg.TrustedProxies,
		ProxyHeader:    cfg.ProxyHeader,
		// Kept emails are only for reading when none are really sent.
		ShowEmailBodies:  cfg.SMTPURL == "",
		TrainingRequests: trainingRequests,
		TrainingEmail:    cfg.TrainingEmail,
		TrainingPhone:    cfg.TrainingPhone,
		Failures:         failures,
		JobsUI:           jobsUI,
		Metrics:          metricsRegistry,
		MetricsToken:     cfg.MetricsToken,
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
