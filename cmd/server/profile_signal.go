//go:build perfprofile

package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
)

// Built with -tags perfprofile (make perf PERF_FLAGS=-profile=DIR builds
// it so), the server writes a CPU profile of what it does between a
// SIGUSR1 and the next SIGUSR2 to PROFILE_DIR/cpu-PID-N.pprof: cmd/perf sends
// them around the one-session rush, so that the profile holds the rush and
// not the sign-ins before it. A production build has no such handler.
func init() {
	dir := os.Getenv("PROFILE_DIR")
	if dir == "" {
		return
	}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		var f *os.File
		n := 0
		for s := range signals {
			switch {
			case s == syscall.SIGUSR1 && f == nil:
				n++
				var err error
				if f, err = os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d-%d.pprof", os.Getpid(), n))); err != nil {
					fmt.Fprintln(os.Stderr, "profile:", err)
					continue
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					fmt.Fprintln(os.Stderr, "profile:", err)
					_ = f.Close()
					f = nil
				}
			case s == syscall.SIGUSR2 && f != nil:
				pprof.StopCPUProfile()
				_ = f.Close()
				f = nil
			}
		}
	}()
}
