package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/dovecottest"
	"github.com/mailconv/mailconv/migrate"
)

// The whole move through the command line against a real Dovecot: a Eudora
// store uploaded over IMAP, verified; an upload killed at random points and
// resumed through the journal; POP3 to IMAP with and without
// --delete-after-verify.
func TestNetworkEndToEnd(t *testing.T) {
	srv := dovecotserver.Start(t, dovecotserver.Config{})
	t.Setenv("MAILCONV_PASSWORD", srv.Password)
	imapURL := func(prefix string) string {
		u := "imap://" + srv.User + "@" + srv.IMAPAddr
		if prefix != "" {
			u += "/" + prefix
		}
		return u
	}

	t.Run("eudora to imap, verify", func(t *testing.T) {
		rep := filepath.Join(t.TempDir(), "r.json")
		code, _, stderr := runCLI("convert", "--allow-plaintext", "--journal", filepath.Join(t.TempDir(), "j"),
			"../../testdata/eudora-sample", imapURL(""), "--report", rep)
		require.Contains(t, []int{exitOK, exitLossy}, code, stderr)
		r := readReport(t, rep)
		assert.Equal(t, 14, r.Totals.MessagesWritten)
		code, out, stderr := runCLI("verify", "--allow-plaintext", "--journal", filepath.Join(t.TempDir(), "none"),
			"../../testdata/eudora-sample", imapURL(""))
		assert.Equal(t, exitOK, code, out+stderr)
		checkServerStore(t, srv, "../../testdata/eudora-sample")
	})

	// An IMAP account as a source (the way out for mail Eudora only
	// cached): what the upload above stored comes back into a maildir,
	// and verify finds it all there.
	t.Run("imap as a source", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runCLI("convert", "--allow-plaintext", "--journal", filepath.Join(t.TempDir(), "j"), imapURL(""), "maildir:"+out)
		require.Contains(t, []int{exitOK, exitLossy}, code, stderr)
		v := runVerifyJSON(t, imapURL(""), out, "--allow-plaintext", "--journal", filepath.Join(t.TempDir(), "none"))
		require.Equal(t, exitOK, v.code, v.text)
		assert.Equal(t, 14, v.res.Totals.Matched)
	})

	// The plan inspect shows for the server is where the upload above put
	// each mailbox: special-use mailboxes, the hierarchy delimiter, and the
	// message counts of the server's mailboxes (read with doveadm).
	t.Run("inspect plans the upload", func(t *testing.T) {
		code, out, stderr := runCLI("inspect", "--json", "--allow-plaintext", "--to", imapURL(""), "../../testdata/eudora-sample")
		require.Equal(t, exitOK, code, stderr)
		var inv migrate.Inventory
		require.NoError(t, json.Unmarshal([]byte(out), &inv))
		require.NotNil(t, inv.Target)
		assert.Empty(t, inv.Target.Renames)
		counts := map[string]int{}
		for _, mb := range inv.Mailboxes {
			counts[mb.Path.String()] = mb.Messages
		}
		names := map[string]string{}
		for _, pm := range inv.Target.Mailboxes {
			names[pm.Path.String()] = pm.Name
			if pm.Folder {
				continue
			}
			st, err := srv.Doveadm(nil, "mailbox status", "messages", pm.Name)
			require.NoError(t, err, "planned mailbox %q", pm.Name)
			assert.Equal(t, fmt.Sprintf("%s messages=%d", pm.Name, counts[pm.Path.String()]), strings.TrimSpace(string(st)),
				"%s planned as %q", pm.Path, pm.Name)
		}
		assert.Equal(t, map[string]string{
			"INBOX": "INBOX", "Out": "Out", "Junk": "Spam", "Trash": "Deleted Messages",
			"Famille & Amis": "Famille & Amis", "Famille & Amis/Vacances été": "Famille & Amis.Vacances été",
			"Work": "Work", "Work/Clients": "Work.Clients", "Work/Projects": "Work.Projects",
			"Work/Projects/Alpha": "Work.Projects.Alpha",
		}, names)

		code, out, stderr = runCLI("inspect", "--allow-plaintext", "--to", imapURL(""), "../../testdata/eudora-sample")
		require.Equal(t, exitOK, code, stderr)
		assert.Regexp(t, `Trash +Deleted Messages -- the server's trash mailbox \(special-use\)`, out)
	})

	// Two top-level mailboxes with the Sent role: the first takes the
	// server's \Sent mailbox, the other keeps its name — also in a later
	// run that skips the first because it did not change.
	t.Run("special-use stays put across runs", func(t *testing.T) {
		s2 := dovecotserver.Start(t, dovecotserver.Config{})
		src := t.TempDir()
		msg := func(i int) string {
			return fmt.Sprintf("From a@example.org Mon Mar  1 08:00:00 2004\nMessage-ID: <su-%d@example.org>\nSubject: %d\n\nbody %d\n\n", i, i, i)
		}
		require.NoError(t, os.WriteFile(filepath.Join(src, "Sent"), []byte(msg(1)+msg(2)), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(src, "Sent Items"), []byte(msg(3)+msg(4)), 0o644))
		dst := "imap://" + s2.User + "@" + s2.IMAPAddr
		journal := filepath.Join(t.TempDir(), "journal")
		count := func(name string) string {
			out, err := s2.Doveadm(nil, "mailbox status", "messages", name)
			require.NoError(t, err)
			return strings.TrimSpace(string(out))
		}
		code, _, stderr := runCLI("convert", "--allow-plaintext", "--journal", journal, "mbox:"+src, dst)
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, "Sent Messages messages=2", count("Sent Messages"))
		assert.Equal(t, "Sent Items messages=2", count("Sent Items"))
		f, err := os.OpenFile(filepath.Join(src, "Sent Items"), os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		f.WriteString(msg(5))
		f.Close()
		code, _, stderr = runCLI("convert", "--allow-plaintext", "--journal", journal, "mbox:"+src, dst)
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, "Sent Messages messages=2", count("Sent Messages"))
		assert.Equal(t, "Sent Items messages=3", count("Sent Items"))
		v := runVerifyJSON(t, "mbox:"+src, dst, "--allow-plaintext", "--journal", journal)
		assert.Equal(t, exitOK, v.code, v.text)
	})

	t.Run("kill and resume", func(t *testing.T) {
		if testing.Short() {
			t.Skip("kills processes")
		}
		bin := binary(t)
		src := filepath.Join(t.TempDir(), "src")
		makeTree(t, src, 4, 120<<10, 21)
		rng := rand.New(rand.NewSource(3))
		// how long does a whole upload take?
		start := time.Now()
		ref := imapURL("ref")
		out, err := exec.Command(bin, "convert", "--quiet", "--allow-plaintext", "--journal", filepath.Join(t.TempDir(), "j"), src, ref).CombinedOutput()
		require.NoError(t, err, string(out))
		full := time.Since(start)
		for i := 0; i < 6; i++ {
			dst := imapURL(fmt.Sprintf("run%d", i))
			journal := filepath.Join(t.TempDir(), "journal")
			args := []string{"convert", "--quiet", "--allow-plaintext", "--journal", journal, src, dst}
			for k := 0; k <= rng.Intn(2); k++ {
				cmd := exec.Command(bin, args...)
				require.NoError(t, cmd.Start())
				time.Sleep(time.Duration(rng.Int63n(int64(full))))
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
			}
			out, err := exec.Command(bin, args...).CombinedOutput()
			require.NoError(t, err, "resume %d: %s", i, out)
			v := runVerifyJSON(t, src, dst, "--allow-plaintext", "--journal", journal)
			require.Equal(t, exitOK, v.code, "run %d: %s", i, v.text)
			assert.Zero(t, v.res.Totals.Missing)
			assert.Zero(t, v.res.Totals.Duplicates)
		}
	})

	t.Run("pop3 to imap", func(t *testing.T) {
		pop := dovecotserver.Start(t, dovecotserver.Config{})
		require.Equal(t, srv.Password, pop.Password, "one password for both servers")
		for i := 1; i <= 6; i++ {
			m := fmt.Sprintf("Received: by mx; Tue, %d Mar 2004 08:00:00 +0000\r\nMessage-ID: <cli-%d@example.org>\r\nSubject: pop %d\r\n\r\nbody %d\r\n", i, i, i, i)
			require.NoError(t, pop.Save("INBOX", []byte(m)))
		}
		popURL := "pop3://" + pop.User + "@" + pop.POP3Addr
		journal := filepath.Join(t.TempDir(), "journal")
		// by default, messages stay on the POP server
		code, _, stderr := runCLI("convert", "--allow-plaintext", "--journal", journal, popURL, imapURL("pop"))
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, 6, popCount(t, popURL))
		// a second run, with deletion: nothing new to write, and every
		// message verified in the destination is deleted from the source
		code, _, stderr = runCLI("convert", "--allow-plaintext", "--delete-after-verify", "--journal", journal, popURL, imapURL("pop"))
		require.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stderr, "6 verified message(s) deleted")
		assert.Equal(t, 0, popCount(t, popURL))
	})

	t.Run("failures through the command line", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "src")
		makeTree(t, src, 2, 200<<10, 5) // one message of 2 MiB, about 400 KiB besides
		// each failure: exit 1, a clear message on stderr and in the
		// report, nothing lost; the same command then completes
		fail := func(t *testing.T, dst string, want string, extra ...string) (journal string, written int) {
			t.Helper()
			journal = filepath.Join(t.TempDir(), "journal")
			rep := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"convert", "--allow-plaintext", "--journal", journal, "--report", rep}, extra...)
			code, _, stderr := runCLI(append(args, src, dst)...)
			assert.Equal(t, exitFailure, code, stderr)
			assert.Contains(t, stderr, want)
			r := readReport(t, rep)
			assert.Contains(t, r.Error, want)
			t.Logf("exit %d: %s", code, strings.TrimSpace(stderr))
			return journal, r.Totals.MessagesWritten
		}
		complete := func(t *testing.T, dst, journal string, extra ...string) {
			t.Helper()
			args := append([]string{"convert", "--allow-plaintext", "--journal", journal}, extra...)
			code, _, stderr := runCLI(append(args, src, dst)...)
			require.Equal(t, exitOK, code, stderr)
			v := runVerifyJSON(t, src, dst, append([]string{"--allow-plaintext", "--journal", journal}, extra...)...)
			require.Equal(t, exitOK, v.code, v.text)
			assert.Zero(t, v.res.Totals.Missing)
			assert.Zero(t, v.res.Totals.Duplicates)
		}

		t.Run("wrong password", func(t *testing.T) {
			t.Setenv("MAILCONV_PASSWORD", "not-the-password")
			journal, _ := fail(t, imapURL("auth"), "authentication failed")
			t.Setenv("MAILCONV_PASSWORD", srv.Password)
			complete(t, imapURL("auth"), journal)
		})

		t.Run("untrusted certificate", func(t *testing.T) {
			tlsSrv := dovecotserver.Start(t, dovecotserver.Config{TLS: true})
			dst := "imaps://" + tlsSrv.User + "@" + tlsSrv.IMAPSAddr + "/tls"
			journal, _ := fail(t, dst, "certificate")
			complete(t, dst, journal, "--opt", "ca-file="+tlsSrv.CAFile)
		})

		t.Run("over quota", func(t *testing.T) {
			cfg := dovecotserver.Config{QuotaBytes: 2<<20 + 150<<10}
			qSrv := dovecotserver.Start(t, cfg)
			dst := "imap://" + qSrv.User + "@" + qSrv.IMAPAddr
			journal, written := fail(t, dst, "quota")
			assert.Greater(t, written, 0, "the quota stops the run part-way")
			cfg.QuotaBytes = 10 << 20
			qSrv.Restart(cfg)
			complete(t, dst, journal)
		})
	})

	t.Run("pop3 to imap killed, resumed by UIDL", func(t *testing.T) {
		if testing.Short() {
			t.Skip("kills processes")
		}
		bin := binary(t)
		pop := dovecotserver.Start(t, dovecotserver.Config{})
		const total = 30
		filler := strings.Repeat("All work and no play makes a long POP3 message.\r\n", 1200)
		for i := 1; i <= total; i++ {
			m := fmt.Sprintf("Received: by mx; Wed, %d Mar 2004 08:00:00 +0000\r\nMessage-ID: <kill-%d@example.org>\r\nSubject: pop %d\r\n\r\n%s", i%28+1, i, i, filler)
			require.NoError(t, pop.Save("INBOX", []byte(m)))
		}
		popURL := "pop3://" + pop.User + "@" + pop.POP3Addr
		start := time.Now()
		out, err := exec.Command(bin, "convert", "--quiet", "--allow-plaintext", "--journal", filepath.Join(t.TempDir(), "j"), popURL, imapURL("popref")).CombinedOutput()
		require.NoError(t, err, string(out))
		full := time.Since(start)
		rng := rand.New(rand.NewSource(8))
		resumedByID := 0
		const runs = 8
		for i := 0; i < runs; i++ {
			dst := imapURL(fmt.Sprintf("popkill%d", i))
			journal := filepath.Join(t.TempDir(), "journal")
			args := []string{"convert", "--quiet", "--allow-plaintext", "--journal", journal, popURL, dst}
			cmd := exec.Command(bin, args...)
			require.NoError(t, cmd.Start())
			// past the start-up and login, mostly
			time.Sleep(full/4 + time.Duration(rng.Int63n(int64(full))))
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			recorded := journalMessages(t, journal)
			// every POP3 session so far has ended (and logged its RETRs)
			settled := func() []int {
				var ended []int
				require.Eventually(t, func() bool {
					var logins int
					logins, ended = popSessions(pop.Log())
					return logins == len(ended)
				}, 10*time.Second, 20*time.Millisecond)
				return ended
			}
			before := len(settled())
			out, err := exec.Command(bin, args...).CombinedOutput()
			require.NoError(t, err, "resume %d: %s", i, out)
			ended := settled()
			// One POP3 session for the resumed run, and at most one more: the
			// server may finish (and log) a login the killed client had sent
			// after the snapshot above. The resumed run's session ends last.
			require.GreaterOrEqual(t, len(ended), before+1, "one POP3 session for the resumed run")
			require.LessOrEqual(t, len(ended), before+2, "one POP3 session for the resumed run")
			// the resumed run fetched only what the journal did not hold
			assert.Equal(t, total-recorded, ended[len(ended)-1], "run %d: RETRs of the resumed session (%d recorded)", i, recorded)
			if recorded > 0 {
				resumedByID++
			}
			v := runVerifyJSON(t, popURL, dst, "--allow-plaintext", "--journal", journal)
			require.Equal(t, exitOK, v.code, "run %d: %s", i, v.text)
			assert.Zero(t, v.res.Totals.Missing)
			assert.Zero(t, v.res.Totals.Duplicates)
			assert.Equal(t, total, v.res.Totals.Matched)
		}
		t.Logf("%d of %d kills left messages to pass over by UIDL", resumedByID, runs)
		assert.Equal(t, total, popCount(t, popURL), "nothing deleted without --delete-after-verify")
	})
}

// journalMessages counts the message records of a journal file.
func journalMessages(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(b), `"t":"msg"`)
}

// popSessions reads a Dovecot log: how many POP3 logins it records, and the
// RETR count of every ended POP3 session, in order (Dovecot logs
// "retr=N/BYTES" when a session ends).
func popSessions(log string) (logins int, retrs []int) {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "pop3-login: Info: Login:") {
			logins++
		}
		if !strings.Contains(l, "pop3(") {
			continue
		}
		i := strings.Index(l, " retr=")
		if i < 0 {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(l[i+len(" retr="):], "%d", &n); err == nil {
			retrs = append(retrs, n)
		}
	}
	return logins, retrs
}

// popCount returns the number of messages in a POP3 maildrop.
func popCount(t *testing.T, url string) int {
	t.Helper()
	f, ok := mailconv.LookupFormat("pop3")
	require.True(t, ok)
	_, path := mailconv.SplitAddress(url)
	r, err := f.Open(context.Background(), path, &mailconv.Options{Params: map[string]string{"allow-plaintext": "true"}})
	require.NoError(t, err)
	defer r.Close()
	mbs, err := r.Mailboxes(context.Background())
	require.NoError(t, err)
	n := 0
	for _, mb := range mbs {
		mr, err := r.Open(context.Background(), mb)
		require.NoError(t, err)
		for {
			if _, err := mr.Next(); err == io.EOF {
				break
			} else {
				require.NoError(t, err)
			}
			n++
		}
		mr.Close()
	}
	return n
}

// checkServerStore reads the server's maildir with doveadm (independently of
// the imap package) and checks that it holds every message of the source
// store: same body (CRLF-normalised), flags and keywords, received date;
// the messages of one source mailbox in one server mailbox, and the folder
// tree's names present.
func checkServerStore(t *testing.T, srv *dovecotserver.Server, src string) {
	t.Helper()
	snap, err := srv.Snapshot()
	require.NoError(t, err)
	sess := dovecottest.Open(t, snap, dovecottest.Config{Separator: srv.Config.Separator})
	server := sess.Fetch()
	names := strings.Join(sess.Mailboxes(), "\n")
	f, _ := mailconv.LookupFormat("eudora")
	r, err := f.Open(context.Background(), src, &mailconv.Options{})
	require.NoError(t, err)
	defer r.Close()
	mbs, err := r.Mailboxes(context.Background())
	require.NoError(t, err)
	norm := func(b []byte) string {
		return strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\r", "\n")
	}
	used := make([]bool, len(server))
	for _, mb := range mbs {
		if mb.NoSelect {
			continue
		}
		if mb.Role == mailconv.RoleNone {
			assert.Contains(t, names, mb.Path.Name(), "mailbox %s on the server", mb.Path)
		}
		mr, err := r.Open(context.Background(), mb)
		require.NoError(t, err)
		home := ""
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			body, err := io.ReadAll(mr)
			require.NoError(t, err)
			found := -1
			for i, sm := range server {
				if !used[i] && norm(sm.Text) == norm(body) {
					found = i
					break
				}
			}
			if !assert.GreaterOrEqual(t, found, 0, "message %s of %s not on the server", m.ID, mb.Path) {
				continue
			}
			used[found] = true
			sm := server[found]
			if home == "" {
				home = sm.Mailbox
			}
			assert.Equal(t, home, sm.Mailbox, "the messages of %s stay together", mb.Path)
			var want []string
			for i, name := range []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, "$Forwarded"} {
				if m.Flags&(1<<i) != 0 {
					want = append(want, name)
				}
			}
			want = append(want, m.Keywords...)
			got := append([]string(nil), sm.Flags...)
			sort.Strings(want)
			sort.Strings(got)
			assert.Equal(t, want, got, "flags of %s in %s", m.ID, mb.Path)
			if !m.Date.IsZero() {
				assert.True(t, sm.Received.Equal(m.Date.Truncate(time.Second)), "date of %s: %v, source %v", m.ID, sm.Received, m.Date)
			}
		}
		mr.Close()
	}
	for i, u := range used {
		assert.True(t, u, "server message %d in %s is not from the source", server[i].UID, server[i].Mailbox)
	}
}
