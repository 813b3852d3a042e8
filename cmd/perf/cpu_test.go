package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stat is a /proc/<pid>/stat line with the given command name, parent and
// times in ticks (utime, stime, cutime, cstime at fields 14 to 17).
func stat(pid int, comm string, ppid int, utime, stime, cutime, cstime int) string {
	return fmt.Sprintf("%d (%s) S %d %d %d 0 -1 4194560 1234 0 0 0 %d %d %d %d 20 0 1 0 4242 1288200000 14000 "+
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n", pid, comm, ppid, pid, pid, utime, stime, cutime, cstime)
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	s, err := parseProcStat(stat(4242, "postgres", 1, 150, 25, 7000, 300))
	require.NoError(t, err)
	assert.Equal(t, procStat{ppid: 1, own: 1750 * time.Millisecond, children: 73 * time.Second}, s)

	// A command name with spaces and parentheses does not shift the fields.
	s, err = parseProcStat(stat(7, "a) b (c) 9 9", 4242, 3, 4, 0, 0))
	require.NoError(t, err)
	assert.Equal(t, procStat{ppid: 4242, own: 70 * time.Millisecond}, s)

	_, err = parseProcStat("4242 postgres S 1 2 3")
	assert.Error(t, err, "no parentheses")
	_, err = parseProcStat("4242 (postgres) S 1 2 3 4 5")
	assert.Error(t, err, "too few fields")
	_, err = parseProcStat("4242 (postgres) S 1 1 1 0 -1 0 0 0 0 0 x 2 3 4 20")
	assert.Error(t, err, "a time that is not a number")
}

// A fake /proc: the postmaster (10) with the time of its ended children,
// two live children, a grandchild (counted by its parent once it ends, not
// here), another process, and entries that are not processes.
func TestTreeCPUCountsEveryChildLiveOrEnded(t *testing.T) {
	t.Parallel()
	proc := t.TempDir()
	write := func(pid int, text string) {
		require.NoError(t, os.MkdirAll(filepath.Join(proc, strconv.Itoa(pid)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(proc, strconv.Itoa(pid), "stat"), []byte(text), 0o644))
	}
	write(10, stat(10, "postgres", 1, 100, 50, 400, 100))                                            // 1.5 s own, 5 s of ended children
	write(11, stat(11, "postgres", 10, 20, 10, 0, 0))                                                // 0.3 s
	write(12, stat(12, "postgres: perf booktraining_perf 127.0.0.1(4242) idle", 10, 200, 100, 0, 0)) // 3 s
	write(13, stat(13, "psql", 12, 1000, 0, 0, 0))                                                   // a grandchild: not counted
	write(20, stat(20, "server", 1, 5000, 5000, 0, 0))                                               // another process
	require.NoError(t, os.MkdirAll(filepath.Join(proc, "self"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(proc, "uptime"), []byte("1 2\n"), 0o644))

	got, err := treeCPU(proc, 10)
	require.NoError(t, err)
	assert.Equal(t, 1500*time.Millisecond+5*time.Second+300*time.Millisecond+3*time.Second, got)

	app, err := processCPU(proc, 20)
	require.NoError(t, err)
	assert.Equal(t, 100*time.Second, app, "the app's own time")

	// Child 12 ends: its time moves into the postmaster's children, and
	// the total is what it was plus what it spent meanwhile.
	require.NoError(t, os.RemoveAll(filepath.Join(proc, "12")))
	write(10, stat(10, "postgres", 1, 100, 50, 400+250, 100+100))
	later, err := treeCPU(proc, 10)
	require.NoError(t, err)
	assert.Equal(t, got+500*time.Millisecond, later)

	_, err = treeCPU(proc, 99)
	assert.Error(t, err, "no such process")
}

func TestPerBooking(t *testing.T) {
	t.Parallel()
	app, pg := perBooking(cpuReading{app: time.Second, postgres: 2 * time.Second},
		cpuReading{app: 2 * time.Second, postgres: 4500 * time.Millisecond}, 500)
	assert.InDelta(t, 2.0, app, 1e-9)
	assert.InDelta(t, 5.0, pg, 1e-9)
	app, pg = perBooking(cpuReading{}, cpuReading{app: time.Second}, 0)
	assert.Zero(t, app+pg, "no bookings: no figure")
}

// This process's own CPU time grows as it works.
func TestProcessCPUOfThisProcess(t *testing.T) {
	before, err := processCPU("/proc", os.Getpid())
	require.NoError(t, err)
	deadline := time.Now().Add(300 * time.Millisecond)
	n := 0
	for time.Now().Before(deadline) {
		n++
	}
	after, err := processCPU("/proc", os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, after, before, "after %d turns of a busy loop", n)
}

func TestPostmasterPID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte("4242\n/data\n1700000000\n5432\n"), 0o600))
	pid, err := postmasterPID(dir)
	require.NoError(t, err)
	assert.Equal(t, 4242, pid)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte("\n"), 0o600))
	_, err = postmasterPID(dir)
	assert.Error(t, err)
}
