package eudora

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// errNotRegular is wrapped by openFile for a path that is not a regular
// file (a named pipe, a device, a socket): opening one for reading could
// block, and reading it could never end.
var errNotRegular = errors.New("not a regular file")

// openFile opens rel under root for reading. It opens without blocking (a
// named pipe would otherwise block the open until a writer comes) and
// refuses anything but a regular file.
func openFile(root *os.Root, rel string) (*os.File, fs.FileInfo, error) {
	return openKind(root, rel, false)
}

// openDir is openFile for a directory.
func openDir(root *os.Root, rel string) (*os.File, error) {
	f, _, err := openKind(root, rel, true)
	return f, err
}

func openKind(root *os.Root, rel string, dir bool) (*os.File, fs.FileInfo, error) {
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if ok := fi.Mode().IsRegular(); dir && !fi.IsDir() || !dir && !ok {
		f.Close()
		if dir {
			return nil, nil, fmt.Errorf("not a directory (%s)", fi.Mode().Type())
		}
		return nil, nil, fmt.Errorf("%w (%s)", errNotRegular, fi.Mode().Type())
	}
	return f, fi, nil
}
