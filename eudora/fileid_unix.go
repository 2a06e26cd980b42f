//go:build unix

package eudora

import (
	"io/fs"
	"syscall"
)

// fileID returns a key that identifies the file behind fi (device and
// inode), used to notice a folder visited twice through links.
func fileID(fi fs.FileInfo) (any, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, false
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, true
}
