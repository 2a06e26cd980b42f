//go:build unix

package migrate

import (
	"errors"
	"os"
	"syscall"
)

// lockJournal takes an exclusive advisory lock on the journal file, without
// waiting: ErrJournalInUse when another process (or another open Journal)
// holds it. The lock goes with the file's close.
func lockJournal(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrJournalInUse
	}
	return err
}
