//go:build !unix

package eudora

import "io/fs"

// fileID is not available on this platform; loops are then bounded by
// Limits.MaxFolderDepth alone.
func fileID(fi fs.FileInfo) (any, bool) { return nil, false }
