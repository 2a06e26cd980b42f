//go:build windows

package platform

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// OpenNoFollow is os.OpenFile that refuses a reparse point (a symbolic
// link or a junction) as name: the file is opened as the reparse point
// itself (FILE_FLAG_OPEN_REPARSE_POINT), and closed again with ErrLink when
// it is one. Long paths get their \\?\ prefix from package os.
func OpenNoFollow(name string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag|windows.O_FILE_FLAG_OPEN_REPARSE_POINT, perm)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if a, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok && a.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrLink}
	}
	return f, nil
}

// SyncDir does nothing on Windows: a directory opened for reading cannot be
// flushed (FlushFileBuffers needs write access), and NTFS journals the
// creation and renaming of entries itself. File contents are still flushed
// by (*os.File).Sync.
func SyncDir(d *os.File) error { return nil }

// FileKey returns the creation time of the file behind fi (Windows has no
// inode in a FileInfo): a file replaced by a new one gets a new creation
// time, unless the system's file-name tunnelling gives it the old one back
// (a file created within 15 seconds under a just-deleted name).
func FileKey(fi fs.FileInfo) string {
	if a, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok {
		return fmt.Sprint(a.CreationTime.Nanoseconds())
	}
	return ""
}

// FreeSpace returns the bytes available to the user on the volume holding
// path, or -1 when it cannot tell.
func FreeSpace(path string) int64 {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return -1
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return -1
	}
	return int64(avail)
}
