package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, 3000, c.Port)
	assert.Equal(t, "", c.DatabaseURL)
	assert.Equal(t, ".data/postgres", c.LocalPostgresDir)
	assert.True(t, c.DemoData)
	assert.Equal(t, "http://localhost:3000", c.BaseURL.String())
	assert.Equal(t, "Portsmouth Safeguarding Children Partnership", c.PartnershipName)
	assert.Equal(t, "text", c.LogFormat)
	assert.Equal(t, 30*time.Second, c.RequestTimeout)
	assert.Equal(t, 15*time.Second, c.ShutdownTimeout)
	assert.Equal(t, int32(10), c.DatabaseMaxConns)
	assert.Empty(t, c.TrustedProxies)
	assert.Empty(t, c.SMTPURL)
	assert.False(t, c.CookieSecure, "plain cookies are allowed for http://localhost only")
}

// deployed is the least a deployment at a real address must set, plus more.
func deployed(more map[string]string) map[string]string {
	m := map[string]string{
		"BASE_URL":     "https://training.example.org",
		"DATABASE_URL": "postgres://app@db.example.org/app",
		"SMTP_URL":     "smtps://mailer:secret@smtp.example.org:465",
	}
	for k, v := range more {
		m[k] = v
	}
	return m
}

func TestCookiesAreSecureUnlessLocalhost(t *testing.T) {
	t.Parallel()
	c, err := Load(env(deployed(nil)))
	require.NoError(t, err)
	assert.True(t, c.CookieSecure)

	_, err = Load(env(deployed(map[string]string{"BASE_URL": "http://training.example.org"})))
	require.Error(t, err, "plain HTTP is refused except on localhost")

	_, err = Load(env(deployed(map[string]string{"COOKIE_SECURE": "false"})))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "COOKIE_SECURE")

	c, err = Load(env(map[string]string{"BASE_URL": "http://127.0.0.1:3000", "COOKIE_SECURE": "true"}))
	require.NoError(t, err)
	assert.True(t, c.CookieSecure)
}

func TestLoadOverrides(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{
		"PORT":            "8080",
		"DATABASE_URL":    "postgres://u:p@db:5432/app",
		"DEMO_DATA":       "false",
		"BASE_URL":        "https://training.example.org/",
		"SMTP_URL":        "smtp://mailer:secret@smtp.example.org:587",
		"LOG_LEVEL":       "debug",
		"LOG_FORMAT":      "JSON",
		"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1",
		"REQUEST_TIMEOUT": "5s",
		"OFFER_WINDOW":    "24h",
	}))
	require.NoError(t, err)
	assert.Equal(t, 24*time.Hour, c.OfferWindow)
	assert.Equal(t, 8080, c.Port)
	assert.False(t, c.DemoData)
	assert.Equal(t, "https://training.example.org", c.BaseURL.String())
	assert.Equal(t, "json", c.LogFormat)
	assert.Equal(t, []string{"10.0.0.0/8", "192.168.1.1"}, c.TrustedProxies)
	assert.Equal(t, 5*time.Second, c.RequestTimeout)
}

// What is meant for a developer's machine only is refused at a real address,
// each with one sentence saying why; make run's defaults stay as they were.
func TestDeveloperOnlySettingsAreRefusedAtARealAddress(t *testing.T) {
	t.Parallel()
	c, err := Load(env(deployed(nil)))
	require.NoError(t, err)
	assert.False(t, c.DemoData, "demo data is off by default at a real address")
	assert.False(t, c.Local)

	for _, tc := range []struct {
		name    string
		env     map[string]string
		problem string
	}{
		{"demo data asked for", deployed(map[string]string{"DEMO_DATA": "true"}),
			"DEMO_DATA=true: demo data, with accounts whose password is published, is loaded only when BASE_URL is localhost; set DEMO_DATA=false"},
		{"no database", deployed(map[string]string{"DATABASE_URL": ""}),
			"DATABASE_URL: must be set when BASE_URL is not localhost (the private PostgreSQL is for a developer's own machine)"},
		{"no mail server", deployed(map[string]string{"SMTP_URL": ""}),
			"SMTP_URL: must be set when BASE_URL is not localhost, or set EMAIL_OUTBOX_ONLY=true to keep every email in the database unsent"},
		{"both outbox and SMTP", deployed(map[string]string{"EMAIL_OUTBOX_ONLY": "true"}),
			"EMAIL_OUTBOX_ONLY=true and SMTP_URL: set one or the other"},
	} {
		_, err := Load(env(tc.env))
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.problem, tc.name)
	}

	c, err = Load(env(deployed(map[string]string{"SMTP_URL": "", "EMAIL_OUTBOX_ONLY": "true"})))
	require.NoError(t, err, "outbox-only is allowed when asked for explicitly")
	assert.True(t, c.EmailOutboxOnly)

	for _, m := range []map[string]string{
		{"DEMO_RESET": "true", "DATABASE_URL": "postgres://app@localhost/app"},
		{"DEMO_RESET": "true", "DEMO_DATA": "false"},
	} {
		_, err := Load(env(m))
		require.Error(t, err, "DEMO_RESET never drops a configured database")
		assert.Contains(t, err.Error(), "DEMO_RESET=true: only the private PostgreSQL's demo database can be started again")
	}
	c, err = Load(env(map[string]string{"DEMO_RESET": "true"}))
	require.NoError(t, err)
	assert.True(t, c.DemoReset, "make reset-demo")

	c, err = Load(env(nil))
	require.NoError(t, err)
	assert.True(t, c.DemoData, "make run: demo data on localhost")
	assert.True(t, c.Local)
	assert.Empty(t, c.DatabaseURL, "make run: the private PostgreSQL")
	assert.Empty(t, c.SMTPURL, "make run: emails kept for /admin/emails")
}

func TestLoadPortSetsDefaultBaseURL(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"PORT": "4000"}))
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:4000", c.BaseURL.String())
}

// Every problem is reported at once, and a database password never is.
func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Load(env(map[string]string{
		"PORT":               "eighty",
		"DATABASE_URL":       "mysql://root:s3cret@db/app",
		"DEMO_DATA":          "perhaps",
		"BASE_URL":           "localhost",
		"LOG_LEVEL":          "loud",
		"LOG_FORMAT":         "xml",
		"TRUSTED_PROXIES":    "10.0.0.0/8,not-an-ip",
		"REQUEST_TIMEOUT":    "-1s",
		"SHUTDOWN_TIMEOUT":   "soon",
		"DATABASE_MAX_CONNS": "0",
		"SMTP_URL":           "http://mail.example.org",
		"EMAIL_FROM":         "not an address",
		"OFFER_WINDOW":       "10m",
		"TRAINING_EMAIL":     "Training <training@example.org>",
	}))
	require.Error(t, err)
	msg := err.Error()
	for _, key := range []string{"PORT", "DATABASE_URL", "DEMO_DATA", "BASE_URL", "LOG_LEVEL", "LOG_FORMAT",
		"TRUSTED_PROXIES", "REQUEST_TIMEOUT", "SHUTDOWN_TIMEOUT", "DATABASE_MAX_CONNS", "SMTP_URL", "EMAIL_FROM", "OFFER_WINDOW", "TRAINING_EMAIL"} {
		assert.Contains(t, msg, key)
	}
	assert.Contains(t, msg, `"not-an-ip"`)
	assert.NotContains(t, msg, "s3cret")
}

func TestLoadTrainingMailbox(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"EMAIL_FROM": "Bookings <no-reply@example.org>"}))
	require.NoError(t, err)
	assert.Equal(t, "no-reply@example.org", c.TrainingEmail, "defaults to the sender's address")
	assert.Empty(t, c.TrainingPhone)

	c, err = Load(env(map[string]string{"TRAINING_EMAIL": "training@example.org", "TRAINING_PHONE": " 023 9268 8793 "}))
	require.NoError(t, err)
	assert.Equal(t, "training@example.org", c.TrainingEmail)
	assert.Equal(t, "023 9268 8793", c.TrainingPhone)
}

func TestLoadReminderDays(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, []int{10, 3}, c.ReminderDays)

	c, err = Load(env(map[string]string{"REMINDER_DAYS": " 14, 7 ,1"}))
	require.NoError(t, err)
	assert.Equal(t, []int{14, 7, 1}, c.ReminderDays)

	c, err = Load(env(map[string]string{"REMINDER_DAYS": "none"}))
	require.NoError(t, err)
	assert.NotNil(t, c.ReminderDays, "an empty list, not nil, or the service would use its defaults")
	assert.Empty(t, c.ReminderDays)

	for _, v := range []string{"3.5", "0", "-1", "10,,3", "ten", "400"} {
		_, err := Load(env(map[string]string{"REMINDER_DAYS": v}))
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), "REMINDER_DAYS", v)
	}
}

// The job queue's pool and the memory limit have defaults that suit one
// small machine, and refuse what would leave the workers no connection or
// the process no room.
func TestLoadJobsPoolAndMemoryLimit(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, int32(8), c.JobsDatabaseMaxConns)
	assert.Equal(t, int64(192<<20), c.MemoryLimit)
	assert.Equal(t, 64, c.RequestsInFlight)

	c, err = Load(env(map[string]string{"JOBS_DATABASE_MAX_CONNS": "6", "MEMORY_LIMIT": "1GiB", "REQUESTS_IN_FLIGHT": "0"}))
	require.NoError(t, err)
	assert.Equal(t, int32(6), c.JobsDatabaseMaxConns)
	assert.Equal(t, int64(1<<30), c.MemoryLimit)
	assert.Zero(t, c.RequestsInFlight, "no bound")

	for v, want := range map[string]int64{"off": 0, "OFF": 0, "300000000": 300000000, "64MiB": 64 << 20, "40000KiB": 40000 << 10, "50000000B": 50000000} {
		c, err = Load(env(map[string]string{"MEMORY_LIMIT": v}))
		require.NoError(t, err, v)
		assert.Equal(t, want, c.MemoryLimit, v)
	}
	// GOMEMLIMIT is the runtime's own: it wins, and the app sets nothing.
	c, err = Load(env(map[string]string{"GOMEMLIMIT": "100MiB"}))
	require.NoError(t, err)
	assert.Zero(t, c.MemoryLimit)

	for key, v := range map[string][]string{
		"JOBS_DATABASE_MAX_CONNS": {"0", "-3", "four", "1001"},
		"REQUESTS_IN_FLIGHT":      {"-1", "many", "100001"},
		"MEMORY_LIMIT":            {"16MiB", "lots", "1.5GiB", "-1", "1GB", "99999999999TiB"},
	} {
		for _, value := range v {
			_, err := Load(env(map[string]string{key: value}))
			require.Error(t, err, value)
			assert.Contains(t, err.Error(), key, value)
		}
	}
	_, err = Load(env(map[string]string{"GOMEMLIMIT": "100MiB", "MEMORY_LIMIT": "200MiB"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set one or the other")
}
