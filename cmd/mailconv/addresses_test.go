package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runBinary runs the built mailconv with args and extra environment
// variables, and returns its exit code, stdout and stderr.
func runBinary(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errb.String()
}

// Issue 12 item 10: an unknown FORMAT: prefix is named as an unknown format
// with the closest known one, exit 2; destinations are offered only the
// formats that can be written.
func TestUnknownFormatPrefix(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runBinary(t, nil, "convert", "../../testdata/sample-mbox", "maildr:"+filepath.Join(out, "x"))
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "unknown format maildr")
	assert.Contains(t, stderr, "did you mean maildir?")
	assert.NotContains(t, stderr, "format prefix")

	code, _, stderr = runBinary(t, nil, "convert", "eudroa:../../testdata/eudora-sample", "maildir:"+filepath.Join(out, "y"))
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "did you mean eudora?")
	assert.NotContains(t, stderr, "no such file")

	code, _, stderr = runBinary(t, nil, "inspect", "--to", "mbxo:"+filepath.Join(out, "z"), "../../testdata/sample-mbox")
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "did you mean mbox?")

	// a read-only format as the destination
	code, _, stderr = runBinary(t, nil, "convert", "../../testdata/sample-mbox", "eudora:"+filepath.Join(out, "e"))
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "can be read but not written")
	assert.Contains(t, stderr, "maildir")
	assert.NotContains(t, stderr, "pop3")

	// no prefix: the formats offered are the writable ones
	code, _, stderr = runBinary(t, nil, "convert", "../../testdata/sample-mbox", filepath.Join(out, "w"))
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "needs a format prefix")
	assert.Contains(t, stderr, "maildir:")
	assert.NotContains(t, stderr, "eudora:")
	assert.NotContains(t, stderr, "pop3:")

	ents, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, ents, "a refused command creates nothing")
}

// Issue 12 item 12: a leading "~" or "~/" is expanded in every path the
// command takes (the shell does not after "mbox:" or "--report=").
func TestTildeExpansion(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(home, "Mail"), os.DirFS("../../testdata/sample-mbox")))
	env := []string{"HOME=" + home}
	code, _, stderr := runBinary(t, env, "convert", "mbox:~/Mail", "maildir:~/out", "--report=~/r.json", "--journal=~/j")
	require.Equal(t, exitOK, code, stderr)
	assert.DirExists(t, filepath.Join(home, "out", "cur"))
	assert.FileExists(t, filepath.Join(home, "r.json"))
	assert.FileExists(t, filepath.Join(home, "j"))
	assert.NoDirExists(t, "~", "nothing is created under a directory named ~")

	code, _, stderr = runBinary(t, env, "verify", "--report=~/r.json", "--journal=~/j", "~/Mail", "maildir:~/out")
	assert.Equal(t, exitOK, code, stderr)

	code, stdout, stderr := runBinary(t, env, "inspect", "~/out")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, filepath.Join(home, "out"))
}
