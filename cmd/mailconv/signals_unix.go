//go:build unix

package main

import (
	"os"
	"syscall"
)

// stopSignals are the signals that stop a run cleanly: Ctrl-C and the
// termination a service manager or kill(1) sends.
func stopSignals() []os.Signal { return []os.Signal{os.Interrupt, syscall.SIGTERM} }
