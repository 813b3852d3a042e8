package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memory is a process's resident set size as /proc/<pid>/status reports
// it: now (VmRSS) and at its peak (VmHWM, since the process started or
// since the peak was last reset), in bytes.
type memory struct {
	rss, peak uint64
}

// parseStatus reads VmRSS and VmHWM from the text of /proc/<pid>/status.
func parseStatus(r io.Reader) (memory, error) {
	var m memory
	found := 0
	s := bufio.NewScanner(r)
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return memory{}, fmt.Errorf("%s: unexpected %q", name, value)
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("%s: %w", name, err)
		}
		if name == "VmRSS" {
			m.rss = kb << 10
		} else {
			m.peak = kb << 10
		}
		found++
	}
	if err := s.Err(); err != nil {
		return memory{}, err
	}
	if found != 2 {
		return memory{}, fmt.Errorf("VmRSS or VmHWM missing")
	}
	return m, nil
}

func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	return parseStatus(f)
}

// peakWatch follows a process's peak resident set over a phase. It resets
// the kernel's peak (writing 5 to clear_refs) when it may, and also samples
// VmRSS every few milliseconds, so the figure holds where the reset is not
// allowed (the peak since the process started would overstate it).
type peakWatch struct {
	pid     int
	reset   bool
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	sampled uint64
}

func watchPeak(pid int) *peakWatch {
	w := &peakWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	w.reset = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	go func() {
		defer close(w.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if m, err := readMemory(pid); err == nil {
				w.mu.Lock()
				w.sampled = max(w.sampled, m.rss)
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// end stops the watch and returns the peak in bytes.
func (w *peakWatch) end() (uint64, error) {
	close(w.stop)
	<-w.done
	m, err := readMemory(w.pid)
	if err != nil {
		return 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	peak := max(w.sampled, m.rss)
	if w.reset {
		peak = max(peak, m.peak)
	}
	return peak, nil
}
