package platform_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/mailconv/mailconv/internal/platform"
)

// A symbolic link as the last component is refused, and its target is
// left as it was; a regular file opens.
func TestOpenNoFollowRefusesLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "outside")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
	f, err := platform.OpenNoFollow(link, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err == nil {
		f.WriteString("x")
		f.Close()
		t.Fatal("a link was opened")
	}
	want := error(syscall.ELOOP)
	if runtime.GOOS == "windows" {
		want = platform.ErrLink
	}
	if !errors.Is(err, want) {
		t.Errorf("error %v, want %v", err, want)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("link target changed: %q", b)
	}
}

// FileKey tells a file replaced by another from the same file (on Unix by
// inode; the size and time of the two are made equal).
func TestFileKeyChangesWithReplacement(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("a"), 0o644)
	fi1, _ := os.Stat(p)
	k1 := platform.FileKey(fi1)
	if k1 == "" {
		t.Skip("no file key on this platform")
	}
	fi1b, _ := os.Stat(p)
	if platform.FileKey(fi1b) != k1 {
		t.Fatal("same file, different key")
	}
	// Keep the old file alive under another name so that its inode cannot
	// be reused at once.
	os.Rename(p, p+".old")
	os.WriteFile(p, []byte("b"), 0o644)
	os.Chtimes(p, fi1.ModTime(), fi1.ModTime())
	fi2, _ := os.Stat(p)
	if platform.FileKey(fi2) == k1 {
		t.Errorf("replaced file has the same key %s", k1)
	}
}

func TestFreeSpace(t *testing.T) {
	if n := platform.FreeSpace(t.TempDir()); n < 0 {
		t.Errorf("FreeSpace = %d", n)
	}
	if n := platform.FreeSpace(filepath.Join(t.TempDir(), "missing")); n != -1 {
		t.Errorf("FreeSpace of a missing path = %d", n)
	}
}
