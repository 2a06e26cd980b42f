//go:build unix

package dovecotserver

import (
	"os"
	"os/exec"
	"syscall"
)

// newProcessGroup starts cmd in a process group of its own, so that
// killGroup reaches the master's children too.
func newProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// terminate asks p to stop (SIGTERM).
func terminate(p *os.Process) { p.Signal(syscall.SIGTERM) }

// killGroup kills p's process group.
func killGroup(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGKILL) }
