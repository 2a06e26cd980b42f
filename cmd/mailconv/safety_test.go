package main

// CLI tests of issue 12 (destination safety and honest outcomes): each
// runs the built binary, as a user would.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
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
func verifyBin(t *testing.T, args ...string) (int, *mailconv.VerifyResult, string) {
	t.Helper()
	code, out, stderr := runBin(t, append([]string{"verify", "--json"}, args...)...)
	res := &mailconv.VerifyResult{}
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
