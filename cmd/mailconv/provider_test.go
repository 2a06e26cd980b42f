package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/providertest"
	"github.com/mailconv/mailconv/migrate"
)

// presetFlags parses args into the network and limit flags as convert
// does.
func presetFlags(t *testing.T, args ...string) (*netFlags, *limitFlags) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n, l := addNetFlags(fs), addLimitFlags(fs)
	require.NoError(t, fs.Parse(args))
	return n, l
}

// TestProviderResolution: --provider goes to the destination when it is
// an IMAP server (else to an IMAP source), the destination's address gets
// the preset's host (what the journal and the report name), an explicit
// host is kept, and the errors are usage errors (exit 2): an unknown
// name (with the closest preset), --provider between two local stores,
// --provider and an option provider= that differ.
func TestProviderResolution(t *testing.T) {
	t.Setenv("MAILCONV_PASSWORD", "app-password")
	mboxSrc, err := resolveSource("mbox:" + t.TempDir())
	require.NoError(t, err)
	imapSrc, err := resolveSource("imaps://old@mail.example.org/")
	require.NoError(t, err)

	n, _ := presetFlags(t, "--provider", "gmail")
	dst, err := resolveDestination("imaps://me@gmail.com@/")
	require.NoError(t, err)
	read, write := map[string]string{}, map[string]string{}
	require.NoError(t, n.applySides(imapSrc, read, &dst, write))
	assert.Equal(t, "//me@gmail.com@imap.gmail.com:993/", dst.path)
	assert.Equal(t, "gmail", write["provider"])
	assert.Empty(t, read["provider"], "--provider is for the destination")
	assert.Contains(t, defaultJournal(dst), "imap.gmail.com_993")

	n, _ = presetFlags(t)
	dst, err = resolveDestination("imaps://me@gmail.com@127.0.0.1:1993/?provider=gmail")
	require.NoError(t, err)
	write = map[string]string{}
	require.NoError(t, n.applySides(mboxSrc, map[string]string{}, &dst, write))
	assert.Equal(t, "//me@gmail.com@127.0.0.1:1993/", dst.path, "an explicit host wins; the query is applied and removed")
	assert.Equal(t, "gmail", write["provider"])

	n, _ = presetFlags(t, "--provider", "outlook")
	dst, err = resolveDestination("maildir:" + t.TempDir())
	require.NoError(t, err)
	read = map[string]string{"oauth2-token-file": "token.json"}
	require.NoError(t, n.applySides(imapSrc, read, &dst, map[string]string{}))
	assert.Equal(t, "outlook", read["provider"], "--provider goes to an IMAP source when the destination is local")
	assert.Equal(t, "xoauth2", read["sasl"])

	for _, c := range []struct {
		args  []string
		dst   string
		write map[string]string
		text  string
	}{
		{[]string{"--provider", "gmial"}, "imaps://me@gmail.com@/", nil, "did you mean gmail?"},
		{[]string{"--provider", "gmail"}, "imaps://me@gmail.com@/", map[string]string{"provider": "outlook"}, "differ"},
		{[]string{"--provider", "gmail"}, "imap://me@gmail.com@/", nil, "use imaps://"},
	} {
		n, _ := presetFlags(t, c.args...)
		dst, err := resolveDestination(c.dst)
		require.NoError(t, err)
		write := map[string]string{}
		for k, v := range c.write {
			write[k] = v
		}
		err = n.applySides(mboxSrc, map[string]string{}, &dst, write)
		require.Error(t, err, c.args)
		assert.Contains(t, err.Error(), c.text)
		assert.Equal(t, exitUsage, exitFor(err, io.Discard), err.Error())
	}
	n, _ = presetFlags(t, "--provider", "gmail")
	local, err := resolveDestination("maildir:" + t.TempDir())
	require.NoError(t, err)
	err = n.applySides(mboxSrc, map[string]string{}, &local, map[string]string{})
	var ue usageError
	assert.True(t, errors.As(err, &ue), "%v", err)
}

// presetWriter is a destination that takes a budget, as an
// *imap.Writer does.
type presetWriter struct {
	mailconv.Writer
	budget mailconv.Budget
}

func (w *presetWriter) SetBudget(b mailconv.Budget) { w.budget = b }

// TestProviderBudgetDefault: Gmail's documented 500 MB a day of IMAP
// upload is the default of --max-bytes-per-day; the flag wins, "none"
// lifts it, and outlook (no documented limit) has none.
func TestProviderBudgetDefault(t *testing.T) {
	dst, err := resolveDestination("imaps://me@gmail.com@/")
	require.NoError(t, err)
	j, err := migrate.OpenJournal(filepath.Join(t.TempDir(), "j"), false)
	require.NoError(t, err)
	defer j.Close()
	for _, c := range []struct {
		provider string
		flag     []string
		limit    int64 // 0: no budget
	}{
		{"gmail", nil, 500000000},
		{"gmail", []string{"--max-bytes-per-day", "1MB"}, 1000000},
		{"gmail", []string{"--max-bytes-per-day", "none"}, 0},
		{"outlook", nil, 0},
		{"", nil, 0},
	} {
		_, l := presetFlags(t, c.flag...)
		require.NoError(t, l.apply(optList{}, dst))
		l.providerDefault(map[string]string{"provider": c.provider})
		w := &presetWriter{}
		require.NoError(t, l.budget(w, j))
		if c.limit == 0 {
			assert.Nil(t, w.budget, "%s %v", c.provider, c.flag)
			continue
		}
		require.NotNil(t, w.budget, c.flag)
		// (with one octet in flight: the day's first message always goes)
		assert.NoError(t, w.budget.Allow(1, c.limit-1))
		var be *migrate.BudgetError
		require.ErrorAs(t, w.budget.Allow(1, c.limit), &be, c.flag)
		assert.Equal(t, c.limit, be.Limit)
	}
}

// Issue 15, provider presets, from the command line: the built binary with
// --provider gmail, pointed at a fake Gmail on loopback by an explicit
// host (how a user points a preset elsewhere too). Sent, Drafts and Trash
// land in [Gmail]/Sent Mail, Drafts and Trash, nothing in All Mail, a
// message over the server's APPENDLIMIT is a reported skip (exit 3), and
// Gmail's daily upload budget was in force: the journal records what was
// sent today. With --max-bytes-per-day none it records nothing.
func TestProviderGmailBinary(t *testing.T) {
	src := t.TempDir()
	big := strings.Repeat("a line of a large attachment\n", 200)
	for name, msgs := range map[string][]string{
		"Inbox": {"in1", "in2"}, "Sent": {"sent1"}, "Drafts": {"draft1"}, "Trash": {"trash1"}, "Big": {"big1", "small1"},
	} {
		var b strings.Builder
		for _, m := range msgs {
			b.WriteString("From a@example.org Mon Mar  1 08:00:00 2004\nMessage-ID: <" + m + "@example.org>\nSubject: " + m + "\n\nbody\n")
			if strings.HasPrefix(m, "big") {
				b.WriteString(big)
			}
			b.WriteString("\n")
		}
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(b.String()), 0o644))
	}
	for _, budget := range []bool{true, false} {
		srv := providertest.ForTest(t, providertest.Options{AppendLimit: 4000})
		dir := t.TempDir()
		journal, rep := filepath.Join(dir, "journal"), filepath.Join(dir, "report.json")
		args := []string{"convert", "--provider", "gmail", "--allow-plaintext", "--journal", journal, "--report", rep,
			"mbox:" + src, "imap://me%40gmail.com@" + srv.Addr + "/"}
		if !budget {
			args = append(args, "--max-bytes-per-day", "none")
		}
		code, _, stderr := runBinary(t, []string{"MAILCONV_PASSWORD=" + srv.Password}, args...)
		require.Equal(t, exitLossy, code, stderr)
		got := map[string][]string{}
		for _, a := range srv.Appends() {
			got[a.Mailbox] = append(got[a.Mailbox], mailconv.HeaderValue(a.Body, "Subject"))
		}
		assert.Equal(t, map[string][]string{
			"INBOX": {"in1", "in2"}, "[Gmail]/Sent Mail": {"sent1"}, "[Gmail]/Drafts": {"draft1"}, "[Gmail]/Trash": {"trash1"}, "Big": {"small1"},
		}, got)
		r := readReport(t, rep)
		assert.Equal(t, "//me%40gmail.com@"+srv.Addr+"/", r.Destination.Path)
		require.Len(t, r.Skips, 1)
		assert.Equal(t, "imap.too-big", r.Skips[0].Code)
		assert.Equal(t, 1, r.Codes["imap.provider"])
		assert.Equal(t, 1, r.Codes["imap.provider-expiring"])

		j, err := migrate.OpenJournal(journal, false)
		require.NoError(t, err)
		b, err := migrate.NewDayBudget(j, 1, nil)
		require.NoError(t, err)
		if budget {
			assert.Greater(t, b.Used(), int64(0), "the default budget recorded the day's upload")
		} else {
			assert.Zero(t, b.Used(), "no budget with --max-bytes-per-day none")
		}
		j.Close()
	}
}

// TestProviderErrorsBinary: an unknown provider is exit 2 naming the
// closest preset, before any connection; outlook without a token file is
// exit 1 saying how to get one.
func TestProviderErrorsBinary(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "Inbox"), []byte(mboxOf(1, "p")), 0o644))
	code, _, stderr := runBinary(t, nil, "convert", "--provider", "gmial", "mbox:"+src, "imaps://me@gmail.com@/")
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, `unknown provider "gmial": did you mean gmail?`)
	code, _, stderr = runBinary(t, nil, "convert", "mbox:"+src, "imaps://me@example.org@/?provider=outlok")
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "did you mean outlook?")
	code, _, stderr = runBinary(t, []string{"MAILCONV_PASSWORD=secret"}, "convert", "--provider", "outlook", "--journal", filepath.Join(t.TempDir(), "j"),
		"mbox:"+src, "imaps://me@example.org@/")
	assert.Equal(t, exitFailure, code, stderr)
	assert.Contains(t, stderr, "only OAuth2")
	assert.Contains(t, stderr, "mailconv login --provider microsoft")
}
