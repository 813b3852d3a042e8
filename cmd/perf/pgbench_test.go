package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pgbench 15's summary of a run.
const pgbenchOutput = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: internal/booking/testdata/rush.pgbench
scaling factor: 1
query mode: prepared
number of clients: 10
number of threads: 2
maximum number of tries: 1
number of transactions per client: 50
number of transactions actually processed: 500/500
number of failed transactions: 0 (0.000%)
latency average = 85.127 ms
initial connection time = 23.733 ms
tps = 117.471262 (without initial connection time)
`

func TestParsePgbench(t *testing.T) {
	t.Parallel()
	s, err := parsePgbench(pgbenchOutput)
	require.NoError(t, err)
	assert.Equal(t, pgbenchSummary{tps: 117.471262, processed: 500, failed: 0}, s)

	s, err = parsePgbench(strings.Replace(pgbenchOutput, "failed transactions: 0 (0.000%)", "failed transactions: 3 (0.600%)", 1))
	require.NoError(t, err)
	assert.Equal(t, 3, s.failed)

	older := strings.Replace(pgbenchOutput, "number of failed transactions: 0 (0.000%)\n", "", 1)
	s, err = parsePgbench(older)
	require.NoError(t, err, "pgbench before 15 prints no failed line")
	assert.Equal(t, 500, s.processed)

	_, err = parsePgbench(strings.Replace(pgbenchOutput, "tps =", "rate =", 1))
	assert.Error(t, err)
	_, err = parsePgbench("pgbench: error: connection to server failed\n")
	assert.Error(t, err)
}

func TestParsePgbenchLog(t *testing.T) {
	t.Parallel()
	txs, err := parsePgbenchLog(strings.NewReader("0 0 210000 0 1700000000 100000\n1 0 190000 0 1700000000 300000\n0 1 5000 0 1700000000 400000\n"))
	require.NoError(t, err)
	require.Len(t, txs, 3)
	assert.Equal(t, loggedTx{client: 0, number: 1, took: 5 * time.Millisecond, done: time.Unix(1700000000, 400000*1000)}, txs[2])

	_, err = parsePgbenchLog(strings.NewReader("0 0 failed 0 1700000000 100000\n"))
	assert.Error(t, err, "a failed transaction is not a figure")
	_, err = parsePgbenchLog(strings.NewReader("0 0 210000\n"))
	assert.Error(t, err)
}

// The warm figures leave out each connection's first transaction: the rate
// counts from when the last of them ended, and the latencies are the rest.
func TestWarmLeavesOutEachConnectionsFirstTransaction(t *testing.T) {
	t.Parallel()
	at := func(ms int) time.Time { return time.Unix(1700000000, 0).Add(time.Duration(ms) * time.Millisecond) }
	txs := []loggedTx{
		{client: 0, number: 0, took: 200 * time.Millisecond, done: at(200)},
		{client: 1, number: 0, took: 300 * time.Millisecond, done: at(300)}, // the last first: warm from here
		{client: 0, number: 1, took: 150 * time.Millisecond, done: at(350)},
		{client: 1, number: 1, took: 100 * time.Millisecond, done: at(400)},
		{client: 0, number: 2, took: 50 * time.Millisecond, done: at(400)},
		{client: 1, number: 2, took: 100 * time.Millisecond, done: at(500)},
	}
	w := warm(txs)
	assert.InDelta(t, 4/0.2, w.tps, 1e-9, "four transactions in the 200 ms after the last first one")
	assert.ElementsMatch(t, []time.Duration{150 * time.Millisecond, 100 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}, w.latencies)

	// Numbering that starts at 1 (older pgbench) is read the same way.
	for i := range txs {
		txs[i].number++
	}
	assert.Equal(t, w, warm(txs))
	assert.Zero(t, warm(nil).tps)
}
