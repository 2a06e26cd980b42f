package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convertThenVerify converts src to dst with the command, then runs verify
// on the pair (with the conversion's journal, found beside dst) and returns
// its result.
func convertThenVerify(t *testing.T, src, dst string, extra ...string) verifyOut {
	t.Helper()
	rep := filepath.Join(t.TempDir(), "report.json")
	code, _, stderr := runCLI(append([]string{"convert", "--quiet", "--report", rep}, append(extra, src, dst)...)...)
	require.Contains(t, []int{exitOK, exitLossy}, code, stderr)
	return runVerifyJSON(t, src, dst)
}

func requireVerified(t *testing.T, v verifyOut) {
	t.Helper()
	require.Equal(t, exitOK, v.code, v.text)
	require.True(t, v.res.OK, v.text)
	assert.Zero(t, v.res.Totals.Missing)
	assert.Zero(t, v.res.Totals.Extra)
}

// A folder whose name holds "." is written to a Maildir++ tree as
// "lists%2e2005" and read back as "lists.2005": verify finds it (it
// expected the escaped name and reported everything missing plus extra).
func TestVerifyFolderNameWithDot(t *testing.T) {
	src := t.TempDir()
	msg := "From a@b Mon Jan  3 10:00:00 2005\nFrom: a@b\nSubject: %s\n\nbody\n"
	require.NoError(t, os.WriteFile(filepath.Join(src, "lists.2005"), []byte(fmt.Sprintf(msg, "one")), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(src, "a.b.sbd"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a.b"), []byte(fmt.Sprintf(msg, "two")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a.b.sbd", "c.d"), []byte(fmt.Sprintf(msg, "three")), 0o644))
	dst := filepath.Join(t.TempDir(), "md")
	v := convertThenVerify(t, src, "maildir:"+dst)
	requireVerified(t, v)
	assert.Equal(t, 3, v.res.Totals.Matched)
	assert.DirExists(t, filepath.Join(dst, ".lists%2e2005"))
	// Without the journal, from the names planned again.
	require.NoError(t, os.Remove(dst+".mailconv-journal"))
	requireVerified(t, runVerifyJSON(t, src, "maildir:"+dst))
}

// Messages that carry mbox state fields (Status with spaces and Eudora's
// U, X-Status, X-Keywords, X-UID, Content-Length, X-Mozilla-*) are
// rewritten by an mbox destination: verify compares their state, not the
// fields (every such message "differed").
func TestVerifyStateFieldsRewrittenByMbox(t *testing.T) {
	src := writeMaildir(t, map[string]string{
		"cur/1000000001.a.host:2,S":  "Status: U\nFrom: a@b\nSubject: eudora\n\nbody 1\n",
		"cur/1000000002.a.host:2,RS": "From: a@b\nStatus:  RO \nX-Status: A\nSubject: mutt\n\nbody 2\n",
		"cur/1000000003.a.host:2,":   "From: a@b\nX-UID: 17\nContent-Length: 7\nX-IMAPbase: 1 2\nSubject: dovecot\n\nbody 3\n",
		"cur/1000000004.a.host:2,F":  "From: a@b\nX-Mozilla-Status: 0005\nX-Mozilla-Status2: 00000000\nX-Mozilla-Keys:     \n  \nSubject: tb\n\nbody 4\n",
		"cur/1000000005.a.host:2,S":  "From: a@b\nSubject: plain\nStatus: RO\n\nStatus: in the body stays\n",
	})
	v := convertThenVerify(t, "maildir:"+src, "mbox:"+filepath.Join(t.TempDir(), "out"))
	requireVerified(t, v)
	assert.Equal(t, 5, v.res.Totals.Matched)
	assert.Equal(t, 5, v.res.Totals.StateFields)
}

// Impossible From_ dates (the epoch that writers use for "unknown", a
// 1965 date) become file times at or before the epoch, which the maildir
// reader ignores: verify treats such dates as unknown on both sides.
func TestVerifyImpossibleFromDates(t *testing.T) {
	src := t.TempDir()
	mb := "From a@b Thu Jan  1 00:00:00 1970\nFrom: a@b\nSubject: epoch\n\nbody\n\n" +
		"From a@b Mon Jun  7 12:00:00 1965\nFrom: a@b\nSubject: sixties\nDate: Mon, 7 Jun 1965 12:00:00 +0000\n\nbody\n\n" +
		"From a@b Tue Feb  3 04:05:06 2004\nFrom: a@b\nSubject: fine\n\nbody\n"
	require.NoError(t, os.WriteFile(filepath.Join(src, "INBOX"), []byte(mb), 0o644))
	v := convertThenVerify(t, src, "maildir:"+filepath.Join(t.TempDir(), "md"))
	requireVerified(t, v)
	assert.Equal(t, 3, v.res.Totals.Matched)
	assert.Zero(t, v.res.Totals.DateDiffs)
}

// A file in new/ already flagged S is seen: no store keeps it "new" (a
// maildir writer puts it in cur/), and verify does not call that a flag
// difference.
func TestVerifyNewFileAlreadySeen(t *testing.T) {
	src := writeMaildir(t, map[string]string{
		"new/1000000001.a.host:2,S": "From: a@b\nSubject: seen in new\n\nbody\n",
		"new/1000000002.a.host":     "From: a@b\nSubject: really new\n\nbody\n",
	})
	for _, format := range []string{"maildir", "mbox"} {
		v := convertThenVerify(t, "maildir:"+src, format+":"+filepath.Join(t.TempDir(), "out"))
		requireVerified(t, v)
		assert.Zero(t, v.res.Totals.FlagDiffs, format)
		assert.Equal(t, 2, v.res.Totals.Matched, format)
	}
}

// writeMaildir makes a maildir in a new temporary directory with the
// given files (paths relative to its root, such as "cur/1.2.host:2,S").
func writeMaildir(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"cur", "new", "tmp"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(body), 0o644))
	}
	return root
}
