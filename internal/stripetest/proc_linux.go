package stripetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill stripe-mock if the test binary dies
// without cleaning up (a panic, a timeout, SIGKILL).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
