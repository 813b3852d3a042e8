// Package services builds every part of the app from a pool and the
// configuration, once, with the hooks that join them: the one place the
// parts are wired together. cmd/server serves what it builds, and the web
// app's tests build theirs here too, so they run the wiring production runs.
package services

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/calendar"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/certificate"
	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/demand"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/metrics"
	"github.com/pscp/booktraining/internal/partnership"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/privacy/registry"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/renewal"
	"github.com/pscp/booktraining/internal/report"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/venue"
)

// Services is every part of the app, each built once. None holds a request's
// state: one Services serves every request and job.
type Services struct {
	// Partnerships are the partnerships served, and which one a host name
	// is for.
	Partnerships     *partnership.Directory
	Catalogue        *catalogue.Service
	Accounts         *account.Service
	Bookings         *booking.Service
	Payments         *payment.Service // prices, Stripe; offline (paid places invoiced) without Stripe's keys
	Scheduler        *scheduling.Service
	Calendars        *calendar.Service
	People           *people.Service
	Agencies         *agency.Service
	Venues           *venue.Service
	Trainers         *trainer.Service
	TrainingRequests *trainingrequest.Service
	// Certificates of attended places, checked by anyone at
	// /certificates/{code}, and the training record PDF.
	Certificates *certificate.Service
	// Evaluations of attended places, their impact follow-ups, the
	// partnership's questions and settings, and the results.
	Evaluations *evaluation.Service
	// Prerequisites of courses, checked when booking, and claims of
	// training done elsewhere.
	Prerequisites *prerequisite.Service
	// Renewals: training that expires, its status, the notices two months
	// before it lapses, and the coordinators' view of their staff.
	Renewals *renewal.Service
	// The training managers' pages that read what other parts keep: the
	// audit log (and views of personal data), kept emails, the retention
	// schedule's runs, and jobs that failed for good (Needs attention).
	Audit     *audit.Log
	Emails    *email.Kept
	Retention *privacy.Enforcer
	Failures  *queue.Failures
	// Reports counts what waits for a training manager (their home page).
	Reports *report.Service
	// Demand is Options.Demand: the web app counts people's requests in
	// it, and email deliveries give way to them.
	Demand *demand.Gauge
	// Metrics is what GET /metrics serves; nil without METRICS_TOKEN.
	Metrics *prometheus.Registry
	// Jobs is the River client that works every part's jobs. The caller
	// starts it (Start) once the app is ready and stops it on the way out.
	Jobs *river.Client[pgx.Tx]
}

// Options are what the configuration does not say.
type Options struct {
	Now    func() time.Time // the clock; time.Now when nil
	Logger *slog.Logger     // slog.Default() when nil
	// JobsPool, when not nil, is the job queue's own pool: River's
	// statements and every worker's go through it, so background work,
	// however much is queued, never takes a connection from the requests'
	// pool. Requests still insert their jobs in their own transactions.
	// Nil: the job queue shares pool.
	JobsPool *pgxpool.Pool
	// Demand counts the people's requests in flight (internal/web counts
	// them): email deliveries give way to them while it says the app is
	// busy. Nil: deliveries never wait.
	Demand *demand.Gauge
}

// New builds every service on pool as cfg says. It starts nothing: no job
// is worked until s.Jobs is started.
//
// With a JobsPool, the services are built twice: once on pool, for
// requests (the Services returned), and once on the jobs pool, for the
// workers. Services hold no state of their own beyond their settings, so
// the two are the same service on two pools.
func New(pool *pgxpool.Pool, cfg config.Config, o Options) (*Services, error) {
	now, log := o.Now, o.Logger
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	s, work, err := build(pool, cfg, now, log, o.Demand, true)
	if err != nil {
		return nil, err
	}
	jobsPool := pool
	if o.JobsPool != nil && o.JobsPool != pool {
		jobsPool = o.JobsPool
		if _, work, err = build(jobsPool, cfg, now, log, o.Demand, false); err != nil {
			return nil, err
		}
	}
	// The one working client, on the jobs pool, with every part's workers.
	if s.Jobs, err = queue.New(jobsPool, log, work...); err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	// A job that failed for good waits for a training manager at
	// /admin/attention, described by the part that added it.
	describers := map[string]queue.Describe{}
	for _, d := range []map[string]queue.Describe{email.Describers(pool), s.Bookings.Describers(), s.Payments.Describers(), s.Evaluations.Describers()} {
		maps.Copy(describers, d)
	}
	s.Failures = queue.NewFailures(pool, s.Jobs, describers, now, log)

	// GET /metrics, for a scraper holding METRICS_TOKEN.
	if cfg.MetricsToken != "" {
		if s.Metrics, err = metrics.New(pool, queue.JobLag, queue.JobCollector(pool, log),
			booking.Collector(pool, log), email.Collector(pool, log)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// build makes every service on pool, and the background work (workers,
// periodic jobs, sweeps) that runs them, for the job client. announce says
// whether to log what the configuration leaves off (once is enough).
func build(pool *pgxpool.Pool, cfg config.Config, now func() time.Time, log *slog.Logger, load *demand.Gauge, announce bool) (*Services, []queue.Work, error) {
	s := &Services{Partnerships: partnership.New(pool, now), Demand: load}

	// Outgoing email: written in the transaction of its cause, delivered by
	// River's workers. Without SMTP_URL it stays in the database, readable at
	// /admin/emails.
	var sender email.Sender
	if cfg.SMTPURL != "" {
		var err error
		if sender, err = email.NewSMTPSender(cfg.SMTPURL, cfg.EmailFrom); err != nil {
			return nil, nil, err
		}
	}
	deliver := email.Deliveries(pool, sender, log, load)
	if sender == nil && cfg.Local {
		deliver = email.DevelopmentDeliveries(pool, log)
	}
	switch {
	case sender != nil || !announce:
	case cfg.Local:
		log.Info("SMTP_URL is not set: emails are kept in the database, for training managers to read at /admin/emails (sign-in links removed); as this is localhost, each email's text, links included, is also written to this log")
	default:
		log.Info("EMAIL_OUTBOX_ONLY is set: emails are kept in the database, unsent, for training managers to read at /admin/emails (sign-in links removed)")
	}
	// Services insert their jobs with an insert-only client; the working
	// client is built by New, once every part's workers have their services.
	inserter, err := queue.NewInsertOnly(pool)
	if err != nil {
		return nil, nil, fmt.Errorf("job queue: %w", err)
	}
	outbox := email.NewOutbox(inserter)

	s.Accounts = account.New(pool, outbox, cfg.BaseURL, now, log)
	s.Accounts.Privacy = registry.New() // every part that stores personal data: the download and erasure
	s.Accounts.Signature = email.Signature{Team: "Book safeguarding training", Partnership: cfg.PartnershipName,
		Email: cfg.TrainingEmail, Phone: cfg.TrainingPhone, Website: cfg.BaseURL.JoinPath("/").String()}
	// The retention schedule: a daily job on the same queue, run by the
	// elected leader (see the privacy notice). Each part deletes its own
	// records when the schedule says; accounts are erased and warned
	// through accounts.
	s.Retention = privacy.NewEnforcer(pool, now, log, registry.Cleaners(s.Accounts))
	// Password reset requests are looked up and answered by a job, so known
	// and unknown addresses cost the request the same.
	resets := &account.ResetPasswordWorker{Accounts: s.Accounts}

	s.Bookings = booking.New(pool, outbox, cfg.BaseURL, cfg.PartnershipName, now, log)
	s.Bookings.OfferWindow = cfg.OfferWindow
	s.Bookings.ReminderDays = cfg.ReminderDays
	s.Bookings.Organizer.Name, s.Bookings.Organizer.Email = cfg.PartnershipName, cfg.TrainingEmail // invites come from the training mailbox
	s.Bookings.Contact.Phone = cfg.TrainingPhone
	s.Accounts.OnErase = func(ctx context.Context, tx pgx.Tx, userID int64, now time.Time) error {
		if err := s.Bookings.CancelFutureBookings(ctx, tx, userID, now); err != nil {
			return err
		}
		return scheduling.LeaveSessionsToComeTx(ctx, tx, userID)
	}
	s.Scheduler = scheduling.New(pool, now, log)
	s.Scheduler.Bookings = s.Bookings
	s.TrainingRequests = trainingrequest.New(pool, outbox, s.Scheduler, cfg.BaseURL, now, log)
	s.TrainingRequests.ResponseDays = cfg.RequestResponseDays
	s.Reports = report.New(pool, now)
	s.Reports.ResponseDays = cfg.RequestResponseDays // overdue as the requests' queue says

	var gateway payment.Gateway // nil: no card payments, paid places are invoiced
	if cfg.StripeSecretKey != "" {
		gateway = payment.NewStripeGateway(cfg.StripeSecretKey, cfg.StripeAPIURL, nil)
	}
	s.Payments = payment.New(pool, gateway, cfg.StripeWebhookSecret, now)
	s.Payments.Hold = cfg.PaymentHold
	s.Payments.Jobs = outbox // refunds, closed checkouts and invoices: jobs inserted with their cause
	if !s.Payments.Online() && announce {
		log.Info("online payment is off: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not set, so paid places are invoiced")
	}
	s.Payments.SetLogger(log)
	// Paid places: held by bookings while their person pays, paid through
	// payments (confirmed by Stripe's webhook). Payments calls bookings'
	// ...Tx functions; bookings asks payments for prices and settlements
	// through booking.Money.
	s.Payments.Bookings = s.Bookings
	s.Bookings.Money, s.Bookings.PaymentHold = s.Payments, cfg.PaymentHold
	s.Payments.Handle(stripe.EventTypeCheckoutSessionCompleted, s.Payments.CheckoutCompleted)
	s.Payments.Handle(stripe.EventTypeCheckoutSessionExpired, s.Payments.CheckoutExpired)
	// Charges and places billed to agencies: invoiced by a job, paid as Stripe says.
	s.Payments.Handle(stripe.EventTypeInvoicePaid, s.Payments.InvoicePaid)
	s.Payments.Handle(stripe.EventTypeInvoiceVoided, s.Payments.InvoiceVoided)
	s.Payments.Handle(stripe.EventTypeInvoiceMarkedUncollectible, s.Payments.InvoiceVoided)

	s.Catalogue = catalogue.New(pool, now)
	s.Scheduler.CatalogueStamp = s.Catalogue.Stamp // the programme's filter choices kept while it stands
	s.Calendars = calendar.New(pool, s.Bookings, now)
	s.People = people.New(pool, now)
	s.Agencies = agency.New(pool, now)
	s.Agencies.BillingContactAdded = s.Payments.BillAgencyWhenDueTx // what waited for a billing contact is invoiced when one is added
	s.Venues = venue.New(pool, now)
	s.Trainers = trainer.New(pool, now)
	s.Audit = audit.NewLog(pool, now)
	s.Emails = email.NewKept(pool)
	s.Certificates = certificate.New(pool, cfg.BaseURL, cfg.PartnershipName, now)
	s.Evaluations = evaluation.New(pool, outbox, cfg.BaseURL, now, log)
	s.Evaluations.From = s.Accounts.Signature
	// Each place the register marks attended is asked to evaluate its
	// session, in the register's transaction; its certificate waits for the
	// evaluation when the partnership's settings say so.
	s.Bookings.Attended = s.Evaluations.AskTx
	s.Certificates.Ready = s.Evaluations.CertificateReady
	// Booking checks the person's training record against the course's
	// prerequisites, in the booking's transaction.
	s.Prerequisites = prerequisite.New(pool, outbox, cfg.BaseURL, now, log)
	s.Prerequisites.From = s.Accounts.Signature
	s.Bookings.Prerequisites = s.Prerequisites.CheckTx
	s.Renewals = renewal.New(pool, outbox, cfg.BaseURL, now, log)
	s.Renewals.From = s.Accounts.Signature

	// Every part's workers, now that they have their services. Booking work
	// at its time (offers expiring, held places lapsing, reminders),
	// Stripe's refunds, closed checkouts and invoices (each called with no
	// transaction open), and the safety-net sweeps that catch any job
	// missed, run by one leader at a time.
	work := []queue.Work{deliver, s.Retention.Register,
		func(c *river.Config) error { return resets.Register(c.Workers) },
		s.Bookings.Work(), s.Payments.Work(), s.Evaluations.Work(),
		queue.Sweeps(pool, log, slices.Concat(s.Bookings.Sweeps(), s.Payments.Sweeps(), s.Evaluations.Sweeps(), s.Renewals.Sweeps())...)}
	return s, work, nil
}
