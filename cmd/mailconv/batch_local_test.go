package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv/batch"
)

// A batch of local conversions, in-process: the live table on request,
// the options of the opts column, --only, the token column passed to the
// option of that name, and a bad jobs file refused with its lines before
// anything runs.
func TestBatchLocal(t *testing.T) {
	out := t.TempDir()
	jobs := filepath.Join(t.TempDir(), "jobs.csv")
	before := treeDigest(t, "../../testdata/sample-mbox")
	require.NoError(t, os.WriteFile(jobs, []byte("id,src,dst,src_token_file,opts\n"+
		"mbox,../../testdata/sample-mbox,maildir:"+filepath.Join(out, "a")+",,\"--exclude 'Drafts'\"\n"+
		"eudora,../../testdata/eudora-sample,maildir:"+filepath.Join(out, "b")+",,--since 1990-01-01\n"+
		"tok,../../testdata/sample-mbox,maildir:"+filepath.Join(out, "c")+",/tmp/token.json,\n"), 0o644))
	state := filepath.Join(t.TempDir(), "st")
	sum := filepath.Join(t.TempDir(), "s.json")
	code, stdout, stderr := runPlain("batch", "--progress", "always", "--state", state, "--summary", sum, jobs)
	assert.Equal(t, exitFailure, code, stdout+stderr)
	assert.Contains(t, stderr, "\x1b[", "a live table")
	assert.Contains(t, stderr, "ACCOUNT")
	assert.Contains(t, stderr, "3/3 jobs ended (2 done, 1 failed)")
	s := readSummary(t, sum)
	require.Len(t, s.Rows, 3)
	assert.Equal(t, "eudora", s.Rows[0].ID)
	assert.Equal(t, batch.StateDone, s.Rows[0].State)
	assert.Equal(t, batch.StateDone, s.Rows[1].State)
	assert.Equal(t, 5, s.Rows[1].Written, "Drafts left out by the opts column")
	assert.Equal(t, batch.StateFailed, s.Rows[2].State)
	assert.Contains(t, s.Rows[2].Error, "takes no oauth2-token-file")
	assert.Equal(t, before, treeDigest(t, "../../testdata/sample-mbox"))

	// --only runs one job; the others keep their state
	code, stdout, stderr = runPlain("batch", "--progress", "never", "--state", state, "--only", "mbox", jobs)
	assert.Equal(t, exitOK, code, stdout+stderr)
	assert.Contains(t, stderr, "skipped mbox:")
	assert.Equal(t, 1, strings.Count(stdout, "\n")-2, "one row and the totals: %s", stdout)

	// a bad jobs file: every bad row, with its line, and nothing run
	bad := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("id,src,dst,opts\n"+
		"a,x,maildir:"+filepath.Join(out, "never")+",--bogus\n"+
		"b,x,maildir:"+filepath.Join(out, "never")+",--journal j\n"+
		"c,x,maildir:"+filepath.Join(out, "never")+",extra\n"), 0o644))
	code, _, stderr = runPlain("batch", "--state", filepath.Join(t.TempDir(), "st"), bad)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "bad.csv:2: opts: flag provided but not defined: -bogus")
	assert.Contains(t, stderr, "bad.csv:3: opts: --journal is set by batch")
	assert.Contains(t, stderr, `bad.csv:4: opts: "extra" is not an option`)
	assert.NoFileExists(t, filepath.Join(out, "never"))
}
