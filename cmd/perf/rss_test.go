package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const procStatus = `Name:	server
Umask:	0022
State:	S (sleeping)
VmPeak:	 1288200 kB
VmSize:	 1288200 kB
VmHWM:	   98304 kB
VmRSS:	   57344 kB
RssAnon:	   40000 kB
Threads:	9
`

func TestParseStatus(t *testing.T) {
	t.Parallel()
	m, err := parseStatus(strings.NewReader(procStatus))
	require.NoError(t, err)
	assert.Equal(t, memory{rss: 56 << 20, peak: 96 << 20}, m)

	_, err = parseStatus(strings.NewReader(strings.Replace(procStatus, "VmHWM:	   98304 kB\n", "", 1)))
	assert.Error(t, err, "no peak")
	_, err = parseStatus(strings.NewReader(strings.Replace(procStatus, "98304 kB", "98304 MB", 1)))
	assert.Error(t, err, "another unit")
}

// The peak of a phase is at least what the process holds at its end, and
// a phase that allocates raises it.
func TestWatchPeakSeesThisProcess(t *testing.T) {
	now, err := readMemory(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, now.rss)
	assert.GreaterOrEqual(t, now.peak, now.rss)

	w := watchPeak(os.Getpid())
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1 // touched, so resident
	}
	peak, err := w.end()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, peak, uint64(64<<20))
	assert.Equal(t, byte(1), big[len(big)-1])
}
