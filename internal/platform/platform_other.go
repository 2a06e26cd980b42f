//go:build !unix && !windows

package platform

import (
	"io/fs"
	"os"
)

// OpenNoFollow is os.OpenFile: this platform has no links to refuse.
func OpenNoFollow(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

// SyncDir fsyncs the directory d where the platform allows it.
func SyncDir(d *os.File) error { return d.Sync() }

// FileKey returns "": this platform has no file identity in a FileInfo.
func FileKey(fi fs.FileInfo) string { return "" }

// FreeSpace returns -1: unknown on this platform.
func FreeSpace(path string) int64 { return -1 }
