package main

// CLI tests of issue 12 (destination safety and honest outcomes): each
// runs the built binary, as a user would.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/storegen"
	"github.com/mailconv/mailconv/migrate"
)

// runBin runs the built mailconv binary and returns its exit code, stdout
// and stderr.
func runBin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	require.NoError(t, err)
	return -1, "", ""
}

// verifyBin runs verify --json with the binary.
func verifyBin(t *testing.T, args ...string) (int, *migrate.VerifyResult, string) {
	t.Helper()
	code, out, stderr := runBin(t, append([]string{"verify", "--json"}, args...)...)
	res := &migrate.VerifyResult{}
	require.NoError(t, json.Unmarshal([]byte(out), res), "verify output: %s %s", out, stderr)
	return code, res, out + stderr
}

// mboxMsgs returns an mbox file of one message per subject.
func mboxMsgs(subjects ...string) string {
	var b strings.Builder
	for i, s := range subjects {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "From a@b Mon Jan  1 00:00:%02d 2001\nSubject: %s\nMessage-ID: <%s@x>\nStatus: RO\n\nbody %s\n", i, s, s, s)
	}
	return b.String()
}

// writeFiles writes name -> content below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// Issue 12 item 0: two source files that map to one mailbox name are each
// converted once, under a mailbox of their own, reported as renamed; a
// second run has nothing to do and verify passes.
func TestSameNameSourcesEachConvertedOnce(t *testing.T) {
	for _, c := range []struct {
		kind         string
		first, other string // file names
		name         string // the mailbox name both decode to
	}{
		{"case", "Inbox", "INBOX", "INBOX"},
		{"extension", "Work", "Work.mbox", "Work"},
		{"charset", "Été", "\xc9t\xe9", "Été"}, // UTF-8, then cp1252
	} {
		for _, format := range []string{"maildir", "mbox"} {
			t.Run(c.kind+"/"+format, func(t *testing.T) {
				src := filepath.Join(t.TempDir(), "src")
				writeFiles(t, src, map[string]string{
					c.first: mboxMsgs("one"),
					c.other: mboxMsgs("two", "three", "four"),
					"Other": mboxMsgs("five"),
				})
				before := treeDigest(t, src)
				dst := filepath.Join(t.TempDir(), "dst")
				rep := filepath.Join(t.TempDir(), "r.json")
				code, _, stderr := runBin(t, "convert", src, format+":"+dst, "--report", rep)
				require.Equal(t, exitLossy, code, "a rename is reported: %s", stderr)
				r := readReport(t, rep)
				assert.Equal(t, 5, r.Totals.MessagesRead, "every file is read once")
				assert.Equal(t, 5, r.Totals.MessagesWritten)
				assert.Equal(t, 1, countCode(r.Renames, "names.duplicate"), stderr)
				files := map[string]int{}
				dests := map[string]bool{}
				for _, mr := range r.Mailboxes {
					files[filepath.Base(mr.SourceFile)]++
					dests[mr.Destination.String()] = true
				}
				// (a JSON report holds UTF-8 only: the cp1252 name as U+FFFD)
				assert.Equal(t, map[string]int{c.first: 1, strings.ToValidUTF8(c.other, "\uFFFD"): 1, "Other": 1}, files, "each file once")
				assert.Len(t, dests, 3, "each file under its own mailbox: %v", dests)

				code, res, text := verifyBin(t, src, format+":"+dst)
				require.Equal(t, exitOK, code, text)
				assert.Equal(t, 5, res.Totals.Matched)
				counts := map[string]int{}
				for _, mv := range res.Mailboxes {
					counts[mv.Destination.String()] += mv.DestMessages
				}
				assert.ElementsMatch(t, []int{1, 3}, []int{counts[c.name], counts[c.name+"~2"]}, "%v", counts)

				// resumed on the source file, not on the name
				code, _, stderr = runBin(t, "convert", src, format+":"+dst, "--report", rep)
				require.Equal(t, exitLossy, code, stderr)
				assert.Contains(t, stderr, "nothing to do")
				assert.Zero(t, readReport(t, rep).Totals.MessagesWritten)
				code, _, text = verifyBin(t, src, format+":"+dst)
				require.Equal(t, exitOK, code, text)

				// inspect says so
				code, out, stderr := runBin(t, "inspect", src)
				require.Equal(t, exitOK, code, stderr)
				assert.Contains(t, out, "has the same mailbox name as")
				assert.Equal(t, before, treeDigest(t, src), "the source is unchanged")
			})
		}
	}
}

// Issue 12 item 1: a source with messages in several mailboxes is refused
// for a single-file mbox destination before anything is written, again on
// a second run (the README's way to resume), and by inspect --to.
func TestSingleFileDestinationRefusedBeforeWriting(t *testing.T) {
	src := "../../testdata/eudora-sample"
	before := treeDigest(t, src)
	dir := t.TempDir()
	one := filepath.Join(dir, "one.mbox")
	for run := 0; run < 2; run++ {
		code, _, stderr := runBin(t, "convert", src, "mbox:"+one)
		require.Equal(t, exitUsage, code, stderr)
		assert.Contains(t, stderr, "holds one mailbox")
		assert.Contains(t, stderr, "INBOX")
		assert.Contains(t, stderr, "Trash")
		assert.Contains(t, stderr, "mbox:DIR")
		assert.NotContains(t, stderr, "0 of 0 message(s)", "no summary of a run that did not start")
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, ents, "nothing written, run %d", run)
	}
	code, _, stderr := runBin(t, "convert", "--opt", "single=true", src, "mbox:"+filepath.Join(dir, "one"))
	require.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "holds one mailbox")
	code, out, stderr := runBin(t, "inspect", "--to", "mbox:"+one, src)
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, out, "INBOX", "the inventory is still shown")
	assert.Contains(t, stderr, "holds one mailbox, but the source has messages in")
	assert.Equal(t, before, treeDigest(t, src), "the source is unchanged")
}

// journalMsg is what the tests read of a journal's message record.
type journalMsg struct {
	T   string        `json:"t"`
	Dst mailconv.Path `json:"dst"`
	D   string        `json:"d"`
	CP  string        `json:"cp"`
	Dup string        `json:"dup"`
}

// journalWrites returns the message records of a journal (none when it
// is not there) that say a message was written.
func journalWrites(t *testing.T, path string) []journalMsg {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var out []journalMsg
	for _, line := range strings.Split(string(b), "\n") {
		var r journalMsg
		if json.Unmarshal([]byte(line), &r) != nil || r.T != "msg" || r.Dup != "" {
			continue // a torn last line, or a record of another kind
		}
		out = append(out, r)
	}
	return out
}

// journalCommitted returns, per destination mailbox, the content digests
// a journal records as written there.
func journalCommitted(t *testing.T, path string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, r := range journalWrites(t, path) {
		out[r.Dst.String()] = append(out[r.Dst.String()], r.D)
	}
	return out
}

// destinationDigests reads a destination with its format's reader and
// returns the content digests of its messages by mailbox (as the journal
// computes them: the first 16 bytes of the SHA-256 of the octets).
func destinationDigests(t *testing.T, format, path string, params map[string]string) map[string]map[string]int {
	t.Helper()
	ctx := t.Context()
	f, ok := mailconv.LookupFormat(format)
	require.True(t, ok)
	r, err := f.Open(ctx, path, &mailconv.Options{Params: params})
	require.NoError(t, err)
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	require.NoError(t, err)
	out := map[string]map[string]int{}
	for _, mb := range mbs {
		if mb.NoSelect {
			continue
		}
		mr, err := r.Open(ctx, mb)
		require.NoError(t, err)
		set := map[string]int{}
		for {
			_, err := mr.Next()
			if err != nil {
				break
			}
			h := sha256.New()
			_, err = io.Copy(h, mr)
			require.NoError(t, err)
			set[hex.EncodeToString(h.Sum(nil)[:16])]++
		}
		mr.Close()
		out[mb.Path.String()] = set
	}
	return out
}

// Issue 12 item 1, in general: no writer truncates or replaces what an
// earlier run's journal records as committed. Each writer (maildir, mbox
// tree, single mbox file, IMAP on a Dovecot server) is interrupted (Ctrl-C
// or SIGKILL) at random points five times; after each run every message
// the journal records is in the destination; then a last run completes
// and verify passes.
func TestInterruptedWritersKeepCommittedBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	bin := binary(t)
	tree := filepath.Join(t.TempDir(), "tree")
	makeTree(t, tree, 4, 300<<10, 11)
	single := filepath.Join(t.TempDir(), "Inbox")
	f, err := os.Create(single)
	require.NoError(t, err)
	_, err = storegen.WriteMbox(f, storegen.MboxOptions{Size: 2 << 20, Seed: 12, MaxAttachment: 64 << 10, BigMessages: []int64{512 << 10}})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	before := map[string]string{tree: treeDigest(t, tree), single: treeDigest(t, single)}
	rng := rand.New(rand.NewSource(12))
	type writerCase struct {
		name, src, format string
		dst               func(t *testing.T, run string) string // the DST path or URL of a fresh destination
		flags             []string
	}
	local := func(name string) func(*testing.T, string) string {
		return func(t *testing.T, _ string) string { return filepath.Join(t.TempDir(), name) }
	}
	cases := []writerCase{
		{name: "maildir", src: tree, format: "maildir", dst: local("dst")},
		{name: "mbox-tree", src: tree, format: "mbox", dst: local("dst")},
		{name: "mbox-file", src: single, format: "mbox", dst: local("dst.mbox")},
	}
	{ // dovecotserver skips (or, under CI, fails) without Dovecot
		srv := dovecotserver.Start(t, dovecotserver.Config{})
		t.Setenv("MAILCONV_PASSWORD", srv.Password)
		cases = append(cases, writerCase{name: "imap", src: tree, format: "imap", flags: []string{"--allow-plaintext"},
			dst: func(_ *testing.T, run string) string { return "imap://" + srv.User + "@" + srv.IMAPAddr + "/" + run }})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			convert := func(dst, journal string) *exec.Cmd {
				args := append([]string{"convert", "--quiet", "--journal", journal}, c.flags...)
				return exec.Command(bin, append(args, c.src, c.format+":"+strings.TrimPrefix(dst, "imap:"))...)
			}
			start := time.Now()
			out, err := convert(c.dst(t, "ref"), filepath.Join(t.TempDir(), "j")).CombinedOutput()
			require.NoError(t, err, string(out))
			full := time.Since(start)
			dst := c.dst(t, "dst")
			jpath := filepath.Join(t.TempDir(), "journal")
			checked := 0 // recorded messages found in the destination
			defer func() { t.Logf("%d recorded message(s) checked after interrupted runs", checked) }()
			for run := 0; run < 5; run++ {
				cmd := convert(dst, jpath)
				require.NoError(t, cmd.Start())
				waitStarted(jpath)
				time.Sleep(time.Duration(rng.Int63n(int64(full) + 1)))
				sig := os.Signal(syscall.SIGKILL)
				if run%2 == 0 {
					sig = os.Interrupt
				}
				cmd.Process.Signal(sig)
				cmd.Wait()
				committed := journalCommitted(t, jpath)
				if len(committed) == 0 {
					continue
				}
				if c.format == "imap" {
					// the server stores CRLF: compare counts
					held := destinationDigests(t, c.format, strings.TrimPrefix(dst, "imap:"), map[string]string{"allow-plaintext": "true"})
					for mb, ds := range committed {
						n := 0
						for _, k := range held[mb] {
							n += k
						}
						require.GreaterOrEqual(t, n, len(ds), "run %d (%v): %s holds fewer messages than recorded", run, sig, mb)
						checked += len(ds)
					}
					continue
				}
				held := destinationDigests(t, c.format, dst, nil)
				for mb, ds := range committed {
					got := held[mb]
					if c.format == "mbox" && strings.HasSuffix(dst, ".mbox") {
						for _, set := range held { // one file, one mailbox
							got = set
						}
					}
					for _, d := range ds {
						require.Positive(t, got[d], "run %d (%v): message %s recorded in %s is not in the destination", run, sig, d, mb)
						got[d]--
						checked++
					}
				}
			}
			out, err = convert(dst, jpath).CombinedOutput()
			require.NoError(t, err, string(out))
			code, res, text := verifyBin(t, append([]string{"--journal", jpath}, append(c.flags, c.src, c.format+":"+strings.TrimPrefix(dst, "imap:"))...)...)
			require.Equal(t, exitOK, code, text)
			assert.Zero(t, res.Totals.Duplicates)
			assert.Equal(t, res.Totals.SourceMessages, res.Totals.DestMessages)
		})
	}
	for src, d := range before {
		assert.Equal(t, d, treeDigest(t, src), "the source %s is unchanged", src)
	}
}

// waitStarted waits (10 s at most) until a started conversion has its
// journal: it is then past its start (the handler of Ctrl-C is in place)
// and at work.
func waitStarted(journal string) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, err := os.Stat(journal); err == nil {
			return
		}
	}
}

// Issue 12 item 3: a refused or failed run leaves nothing it created: no
// journal, no destination folder; an earlier crash's empty journal is not
// taken for an earlier run.
func TestRefusedRunsLeaveNoDebris(t *testing.T) {
	dir := t.TempDir()
	notEmpty := filepath.Join(dir, "full")
	writeFiles(t, notEmpty, map[string]string{"keep": "x"})
	cases := []struct {
		name string
		args []string
		dst  string
	}{
		{"missing source", []string{"convert", "mbox:" + filepath.Join(dir, "nonexistent"), "maildir:" + filepath.Join(dir, "a")}, "a"},
		{"non-empty destination", []string{"convert", "../../testdata/sample-mbox", "maildir:" + notEmpty}, "full"},
		{"bad option value", []string{"convert", "--opt", "eol=sideways", "../../testdata/sample-mbox", "mbox:" + filepath.Join(dir, "b")}, "b"},
	}
	if os.Geteuid() != 0 { // root writes into a read-only directory
		ro := filepath.Join(dir, "ro")
		require.NoError(t, os.Mkdir(ro, 0o555))
		cases = append(cases, struct {
			name string
			args []string
			dst  string
		}{"read-only destination", []string{"convert", "../../testdata/sample-mbox", "maildir:" + ro}, "ro"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runBin(t, c.args...)
			require.NotEqual(t, exitOK, code, stderr)
			ents, err := os.ReadDir(dir)
			require.NoError(t, err)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			assert.NotContains(t, names, c.dst+".mailconv-journal", "no journal left behind")
			if c.dst == "full" || c.dst == "ro" {
				assert.Contains(t, names, c.dst, "what was there stays")
			} else {
				assert.NotContains(t, names, c.dst, "no destination left behind")
			}
		})
	}
	b, err := os.ReadFile(filepath.Join(notEmpty, "keep"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))

	// an empty journal (a crash before the first record) is not an
	// earlier run
	dst := filepath.Join(dir, "c")
	require.NoError(t, os.WriteFile(dst+".mailconv-journal", nil, 0o644))
	code, _, stderr := runBin(t, "convert", "../../testdata/sample-mbox", "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, stderr, "continuing from journal")
}

// Issue 12 item 5: verify pairs a single-file mbox destination with the
// source mailbox converted into it, with the journal, with --report and
// without a journal.
func TestVerifySingleFileDestination(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFiles(t, src, map[string]string{"Inbox": mboxMsgs("a", "b", "c"), "Trash": ""})
	before := treeDigest(t, src)
	one := filepath.Join(t.TempDir(), "one.mbox")
	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBin(t, "convert", src, "mbox:"+one, "--report", rep)
	require.Equal(t, exitOK, code, stderr)
	for _, args := range [][]string{{src, "mbox:" + one}, {"--report", rep, src, "mbox:" + one}} {
		code, res, text := verifyBin(t, args...)
		require.Equal(t, exitOK, code, text)
		assert.Equal(t, 3, res.Totals.Matched)
	}
	require.NoError(t, os.Remove(one+".mailconv-journal"))
	code, res, text := verifyBin(t, src, "mbox:"+one)
	require.Equal(t, exitOK, code, text)
	assert.Equal(t, 3, res.Totals.Matched)
	// a second file in the source is still found missing
	writeFiles(t, src, map[string]string{"Trash": mboxMsgs("d")})
	code, res, text = verifyBin(t, src, "mbox:"+one)
	assert.Equal(t, exitFailure, code, text)
	assert.Equal(t, 1, res.Totals.Missing)
	_ = before
}

// Issue 12 item 2: a destination converted from one source is not
// silently merged with another: refused (exit 2, naming both) and left
// untouched, unless --merge, which deduplicates by content by default.
func TestOtherSourceRefusedUnlessMerge(t *testing.T) {
	a := filepath.Join(t.TempDir(), "a")
	b := filepath.Join(t.TempDir(), "b")
	writeFiles(t, a, map[string]string{"Inbox": mboxMsgs("1", "2")})
	writeFiles(t, b, map[string]string{"Inbox": mboxMsgs("2", "3")})
	for _, format := range []string{"maildir", "mbox"} {
		t.Run(format, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			code, _, stderr := runBin(t, "convert", a, format+":"+dst)
			require.Equal(t, exitOK, code, stderr)
			dstBefore := treeDigest(t, dst)
			journal, err := os.ReadFile(dst + ".mailconv-journal")
			require.NoError(t, err)

			code, _, stderr = runBin(t, "convert", b, format+":"+dst)
			require.Equal(t, exitUsage, code, stderr)
			assert.Contains(t, stderr, "mbox:"+a)
			assert.Contains(t, stderr, b)
			assert.Contains(t, stderr, "--merge")
			assert.Equal(t, dstBefore, treeDigest(t, dst), "the destination is untouched")
			after, err := os.ReadFile(dst + ".mailconv-journal")
			require.NoError(t, err)
			assert.Equal(t, journal, after, "the journal is untouched")

			rep := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr = runBin(t, "convert", "--merge", b, format+":"+dst, "--report", rep)
			require.Equal(t, exitOK, code, stderr)
			r := readReport(t, rep)
			assert.Equal(t, 1, r.Totals.MessagesWritten, "message 3")
			assert.Equal(t, 1, r.Totals.MessagesMerged, "message 2, already there (dedup content)")
			code, _, text := verifyBin(t, "--allow-extra", b, format+":"+dst)
			require.Equal(t, exitOK, code, text)
			// the same source again is a resume, not a merge
			code, _, stderr = runBin(t, "convert", a, format+":"+dst)
			require.Equal(t, exitOK, code, stderr)
		})
	}
}

// Issue 12 item 6: --opt is for SRC, --dst-opt for DST, on verify and on
// convert.
func TestDstOptSeparatesSides(t *testing.T) {
	src := "../../testdata/eudora-sample"
	before := treeDigest(t, src)
	dst := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runBin(t, "convert", "--opt", "recover=emit", "--dst-opt", "eol=crlf", "eudora:"+src, "mbox:"+dst)
	require.Contains(t, []int{exitOK, exitLossy}, code, stderr)
	inbox, err := os.ReadFile(filepath.Join(dst, "Inbox"))
	require.NoError(t, err)
	assert.Contains(t, string(inbox), "\r\n", "--dst-opt eol=crlf reached the writer")
	// the eudora value of recover is not handed to the mbox reader of DST
	code, _, text := verifyBin(t, "--opt", "recover=emit", "eudora:"+src, "mbox:"+dst)
	assert.Equal(t, exitOK, code, text)
	assert.NotContains(t, text, "want true or false")
	code, _, text = verifyBin(t, "--opt", "recover=emit", "--dst-opt", "recover=false", "eudora:"+src, "mbox:"+dst)
	assert.Equal(t, exitOK, code, text)
	// a destination option the destination does not have
	code, _, stderr = runBin(t, "convert", "--dst-opt", "recover=true", "eudora:"+src, "mbox:"+filepath.Join(t.TempDir(), "x"))
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "--dst-opt")
	assert.Equal(t, before, treeDigest(t, src), "the source is unchanged")
}

// Issue 12 item 7: the first Ctrl-C finishes the message in hand and
// records it (every mbox file ends where the journal's last checkpoint
// for it says), prints the command that resumes, and exits 130; that
// command then completes the conversion.
func TestInterruptExits130AndResumes(t *testing.T) {
	bin := binary(t)
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src, 3, 600<<10, 21)
	before := treeDigest(t, src)
	ref := filepath.Join(t.TempDir(), "ref")
	start := time.Now()
	out, err := exec.Command(bin, "convert", "--quiet", src, "mbox:"+ref).CombinedOutput()
	require.NoError(t, err, string(out))
	full := time.Since(start)
	rng := rand.New(rand.NewSource(7))
	interrupted := 0
	for i := 0; i < 5; i++ {
		dst := filepath.Join(t.TempDir(), "dst")
		cmd := exec.Command(bin, "convert", src, "mbox:"+dst)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		require.NoError(t, cmd.Start())
		// once it has begun, at a random point
		waitStarted(dst + ".mailconv-journal")
		time.Sleep(time.Duration(rng.Int63n(int64(full)*8/10 + 1)))
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		err := cmd.Wait()
		if err == nil {
			continue // it finished first
		}
		interrupted++
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, exitInterrupted, ee.ExitCode(), "after %v of %v: %s", ee.String(), full, errb.String())
		assert.Contains(t, errb.String(), "run the same command again")
		assert.Contains(t, errb.String(), "mailconv convert "+src+" mbox:"+dst)
		// the message in hand was finished: no partial message after the
		// last recorded one
		// (no journal: stopped before the first message, nothing left)
		lastCP := map[string]string{}
		for _, r := range journalWrites(t, dst+".mailconv-journal") {
			if r.CP != "" {
				lastCP[r.Dst.String()] = r.CP
			}
		}
		for mb, cp := range lastCP {
			name := strings.ReplaceAll(mb, "/", ".sbd/")
			data, err := os.ReadFile(filepath.Join(dst, name))
			require.NoError(t, err)
			// the file ends at the checkpoint, or one separator line end
			// after it (the mbox writer closes a file with the last
			// message's separator line)
			end := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
			if fmt.Sprint(len(data)) != cp {
				assert.Equal(t, cp, fmt.Sprint(len(end)), "%s ends after its last recorded message", mb)
			}
		}
		code, _, stderr := runBin(t, "convert", src, "mbox:"+dst)
		require.Equal(t, exitOK, code, stderr)
		code, _, text := verifyBin(t, src, "mbox:"+dst)
		require.Equal(t, exitOK, code, text)
	}
	assert.Positive(t, interrupted, "at least one run was interrupted")
	assert.Equal(t, before, treeDigest(t, src), "the source is unchanged")
}

// Issue 12 item 8: re-running a finished conversion touches nothing in the
// destination (contents, names, modes and modification times).
func TestRerunTouchesNothing(t *testing.T) {
	for _, format := range []string{"maildir", "mbox"} {
		t.Run(format, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			code, _, stderr := runBin(t, "convert", "../../testdata/sample-mbox", format+":"+dst)
			require.Equal(t, exitOK, code, stderr)
			first := treeDigest(t, dst)
			time.Sleep(20 * time.Millisecond) // a rewrite would show in the times
			code, _, stderr = runBin(t, "convert", "../../testdata/sample-mbox", format+":"+dst)
			require.Equal(t, exitOK, code, stderr)
			assert.Contains(t, stderr, "nothing to do")
			assert.Equal(t, first, treeDigest(t, dst), "the destination is untouched")
		})
	}
}

// Issue 12 item 4: a source in which no mail was found is an error
// (exit 1) that says what was looked for and where, lists the files that
// are not mail, and leaves no destination or journal; "nothing to do" is
// said only after an earlier run did the work.
func TestNoMailFoundIsAnError(t *testing.T) {
	root := t.TempDir()
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	writeFiles(t, root, map[string]string{
		"junk/picture.png": png, "junk/notes.txt": "shopping list\n",
		"md/cur/.keep": "", "md/new/.keep": "",
	})
	require.NoError(t, os.Mkdir(filepath.Join(root, "empty"), 0o755))
	for _, c := range []struct {
		src      string
		notMail  []string // files the output must name
		lookedIn string
	}{
		{"mbox:" + filepath.Join(root, "empty"), nil, "mbox files"},
		{"mbox:" + filepath.Join(root, "junk"), []string{"picture.png", "notes.txt"}, "mbox files"},
		{"maildir:" + filepath.Join(root, "junk"), []string{"picture.png", "notes.txt"}, "Maildir"},
		{filepath.Join(root, "md"), nil, "Maildir"},
		{"maildir:" + filepath.Join(root, "empty"), nil, "Maildir"},
	} {
		t.Run(c.src, func(t *testing.T) {
			before := treeDigest(t, root)
			dst := filepath.Join(t.TempDir(), "dst")
			code, _, stderr := runBin(t, "convert", c.src, "maildir:"+dst)
			require.Equal(t, exitFailure, code, stderr)
			assert.Contains(t, stderr, "no mail found in")
			assert.Contains(t, stderr, c.lookedIn)
			assert.NotContains(t, stderr, "nothing to do")
			for _, f := range c.notMail {
				assert.Contains(t, stderr, f, "files that are not mail are listed")
			}
			assert.NoFileExists(t, dst+".mailconv-journal")
			assert.NoDirExists(t, dst)
			assert.Equal(t, before, treeDigest(t, root), "the source is unchanged")
		})
	}
	// "nothing to do" after a run that did the work
	dst := filepath.Join(t.TempDir(), "dst")
	code, _, stderr := runBin(t, "convert", "../../testdata/sample-mbox", "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, stderr, "nothing to do")
	code, _, stderr = runBin(t, "convert", "../../testdata/sample-mbox", "maildir:"+dst)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "nothing to do")
}

// Issue 12 item 4a: message files outside cur/ and new/ (directly in a
// folder's directory, as in notmuch's test corpus) are listed as skipped,
// each with its path; files there that are not mail are warned about;
// nothing is left behind without a word.
func TestMaildirFilesOutsideCurNewListed(t *testing.T) {
	src := filepath.Join(t.TempDir(), "md")
	msg := func(s string) string { return "From: a@b\nSubject: " + s + "\nMessage-ID: <" + s + "@x>\n\nbody\n" }
	writeFiles(t, src, map[string]string{
		"cur/1:2,S": msg("in-cur"), "new/2": msg("in-new"),
		"loose1": msg("loose1"), "loose2:2,": msg("loose2"),
		".Work/cur/3:2,": msg("work"), ".Work/flat": msg("flat"), ".Work/maildirfolder": "",
		"dovecot-uidlist": "3 V1 N4\n", "photo.jpg": "\xff\xd8\xff\xe0\x00\x10JFIF",
	})
	// a flat folder of messages only
	flat := filepath.Join(t.TempDir(), "flat")
	writeFiles(t, flat, map[string]string{"cur/.keep": "", "1": msg("f1"), "2": msg("f2"), "3": msg("f3")})
	before := map[string]string{src: treeDigest(t, src), flat: treeDigest(t, flat)}

	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBin(t, "convert", "maildir:"+src, "maildir:"+filepath.Join(t.TempDir(), "out"), "--report", rep)
	require.Equal(t, exitLossy, code, "skips make exit 3: %s", stderr)
	r := readReport(t, rep)
	assert.Equal(t, 3, r.Totals.MessagesWritten)
	var skipped []string
	for _, e := range r.Skips {
		if e.Code == "maildir.outside-cur-new" {
			skipped = append(skipped, filepath.Base(e.Location.File))
		}
	}
	assert.ElementsMatch(t, []string{"loose1", "loose2:2,", "flat"}, skipped)
	assert.Equal(t, 1, countCode(r.Warnings, "maildir.not-mail"), "photo.jpg")
	assert.Contains(t, stderr, filepath.Join(src, ".Work", "flat"))
	assert.Zero(t, countCode(r.Warnings, "maildir.not-mail")-1, "dovecot-uidlist and maildirfolder are the server's, not listed")

	code, _, stderr = runBin(t, "convert", "maildir:"+flat, "maildir:"+filepath.Join(t.TempDir(), "out"))
	require.Equal(t, exitLossy, code, stderr)
	assert.Equal(t, 3, strings.Count(stderr, "maildir.outside-cur-new"), stderr)
	assert.NotContains(t, stderr, "nothing to do")
	for p, d := range before {
		assert.Equal(t, d, treeDigest(t, p), "the source %s is unchanged", p)
	}
}

// Issue 12 item 9: the one-line summary names what was left out on
// purpose, with the option that converts it.
func TestSummaryNamesWhatWasLeftOut(t *testing.T) {
	src := filepath.Join(t.TempDir(), "tb")
	writeFiles(t, src, map[string]string{"Inbox": "From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: kept\n\nbody\n\n" +
		"From - Mon Jan  1 00:00:01 2001\nX-Mozilla-Status: 0009\nSubject: expunged\n\nbody\n"})
	before := treeDigest(t, src)
	code, _, stderr := runBin(t, "convert", src, "maildir:"+filepath.Join(t.TempDir(), "out"))
	require.Equal(t, exitLossy, code, stderr)
	first, _, _ := strings.Cut(stderr, "\n")
	assert.Contains(t, first, "1 of 1 message(s) written")
	assert.Contains(t, first, "left out on purpose: 1 message(s) Thunderbird marked expunged")
	assert.Contains(t, first, "--opt recover=true")
	assert.Equal(t, before, treeDigest(t, src), "the source is unchanged")

	// exit 3: the sample's signed message is a reported loss
	code, _, stderr = runBin(t, "convert", "../../testdata/eudora-sample", "maildir:"+filepath.Join(t.TempDir(), "out"))
	require.Equal(t, exitLossy, code, stderr)
	first, _, _ = strings.Cut(stderr, "\n")
	assert.Contains(t, first, "left out on purpose: deleted Eudora mail not yet compacted, in 1 mailbox(es)")
	assert.Contains(t, first, "--opt recover=emit")
}
