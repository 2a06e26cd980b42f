//go:build !unix

package dovecotserver

import (
	"os"
	"os/exec"
)

// newProcessGroup does nothing: Dovecot does not run here (the tests that
// need it skip), but the package still builds.
func newProcessGroup(cmd *exec.Cmd) {}

// terminate stops p.
func terminate(p *os.Process) { p.Kill() }

// killGroup stops p.
func killGroup(p *os.Process) { p.Kill() }
