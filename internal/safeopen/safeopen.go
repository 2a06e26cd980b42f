// Package safeopen opens the files of a mail store for reading without the
// two ways a hostile or damaged store can hang a reader: a named pipe,
// whose open blocks until a writer comes, and a device or socket, whose
// reads may never end. Files are opened without blocking and must be
// regular files; directories must be directories.
package safeopen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by File for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// File opens name under root for reading and returns it with its FileInfo;
// anything but a regular file is refused with ErrNotRegular.
func File(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	return check(f, err, false)
}

// Path is File for a path outside any root.
func Path(name string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	return check(f, err, false)
}

// Dir opens the directory name under root.
func Dir(root *os.Root, name string) (*os.File, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	f, _, err = check(f, err, true)
	return f, err
}

func check(f *os.File, err error, dir bool) (*os.File, fs.FileInfo, error) {
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	switch {
	case dir && !fi.IsDir():
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a directory (%s)", f.Name(), fi.Mode().Type())
	case !dir && !fi.Mode().IsRegular():
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w (%s)", f.Name(), ErrNotRegular, fi.Mode().Type())
	}
	return f, fi, nil
}
