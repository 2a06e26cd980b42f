package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/migrate"
)

// Issue 15, --connections: ten mailboxes (two of them in a folder without
// messages) uploaded into Dovecot over four connections. Every message is
// on the server once (verify), each mailbox's messages in the source's
// order (UID order, read with doveadm), and Dovecot's log shows that more
// than one session was logged in at the same time.
func TestConnectionsUpload(t *testing.T) {
	srv := dovecotserver.Start(t, dovecotserver.Config{})
	t.Setenv("MAILCONV_PASSWORD", srv.Password)
	src := filepath.Join(t.TempDir(), "src")
	boxes := map[string]int{}
	for i := range 8 {
		boxes[fmt.Sprintf("Box%d", i)] = 12 + 3*i
	}
	boxes["Archive/2001"], boxes["Archive/2002"] = 9, 15
	total := 0
	for name, n := range boxes {
		p := filepath.Join(src, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(mboxOf(n, tagOf(name))), 0o644))
		total += n
	}
	before := treeDigest(t, src)
	dst := "imap://" + srv.User + "@" + srv.IMAPAddr
	journal := filepath.Join(t.TempDir(), "journal")
	rep := filepath.Join(t.TempDir(), "report.json")
	code, _, stderr := runCLI("convert", "--allow-plaintext", "--journal", journal, "--report", rep, "--progress", "never",
		"--connections", "4", "mbox:"+src, dst)
	require.Contains(t, []int{exitOK, exitLossy}, code, stderr)
	r := readReport(t, rep)
	assert.Equal(t, total, r.Totals.MessagesWritten)
	// the report lists the mailboxes in the plan's order: the order of a
	// conversion one mailbox at a time (a local destination)
	seqRep := filepath.Join(t.TempDir(), "seq.json")
	code, _, stderr = runCLI("convert", "--report", seqRep, "--progress", "never", "mbox:"+src, "maildir:"+filepath.Join(t.TempDir(), "md"))
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, mailboxOrder(readReport(t, seqRep)), mailboxOrder(r))
	assert.Len(t, r.Mailboxes, 11)
	assert.Equal(t, before, treeDigest(t, src), "the source is unchanged")

	for name, n := range boxes {
		ids := serverMessageIDs(t, srv, strings.ReplaceAll(name, "/", ".")) // Dovecot's separator here
		want := make([]string, n)
		for i := range want {
			want[i] = fmt.Sprintf("<%s-%d@example.org>", tagOf(name), i)
		}
		assert.Equal(t, want, ids, "%s: every message once, in UID order = source order", name)
	}
	v := runVerifyJSON(t, "mbox:"+src, dst, "--allow-plaintext", "--journal", journal)
	require.Equal(t, exitOK, v.code, v.text)
	assert.Equal(t, total, v.res.Totals.Matched)
	assert.Zero(t, v.res.Totals.Missing)
	assert.Zero(t, v.res.Totals.Duplicates)

	// the convert run's sessions are the first ones in the log (verify's
	// came after it ended)
	most, logins := maxSessions(srv.Log())
	assert.GreaterOrEqual(t, logins, 4, "one login per connection")
	assert.GreaterOrEqual(t, most, 2, "sessions logged in at the same time\n%s", srv.Log())
	// each connection's writer may open its upload connection for
	// pipelined APPENDs (imap/upload.go): two sessions a connection
	assert.LessOrEqual(t, most, 2*4+1, "no more than two sessions per connection asked for (and verify's reader)")
}

// serverMessageIDs returns the Message-IDs of a server mailbox in UID
// order, read with doveadm.
func serverMessageIDs(t *testing.T, srv *dovecotserver.Server, box string) []string {
	t.Helper()
	out, err := srv.Doveadm(nil, "fetch", "hdr.message-id", "mailbox", box)
	require.NoError(t, err, "%s", out)
	var ids []string
	for _, l := range strings.Split(string(out), "\n") {
		if _, id, ok := strings.Cut(l, "<"); ok {
			ids = append(ids, "<"+strings.TrimSpace(id))
		}
	}
	return ids
}

func mailboxOrder(r *migrate.Report) []string {
	var order []string
	for _, mb := range r.Mailboxes {
		order = append(order, mb.Source.String())
	}
	return order
}

// tagOf is the Message-ID tag of a mailbox's messages.
func tagOf(name string) string { return strings.ReplaceAll(strings.ToLower(name), "/", "-") }

var (
	loginRE  = regexp.MustCompile(`imap-login: Info: Login: user=<[^>]*>.*session=<([^>]+)>`)
	logoutRE = regexp.MustCompile(`imap\([^)]*\)<\d+><([^>]+)>: Info: (?:Logged out|Disconnected)`)
)

// maxSessions reads a Dovecot log and returns the largest number of IMAP
// sessions logged in at once, and the number of logins.
func maxSessions(log string) (most, logins int) {
	open := map[string]bool{}
	for _, l := range strings.Split(log, "\n") {
		if m := loginRE.FindStringSubmatch(l); m != nil {
			open[m[1]] = true
			logins++
			most = max(most, len(open))
		} else if m := logoutRE.FindStringSubmatch(l); m != nil {
			delete(open, m[1])
		}
	}
	return most, logins
}

// --max-bytes-per-day with four connections: the budget counts what every
// connection has in flight, so the run stops (exit 3) with no more on the
// server than the budget allows; the next run completes, each message
// once.
func TestConnectionsDayBudget(t *testing.T) {
	srv := dovecotserver.Start(t, dovecotserver.Config{})
	t.Setenv("MAILCONV_PASSWORD", srv.Password)
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, os.MkdirAll(src, 0o755))
	const boxes, n = 4, 6
	for i := range boxes {
		var b strings.Builder
		for k := range n {
			// about 1000 octets each
			fmt.Fprintf(&b, "From a@example.org Mon Mar  1 08:00:00 2004\nMessage-ID: <b%d-%d@example.org>\nSubject: %d\n\n%s\n\n", i, k, k, strings.Repeat("x", 900))
		}
		require.NoError(t, os.WriteFile(filepath.Join(src, fmt.Sprintf("Box%d", i)), []byte(b.String()), 0o644))
	}
	dst := "imap://" + srv.User + "@" + srv.IMAPAddr
	journal := filepath.Join(t.TempDir(), "journal")
	onServer := func() (all int) {
		for i := range boxes {
			all += len(serverMessageIDs(t, srv, fmt.Sprintf("Box%d", i)))
		}
		return all
	}
	code, _, stderr := runCLI("convert", "--allow-plaintext", "--journal", journal, "--progress", "never", "--connections", "4",
		"--max-bytes-per-day", "7kB", "mbox:"+src, dst)
	assert.Equal(t, exitLossy, code, stderr)
	assert.Contains(t, stderr, "daily upload budget reached")
	first := onServer()
	assert.LessOrEqual(t, first, 7, "about 1000 octets each, 7000 for all connections together")
	assert.Positive(t, first)

	code, _, stderr = runCLI("convert", "--allow-plaintext", "--journal", journal, "--progress", "never", "--connections", "4", "mbox:"+src, dst)
	require.Equal(t, exitOK, code, stderr)
	for i := range boxes {
		want := make([]string, n)
		for k := range want {
			want[k] = fmt.Sprintf("<b%d-%d@example.org>", i, k)
		}
		assert.Equal(t, want, serverMessageIDs(t, srv, fmt.Sprintf("Box%d", i)), "Box%d in UID order, once", i)
	}
	v := runVerifyJSON(t, "mbox:"+src, dst, "--allow-plaintext", "--journal", journal)
	require.Equal(t, exitOK, v.code, v.text)
	assert.Zero(t, v.res.Totals.Missing)
	assert.Zero(t, v.res.Totals.Duplicates)
}

// --connections out of range is a usage error, before anything is opened.
func TestConnectionsUsage(t *testing.T) {
	for _, n := range []string{"-1", "17"} {
		code, _, stderr := runCLI("convert", "--connections", n, "../../testdata/sample-mbox", "maildir:"+filepath.Join(t.TempDir(), "out"))
		assert.Equal(t, exitUsage, code, stderr)
		assert.Contains(t, stderr, "--connections "+n+": want 1 to 16")
	}
}
