// Package pglocal runs a private PostgreSQL server from the machine's own
// server binaries, so the app and its tests work on a fresh machine with no
// database configured. The cluster lives in a folder of the project, is reused
// on the next start, and is stopped cleanly by Stop.
package pglocal

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServer means no PostgreSQL server binaries were found.
var ErrNoServer = errors.New("no PostgreSQL server found: install PostgreSQL (on Debian or Ubuntu: apt-get install postgresql) or set DATABASE_URL to an existing database")

// Options says where the cluster lives and what it serves.
type Options struct {
	// Dir is the folder that holds the cluster (data, socket, log, password).
	Dir string
	// Database is created if missing; the returned URL points at it.
	Database string
	// Fast turns off durability (fsync and friends): for throwaway test clusters.
	Fast bool
	// Recreate drops Database first, if it exists, so it starts empty (a
	// developer starting the demo again).
	Recreate bool
	// Logger receives progress messages; nil means slog.Default().
	Logger *slog.Logger
}

// Server is a running private PostgreSQL.
type Server struct {
	// URL connects to Options.Database as the superuser.
	URL string
	// Dir is the folder actually used (it differs from Options.Dir when the
	// postgres account cannot reach that folder).
	Dir string

	bin     string
	dataDir string
	cred    *syscall.Credential
	owned   bool // we started it, so we stop it
	log     *slog.Logger
}

// Start finds the server binaries, creates the cluster on first use, starts it
// on a free loopback port and a socket in its folder, and creates the database.
// If the cluster is already running (another process started it), Start reuses
// it and Stop leaves it running.
func Start(ctx context.Context, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("private postgres folder %q: %w", opts.Dir, err)
	}

	s := &Server{bin: bin, log: log}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as the postgres account.
		cred, err := postgresCredential()
		if err != nil {
			return nil, err
		}
		s.cred = cred
		if !reachable(dir, cred) {
			sum := sha256.Sum256([]byte(dir))
			alt := filepath.Join(os.TempDir(), "booktraining-pg-"+hex.EncodeToString(sum[:6]))
			if _, err := os.Stat("/var/tmp"); err == nil {
				alt = filepath.Join("/var/tmp", "booktraining-pg-"+hex.EncodeToString(sum[:6]))
			}
			log.Warn("the postgres account cannot reach the project folder, so the private PostgreSQL lives elsewhere",
				"wanted", dir, "using", alt)
			dir = alt
		}
	}
	s.Dir = dir
	s.dataDir = filepath.Join(dir, "data")
	sockDir := filepath.Join(dir, "run")
	if len(sockDir)+len("/.s.PGSQL.65535") >= 104 {
		// Unix socket paths are limited to about 100 bytes: a deep checkout
		// keeps its socket in a short folder of the system's instead.
		sum := sha256.Sum256([]byte(dir))
		sockDir = filepath.Join(os.TempDir(), "booktraining-pg-"+hex.EncodeToString(sum[:6])+"-run")
	}

	if err := s.ensureDirs(sockDir); err != nil {
		return nil, err
	}
	password, err := s.ensureCluster(ctx)
	if err != nil {
		return nil, err
	}

	port, running := s.runningPort()
	if running {
		log.Info("reusing the private PostgreSQL that is already running", "dir", dir, "port", port)
	} else {
		port, err = freePort()
		if err != nil {
			return nil, err
		}
		settings := []string{
			"-p", strconv.Itoa(port),
			"-k", sockDir,
			"-c", "listen_addresses=127.0.0.1",
			"-c", "max_connections=200",
		}
		if opts.Fast {
			settings = append(settings, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
		}
		logFile := filepath.Join(dir, "postgres.log")
		if err := s.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-s", "-D", s.dataDir, "-l", logFile,
			"-o", strings.Join(settings, " ")); err != nil {
			return nil, fmt.Errorf("start private PostgreSQL (see %s): %w", logFile, err)
		}
		s.owned = true
		log.Info("started private PostgreSQL", "dir", dir, "port", port)
	}

	admin := (&url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword("postgres", password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	})
	if err := createDatabase(ctx, admin.String(), opts.Database, opts.Recreate); err != nil {
		_ = s.Stop()
		return nil, err
	}
	admin.Path = "/" + opts.Database
	s.URL = admin.String()
	return s, nil
}

// Stop shuts the server down if this process started it. It waits for
// connections to finish for a few seconds, then closes them.
func (s *Server) Stop() error {
	if s == nil || !s.owned {
		return nil
	}
	s.owned = false
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.run(ctx, "pg_ctl", "stop", "-w", "-s", "-m", "fast", "-D", s.dataDir); err != nil {
		return fmt.Errorf("stop private PostgreSQL: %w", err)
	}
	s.log.Info("stopped private PostgreSQL", "dir", s.Dir)
	return nil
}

// FindBinaries returns the folder holding initdb, pg_ctl and postgres: first
// from PATH, then the newest /usr/lib/postgresql/*/bin.
func FindBinaries() (string, error) {
	return findBinaries(exec.LookPath, "/usr/lib/postgresql/*/bin")
}

func findBinaries(lookPath func(string) (string, error), versionDirs string) (string, error) {
	if p, err := lookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		d := filepath.Dir(p)
		if hasServer(d) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob(versionDirs)
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	return "", ErrNoServer
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, the private PostgreSQL needs the postgres account (PostgreSQL refuses to run as root): install PostgreSQL's server package, run as another user, or set DATABASE_URL")
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// reachable reports whether the postgres account could use dir: every
// existing ancestor must let it in.
func reachable(dir string, cred *syscall.Credential) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil {
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok {
				return false
			}
			mode := fi.Mode().Perm()
			var canEnter bool
			switch {
			case st.Uid == cred.Uid:
				canEnter = mode&0o100 != 0
			case st.Gid == cred.Gid:
				canEnter = mode&0o010 != 0
			default:
				canEnter = mode&0o001 != 0
			}
			if !canEnter {
				return false
			}
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func (s *Server) ensureDirs(sockDir string) error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("create private postgres folder: %w", err)
	}
	for _, d := range []string{s.dataDir, sockDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create private postgres folder: %w", err)
		}
		if s.cred != nil {
			if err := os.Chown(d, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				return fmt.Errorf("hand %s to the postgres account: %w", d, err)
			}
		}
	}
	if s.cred != nil {
		// The server writes its log beside the data folder.
		if err := os.Chown(s.Dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("hand %s to the postgres account: %w", s.Dir, err)
		}
	}
	return nil
}

// ensureCluster runs initdb on first use and returns the superuser password.
func (s *Server) ensureCluster(ctx context.Context) (string, error) {
	pwPath := filepath.Join(s.Dir, "password")
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); err == nil {
		pw, err := os.ReadFile(pwPath)
		if err != nil {
			return "", fmt.Errorf("read the private PostgreSQL password: %w", err)
		}
		return strings.TrimSpace(string(pw)), nil
	}

	buf := make([]byte, 18)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	pw := hex.EncodeToString(buf)
	if err := os.WriteFile(pwPath, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write the private PostgreSQL password: %w", err)
	}
	if s.cred != nil {
		if err := os.Chown(pwPath, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return "", err
		}
	}
	s.log.Info("creating private PostgreSQL cluster", "dir", s.Dir)
	if err := s.run(ctx, "initdb", "-D", s.dataDir, "-U", "postgres", "--pwfile", pwPath,
		"--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"); err != nil {
		return "", fmt.Errorf("create private PostgreSQL cluster: %w", err)
	}
	return pw, nil
}

// runningPort reports the port of a server already running on this cluster.
func (s *Server) runningPort() (int, bool) {
	b, err := os.ReadFile(filepath.Join(s.dataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err1 != nil || err2 != nil || pid <= 0 {
		return 0, false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0, false // stale pid file: pg_ctl start will clear it
	}
	return port, true
}

func (s *Server) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func createDatabase(ctx context.Context, adminURL, name string, recreate bool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to private PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if recreate {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
