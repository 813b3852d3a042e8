package web_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A connection kept alive between requests gives its buffers back: a
// booking rush's hundreds of idle connections would otherwise hold about
// 50 KiB each (read and write buffers and a page's body).
func TestIdleConnectionsGiveTheirBuffersBack(t *testing.T) {
	t.Parallel()
	a := setup(t)
	cfg := a.app.Config()
	assert.True(t, cfg.ReduceMemoryUsage)
	assert.Equal(t, 16<<10, cfg.ReadBufferSize, "long filter URLs and cookies still fit")
}
