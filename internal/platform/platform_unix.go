//go:build unix

package platform

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// OpenNoFollow is os.OpenFile that refuses a symbolic link as the last
// component of name (the open fails with ELOOP).
func OpenNoFollow(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag|syscall.O_NOFOLLOW, perm)
}

// SyncDir fsyncs the directory d, making the entries created in it
// durable.
func SyncDir(d *os.File) error { return d.Sync() }

// FileKey returns the inode behind fi ("" when unknown), to tell a file
// replaced by another of the same size and time from the same file.
func FileKey(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprint(st.Ino)
	}
	return ""
}

// FreeSpace returns the bytes available to an unprivileged user on the
// file system holding path, or -1 when it cannot tell.
func FreeSpace(path string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
