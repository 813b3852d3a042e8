// Package config reads the app's settings from the environment. Load reports
// every problem at once, so a person fixing a deployment sees them all.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting the app reads. Each has a default that suits a
// developer's machine; README.md lists them.
type Config struct {
	Port             int           // PORT
	DatabaseURL      string        // DATABASE_URL; empty starts a private PostgreSQL
	LocalPostgresDir string        // LOCAL_POSTGRES_DIR
	DemoData         bool          // DEMO_DATA
	DemoReset        bool          // DEMO_RESET: start the private PostgreSQL's database again, empty, then load the demo
	BaseURL          *url.URL      // BASE_URL
	PartnershipName  string        // PARTNERSHIP_NAME
	LogLevel         slog.Level    // LOG_LEVEL
	LogFormat        string        // LOG_FORMAT: text or json
	TrustedProxies   []string      // TRUSTED_PROXIES: IPs or CIDR ranges
	ProxyHeader      string        // PROXY_HEADER
	RequestTimeout   time.Duration // REQUEST_TIMEOUT
	ShutdownTimeout  time.Duration // SHUTDOWN_TIMEOUT
	DatabaseMaxConns int32         // DATABASE_MAX_CONNS
	SMTPURL          string        // SMTP_URL; empty keeps email in the database for /admin/emails
	EmailOutboxOnly  bool          // EMAIL_OUTBOX_ONLY: no SMTP, on purpose, at an address other than localhost
	Local            bool          // BASE_URL is localhost: a developer's own machine
	EmailFrom        string        // EMAIL_FROM
	TrainingEmail    string        // TRAINING_EMAIL: the training team's mailbox (default: EMAIL_FROM's address)
	TrainingPhone    string        // TRAINING_PHONE: the training team's telephone number, optional
	CookieSecure     bool          // COOKIE_SECURE; may be false only for http://localhost
	OfferWindow      time.Duration // OFFER_WINDOW: how long a waiting-list offer is held
	ReminderDays     []int         // REMINDER_DAYS: days before a session to remind its people

	// JOBS_DATABASE_MAX_CONNS: the job queue's own pool, for River and
	// every worker's statements, apart from the requests' pool (River
	// takes one more connection out of it for LISTEN, for good).
	JobsDatabaseMaxConns int32
	// REQUESTS_IN_FLIGHT: requests of signed-in people handled at once,
	// the rest waiting their turn before any work is done for them; 0: no
	// bound.
	RequestsInFlight int
	// MEMORY_LIMIT: the Go runtime's soft memory limit in bytes
	// (debug.SetMemoryLimit); 0 when off, or when GOMEMLIMIT, which the
	// runtime reads itself, is set.
	MemoryLimit int64

	// Stripe: both keys or neither; without them paid places are invoiced.
	StripeSecretKey     string        // STRIPE_SECRET_KEY
	StripeWebhookSecret string        // STRIPE_WEBHOOK_SECRET
	StripeAPIURL        string        // STRIPE_API_URL: another address for Stripe's API (stripe-mock)
	PaymentHold         time.Duration // PAYMENT_HOLD: how long a paid place is held while the person pays

	// REQUEST_RESPONSE_DAYS: working days to answer a training request.
	RequestResponseDays int

	// METRICS_TOKEN: the bearer token GET /metrics asks for; empty: no
	// /metrics (404).
	MetricsToken string
}

// MinMetricsTokenLength keeps METRICS_TOKEN out of guessing range.
const MinMetricsTokenLength = 32

// Load reads the settings through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	var problems []error
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	bad := func(key, value, want string) {
		problems = append(problems, fmt.Errorf("%s=%q: %s", key, value, want))
	}

	c := Config{
		DatabaseURL:      get("DATABASE_URL", ""),
		LocalPostgresDir: get("LOCAL_POSTGRES_DIR", ".data/postgres"),
		PartnershipName:  get("PARTNERSHIP_NAME", "Portsmouth Safeguarding Children Partnership"),
		ProxyHeader:      get("PROXY_HEADER", "X-Forwarded-For"),
	}

	port := get("PORT", "3000")
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		bad("PORT", port, "must be a whole number from 1 to 65535")
	} else {
		c.Port = n
	}

	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			// Do not echo the value: it may hold a password.
			problems = append(problems, errors.New("DATABASE_URL: must be a postgres:// or postgresql:// URL"))
		}
	}

	base := get("BASE_URL", "")
	if base == "" {
		base = "http://localhost:" + port
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("BASE_URL", base, "must be an absolute http:// or https:// address")
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/")
		c.BaseURL = u
	}

	level := get("LOG_LEVEL", "info")
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		bad("LOG_LEVEL", level, "must be debug, info, warn or error")
	}
	c.LogFormat = strings.ToLower(get("LOG_FORMAT", "text"))
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT", c.LogFormat, "must be text or json")
	}

	if proxies := get("TRUSTED_PROXIES", ""); proxies != "" {
		for _, p := range strings.Split(proxies, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					bad("TRUSTED_PROXIES", p, "each entry must be an IP address or a CIDR range such as 10.0.0.0/8")
					continue
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}

	c.RequestTimeout = duration(get("REQUEST_TIMEOUT", "30s"), "REQUEST_TIMEOUT", bad)
	c.ShutdownTimeout = duration(get("SHUTDOWN_TIMEOUT", "15s"), "SHUTDOWN_TIMEOUT", bad)
	c.OfferWindow = duration(get("OFFER_WINDOW", "48h"), "OFFER_WINDOW", bad)
	if c.OfferWindow > 0 && c.OfferWindow < time.Hour {
		bad("OFFER_WINDOW", get("OFFER_WINDOW", ""), "must be at least 1h, so people have time to see the email")
	}

	days := get("REMINDER_DAYS", "10,3")
	c.ReminderDays = []int{} // none unless listed: "none" turns reminders off
	if days != "none" {
		for _, d := range strings.Split(days, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(d))
			if err != nil || n < 1 || n > 365 {
				bad("REMINDER_DAYS", days, "must be whole numbers of days from 1 to 365, separated by commas, such as 10,3 (or none)")
				break
			}
			c.ReminderDays = append(c.ReminderDays, n)
		}
	}

	responseDays := get("REQUEST_RESPONSE_DAYS", "10")
	if n, err := strconv.Atoi(responseDays); err != nil || n < 1 || n > 100 {
		bad("REQUEST_RESPONSE_DAYS", responseDays, "must be a whole number of working days from 1 to 100")
	} else {
		c.RequestResponseDays = n
	}

	conns := get("DATABASE_MAX_CONNS", "10")
	if n, err := strconv.Atoi(conns); err != nil || n < 1 || n > 1000 {
		bad("DATABASE_MAX_CONNS", conns, "must be a whole number from 1 to 1000")
	} else {
		c.DatabaseMaxConns = int32(n)
	}

	jobConns := get("JOBS_DATABASE_MAX_CONNS", "8")
	if n, err := strconv.Atoi(jobConns); err != nil || n < 1 || n > 1000 {
		bad("JOBS_DATABASE_MAX_CONNS", jobConns, "must be a whole number from 1 to 1000")
	} else {
		c.JobsDatabaseMaxConns = int32(n)
	}

	inFlight := get("REQUESTS_IN_FLIGHT", "64")
	if n, err := strconv.Atoi(inFlight); err != nil || n < 0 || n > 100000 {
		bad("REQUESTS_IN_FLIGHT", inFlight, "must be a whole number from 0 (no bound) to 100000")
	} else {
		c.RequestsInFlight = n
	}

	limit := get("MEMORY_LIMIT", DefaultMemoryLimit)
	switch n, err := parseBytes(limit); {
	case getenv("GOMEMLIMIT") != "":
		if getenv("MEMORY_LIMIT") != "" {
			problems = append(problems, errors.New("MEMORY_LIMIT and GOMEMLIMIT: set one or the other"))
		}
	case strings.EqualFold(limit, "off"):
	case err != nil || n < 32<<20:
		bad("MEMORY_LIMIT", limit, "must be an amount of memory of at least 32MiB, such as 192MiB or 1GiB, or off")
	default:
		c.MemoryLimit = n
	}

	c.SMTPURL = get("SMTP_URL", "")
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			problems = append(problems, errors.New("SMTP_URL: must be smtp://[user:password@]host:port (STARTTLS) or smtps://… (TLS)"))
		}
	}
	c.EmailFrom = get("EMAIL_FROM", "Book safeguarding training <no-reply@localhost>")
	if addr, err := mail.ParseAddress(c.EmailFrom); err != nil || !strings.Contains(addr.Address, "@") {
		bad("EMAIL_FROM", c.EmailFrom, "must be an email address, optionally with a name: Name <address@example.org>")
	} else {
		c.TrainingEmail = addr.Address
	}
	if v := get("TRAINING_EMAIL", ""); v != "" {
		if addr, err := mail.ParseAddress(v); err != nil || addr.Address != v {
			bad("TRAINING_EMAIL", v, "must be a plain email address such as training@example.org")
		} else {
			c.TrainingEmail = v
		}
	}
	c.TrainingPhone = strings.TrimSpace(get("TRAINING_PHONE", ""))
	if len(c.TrainingPhone) > 40 || strings.ContainsAny(c.TrainingPhone, "\r\n") {
		bad("TRAINING_PHONE", c.TrainingPhone, "must be a telephone number on one line, such as 023 9268 8793")
	}

	if c.BaseURL != nil {
		local := isLocalhost(c.BaseURL.Hostname())
		c.Local = local
		secure := get("COOKIE_SECURE", strconv.FormatBool(c.BaseURL.Scheme == "https" || !local))
		if b, err := strconv.ParseBool(secure); err != nil {
			bad("COOKIE_SECURE", secure, "must be true or false")
		} else {
			c.CookieSecure = b
		}
		switch {
		case c.BaseURL.Scheme != "https" && !local:
			bad("BASE_URL", c.BaseURL.String(), "must be https:// except for http://localhost during development")
		case !c.CookieSecure && !local:
			bad("COOKIE_SECURE", secure, "may be false only when BASE_URL is http://localhost")
		}
	}

	// What is meant only for a developer's own machine is refused anywhere
	// else: demo accounts whose password the README publishes, a database
	// that lives and dies with the process, and email nobody receives.
	demo := get("DEMO_DATA", strconv.FormatBool(c.Local))
	if b, err := strconv.ParseBool(demo); err != nil {
		bad("DEMO_DATA", demo, "must be true or false")
	} else {
		c.DemoData = b
	}
	reset := get("DEMO_RESET", "false")
	if b, err := strconv.ParseBool(reset); err != nil {
		bad("DEMO_RESET", reset, "must be true or false")
	} else {
		c.DemoReset = b
	}
	if c.DemoReset && (c.DatabaseURL != "" || !c.DemoData) {
		problems = append(problems, errors.New("DEMO_RESET=true: only the private PostgreSQL's demo database can be started again; unset DATABASE_URL and keep DEMO_DATA on"))
	}
	outbox := get("EMAIL_OUTBOX_ONLY", "false")
	if b, err := strconv.ParseBool(outbox); err != nil {
		bad("EMAIL_OUTBOX_ONLY", outbox, "must be true or false")
	} else {
		c.EmailOutboxOnly = b
	}
	if c.BaseURL != nil && !c.Local {
		if c.DemoData {
			problems = append(problems, errors.New("DEMO_DATA=true: demo data, with accounts whose password is published, is loaded only when BASE_URL is localhost; set DEMO_DATA=false"))
		}
		if c.DatabaseURL == "" {
			problems = append(problems, errors.New("DATABASE_URL: must be set when BASE_URL is not localhost (the private PostgreSQL is for a developer's own machine)"))
		}
		if c.SMTPURL == "" && !c.EmailOutboxOnly {
			problems = append(problems, errors.New("SMTP_URL: must be set when BASE_URL is not localhost, or set EMAIL_OUTBOX_ONLY=true to keep every email in the database unsent"))
		}
	}
	if c.SMTPURL != "" && c.EmailOutboxOnly {
		problems = append(problems, errors.New("EMAIL_OUTBOX_ONLY=true and SMTP_URL: set one or the other"))
	}

	// Stripe's keys are never echoed: they are secrets.
	c.StripeSecretKey = get("STRIPE_SECRET_KEY", "")
	c.StripeWebhookSecret = get("STRIPE_WEBHOOK_SECRET", "")
	if k := c.StripeSecretKey; k != "" && !strings.HasPrefix(k, "sk_") && !strings.HasPrefix(k, "rk_") {
		problems = append(problems, errors.New("STRIPE_SECRET_KEY: must be a Stripe secret key (sk_live_…, sk_test_…) or restricted key (rk_…)"))
	}
	if k := c.StripeWebhookSecret; k != "" && !strings.HasPrefix(k, "whsec_") {
		problems = append(problems, errors.New("STRIPE_WEBHOOK_SECRET: must be the webhook endpoint's signing secret (whsec_…)"))
	}
	if (c.StripeSecretKey == "") != (c.StripeWebhookSecret == "") {
		problems = append(problems, errors.New("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both (card payments) or neither (paid places are invoiced)"))
	}
	// Never echoed: it is a secret.
	c.MetricsToken = get("METRICS_TOKEN", "")
	if t := c.MetricsToken; t != "" && (len(t) < MinMetricsTokenLength || strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r > '~' })) {
		problems = append(problems, fmt.Errorf("METRICS_TOKEN: must be at least %d characters with no spaces, such as the output of `openssl rand -hex 32`", MinMetricsTokenLength))
	}
	c.StripeAPIURL = get("STRIPE_API_URL", "")
	if c.StripeAPIURL != "" {
		if u, err := url.Parse(c.StripeAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("STRIPE_API_URL", c.StripeAPIURL, "must be an absolute http:// or https:// address, such as http://localhost:12111 for stripe-mock")
		}
	}
	hold := get("PAYMENT_HOLD", "30m")
	c.PaymentHold = duration(hold, "PAYMENT_HOLD", bad)
	if c.PaymentHold > 0 && (c.PaymentHold < 30*time.Minute || c.PaymentHold > 24*time.Hour) {
		bad("PAYMENT_HOLD", hold, "must be from 30m to 24h (Stripe Checkout's limits)")
	}

	if len(problems) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(problems...))
	}
	return c, nil
}

// DefaultMemoryLimit is MEMORY_LIMIT when unset: the heap a busy process
// needs (a booking rush stays under 64 MB of RSS, 200 sign-ins at once
// under 256 MB, password hashing being bounded), with room to spare. Above
// it the garbage collector works harder rather than let the heap grow: set
// it to about nine tenths of the memory the process may use.
const DefaultMemoryLimit = "192MiB"

// parseBytes reads an amount of memory as GOMEMLIMIT writes it: a whole
// number of bytes, optionally followed by B, KiB, MiB, GiB or TiB.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = v, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, errors.New("not an amount of memory")
	}
	return n << shift, nil
}

func isLocalhost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func duration(v, key string, bad func(key, value, want string)) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		bad(key, v, "must be a positive duration such as 30s or 2m")
		return 0
	}
	return d
}
