package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
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
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/internal/storegen"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// binary builds the mailconv command once for the tests that run it as a
// process (to kill it).
var binaryPath string

func binary(t *testing.T) string {
	t.Helper()
	if binaryPath != "" {
		return binaryPath
	}
	dir, err := os.MkdirTemp("", "mailconv-bin")
	require.NoError(t, err)
	p := filepath.Join(dir, "mailconv")
	out, err := exec.Command("go", "build", "-o", p, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	binaryPath = p
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	if !checkVerifiedAfterConvert() && code == 0 {
		code = 1
	}
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// makeTree writes an mbox tree of n mailboxes (some nested) with about
// size bytes each, including a few large messages so that kills land inside
// a message.
func makeTree(t *testing.T, dir string, n int, size int64, seed int64) {
	t.Helper()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("box%02d", i)
		if i%3 == 2 {
			name = filepath.Join(fmt.Sprintf("box%02d.sbd", i-1), fmt.Sprintf("child%02d", i))
		}
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		f, err := os.Create(p)
		require.NoError(t, err)
		opts := storegen.MboxOptions{Size: size, Seed: seed + int64(i), MaxAttachment: 64 << 10}
		if i == 0 {
			opts.BigMessages = []int64{2 << 20}
		}
		_, err = storegen.WriteMbox(f, opts)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
}

// treeDigest hashes every file of a tree (names, modes, contents), to prove
// a source was not modified.
func treeDigest(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s %v %d\n", rel, fi.Mode(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

type verifyOut struct {
	code int
	res  migrate.VerifyResult
	text string
}

func runVerifyJSON(t *testing.T, src, dst string, flags ...string) verifyOut {
	t.Helper()
	code, out, stderr := runCLI(append(append([]string{"verify", "--json"}, flags...), src, dst)...)
	var res migrate.VerifyResult
	require.NoError(t, json.Unmarshal([]byte(out), &res), "verify output: %s %s", out, stderr)
	return verifyOut{code, res, out}
}

// A conversion killed with SIGKILL at random points and started again with
// the same command ends with exactly the messages of an uninterrupted run.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kills many processes")
	}
	bin := binary(t)
	mboxSrc := filepath.Join(t.TempDir(), "src")
	makeTree(t, mboxSrc, 6, 400<<10, 1)
	eudoraSrc := filepath.Join(t.TempDir(), "eudora")
	_, err := eudoratest.Generate(eudoraSrc, eudoratest.GenOptions{Size: 3 << 20, Seed: 5, MaxAttachment: 256 << 10})
	require.NoError(t, err)
	before := map[string]string{mboxSrc: treeDigest(t, mboxSrc), eudoraSrc: treeDigest(t, eudoraSrc)}

	for _, c := range []struct{ name, src, format string }{
		{"mbox-to-maildir", mboxSrc, "maildir"}, {"mbox-to-mbox", mboxSrc, "mbox"}, {"eudora-to-maildir", eudoraSrc, "maildir"},
	} {
		src, format := c.src, c.format
		t.Run(c.name, func(t *testing.T) {
			// How long does an uninterrupted run take?
			ref := filepath.Join(t.TempDir(), "ref")
			start := time.Now()
			out, err := exec.Command(bin, "convert", "--quiet", src, format+":"+ref).CombinedOutput()
			require.NoError(t, err, string(out))
			full := time.Since(start)
			rng := rand.New(rand.NewSource(42))
			iterations := 12
			for i := 0; i < iterations; i++ {
				dst := filepath.Join(t.TempDir(), "dst")
				kills := 1 + rng.Intn(3)
				for k := 0; k < kills; k++ {
					cmd := exec.Command(bin, "convert", "--quiet", src, format+":"+dst)
					require.NoError(t, cmd.Start())
					time.Sleep(time.Duration(rng.Int63n(int64(full) + 1)))
					cmd.Process.Signal(syscall.SIGKILL)
					cmd.Wait()
				}
				out, err := exec.Command(bin, "convert", "--quiet", src, format+":"+dst).CombinedOutput()
				require.NoError(t, err, "resume %d: %s", i, out)
				v := runVerifyJSON(t, src, dst)
				require.Equal(t, exitOK, v.code, "iteration %d: %s", i, v.text)
				assert.Zero(t, v.res.Totals.Missing)
				assert.Zero(t, v.res.Totals.Duplicates)
				assert.Equal(t, v.res.Totals.SourceMessages, v.res.Totals.DestMessages)
				// and a further run has nothing to do
				out, err = exec.Command(bin, "convert", src, format+":"+dst).CombinedOutput()
				require.NoError(t, err, string(out))
				assert.Contains(t, string(out), "nothing to do")
			}
		})
	}
	for src, d := range before {
		assert.Equal(t, d, treeDigest(t, src), "the source %s is unchanged", src)
	}
}

// Re-running a finished conversion writes nothing and says so; adding 10
// messages to the source converts exactly those 10.
func TestIncremental(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src, 3, 50<<10, 7)
	for _, format := range []string{"maildir", "mbox"} {
		t.Run(format, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			rep := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr := runCLI("convert", src, format+":"+dst, "--report", rep)
			require.Equal(t, exitOK, code, stderr)
			first := readReport(t, rep)

			code, _, stderr = runCLI("convert", src, format+":"+dst, "--report", rep)
			require.Equal(t, exitOK, code, stderr)
			again := readReport(t, rep)
			assert.True(t, again.NothingToDo)
			assert.Zero(t, again.Totals.MessagesWritten)
			assert.Equal(t, first.Totals.MessagesWritten, again.Totals.MessagesUnchanged)
			assert.Contains(t, stderr, "nothing to do")

			// 10 more messages in one mailbox
			f, err := os.OpenFile(filepath.Join(src, "box00"), os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			for i := 0; i < 10; i++ {
				fmt.Fprintf(f, "\nFrom new@example.com Mon Jan  1 00:00:%02d 2024\nSubject: new %d\nMessage-ID: <new%d@x>\n\nbody %d\n", i, i, i, i)
			}
			require.NoError(t, f.Close())
			code, _, stderr = runCLI("convert", src, format+":"+dst, "--report", rep)
			require.Equal(t, exitOK, code, stderr)
			inc := readReport(t, rep)
			assert.Equal(t, 10, inc.Totals.MessagesWritten)
			assert.False(t, inc.NothingToDo)
			v := runVerifyJSON(t, src, dst)
			assert.Equal(t, exitOK, v.code, v.text)
		})
	}
}

func readReport(t *testing.T, path string) *migrate.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	r := &migrate.Report{}
	require.NoError(t, json.Unmarshal(b, r))
	return r
}

// verify detects each kind of damage to a destination.
func TestVerifyDetectsDamage(t *testing.T) {
	src := t.TempDir()
	mbox := func(subjects ...string) string {
		var b strings.Builder
		for i, s := range subjects {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "From a@b Mon Jan  1 00:00:%02d 2001\nSubject: %s\nStatus: RO\n\nbody of %s\n", i, s, s)
		}
		return b.String()
	}
	require.NoError(t, os.WriteFile(filepath.Join(src, "Inbox"), []byte(mbox("one", "two", "three")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "Work"), []byte(mbox("w1", "w2")), 0o644))

	fresh := func(t *testing.T) string {
		dst := filepath.Join(t.TempDir(), "dst")
		code, _, stderr := runCLI("convert", src, "maildir:"+dst)
		require.Equal(t, exitOK, code, stderr)
		v := runVerifyJSON(t, src, dst)
		require.Equal(t, exitOK, v.code, v.text)
		return dst
	}
	files := func(t *testing.T, dir string) []string {
		m, err := filepath.Glob(filepath.Join(dir, "cur", "*"))
		require.NoError(t, err)
		require.NotEmpty(t, m)
		return m
	}
	check := func(t *testing.T, dst string, what func(migrate.VerifyTotals) int) {
		v := runVerifyJSON(t, src, dst)
		assert.Equal(t, exitFailure, v.code)
		assert.False(t, v.res.OK)
		assert.Equal(t, 1, what(v.res.Totals), v.text)
	}
	t.Run("message deleted", func(t *testing.T) {
		dst := fresh(t)
		require.NoError(t, os.Remove(files(t, dst)[0]))
		check(t, dst, func(v migrate.VerifyTotals) int { return v.Missing })
	})
	t.Run("one byte changed", func(t *testing.T) {
		dst := fresh(t)
		f := files(t, dst)[1]
		b, _ := os.ReadFile(f)
		b[len(b)-2] ^= 1
		fi, _ := os.Stat(f)
		require.NoError(t, os.WriteFile(f, b, 0o600))
		os.Chtimes(f, fi.ModTime(), fi.ModTime())
		check(t, dst, func(v migrate.VerifyTotals) int { return v.Missing })
	})
	t.Run("flag changed", func(t *testing.T) {
		dst := fresh(t)
		f := files(t, dst)[0]
		require.True(t, strings.HasSuffix(f, ":2,S"), f)
		require.NoError(t, os.Rename(f, strings.TrimSuffix(f, ":2,S")+":2,FS"))
		check(t, dst, func(v migrate.VerifyTotals) int { return v.FlagDiffs })
	})
	t.Run("message duplicated", func(t *testing.T) {
		dst := fresh(t)
		f := files(t, dst)[0]
		b, _ := os.ReadFile(f)
		dup := filepath.Join(filepath.Dir(f), "9999999999.copy.host:2,S")
		require.NoError(t, os.WriteFile(dup, b, 0o600))
		fi, _ := os.Stat(f)
		os.Chtimes(dup, fi.ModTime(), fi.ModTime())
		check(t, dst, func(v migrate.VerifyTotals) int { return v.Duplicates })
		v := runVerifyJSON(t, src, dst, "--allow-extra")
		assert.Equal(t, exitFailure, v.code, "a second copy fails even with --allow-extra")
	})
	t.Run("other mail in the destination", func(t *testing.T) {
		dst := fresh(t)
		f := files(t, dst)[0]
		other := filepath.Join(filepath.Dir(f), "9999999999.other.host:2,S")
		require.NoError(t, os.WriteFile(other, []byte("Subject: other\n\nnot from the source\n"), 0o600))
		require.NoError(t, os.MkdirAll(filepath.Join(dst, ".Elsewhere", "cur"), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dst, ".Elsewhere", "cur", "1.x.host:2,S"), []byte("Subject: x\n\nx\n"), 0o600))
		v := runVerifyJSON(t, src, dst)
		assert.Equal(t, exitFailure, v.code)
		assert.Equal(t, 2, v.res.Totals.Extra)
		v = runVerifyJSON(t, src, dst, "--allow-extra")
		assert.Equal(t, exitOK, v.code, v.text)
		assert.True(t, v.res.OK)
		assert.Equal(t, 2, v.res.Totals.Extra)
		assert.Equal(t, 5, v.res.Totals.Matched)
	})
	t.Run("folder renamed", func(t *testing.T) {
		dst := fresh(t)
		require.NoError(t, os.Rename(filepath.Join(dst, ".Work"), filepath.Join(dst, ".Play")))
		v := runVerifyJSON(t, src, dst)
		assert.Equal(t, exitFailure, v.code)
		assert.Equal(t, 2, v.res.Totals.Missing)
		assert.Equal(t, 2, v.res.Totals.Extra)
		var missingMailbox, extraMailbox bool
		for _, mv := range v.res.Mailboxes {
			missingMailbox = missingMailbox || mv.MissingMailbox
			extraMailbox = extraMailbox || mv.ExtraMailbox
		}
		assert.True(t, missingMailbox && extraMailbox, v.text)
	})
}

// Sources are never modified, by any kind of conversion, including failing
// ones.
func TestSourceUnchanged(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src, 4, 30<<10, 3)
	t.Run("eudora", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "eudora")
		require.NoError(t, os.CopyFS(src, os.DirFS("../../testdata/eudora-sample")))
		before := treeDigest(t, src)
		for _, d := range []string{"mbox:" + filepath.Join(t.TempDir(), "a"), "maildir:" + filepath.Join(t.TempDir(), "b")} {
			runCLI("convert", "--opt", "recover=emit", src, d)
			runCLI("inspect", src)
			runCLI("verify", src, strings.SplitN(d, ":", 2)[1])
			runCLI("contacts", src, filepath.Join(t.TempDir(), "c.ldif"))
			runCLI("filters", src, filepath.Join(t.TempDir(), "f.sieve"))
			runCLI("extras", src, t.TempDir())
		}
		runCLI("convert", src, "mbox:"+filepath.Join(t.TempDir(), "single.mbox")) // fails: several mailboxes
		assert.Equal(t, before, treeDigest(t, src))
	})
	before := treeDigest(t, src)
	dsts := []string{"mbox:" + filepath.Join(t.TempDir(), "a"), "maildir:" + filepath.Join(t.TempDir(), "b"),
		"mbox:" + filepath.Join(t.TempDir(), "single.mbox")} // the last one fails: several mailboxes
	for _, d := range dsts {
		runCLI("convert", src, d)
		runCLI("inspect", src)
		runCLI("verify", src, strings.SplitN(d, ":", 2)[1])
	}
	// a conversion that fails half-way (destination not writable)
	ro := filepath.Join(t.TempDir(), "ro")
	require.NoError(t, os.MkdirAll(ro, 0o500))
	runCLI("convert", src, "maildir:"+filepath.Join(ro, "x"))
	assert.Equal(t, before, treeDigest(t, src))
}

// A conversion into a file system that fills up fails cleanly; once space
// is freed, the same command finishes the job with nothing lost or
// duplicated. Needs root (it mounts a small tmpfs); skipped otherwise.
func TestDiskFullThenResume(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a size-limited tmpfs")
	}
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src, 5, 300<<10, 11)
	for _, format := range []string{"maildir", "mbox"} {
		t.Run(format, func(t *testing.T) {
			mnt := t.TempDir()
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", mnt).CombinedOutput(); err != nil {
				// (containers often forbid mounts; the same failure is
				// injected in-process by TestInjectedWriteErrorsResume)
				t.Skipf("cannot mount tmpfs here: %v %s", err, out)
			}
			defer exec.Command("umount", mnt).Run()
			dst := filepath.Join(mnt, "dst")
			code, _, stderr := runCLI("convert", "--quiet", src, format+":"+dst)
			require.Equal(t, exitFailure, code, "the small file system must fill up")
			assert.Contains(t, stderr, "no space left on device")
			// free space, run the same command again
			out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput()
			require.NoError(t, err, string(out))
			code, _, stderr = runCLI("convert", "--quiet", src, format+":"+dst)
			require.Equal(t, exitOK, code, stderr)
			v := runVerifyJSON(t, src, dst)
			require.Equal(t, exitOK, v.code, v.text)
			assert.Zero(t, v.res.Totals.Duplicates)
		})
	}
}

// inspect lists every naming hazard and the name each mailbox will get; the
// conversion then uses exactly those names.
func TestInspectNameHazardsMatchConversion(t *testing.T) {
	// (a 300-character name cannot be a file name: it is in the library
	// test TestInspectLongNames, with an in-memory source)
	long := strings.Repeat("Long name ", 24) // 240 bytes: the longest an mbox tree holds
	paths := []mailconv.Path{{"INBOX"}, {"Réunions", "Comptes rendus"}, {"OS/2 Users"}, {"tine20.org"}, {"Tom & Jerry"},
		{" lead"}, {"trail "}, {"Work"}, {"work"}, {long}, {"Projects"}, {"Projects", "INBOX"}, {"Projects", "2019"}, {"100%"}}
	src := filepath.Join(t.TempDir(), "src")
	w, err := mbox.Create(context.Background(), src, nil)
	require.NoError(t, err)
	var mbs []*mailconv.Mailbox
	for _, p := range paths {
		mbs = append(mbs, &mailconv.Mailbox{Path: p})
	}
	plan := mailconv.PlanNames(mbs, w.Capabilities())
	for _, mb := range plan.Mailboxes {
		mw, err := w.CreateMailbox(context.Background(), mb)
		require.NoError(t, err)
		if mw != nil {
			require.NoError(t, mw.WriteMessage(context.Background(), &mailconv.Message{Flags: mailconv.FlagSeen},
				strings.NewReader("Subject: x\nMessage-ID: <same@x>\n\ny\n")))
			require.NoError(t, mw.Close())
		}
	}
	require.NoError(t, w.Close())

	for _, target := range []string{"maildir", "mbox"} {
		t.Run(target, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			code, out, stderr := runCLI("inspect", "--json", "--to", target+":"+dst, src)
			require.Equal(t, exitOK, code, stderr)
			var inv migrate.Inventory
			require.NoError(t, json.Unmarshal([]byte(out), &inv))
			hazards := map[string]string{}
			planned := map[string]string{}
			for _, n := range inv.Names {
				hazards[n.Path.String()] = strings.Join(n.Hazards, "; ")
				if n.Destination != nil {
					planned[n.Path.String()] = n.Destination.String()
				}
			}
			assert.Contains(t, hazards["Réunions"], "non-ASCII")
			assert.Contains(t, hazards[`OS\/2 Users`], "contains '/'")
			assert.Contains(t, hazards["tine20.org"], "contains '.'")
			assert.Contains(t, hazards["Tom & Jerry"], "contains '&'")
			assert.Contains(t, hazards[" lead"], "white space")
			assert.Contains(t, hazards["trail "], "white space")
			assert.Contains(t, hazards["Work"], "differs only in case")
			assert.Contains(t, hazards["work"], "differs only in case")
			assert.Contains(t, hazards["Projects/INBOX"], "reserved name INBOX")
			assert.Contains(t, hazards["Projects"], "holds messages and sub-mailboxes")
			assert.Equal(t, len(paths)-1, inv.DuplicateMessageIDs, "the same Message-ID everywhere")
			require.NotNil(t, inv.Target)
			assert.NotEmpty(t, planned, "some names change for %s", target)

			rep := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr = runCLI("convert", src, target+":"+dst, "--report", rep)
			require.Equal(t, exitLossy, code, "renames make the run lossy: %s", stderr)
			r := readReport(t, rep)
			used := map[string]string{}
			for _, mr := range r.Mailboxes {
				if !mr.Destination.Equal(mr.Source) {
					used[mr.Source.String()] = mr.Destination.String()
				}
			}
			assert.Equal(t, planned, used, "the conversion used the names inspect announced")
		})
	}
}

// Two stores merged into one destination: with --dedup content the messages
// the second shares with the first are not written twice, and the report
// lists them; without dedup they are.
func TestMergeWithDedup(t *testing.T) {
	msg := func(id string) string {
		return fmt.Sprintf("From a@b Mon Jan  1 00:00:00 2001\nSubject: %s\nMessage-ID: <%s@x>\nStatus: RO\n\nbody %s\n", id, id, id)
	}
	a, b := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(a, "Inbox"), []byte(msg("1")+"\n"+msg("2")+"\n"+msg("3")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(b, "Inbox"), []byte(msg("2")+"\n"+msg("3")+"\n"+msg("4")), 0o644))
	for _, format := range []string{"maildir", "mbox"} {
		for _, policy := range []string{"content", "message-id", "none"} {
			t.Run(format+"/"+policy, func(t *testing.T) {
				dst := filepath.Join(t.TempDir(), "dst")
				code, _, stderr := runCLI("convert", a, format+":"+dst)
				require.Equal(t, exitOK, code, stderr)
				rep := filepath.Join(t.TempDir(), "r.json")
				code, _, stderr = runCLI("convert", "--merge", "--dedup", policy, b, format+":"+dst, "--report", rep)
				require.Equal(t, exitOK, code, stderr)
				r := readReport(t, rep)
				inv := inspectJSON(t, dst)
				if policy == "none" {
					assert.Equal(t, 3, r.Totals.MessagesWritten)
					assert.Equal(t, 6, inv.Totals.Messages)
					return
				}
				assert.Equal(t, 1, r.Totals.MessagesWritten)
				assert.Equal(t, 2, r.Totals.MessagesMerged)
				assert.Equal(t, 2, countCode(r.Infos, "dedup."+policy))
				assert.Equal(t, 4, inv.Totals.Messages)
				assert.Zero(t, inv.DuplicateMessageIDs)
			})
		}
	}
}

func countCode(evs []mailconv.Event, code string) int {
	n := 0
	for _, e := range evs {
		if e.Code == code {
			n++
		}
	}
	return n
}

func inspectJSON(t *testing.T, path string) *migrate.Inventory {
	t.Helper()
	code, out, stderr := runCLI("inspect", "--json", path)
	require.Equal(t, exitOK, code, stderr)
	inv := &migrate.Inventory{}
	require.NoError(t, json.Unmarshal([]byte(out), inv))
	return inv
}

// verify accounts for the losses the conversion reported when given its
// report: 30 keywords in one maildir folder (Dovecot keeps 26).
func TestVerifyAccountsForReportedLosses(t *testing.T) {
	src := t.TempDir()
	var b strings.Builder
	for i := 0; i < 30; i++ {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "From a@b Mon Jan  1 00:00:%02d 2001\nSubject: %d\nStatus: RO\nX-Keywords: tag%02d\n\nbody %d\n", i, i, i, i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(src, "Inbox"), []byte(b.String()), 0o644))
	dst := filepath.Join(t.TempDir(), "dst")
	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI("convert", src, "maildir:"+dst, "--report", rep)
	require.Equal(t, exitLossy, code, stderr)
	r := readReport(t, rep)
	require.Equal(t, 4, r.Totals.Losses, "keywords 27 to 30 cannot be held")

	v := runVerifyJSON(t, src, dst)
	assert.Equal(t, exitFailure, v.code)
	assert.Equal(t, 4, v.res.Totals.KeywordDiffs)
	v = runVerifyJSON(t, src, dst, "--report", rep)
	assert.Equal(t, exitOK, v.code, v.text)
	assert.Equal(t, 4, v.res.Totals.Accounted)
}

// Outputs placed inside the source (a destination, a journal, a report, the
// side exports' files) are refused before anything is written: writing
// there would modify the source, and a later read of it would take our own
// files for mail. A symbolic link to the source counts as the source.
func TestOutputsInsideSourceRefused(t *testing.T) {
	src := filepath.Join(t.TempDir(), "eudora")
	require.NoError(t, os.CopyFS(src, os.DirFS("../../testdata/eudora-sample")))
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(src, link))
	before := treeDigest(t, src)
	out := filepath.Join(t.TempDir(), "out")
	for _, args := range [][]string{
		{"convert", src, "maildir:" + filepath.Join(src, "out")},
		{"convert", link, "mbox:" + filepath.Join(src, "Work.fol", "out")},
		{"convert", src, "maildir:" + out, "--journal", filepath.Join(src, "j")},
		{"convert", src, "maildir:" + out, "--report", filepath.Join(src, "r.json")},
		{"convert", "eudora:" + filepath.Join(src, "In.mbx"), "mbox:" + filepath.Join(src, "In.mbx")},
		{"convert", src, "maildir:" + filepath.Dir(src)},
		{"contacts", src, filepath.Join(src, "c.ldif")},
		{"contacts", src, filepath.Join(t.TempDir(), "c.ldif"), "--report", filepath.Join(link, "r.json")},
		{"filters", src, filepath.Join(src, "f.sieve")},
		{"extras", src, filepath.Join(src, "extras")},
	} {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
		assert.Regexp(t, `(is|is inside) the source.*never written to|does not hold the source`, stderr, "%v", args)
	}
	assert.NoFileExists(t, out)
	assert.Equal(t, before, treeDigest(t, src))
}

// The same conversion started twice at once: the second run is refused
// (its journal is locked) and the first ends with every message once.
func TestSecondRunRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes")
	}
	bin := binary(t)
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src, 3, 4<<20, 9)
	dst := filepath.Join(t.TempDir(), "dst")
	first := exec.Command(bin, "convert", "--quiet", "--durable", src, "maildir:"+dst)
	require.NoError(t, first.Start())
	defer first.Process.Kill()
	require.Eventually(t, func() bool { return fileExists(migrate.JournalPath(dst)) }, 10*time.Second, 5*time.Millisecond)
	out, err := exec.Command(bin, "convert", "--quiet", src, "maildir:"+dst).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, string(out))
	assert.Equal(t, exitFailure, ee.ExitCode(), string(out))
	assert.Contains(t, string(out), "in use by another mailconv run")
	require.NoError(t, first.Wait(), "the first run is not disturbed")
	v := runVerifyJSON(t, src, dst)
	assert.Equal(t, exitOK, v.code, v.text)
	assert.Zero(t, v.res.Totals.Duplicates)
}
