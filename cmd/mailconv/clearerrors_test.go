package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 12 item 11: a regular file given as a maildir destination is named
// as a file (it said "exists and is not empty"), and a bad --opt value is
// a usage error (exit 2) like an unknown key.
func TestDestinationIsAFileAndBadOptValue(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	code, _, stderr := runBinary(t, nil, "convert", "../../testdata/sample-mbox", "maildir:"+file)
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, file+" is a file, not a directory")

	for _, c := range [][]string{
		{"--opt", "layout=bogus", "../../testdata/sample-mbox", "maildir:" + filepath.Join(dir, "a")},
		{"--opt", "recover=bogus", "../../testdata/eudora-sample", "maildir:" + filepath.Join(dir, "b")},
		{"--opt", "info-separator=x", "../../testdata/sample-mbox", "maildir:" + filepath.Join(dir, "c")},
	} {
		code, _, stderr := runBinary(t, nil, append([]string{"convert"}, c...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", c, stderr)
		key, _, _ := strings.Cut(c[1], "=")
		assert.Contains(t, stderr, key, c)
	}
}
