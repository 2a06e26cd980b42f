package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/migrate"
)

// runPlain runs the command in-process without the verification runCLI
// adds (these runs convert a selection of the source on purpose).
func runPlain(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func reportMailboxes(r *migrate.Report) []string {
	var out []string
	for _, m := range r.Mailboxes {
		if m.Read > 0 {
			out = append(out, m.Source.String())
		}
	}
	sort.Strings(out)
	return out
}

func TestConvertIncludeExclude(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		want  []string
	}{
		{"include a parent selects its children", []string{"--include", "Archive"}, []string{"Archive", "Archive/Réunions"}},
		{"include a glob", []string{"--include", "Archive/*"}, []string{"Archive/Réunions"}},
		{"exclude", []string{"--exclude", "Archive"}, []string{"Drafts", "INBOX"}},
		{"include and exclude", []string{"--include", "Archive", "--exclude", "Archive/R*"}, []string{"Archive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			rep := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"convert", "--quiet", "--report", rep}, tc.flags...)
			code, _, stderr := runPlain(append(args, "../../testdata/sample-mbox", "maildir:"+dst)...)
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, tc.want, reportMailboxes(readReport(t, rep)))
		})
	}
	code, _, stderr := runPlain("convert", "--include", "[", "../../testdata/sample-mbox", "maildir:"+filepath.Join(t.TempDir(), "o"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "bad mailbox pattern")
}

// datedMbox writes an mbox of three messages received in 2001, 2005 and
// 2010 (From_ line dates), and one without a From_ date the reader can
// parse is not needed: dates come from the envelope.
func datedMbox(t *testing.T) string {
	dir := t.TempDir()
	var b strings.Builder
	for i, y := range []string{"2001", "2005", "2010"} {
		b.WriteString("From a@example.org Mon Jan  1 10:00:00 " + y + "\nSubject: m" + string(rune('1'+i)) + "\nMessage-ID: <m" + y + "@x>\n\nbody " + y + "\n\n")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Inbox"), []byte(b.String()), 0o644))
	return dir
}

func TestConvertSinceBefore(t *testing.T) {
	src := datedMbox(t)
	for _, tc := range []struct {
		flags            []string
		written, outside int
	}{
		{[]string{"--since", "2004-06-01"}, 2, 1},
		{[]string{"--before", "2005-01-01"}, 1, 2},
		{[]string{"--since", "2004-06-01", "--before", "2008-01-01T00:00:00Z"}, 1, 2},
		{[]string{"--since", "2010-01-01T10:00:00Z"}, 1, 2},  // inclusive
		{[]string{"--before", "2010-01-01T10:00:00Z"}, 2, 1}, // exclusive
	} {
		t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			rep := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr := runPlain(append(append([]string{"convert", "--quiet", "--report", rep}, tc.flags...), src, "maildir:"+dst)...)
			require.Equal(t, exitOK, code, stderr)
			r := readReport(t, rep)
			assert.Equal(t, tc.written, r.Totals.MessagesWritten)
			assert.Equal(t, tc.outside, r.Totals.MessagesOutOfRange)
			cur, err := os.ReadDir(filepath.Join(dst, "cur"))
			require.NoError(t, err)
			nw, err := os.ReadDir(filepath.Join(dst, "new"))
			require.NoError(t, err)
			assert.Len(t, append(cur, nw...), tc.written)
		})
	}
	// A later run without the range converts the rest (the range is part
	// of the mailbox's fingerprint: the mailbox is not "finished").
	dst := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runPlain("convert", "--quiet", "--since", "2008-01-01", src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr = runPlain("convert", "--quiet", "--report", rep, src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 2, readReport(t, rep).Totals.MessagesWritten)
	requireVerified(t, runVerifyJSON(t, src, dst))

	code, _, stderr = runPlain("convert", "--since", "2010-01-01", "--before", "2001-01-01", src, "maildir:"+filepath.Join(t.TempDir(), "o"))
	assert.Equal(t, exitUsage, code, stderr)
	code, _, _ = runPlain("convert", "--since", "yesterday", src, "maildir:"+filepath.Join(t.TempDir(), "o"))
	assert.Equal(t, exitUsage, code)
}

// verify given convert's selection compares what was selected: a
// converted part verifies, the whole store does not, and what the
// destination holds beyond the selection (an earlier run's) is not extra.
func TestVerifySelection(t *testing.T) {
	const sample = "../../testdata/sample-mbox"
	dst := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runPlain("convert", "--quiet", "--include", "Archive", sample, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	whole := runVerifyJSON(t, sample, "maildir:"+dst)
	assert.Equal(t, exitFailure, whole.code, whole.text)
	assert.NotZero(t, whole.res.Totals.Missing, "the mailboxes left out are missing from the whole")
	part := runVerifyJSON(t, sample, "maildir:"+dst, "--include", "Archive")
	requireVerified(t, part)
	assert.Equal(t, []string{"Archive", "Archive/Réunions"}, verifiedSources(part.res))
	// A destination holding everything, verified on a part: the other
	// mailboxes are neither compared nor extra.
	all := filepath.Join(t.TempDir(), "all")
	code, _, stderr = runPlain("convert", "--quiet", sample, "maildir:"+all)
	require.Equal(t, exitOK, code, stderr)
	part = runVerifyJSON(t, sample, "maildir:"+all, "--exclude", "Archive")
	requireVerified(t, part)
	assert.Equal(t, []string{"Drafts", "INBOX"}, verifiedSources(part.res))

	// The date range: the 2005 and 2010 messages converted; verify with
	// the same range counts the 2001 one as outside, without it the
	// 2001 one is missing.
	src := datedMbox(t)
	dst = filepath.Join(t.TempDir(), "dated")
	code, _, stderr = runPlain("convert", "--quiet", "--since", "2004-06-01", src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	v := runVerifyJSON(t, src, "maildir:"+dst, "--since", "2004-06-01")
	requireVerified(t, v)
	assert.Equal(t, 2, v.res.Totals.Matched)
	assert.Equal(t, 1, v.res.Totals.OutOfRange)
	assert.Equal(t, 1, runVerifyJSON(t, src, "maildir:"+dst).res.Totals.Missing)
	code, out, _ := runPlain("verify", "--since", "2004-06-01", src, "maildir:"+dst)
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "1 source message(s) outside the date range were not compared")
	// The whole store converted, verified on a range: the destination's
	// copy of the message outside it is not extra.
	all = filepath.Join(t.TempDir(), "alldated")
	code, _, stderr = runPlain("convert", "--quiet", src, "maildir:"+all)
	require.Equal(t, exitOK, code, stderr)
	v = runVerifyJSON(t, src, "maildir:"+all, "--before", "2008-01-01")
	requireVerified(t, v)
	assert.Equal(t, 2, v.res.Totals.Matched)
	assert.Equal(t, 2, v.res.Totals.DestMessages, "the 2010 copy is left out of the count")
	assert.Equal(t, 1, v.res.Totals.OutOfRange)

	code, _, _ = runPlain("verify", "--since", "yesterday", src, "maildir:"+all)
	assert.Equal(t, exitUsage, code)
}

// verifiedSources lists the source mailboxes a verification compared.
func verifiedSources(res migrate.VerifyResult) []string {
	var out []string
	for _, m := range res.Mailboxes {
		if len(m.Source) > 0 {
			out = append(out, m.Source.String())
		}
	}
	sort.Strings(out)
	return out
}

func TestConvertDryRun(t *testing.T) {
	parent := t.TempDir()
	dst := filepath.Join(parent, "out")
	rep := filepath.Join(t.TempDir(), "r.json")
	before := treeDigest(t, "../../testdata/sample-mbox")
	code, out, stderr := runPlain("convert", "--dry-run", "--report", rep, "--exclude", "Drafts", "../../testdata/sample-mbox", "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, before, treeDigest(t, "../../testdata/sample-mbox"))
	ents, err := os.ReadDir(parent)
	require.NoError(t, err)
	assert.Empty(t, ents, "a dry run creates neither the destination nor the journal")
	r := readReport(t, rep)
	assert.True(t, r.DryRun)
	// the counts a real run gets
	real := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr = runPlain("convert", "--quiet", "--report", real, "--exclude", "Drafts", "../../testdata/sample-mbox", "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	rr := readReport(t, real)
	assert.Equal(t, rr.Totals.MessagesWritten, r.Totals.MessagesWritten)
	assert.Equal(t, rr.Totals.BytesWritten, r.Totals.BytesWritten)
	assert.Contains(t, out, fmt.Sprintf("would write %d message(s)", rr.Totals.MessagesWritten))
	assert.Contains(t, out, "Archive/Réunions -> Archive/Réunions")
	assert.NotContains(t, out, "Drafts")
}

// stateSource is a maildir with three messages: one unread in new/, one
// read, one read and flagged.
func stateSource(t *testing.T) string {
	msg := func(n string) string {
		return "From: a@example.org\nSubject: " + n + "\nMessage-ID: <" + n + "@x>\nDate: Mon, 1 Jan 2001 10:00:00 +0000\n\nbody " + n + "\n"
	}
	return writeMaildir(t, map[string]string{
		"new/1000.A.host":     msg("a"),
		"cur/1001.B.host:2,S": msg("b"),
		"cur/1002.C.host:2,":  msg("c"),
	})
}

// readAndReply changes the source the way a client does between runs: a
// read (new -> cur with S), a reply (R added), a flag (F added).
func readAndReply(t *testing.T, src string) {
	for _, r := range [][2]string{
		{"new/1000.A.host", "cur/1000.A.host:2,S"},
		{"cur/1001.B.host:2,S", "cur/1001.B.host:2,RS"},
		{"cur/1002.C.host:2,", "cur/1002.C.host:2,F"},
	} {
		require.NoError(t, os.Rename(filepath.Join(src, r[0]), filepath.Join(src, r[1])))
	}
}

// maildirFlags returns the flag letters of each message of a maildir
// (found by subject), "new" for a message in new/.
func maildirFlags(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		require.NoError(t, err)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			require.NoError(t, err)
			subj := mailconv.HeaderValue(b, "Subject")
			if sub == "new" {
				out[subj] = "new"
				continue
			}
			_, info, _ := strings.Cut(e.Name(), ":2,")
			out[subj] = info
		}
	}
	return out
}

func TestStateUpdatesMaildir(t *testing.T) {
	src := stateSource(t)
	dst := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI("convert", "--quiet", src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, map[string]string{"a": "new", "b": "S", "c": ""}, maildirFlags(t, dst))

	readAndReply(t, src)
	v := runVerifyJSON(t, src, dst)
	require.NotZero(t, v.res.Totals.FlagDiffs, "the destination differs before the update run")

	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr = runCLI("convert", "--quiet", "--report", rep, src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	r := readReport(t, rep)
	assert.Equal(t, 3, r.Totals.MessagesUpdated)
	assert.Equal(t, 0, r.Totals.MessagesWritten)
	assert.Len(t, r.Updates, 3)
	assert.Equal(t, map[string]string{"a": "S", "b": "RS", "c": "F"}, maildirFlags(t, dst))
	requireVerified(t, runVerifyJSON(t, src, dst))

	// a third run has nothing to update
	code, _, stderr = runCLI("convert", "--quiet", "--report", rep, src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	assert.Zero(t, readReport(t, rep).Totals.MessagesUpdated)
}

// An mbox source: a message read and replied to in the old client gets a
// new Status / X-Status header; its digest leaves those out, so the run
// finds it converted and carries the new state over.
func TestStateUpdatesFromMbox(t *testing.T) {
	src := t.TempDir()
	inbox := filepath.Join(src, "Inbox")
	mbox := "From a@b Mon Jan  1 00:00:00 2001\nStatus: O\nSubject: x\nMessage-ID: <x@y>\n\nbody\n\n" +
		"From a@b Mon Jan  1 00:00:00 2002\nSubject: y\nMessage-ID: <y@y>\n\nbody2\n"
	require.NoError(t, os.WriteFile(inbox, []byte(mbox), 0o644))
	dst := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI("convert", "--quiet", src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, map[string]string{"x": "", "y": "new"}, maildirFlags(t, dst))
	require.NoError(t, os.WriteFile(inbox, []byte(strings.Replace(mbox, "Status: O\n", "Status: RO\nX-Status: A\n", 1)), 0o644))
	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr = runCLI("convert", "--report", rep, src, "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	r := readReport(t, rep)
	assert.Equal(t, 1, r.Totals.MessagesUpdated)
	assert.Zero(t, r.Totals.MessagesWritten)
	assert.False(t, r.NothingToDo)
	assert.NotContains(t, stderr, "nothing to do")
	assert.Contains(t, stderr, `flags [] -> [\Seen \Answered]`)
	assert.Equal(t, map[string]string{"x": "RS", "y": "new"}, maildirFlags(t, dst))
	requireVerified(t, runVerifyJSON(t, src, dst))
}

// An mbox destination cannot change a message in place: the change is
// reported as a loss (exit 3), listed with its message.
func TestStateUpdatesMboxReported(t *testing.T) {
	src := stateSource(t)
	dst := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI("convert", "--quiet", src, "mbox:"+dst)
	require.Equal(t, exitOK, code, stderr)
	readAndReply(t, src)
	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr = runPlain("convert", "--quiet", "--report", rep, src, "mbox:"+dst)
	require.Equal(t, exitLossy, code, stderr)
	r := readReport(t, rep)
	assert.Equal(t, 3, r.Codes["state.not-applied"])
	assert.Zero(t, r.Totals.MessagesUpdated)
}

func TestStateUpdatesIMAP(t *testing.T) {
	srv := dovecotserver.Start(t, dovecotserver.Config{})
	t.Setenv("MAILCONV_PASSWORD", srv.Password)
	url := "imap://" + srv.User + "@" + srv.IMAPAddr
	j := filepath.Join(t.TempDir(), "j")
	src := stateSource(t)
	code, _, stderr := runCLI("convert", "--quiet", "--allow-plaintext", "--journal", j, src, url)
	require.Equal(t, exitOK, code, stderr)
	readAndReply(t, src)
	v := runVerifyJSON(t, src, url, "--allow-plaintext", "--journal", j)
	require.NotZero(t, v.res.Totals.FlagDiffs, "the destination differs before the update run")

	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr = runCLI("convert", "--quiet", "--allow-plaintext", "--journal", j, "--report", rep, src, url)
	require.Equal(t, exitOK, code, stderr)
	r := readReport(t, rep)
	assert.Equal(t, 3, r.Totals.MessagesUpdated)
	assert.Equal(t, 0, r.Totals.MessagesWritten)
	requireVerified(t, runVerifyJSON(t, src, url, "--allow-plaintext", "--journal", j))
}
