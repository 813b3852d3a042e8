// Command withpg runs another command with a private PostgreSQL: it starts (or
// reuses) the cluster in a folder of the project, sets TEST_DATABASE_URL for
// the command, and stops the cluster when the command ends. `make test` uses
// it, so the tests need no database set up by hand. When TEST_DATABASE_URL is
// already set, it runs the command against that server instead.
//
//	go run ./cmd/withpg [-dir .data/postgres-test] -- go test ./...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/pscp/booktraining/internal/pglocal"
)

func main() {
	os.Exit(run())
}

func run() int {
	dir := flag.String("dir", ".data/postgres-test", "folder of the private PostgreSQL cluster")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withpg [-dir folder] -- command [args...]")
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env := os.Environ()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		srv, err := pglocal.Start(ctx, pglocal.Options{Dir: *dir, Database: "booktraining_test", Fast: true, Logger: log})
		if err != nil {
			fmt.Fprintln(os.Stderr, "withpg:", err)
			return 1
		}
		defer func() {
			if err := srv.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "withpg:", err)
			}
		}()
		env = append(env, "TEST_DATABASE_URL="+srv.URL)
	}

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	go func() {
		<-ctx.Done()
		_ = cmd.Process.Signal(os.Interrupt)
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	return 0
}
