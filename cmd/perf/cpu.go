package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, which
// Linux fixes at 100 a second for user space on every architecture it
// runs on, whatever the kernel's own tick).
const clockTick = 10 * time.Millisecond

// procStat is what /proc/<pid>/stat says of a process's CPU: its own time
// (utime + stime) and that of its children it has waited for (cutime +
// cstime, which is where an ended PostgreSQL backend's time goes), and its
// parent.
type procStat struct {
	ppid     int
	own      time.Duration
	children time.Duration
}

// parseProcStat reads /proc/<pid>/stat's text. The command name, the second
// field, is in parentheses and may itself hold spaces and parentheses
// ("postgres: perf booktraining_perf 127.0.0.1(4242) idle" is cut to 15
// bytes, but a name such as "a) b" is allowed), so the fields are counted
// from the last ')'.
func parseProcStat(text string) (procStat, error) {
	end := strings.LastIndexByte(text, ')')
	if end < 0 {
		return procStat{}, errors.New("no command name in parentheses")
	}
	// After the name: state (3), ppid (4), … utime (14), stime (15),
	// cutime (16), cstime (17).
	f := strings.Fields(text[end+1:])
	const first = 3
	if len(f) < 17-first+1 {
		return procStat{}, fmt.Errorf("%d fields after the command name, want at least %d", len(f), 17-first+1)
	}
	field := func(n int) (int64, error) {
		v, err := strconv.ParseInt(f[n-first], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("field %d: %w", n, err)
		}
		return v, nil
	}
	var v [5]int64
	for i, n := range []int{4, 14, 15, 16, 17} {
		var err error
		if v[i], err = field(n); err != nil {
			return procStat{}, err
		}
		if v[i] < 0 {
			return procStat{}, fmt.Errorf("field %d is negative: %d", n, v[i])
		}
	}
	return procStat{
		ppid:     int(v[0]),
		own:      time.Duration(v[1]+v[2]) * clockTick,
		children: time.Duration(v[3]+v[4]) * clockTick,
	}, nil
}

func readProcStat(proc string, pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	s, err := parseProcStat(string(b))
	if err != nil {
		return procStat{}, fmt.Errorf("%s/%d/stat: %w", proc, pid, err)
	}
	return s, nil
}

// processCPU is the CPU time pid has used so far, its own only.
func processCPU(proc string, pid int) (time.Duration, error) {
	s, err := readProcStat(proc, pid)
	return s.own, err
}

// treeCPU is the CPU time used so far by pid and every child it has
// started, live or ended: its own time, its ended (and reaped) children's,
// and each live child's. For PostgreSQL's postmaster that is every backend,
// every background process and every connection that came and went. A
// child that ends between two readings is counted live in the first and
// among the ended in the second, so the difference is right.
func treeCPU(proc string, pid int) (time.Duration, error) {
	root, err := readProcStat(proc, pid)
	if err != nil {
		return 0, err
	}
	total := root.own + root.children
	entries, err := os.ReadDir(proc)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		s, err := readProcStat(proc, child)
		if err != nil {
			continue // ended meanwhile (and counted in root's children from now on), or not ours to read
		}
		if s.ppid == pid {
			total += s.own
		}
	}
	return total, nil
}

// postmasterPID reads the running server's process id from the first line
// of postmaster.pid in its data folder.
func postmasterPID(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("postmaster.pid: no process id on its first line")
	}
	return pid, nil
}

// cpuReading is the app's and PostgreSQL's CPU time at one moment.
type cpuReading struct{ app, postgres time.Duration }

// cpuMeter reads the app process's CPU time and the whole PostgreSQL
// server's.
type cpuMeter struct {
	proc               string // /proc
	appPID, postmaster int
}

func (c cpuMeter) read() (cpuReading, error) {
	app, err := processCPU(c.proc, c.appPID)
	if err != nil {
		return cpuReading{}, fmt.Errorf("the app's CPU time: %w", err)
	}
	pg, err := treeCPU(c.proc, c.postmaster)
	if err != nil {
		return cpuReading{}, fmt.Errorf("PostgreSQL's CPU time: %w", err)
	}
	return cpuReading{app: app, postgres: pg}, nil
}

// perBooking is the CPU spent between two readings, in ms for each of n
// bookings.
func perBooking(before, after cpuReading, n int) (app, postgres float64) {
	if n <= 0 {
		return 0, 0
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(n) }
	return ms(after.app - before.app), ms(after.postgres - before.postgres)
}
