//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 12 item 11: a read-only destination's error names the full path of
// the file that could not be made (it said "openat .mailconv.mailconv-tmp:
// permission denied"). Root is never refused a write, so as root the
// command runs as nobody.
func TestReadOnlyDestinationNamesFullPath(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	require.NoError(t, os.Chmod(dir, 0o777)) // the journal goes beside the destination
	bin := filepath.Join(dir, "mailconv")
	b, err := os.ReadFile(binary(t))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bin, b, 0o755))
	src := filepath.Join(dir, "src")
	require.NoError(t, os.CopyFS(src, os.DirFS("../../testdata/sample-mbox")))
	require.NoError(t, filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chmod(p, fi.Mode().Perm()|0o555)
	}))
	ro := filepath.Join(dir, "ro")
	require.NoError(t, os.Mkdir(ro, 0o555))
	t.Cleanup(func() { os.Chmod(ro, 0o755) })

	cmd := exec.Command(bin, "convert", src, "maildir:"+ro)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "the conversion must fail: %v %s", err, stderr.String())
	assert.Equal(t, exitFailure, ee.ExitCode(), stderr.String())
	assert.Contains(t, stderr.String(), filepath.Join(ro, ".mailconv.mailconv-tmp"))
	assert.Contains(t, stderr.String(), "permission denied")
}
