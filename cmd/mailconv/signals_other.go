//go:build !unix

package main

import "os"

// stopSignals are the signals that stop a run cleanly: on Windows, Ctrl-C
// (and Ctrl-Break), which Go delivers as os.Interrupt.
func stopSignals() []os.Signal { return []os.Signal{os.Interrupt} }
