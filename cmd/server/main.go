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
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/London must work on machines without zoneinfo

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/db"
	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/enquiry"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pglocal"
	"github.com/pscp/booktraining/internal/scheduling"
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
		srv, err := pglocal.Start(ctx, pglocal.Options{Dir: cfg.LocalPostgresDir, Database: "booktraining", Logger: log})
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
		seeded, err := demo.Seed(ctx, pool, time.Now())
		if err != nil {
			return err
		}
		if seeded {
			log.Info("loaded demo data into the empty database: sixteen courses, partner agencies, venues and a term of sessions")
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
	} else {
		log.Info("SMTP_URL is not set: emails are kept in the database, for training managers to read at /admin/emails")
	}
	jobs, err := email.NewClient(pool, sender, log)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
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
	outbox := email.NewOutbox(jobs)
	accounts := account.New(pool, outbox, cfg.BaseURL, time.Now, log)
	bookings := booking.New(pool, outbox, cfg.BaseURL, cfg.PartnershipName, time.Now, log)
	bookings.OfferWindow = cfg.OfferWindow
	bookings.ReminderDays = cfg.ReminderDays
	scheduler := scheduling.New(pool, time.Now, log)
	scheduler.Bookings = bookings
	enquiries := enquiry.New(pool, outbox, scheduler, cfg.BaseURL, time.Now, log)
	enquiries.ResponseDays = cfg.RequestResponseDays
	bookings.Organizer.Name, bookings.Organizer.Email = cfg.PartnershipName, cfg.TrainingEmail // invites come from the training mailbox
	bookings.Contact.Phone = cfg.TrainingPhone
	accounts.OnErase = bookings.CancelFutureBookings
	var gateway payment.Gateway // nil: no card payments, paid places are invoiced
	if cfg.StripeSecretKey != "" {
		gateway = payment.NewStripeGateway(cfg.StripeSecretKey, cfg.StripeAPIURL, nil)
	}
	payments := payment.New(pool, gateway, cfg.StripeWebhookSecret, time.Now)
	payments.Hold = cfg.PaymentHold
	if !payments.Online() {
		log.Info("online payment is off: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not set, so paid places are invoiced")
	}
	// Paid places: held while their person pays, confirmed by Stripe's webhook.
	bookings.Payments, bookings.PaymentHold = payments, cfg.PaymentHold
	payments.Handle(stripe.EventTypeCheckoutSessionCompleted, bookings.CheckoutCompleted)
	payments.Handle(stripe.EventTypeCheckoutSessionExpired, bookings.CheckoutExpired)
	// Charges and places billed to agencies: invoiced by the sweep, paid as Stripe says.
	payments.Handle(stripe.EventTypeInvoicePaid, payments.InvoicePaid)
	payments.Handle(stripe.EventTypeInvoiceVoided, payments.InvoiceVoided)
	payments.Handle(stripe.EventTypeInvoiceMarkedUncollectible, payments.InvoiceVoided)
	go sweepSessions(ctx, accounts, log)
	go expireOffers(ctx, bookings, log)
	go settlePayments(ctx, payments, log)

	if cfg.DemoData {
		if err := demo.SeedAccounts(ctx, pool); err != nil {
			return err
		}
	}

	app, err := web.New(web.Deps{
		Catalogue:      catalogue.New(pool, time.Now),
		Accounts:       accounts,
		Bookings:       bookings,
		Payments:       payments,
		Pool:           pool,
		CookieSecure:   cfg.CookieSecure,
		Ready:          pool.Ping,
		Logger:         log,
		Partnership:    cfg.PartnershipName,
		RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: cfg.TrustedProxies,
		ProxyHeader:    cfg.ProxyHeader,
		// Kept emails are only for reading when none are really sent.
		ShowEmailBodies: cfg.SMTPURL == "",
		Enquiries:       enquiries,
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

// sweepSessions deletes expired sessions, and sign-in attempts and audit
// events past their retention (see the privacy notice), every ten minutes
// until ctx ends.
func sweepSessions(ctx context.Context, accounts *account.Service, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, sweep := range []struct {
				what string
				run  func(context.Context) (int64, error)
			}{
				{"expired sessions", accounts.DeleteExpiredSessions},
				{"sign-in attempts older than 90 days", accounts.DeleteOldSignInAttempts},
				{"audit events older than 6 years", accounts.DeleteOldAuditEvents},
			} {
				if n, err := sweep.run(ctx); err != nil {
					log.Warn("delete "+sweep.what, "error", err)
				} else if n > 0 {
					log.Info("deleted "+sweep.what, "count", n)
				}
			}
		}
	}
}

// expireOffers passes on the waiting-list offers whose time is up, releases
// paid places not paid for in time, and sends the reminders due before
// sessions, every minute until ctx ends. (An expired offer cannot be accepted even before
// this runs; this hands the place to the next person.)
func expireOffers(ctx context.Context, bookings *booking.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := bookings.ExpireOffers(ctx); err != nil {
				log.Warn("expire waiting-list offers", "error", err)
			} else if n > 0 {
				log.Info("expired waiting-list offers", "count", n)
			}
			if n, err := bookings.ExpireHolds(ctx); err != nil {
				log.Warn("release places not paid for in time", "error", err)
			} else if n > 0 {
				log.Info("released places not paid for in time", "count", n)
			}
			if n, err := bookings.SendReminders(ctx); err != nil {
				log.Warn("send reminders", "error", err)
			} else if n > 0 {
				log.Info("sent reminders", "count", n)
			}
		}
	}
}

// settlePayments makes the Stripe calls that wait on the database, every
// minute until ctx ends: refunds asked for when paid places ended, closing
// the Checkout pages of payments we closed, and invoices to agencies for
// confirmed charges and places on their invoice.
func settlePayments(ctx context.Context, payments *payment.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := payments.SendRefunds(ctx); err != nil {
				log.Warn("refund payments (tried again in a minute)", "error", err)
			} else if n > 0 {
				log.Info("refunded payments", "count", n)
			}
			if n, err := payments.CloseCheckouts(ctx); err != nil {
				log.Warn("close checkouts of closed payments (tried again in a minute)", "error", err)
			} else if n > 0 {
				log.Info("closed checkouts of closed payments", "count", n)
			}
			if n, err := payments.BillAgencies(ctx); err != nil {
				log.Warn("invoice agencies (tried again in a minute)", "error", err)
			} else if n > 0 {
				log.Info("invoiced agencies", "count", n)
			}
		}
	}
}
