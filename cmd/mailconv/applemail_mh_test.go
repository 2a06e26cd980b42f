package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/applemail/applemailtest"
	"github.com/mailconv/mailconv/migrate"
)

func writeTestFile(t *testing.T, p, s string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
}

const testMail = "From: a@example.com\nSubject: s\n\nbody\n"

// appleStore writes a small V10 tree and returns ~/Library/Mail.
func appleStore(t *testing.T) string {
	t.Helper()
	lib := filepath.Join(t.TempDir(), "Mail")
	msg := func(id int, flags uint64) applemailtest.Msg {
		return applemailtest.Msg{ID: id, Header: "Subject: m\nMessage-Id: <" + time.Unix(int64(id), 0).String() + "@x>\n",
			Text: "t\n", Flags: flags, Received: time.Unix(int64(1400000000+id), 0)}
	}
	_, err := applemailtest.Write(lib, applemailtest.Store{Version: 10, Accounts: []applemailtest.Account{
		{Dir: "Mailboxes", Mailboxes: []applemailtest.Mailbox{{Name: "Kept", Msgs: []applemailtest.Msg{msg(1, 1), msg(2, 0)},
			Children: []applemailtest.Mailbox{{Name: "Inner", Msgs: []applemailtest.Msg{msg(3, 1<<4)}}}}}},
	}})
	require.NoError(t, err)
	return lib
}

// mhStore writes an nmh mail root with two folders.
func mhStore(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "Mail")
	writeTestFile(t, filepath.Join(root, "context"), "Current-Folder: inbox\n")
	writeTestFile(t, filepath.Join(root, "inbox", "1"), testMail)
	writeTestFile(t, filepath.Join(root, "inbox", "2"), testMail)
	writeTestFile(t, filepath.Join(root, "inbox", ".mh_sequences"), "unseen: 2\nflagged: 1\n")
	writeTestFile(t, filepath.Join(root, "lists", "5"), testMail)
	return root
}

// TestDetectionAcrossFormats: with every format registered, detection
// picks applemail and mh for their stores without a prefix and leaves the
// others' stores to them: a Thunderbird tree holding an Apple bundle stays
// mbox, a maildir stays maildir, a directory of .eml files is neither MH
// nor Apple Mail, an mbox file and the Eudora sample keep their formats.
func TestDetectionAcrossFormats(t *testing.T) {
	base := t.TempDir()
	lib := appleStore(t)
	bundleDir := filepath.Join(base, "Export")
	bundle, err := applemailtest.WriteBundle(bundleDir, "Family", [][]byte{[]byte(testMail)})
	require.NoError(t, err)

	profile := filepath.Join(base, "profile")
	tb := filepath.Join(profile, "Local Folders")
	writeTestFile(t, filepath.Join(tb, "Inbox"), "From a@b Sat Jan  1 10:00:00 2005\n"+testMail)
	writeTestFile(t, filepath.Join(tb, "Inbox.msf"), "// mork\n")
	writeTestFile(t, filepath.Join(tb, "Archive.sbd", "2019"), "From a@b Sat Jan  1 10:00:00 2005\n"+testMail)
	_, err = applemailtest.WriteBundle(tb, "Imported", [][]byte{[]byte(testMail)})
	require.NoError(t, err)

	md := filepath.Join(base, "Maildir")
	writeTestFile(t, filepath.Join(md, "cur", "1.x:2,S"), testMail)
	require.NoError(t, os.MkdirAll(filepath.Join(md, "new"), 0o755))

	mhRoot := mhStore(t)
	numbered := filepath.Join(base, "numbered")
	writeTestFile(t, filepath.Join(numbered, "1"), testMail)
	writeTestFile(t, filepath.Join(numbered, "2"), testMail)
	claws := filepath.Join(base, "claws")
	writeTestFile(t, filepath.Join(claws, "3"), testMail)
	writeTestFile(t, filepath.Join(claws, ".claws_mark"), "\x02\x00\x00\x00")

	emls := filepath.Join(base, "emls")
	writeTestFile(t, filepath.Join(emls, "1.eml"), testMail)
	writeTestFile(t, filepath.Join(emls, "2.eml"), testMail)

	bare := filepath.Join(base, "bare")
	require.NoError(t, os.CopyFS(bare, os.DirFS(filepath.Join(lib, "V10"))))
	require.NoError(t, os.RemoveAll(filepath.Join(bare, "MailData")))

	for _, c := range []struct{ path, want string }{
		{lib, "applemail"},
		{bare, "applemail"},
		{filepath.Join(lib, "V10"), "applemail"},
		{filepath.Join(lib, "V10", "Mailboxes", "Kept.mbox"), "applemail"},
		{"../../applemail/testdata/emlx-partial-converter/input", "applemail"},
		{bundle, "applemail"},
		{bundleDir, "applemail"},
		{tb, "mbox"},
		{filepath.Join(tb, "Inbox"), "mbox"},
		{"../../testdata/sample-mbox", "mbox"},
		{md, "maildir"},
		{mhRoot, "mh"},
		{filepath.Join(mhRoot, "inbox"), "mh"},
		{numbered, "mh"},
		{claws, "mh"},
		{"../../testdata/eudora-sample", "eudora"},
	} {
		f, err := mailconv.DetectFormat(c.path)
		if assert.NoError(t, err, c.path) {
			assert.Equal(t, c.want, f.Name, c.path)
		}
	}
	if f, err := mailconv.DetectFormat(emls); err == nil {
		assert.NotContains(t, []string{"mh", "applemail"}, f.Name, "a directory of .eml files")
	}
	// The directory holding the Thunderbird tree (a profile's Mail/) is
	// not taken for Apple Mail because of the bundle inside the tree.
	if f, err := mailconv.DetectFormat(profile); err == nil {
		assert.NotEqual(t, "applemail", f.Name, "the parent of a Thunderbird tree")
	}
}

// TestCLIAppleMailAndMH is acceptance 1 and 5 through the built binary:
// convert (no format prefix on the source), verify and inspect --json for
// an Apple Mail tree and an MH root; the sources stay unchanged.
func TestCLIAppleMailAndMH(t *testing.T) {
	bin := binary(t)
	for _, c := range []struct {
		format string
		src    string
		counts map[string]int
	}{
		{"applemail", appleStore(t), map[string]int{"On My Mac": 0, "On My Mac/Kept": 2, "On My Mac/Kept/Inner": 1}},
		{"mh", mhStore(t), map[string]int{"INBOX": 2, "lists": 1}},
	} {
		t.Run(c.format, func(t *testing.T) {
			before := treeDigest(t, c.src)
			dst := filepath.Join(t.TempDir(), "out")
			out, err := exec.Command(bin, "convert", "--quiet", c.src, "maildir:"+dst).CombinedOutput()
			require.NoError(t, err, string(out))
			out, err = exec.Command(bin, "verify", c.src, dst).CombinedOutput()
			require.NoError(t, err, string(out))
			v := runVerifyJSON(t, c.src, dst)
			assert.Equal(t, exitOK, v.code, v.text)
			assert.True(t, v.res.OK)

			out, err = exec.Command(bin, "inspect", "--json", c.src).Output()
			require.NoError(t, err, string(out))
			var inv migrate.Inventory
			require.NoError(t, json.Unmarshal(out, &inv))
			assert.Equal(t, c.format, inv.Format)
			got := map[string]int{}
			for _, mb := range inv.Mailboxes {
				got[mb.Path.String()] = mb.Messages
			}
			assert.Equal(t, c.counts, got)
			assert.Equal(t, before, treeDigest(t, c.src), "source changed")
		})
	}
}

// TestIncrementalAppleMailAndMH: a second run over an unchanged Apple Mail
// or MH store has nothing to do; after one new message (a new emlx in a
// Messages directory, a new numbered file) the third run writes exactly
// that one (the readers' fingerprints cover where messages arrive, and
// their IDs resume), and verify passes.
func TestIncrementalAppleMailAndMH(t *testing.T) {
	for _, c := range []struct {
		format string
		src    string
		add    func(src string)
	}{
		{"applemail", appleStore(t), func(src string) {
			dir := filepath.Join(src, "V10", "Mailboxes", "Kept.mbox", "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "Data", "Messages")
			require.DirExists(t, dir)
			writeTestFile(t, filepath.Join(dir, "9.emlx"),
				string(applemailtest.EMLX([]byte("Subject: new\nMessage-Id: <new@x>\n\nnew\n"), 1, time.Unix(1500000000, 0))))
		}},
		{"mh", mhStore(t), func(src string) {
			writeTestFile(t, filepath.Join(src, "lists", "6"), "Subject: new\nMessage-Id: <new@x>\n\nnew\n")
		}},
	} {
		t.Run(c.format, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			rep := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr := runCLI("convert", c.src, "maildir:"+dst, "--report", rep)
			require.Equal(t, exitOK, code, stderr)
			first := readReport(t, rep)
			assert.Equal(t, c.format, first.Source.Format)

			code, _, stderr = runCLI("convert", c.src, "maildir:"+dst, "--report", rep)
			require.Equal(t, exitOK, code, stderr)
			again := readReport(t, rep)
			assert.True(t, again.NothingToDo)
			assert.Zero(t, again.Totals.MessagesWritten)

			c.add(c.src)
			code, _, stderr = runCLI("convert", c.src, "maildir:"+dst, "--report", rep)
			require.Equal(t, exitOK, code, stderr)
			inc := readReport(t, rep)
			assert.Equal(t, 1, inc.Totals.MessagesWritten)
			v := runVerifyJSON(t, c.src, dst)
			assert.Equal(t, exitOK, v.code, v.text)
		})
	}
}
