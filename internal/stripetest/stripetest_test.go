//go:build unix

package stripetest

import (
	"errors"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests share one stripe-mock, and it stops when the last of them ends.
func TestStartSharesOneProcessAndStopsIt(t *testing.T) {
	var (
		pid int
		dir string
	)
	t.Run("users", func(t *testing.T) {
		first := Start(t)
		second := Start(t)
		assert.Equal(t, first, second)
		req, err := http.NewRequest(http.MethodGet, first+"/v1/customers/cus_123", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+Key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		mu.Lock()
		pid = running.cmd.Process.Pid
		dir = running.dir
		mu.Unlock()
		_, err = os.Stat(dir)
		require.NoError(t, err)
	})
	mu.Lock()
	assert.Nil(t, running, "stopped when its last user ended")
	mu.Unlock()
	assert.True(t, errors.Is(syscall.Kill(pid, 0), syscall.ESRCH), "process %d is gone", pid)
	_, err := os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "its binary is removed")
}
