package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 12 item 13: single messages (.eml) and directory trees of them are
// a source format, detected without a prefix; files that are not messages
// are reported; verify reads them back.
func TestConvertEML(t *testing.T) {
	src := writeTree(t, map[string]string{
		"Saved/hello.eml":         "From: a@example.com\r\nSubject: hello\r\nDate: Tue, 3 Feb 2004 10:00:00 +0100\r\n\r\nHi.\r\n",
		"Saved/Work/report.eml":   "Received: from mx by mail; Wed, 4 Feb 2004 09:30:00 +0000\nFrom: b@example.com\nSubject: report\n\nAttached.\n",
		"Saved/Work/not-mail.eml": "just some text\n",
		"Saved/Work/notes.txt":    "not mail\n",
	})
	before := treeDigest(t, src)
	out := t.TempDir()

	// one message file
	one := filepath.Join(out, "one")
	code, _, stderr := runBinary(t, nil, "convert", filepath.Join(src, "Saved", "hello.eml"), "maildir:"+one)
	require.Equal(t, exitOK, code, stderr)
	files, err := filepath.Glob(filepath.Join(one, "cur", "*"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Equal(t, "From: a@example.com\r\nSubject: hello\r\nDate: Tue, 3 Feb 2004 10:00:00 +0100\r\n\r\nHi.\r\n", string(b))
	fi, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Equal(t, int64(1075798800), fi.ModTime().Unix(), "received date from the Date field")
	code, _, stderr = runBinary(t, nil, "verify", filepath.Join(src, "Saved", "hello.eml"), one)
	assert.Equal(t, exitOK, code, stderr)

	// a tree: each directory a mailbox, the file that is not a message
	// and the file that is not .eml listed
	tree := filepath.Join(out, "tree")
	rep := filepath.Join(out, "r.json")
	code, _, stderr = runBinary(t, nil, "convert", filepath.Join(src, "Saved"), "maildir:"+tree, "--report", rep)
	assert.Equal(t, exitLossy, code, stderr)
	assert.Contains(t, stderr, "eml.not-a-message")
	assert.Contains(t, stderr, filepath.Join(src, "Saved", "Work", "not-mail.eml"))
	assert.Contains(t, stderr, "eml.not-eml")
	r := readReport(t, rep)
	assert.Equal(t, "eml", r.Source.Format)
	assert.Equal(t, 2, r.Totals.MessagesWritten)
	assert.Equal(t, 1, r.Totals.Skips)
	files, err = filepath.Glob(filepath.Join(tree, ".Work", "cur", "*"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	fi, err = os.Stat(files[0])
	require.NoError(t, err)
	assert.Equal(t, int64(1075887000), fi.ModTime().Unix(), "received date from the Received field")

	code, _, stderr = runBinary(t, nil, "verify", "--report", rep, filepath.Join(src, "Saved"), tree)
	assert.Equal(t, exitOK, code, stderr)
	code, stdout, stderr := runBinary(t, nil, "inspect", filepath.Join(src, "Saved"))
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "format:    eml")

	// a second run: nothing new (the mailboxes' fingerprints are
	// unchanged, so they are not read again)
	code, _, stderr = runBinary(t, nil, "convert", filepath.Join(src, "Saved"), "maildir:"+tree)
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "0 of 2 message(s) written")

	assert.Equal(t, before, treeDigest(t, src), "the source is not modified")
}
