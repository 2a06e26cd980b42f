//go:build unix

package safeopen

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe is refused at once (a plain open would block until a
// writer came), a regular file and a directory open, a device is refused.
func TestPipeRefusedWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	done := make(chan error, 1)
	go func() {
		_, _, err := File(root, "pipe")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("pipe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("opening a pipe blocked")
	}
	f, fi, err := File(root, "file")
	if err != nil || fi.Size() != 1 {
		t.Fatalf("file: %v", err)
	}
	b := make([]byte, 2)
	if n, _ := f.Read(b); n != 1 {
		t.Errorf("read %d bytes", n)
	}
	f.Close()
	if _, _, err := File(root, "sub"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("directory as a file: %v", err)
	}
	if d, err := Dir(root, "sub"); err != nil {
		t.Errorf("dir: %v", err)
	} else {
		d.Close()
	}
	if _, err := Dir(root, "file"); err == nil {
		t.Error("a file opened as a directory")
	}
	if _, _, err := Path("/dev/null"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("device: %v", err)
	}
}
