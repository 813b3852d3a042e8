package partnership_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/partnership"
	"github.com/pscp/booktraining/internal/pgtest"
)

// clock moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// The migration makes the deployment's partnership the first, named by the
// configuration until the service is told its details.
func TestTheFirstPartnershipIsNamedByTheConfiguration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	clk := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	d := partnership.New(pool, clk.now)

	first, err := d.First(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Portsmouth Safeguarding Children Partnership", first.Name)
	assert.Equal(t, "portsmouth", first.Slug)

	require.NoError(t, d.NameFirst(ctx, " Test Partnership ", "training@example.org", "023 9200 0000"))
	first, err = d.First(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Test Partnership", first.Name, "read again at once after a change")
	assert.Equal(t, "training@example.org", first.Email)
	assert.Equal(t, "023 9200 0000", first.Phone)
	require.Error(t, d.NameFirst(ctx, "  ", "", ""), "a partnership always has a name")

	// Told its details in the service, the configuration no longer names it.
	_, err = pool.Exec(ctx, "UPDATE partnerships SET configured = false, name = 'Its own name' WHERE id = $1", first.ID)
	require.NoError(t, err)
	require.NoError(t, d.NameFirst(ctx, "Test Partnership", "", ""))
	clk.add(partnership.MaxAge)
	first, err = d.First(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Its own name", first.Name)
}

// Each partnership's pages are served on its own host name; any other host
// is the first partnership's. What the directory read serves for MaxAge.
func TestAHostNameIsItsPartnerships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	clk := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	_, err := pool.Exec(ctx, `
		UPDATE partnerships SET host = 'training.portsmouthscp.example';
		INSERT INTO partnerships (slug, name, short_name, host)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', 'training.hampshirescp.example')`)
	require.NoError(t, err)
	d := partnership.New(pool, clk.now)

	for host, want := range map[string]string{
		"training.portsmouthscp.example":       "portsmouth",
		"TRAINING.HampshireSCP.example":        "hampshire",
		"training.hampshirescp.example:8443":   "hampshire",
		"training.hampshirescp.example.":       "hampshire",
		"localhost:3000":                       "portsmouth",
		"":                                     "portsmouth",
		"evil.example":                         "portsmouth",
		"training.hampshirescp.example.evil.x": "portsmouth",
	} {
		p, err := d.ForHost(ctx, host)
		require.NoError(t, err)
		assert.Equal(t, want, p.Slug, "host %q", host)
	}
	all, err := d.All(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, "portsmouth", all[0].Slug, "the first first")

	_, err = pool.Exec(ctx, "UPDATE partnerships SET name = 'Hampshire SCP' WHERE slug = 'hampshire'")
	require.NoError(t, err)
	p, err := d.ForHost(ctx, "training.hampshirescp.example")
	require.NoError(t, err)
	assert.Equal(t, "Hampshire Safeguarding Children Partnership", p.Name, "kept for MaxAge")
	clk.add(partnership.MaxAge)
	p, err = d.ForHost(ctx, "training.hampshirescp.example")
	require.NoError(t, err)
	assert.Equal(t, "Hampshire SCP", p.Name, "read again after MaxAge")
}

// The table keeps its rules: a host name is one partnership's, and looks
// like a host name.
func TestPartnershipsKeepTheirRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := pool.Exec(ctx, "UPDATE partnerships SET host = 'a.example'")
	require.NoError(t, err)
	for _, bad := range []string{
		"INSERT INTO partnerships (slug, name, short_name, host) VALUES ('b', 'B', 'B', 'a.example')",
		"INSERT INTO partnerships (slug, name, short_name, host) VALUES ('c', 'C', 'C', 'A.example')",
		"INSERT INTO partnerships (slug, name, short_name, host) VALUES ('d', 'D', 'D', 'http://d.example/')",
		"INSERT INTO partnerships (slug, name, short_name) VALUES ('portsmouth', 'E', 'E')",
		"INSERT INTO partnerships (slug, name, short_name) VALUES ('Not A Slug', 'F', 'F')",
		"INSERT INTO partnerships (slug, name, short_name) VALUES ('g', ' ', 'G')",
	} {
		_, err := pool.Exec(ctx, bad)
		assert.Error(t, err, bad)
	}
}
