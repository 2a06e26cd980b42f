package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/netproxy"
)

// Acceptance 4 of issue 15: a provider that throttles. A proxy in front of
// Dovecot answers some APPENDs in the server's place with NO [LIMIT] and
// NO [UNAVAILABLE], closes the connection after a BYE carrying
// Microsoft's "Suggested Backoff Time", and drops the connection before
// and after forwarding an APPEND. One at a time (pipeline=1), each signal
// is seen alone: the upload backs off (the server's hint when given) and
// reports every back-off. Pipelined (the default), a drop also cuts the
// answers in flight and refusals land in the middle of a window; in both
// cases every message ends on the server exactly once, in the source's
// order (UID order, read with doveadm).
func TestThrottledUpload(t *testing.T) {
	for _, pipeline := range []string{"1", "32"} {
		t.Run("pipeline="+pipeline, func(t *testing.T) {
			srv := dovecotserver.Start(t, dovecotserver.Config{})
			t.Setenv("MAILCONV_PASSWORD", srv.Password)
			box := "Throttled" + pipeline
			var mu sync.Mutex
			appends := 0
			script := map[int]netproxy.Action{
				3:  {Reply: "NO [LIMIT] Too many commands, slow down"},
				6:  {Bye: "[UNAVAILABLE] Request is throttled. Suggested Backoff Time: 300 milliseconds"},
				9:  {Drop: true},
				12: {DropAfter: true},
				15: {Reply: "NO [UNAVAILABLE] Server busy"},
			}
			p, err := netproxy.Start(srv.IMAPAddr, netproxy.Options{Command: func(line []byte) netproxy.Action {
				if !strings.Contains(strings.ToUpper(string(line)), " APPEND ") {
					return netproxy.Action{}
				}
				mu.Lock()
				defer mu.Unlock()
				appends++
				return script[appends]
			}})
			require.NoError(t, err)
			defer p.Close()

			const n = 20
			src := filepath.Join(t.TempDir(), box)
			require.NoError(t, os.WriteFile(src, []byte(mboxOf(n, "thr")), 0o644))
			dst := "imap://" + srv.User + "@" + p.Addr
			journal := filepath.Join(t.TempDir(), "journal")
			rep := filepath.Join(t.TempDir(), "report.json")
			defer func() {
				if t.Failed() {
					b, _ := os.ReadFile(rep)
					t.Logf("report: %s", b)
				}
			}()
			code, _, stderr := runCLI("convert", "--allow-plaintext", "--journal", journal, "--report", rep,
				"--opt", "backoff-base=20ms", "--opt", "backoff-max=200ms", "--opt", "pipeline="+pipeline, "mbox:"+src, dst)
			require.Contains(t, []int{exitOK, exitLossy}, code, stderr)
			r := readReport(t, rep)
			assert.Equal(t, n, r.Totals.MessagesWritten)
			assert.GreaterOrEqual(t, r.Codes["imap.reconnected"], 2)
			if pipeline == "1" {
				assert.GreaterOrEqual(t, r.Codes["imap.backoff"], 5, "one back-off per throttling answer and per lost connection")
				var details []string
				for _, e := range r.Warnings {
					if e.Code == "imap.backoff" {
						details = append(details, e.Detail)
					}
				}
				all := strings.Join(details, "\n")
				assert.Contains(t, all, "NO [LIMIT] Too many commands")
				assert.Contains(t, all, "NO [UNAVAILABLE] Server busy")
				assert.Contains(t, all, "waiting 300ms (the server's hint", "the BYE's Suggested Backoff Time is obeyed")
			} else {
				assert.GreaterOrEqual(t, r.Codes["imap.backoff"], 2)
			}

			st, err := srv.Doveadm(nil, "mailbox status", "messages", box)
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("%s messages=%d", box, n), strings.TrimSpace(string(st)), "every message once")
			ids := serverMessageIDs(t, srv, box)
			want := make([]string, n)
			for i := range want {
				want[i] = fmt.Sprintf("<thr-%d@example.org>", i)
			}
			assert.Equal(t, want, ids, "messages in UID order")
			v := runVerifyJSON(t, "mbox:"+src, "imap://"+srv.User+"@"+srv.IMAPAddr, "--allow-plaintext", "--journal", journal)
			require.Equal(t, exitOK, v.code, v.text)
			assert.Equal(t, n, v.res.Totals.Matched)
			assert.Zero(t, v.res.Totals.Missing)
			assert.Zero(t, v.res.Totals.Duplicates)
		})
	}
}

// Acceptance 4, the day budget: --max-bytes-per-day stops the run cleanly
// with exit 3 and says when to go on; a second run the same day finds the
// budget spent (it is kept in the journal) and sends nothing; with a
// larger budget the run continues where it stopped; in the end every
// message is there once.
func TestDayBudgetStopsAndNextRunContinues(t *testing.T) {
	srv := dovecotserver.Start(t, dovecotserver.Config{})
	t.Setenv("MAILCONV_PASSWORD", srv.Password)
	const n = 10
	src := filepath.Join(t.TempDir(), "Budget")
	var b strings.Builder
	for i := 0; i < n; i++ {
		// About 1000 octets each.
		fmt.Fprintf(&b, "From a@example.org Mon Mar  1 08:00:00 2004\nMessage-ID: <b-%d@example.org>\nSubject: %d\n\n%s\n\n", i, i, strings.Repeat("x", 900))
	}
	require.NoError(t, os.WriteFile(src, []byte(b.String()), 0o644))
	dst := "imap://" + srv.User + "@" + srv.IMAPAddr
	journal := filepath.Join(t.TempDir(), "journal")
	count := func() int {
		out, err := srv.Doveadm(nil, "mailbox status", "messages", "Budget")
		if err != nil {
			return 0
		}
		var c int
		fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(string(out)), "Budget "), "messages=%d", &c)
		return c
	}
	run := func(limit string) (int, string) {
		args := []string{"convert", "--allow-plaintext", "--journal", journal}
		if limit != "" {
			args = append(args, "--max-bytes-per-day", limit)
		}
		code, _, stderr := runCLI(append(args, "mbox:"+src, dst)...)
		return code, stderr
	}

	code, stderr := run("3.5kB")
	assert.Equal(t, exitLossy, code, stderr)
	assert.Contains(t, stderr, "daily upload budget reached")
	assert.Contains(t, stderr, "run the same command again after")
	first := count()
	assert.Equal(t, 3, first, "3 messages of about 1000 octets fit into 3500")

	code, stderr = run("3.5kB")
	assert.Equal(t, exitLossy, code, stderr)
	assert.Equal(t, first, count(), "the same day, the spent budget is remembered: nothing more is sent")

	code, stderr = run("7kB")
	assert.Equal(t, exitLossy, code, stderr)
	assert.Equal(t, 7, count(), "a larger budget continues where the run stopped")

	code, stderr = run("")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, n, count())
	raw, err := os.ReadFile(journal)
	require.NoError(t, err)
	assert.Equal(t, 7, strings.Count(string(raw), `"t":"budget"`), "one budget record per message sent under a budget")
	v := runVerifyJSON(t, "mbox:"+src, dst, "--allow-plaintext", "--journal", journal)
	require.Equal(t, exitOK, v.code, v.text)
	assert.Zero(t, v.res.Totals.Missing)
	assert.Zero(t, v.res.Totals.Duplicates)
}

// The limits are refused, as usage errors, where they cannot be honoured
// or do not parse; sizes take decimal and binary units.
func TestLimitFlagsUsage(t *testing.T) {
	src := filepath.Join(t.TempDir(), "In")
	require.NoError(t, os.WriteFile(src, []byte(mboxOf(1, "lim")), 0o644))
	for _, args := range [][]string{
		{"--max-rate", "5"},
		{"--max-bytes-per-day", "500MB"},
		{"--max-bytes-per-day", "lots"},
	} {
		dst := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runCLI(append([]string{"convert", "--journal", filepath.Join(t.TempDir(), "j")}, append(args, "mbox:"+src, "maildir:"+dst)...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
		assert.Contains(t, stderr, args[0])
		assert.NoDirExists(t, dst, "refused before anything is created")
	}
	for in, want := range map[string]int64{"500MB": 500e6, "2GiB": 2 << 30, "1.5k": 1500, "3500": 3500, "10 MiB": 10 << 20, "7B": 7} {
		got, err := parseSize(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "MB", "-1", "1e400"} {
		_, err := parseSize(bad)
		assert.Error(t, err, bad)
	}
}
