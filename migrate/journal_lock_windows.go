//go:build windows

package migrate

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockJournal takes an exclusive lock on the journal file with LockFileEx,
// without waiting: ErrJournalInUse when another process (or another open
// Journal) holds it. Windows locks are mandatory, so the locked byte is one
// far past any journal's end (the last byte a file offset can name): the
// journal's own bytes stay readable and writable. The lock goes with the
// file's close. (docs/formats/windows-macos.md, "Journal lock".)
func lockJournal(f *os.File) error {
	ol := new(windows.Overlapped)
	ol.Offset = 0xFFFFFFFE
	ol.OffsetHigh = 0x7FFFFFFF
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return ErrJournalInUse
	}
	return err
}
