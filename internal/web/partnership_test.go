package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One process serves each partnership on its own host name, its pages in
// its name; any other host is the first partnership's. The catalogue
// pages, cached, are kept apart by partnership.
func TestEachHostNameShowsItsPartnership(t *testing.T) {
	t.Parallel()
	a := setup(t)
	_, err := a.pool.Exec(context.Background(), `
		UPDATE partnerships SET host = 'training.portsmouthscp.example';
		INSERT INTO partnerships (slug, name, short_name, host)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', 'training.hampshirescp.example')`)
	require.NoError(t, err)
	cached, _ := listening(t, a) // its services read the partnerships afresh

	const (
		portsmouth = "Portsmouth Safeguarding Children Partnership"
		hampshire  = "Hampshire Safeguarding Children Partnership"
	)
	for _, c := range []struct{ host, want, not string }{
		{"training.hampshirescp.example", hampshire, portsmouth},
		{"training.portsmouthscp.example", portsmouth, hampshire},
		{"TRAINING.HAMPSHIRESCP.EXAMPLE", hampshire, portsmouth},
		{"localhost:3000", portsmouth, hampshire},
		{"training.hampshirescp.example", hampshire, portsmouth}, // from the cache, after Portsmouth's
	} {
		for _, path := range []string{"/courses", "/courses?q=neglect", "/privacy", "/sign-in"} {
			resp, page := cached.get(t, "http://"+c.host+path)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s%s", c.host, path)
			assert.Contains(t, page, "<title>", c.host+path)
			title := page[strings.Index(page, "<title>"):strings.Index(page, "</title>")]
			assert.Contains(t, title, c.want, "%s%s", c.host, path)
			assert.Contains(t, page, "Run by the "+c.want, "%s%s: the footer", c.host, path)
			assert.NotContains(t, page, c.not, "%s%s", c.host, path)
		}
	}
	// A host named by anyone but a trusted proxy is not believed.
	_, page := cached.get(t, "http://localhost:3000/courses", "X-Forwarded-Host", "training.hampshirescp.example")
	assert.Contains(t, page, "Run by the "+portsmouth)
	assert.NotContains(t, page, hampshire)
}
