// Package foldfs finds files by name the way the programs that wrote legacy
// stores did: ignoring case, as Windows and classic Mac file systems do,
// even when the store was copied to a case-sensitive file system.
package foldfs

import (
	"io/fs"
	"path"
	"strings"
)

// Lookup returns the path of the entry of dir in fsys whose name is name,
// preferring an exact match and otherwise ignoring case. ok is false when
// dir cannot be read or holds no such entry.
func Lookup(fsys fs.FS, dir, name string) (string, bool) {
	ents, err := fs.ReadDir(fsys, dir)
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
