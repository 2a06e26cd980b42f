//go:build !unix && !windows

package migrate

import "os"

// lockJournal does nothing where flock(2) is not available.
func lockJournal(f *os.File) error { return nil }
