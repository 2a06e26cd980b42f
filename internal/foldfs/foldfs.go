// Package foldfs finds files by name the way the programs that wrote legacy
// stores did: ignoring case, as Windows and classic Mac file systems do,
// even when the store was copied to a case-sensitive file system.
package foldfs

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// Lookup returns the path of the entry of dir in fsys whose name is name,
// preferring an exact match and otherwise ignoring case. ok is false when
// dir cannot be read or holds no such entry.
func Lookup(fsys fs.FS, dir, name string) (string, bool) {
	ents, err := ReadDir(fsys, dir)
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if e.Name() == name {
			return path.Join(dir, e.Name()), true
		}
	}
	for _, e := range ents {
		if strings.EqualFold(e.Name(), name) {
			return path.Join(dir, e.Name()), true
		}
	}
	return "", false
}

// ReadDir is fs.ReadDir for a path that must be a directory: it is looked
// at first (fs.Stat), so that a named pipe or a device in its place is not
// opened (opening a pipe blocks until a writer comes).
func ReadDir(fsys fs.FS, dir string) ([]fs.DirEntry, error) {
	fi, err := fs.Stat(fsys, dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: errNotDir}
	}
	return fs.ReadDir(fsys, dir)
}

var errNotDir = errors.New("not a directory")
