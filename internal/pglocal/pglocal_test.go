package pglocal

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// reachableDir is a fresh folder that any account can enter, removed after
// the test.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pglocal-test-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func query(t *testing.T, url, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var out string
	require.NoError(t, conn.QueryRow(ctx, sql).Scan(&out))
	return out
}

// The cluster is created on first start, keeps its data, is reused on the
// next start, and is stopped cleanly.
func TestStartStopAndReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(reachableDir(t), "postgres")

	srv, err := Start(ctx, Options{Dir: dir, Database: "app", Fast: true, Logger: quiet})
	require.NoError(t, err)
	assert.Equal(t, dir, srv.Dir)
	assert.Equal(t, "app", query(t, srv.URL, "SELECT current_database()"))
	assert.FileExists(t, filepath.Join(dir, "run", ".s.PGSQL."+query(t, srv.URL, "SHOW port")), "socket in the folder")
	_, err = pgxExec(srv.URL, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
	require.NoError(t, err)
	require.NoError(t, srv.Stop())
	assert.NoFileExists(t, filepath.Join(dir, "data", "postmaster.pid"), "server stopped")

	again, err := Start(ctx, Options{Dir: dir, Database: "app", Fast: true, Logger: quiet})
	require.NoError(t, err)
	assert.Equal(t, "still here", query(t, again.URL, "SELECT v FROM kept"))
	require.NoError(t, again.Stop())

	// make reset-demo: the database starts again, empty; the cluster stays.
	fresh, err := Start(ctx, Options{Dir: dir, Database: "app", Fast: true, Logger: quiet, Recreate: true})
	require.NoError(t, err)
	defer fresh.Stop()
	assert.Equal(t, "0", query(t, fresh.URL, "SELECT count(*) FROM pg_tables WHERE tablename = 'kept'"))
}

// A second Start while the cluster runs reuses it and leaves it running.
func TestStartReusesARunningCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(reachableDir(t), "postgres")
	first, err := Start(ctx, Options{Dir: dir, Database: "app", Fast: true, Logger: quiet})
	require.NoError(t, err)
	defer first.Stop()

	second, err := Start(ctx, Options{Dir: dir, Database: "other", Fast: true, Logger: quiet})
	require.NoError(t, err)
	assert.Equal(t, "other", query(t, second.URL, "SELECT current_database()"))
	require.NoError(t, second.Stop())
	assert.Equal(t, "app", query(t, first.URL, "SELECT current_database()"), "still running for the first owner")
}

// As root, when the postgres account cannot enter the project folder (a
// checkout under /root, say), the cluster lives in a folder it can reach.
func TestFolderThePostgresAccountCannotReach(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Log("not root: the server runs as this user, who can reach the folder")
	}
	ctx := context.Background()
	private, err := os.MkdirTemp("", "pglocal-private-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(private) })
	require.NoError(t, os.Chmod(private, 0o700))
	dir := filepath.Join(private, "postgres")

	srv, err := Start(ctx, Options{Dir: dir, Database: "app", Fast: true, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, srv.Stop())
		if srv.Dir != dir {
			_ = os.RemoveAll(srv.Dir)
		}
	})
	assert.Equal(t, "app", query(t, srv.URL, "SELECT current_database()"))
	if os.Geteuid() == 0 {
		assert.NotEqual(t, dir, srv.Dir)
		assert.Contains(t, srv.Dir, "booktraining-pg-")
	} else {
		assert.Equal(t, dir, srv.Dir)
	}
}

func TestNoServerBinaries(t *testing.T) {
	t.Parallel()
	notFound := func(string) (string, error) { return "", exec.ErrNotFound }
	_, err := findBinaries(notFound, filepath.Join(t.TempDir(), "*", "bin"))
	require.True(t, errors.Is(err, ErrNoServer))
	assert.Contains(t, err.Error(), "install PostgreSQL")
	assert.Contains(t, err.Error(), "DATABASE_URL")
}

func TestFindBinariesPrefersNewestVersion(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "13"} {
		bin := filepath.Join(root, v, "bin")
		require.NoError(t, os.MkdirAll(bin, 0o755))
		for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
			require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755))
		}
	}
	notFound := func(string) (string, error) { return "", exec.ErrNotFound }
	got, err := findBinaries(notFound, filepath.Join(root, "*", "bin"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "15", "bin"), got)
}

func pgxExec(url, sql string) (string, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, sql)
	return tag.String(), err
}

// A checkout deep enough to overflow the Unix socket path limit still works.
func TestDeepFolder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(reachableDir(t), strings.Repeat("deep", 25), "postgres")
	srv, err := Start(context.Background(), Options{Dir: dir, Database: "app", Fast: true, Logger: quiet})
	require.NoError(t, err)
	defer srv.Stop()
	assert.Equal(t, dir, srv.Dir)
	assert.Equal(t, "app", query(t, srv.URL, "SELECT current_database()"))
}
