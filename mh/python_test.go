package mh_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/convtest"
	"github.com/mailconv/mailconv/internal/dovecottest"
	_ "github.com/mailconv/mailconv/maildir"
	_ "github.com/mailconv/mailconv/mh"
)

// pyWriter writes an MH store with Python's mailbox.MH (an independent
// writer): folders inbox (with the sub-folder Sub), drafts and Projekt
// Ärger, messages in the sequences named in their Subject, file times set
// to known dates.
const pyWriter = `
import mailbox, os, sys
root = sys.argv[1]
mh = mailbox.MH(root, create=True)
spec = [
  ("inbox", [("plain", []), ("unseen", ["unseen"]), ("replied", ["replied"]),
             ("flagged", ["flagged", "unseen"]), ("all", ["replied", "flagged", "important"])]),
  ("inbox/Sub", [("sub one", ["unseen"])]),
  ("drafts", [("draft", [])]),
  ("Projekt Ärger", [("umlaut", ["todo"])]),
]
t = 1000000000
for name, msgs in spec:
    parts = name.split("/")
    f = mh
    for p in parts:
        f = f.add_folder(p) if p not in f.list_folders() else f.get_folder(p)
    for subj, seqs in msgs:
        t += 86400
        m = mailbox.MHMessage("From: a@example.com\nTo: b@example.com\nSubject: %s\nMessage-ID: <%d@example.com>\nDate: Sat, 1 Jan 2005 10:00:00 +0000\nReceived: from x by y; Sun, 2 Jan 2005 11:00:00 +0000\n\nbody of %s\n" % (subj, t, subj))
        for s in seqs:
            m.add_sequence(s)
        key = f.add(m)
        os.utime(os.path.join(f._path, str(key)), (t, t))
`

func python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not installed")
	}
	return p
}

// writePyStore writes the store of pyWriter under a temporary directory
// and returns its root.
func writePyStore(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "Mail")
	out, err := exec.Command(python(t), "-c", pyWriter, root).CombinedOutput()
	require.NoError(t, err, string(out))
	return root
}

type want struct {
	flags mailconv.Flags
	kw    string
}

// wantPy is what pyWriter's sequences mean, by subject.
var wantPy = map[string]want{
	"plain":   {mailconv.FlagSeen, ""},
	"unseen":  {0, ""},
	"replied": {mailconv.FlagSeen | mailconv.FlagAnswered, ""},
	"flagged": {mailconv.FlagFlagged, ""},
	"all":     {mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged, "important"},
	"sub one": {0, ""},
	"draft":   {mailconv.FlagSeen, ""},
	"umlaut":  {mailconv.FlagSeen, "todo"},
}

func subject(b []byte) string { return mailconv.HeaderValue(b, "Subject") }

// TestPythonMHConverts is acceptance 1 and 3 for MH: a store written by
// Python's mailbox.MH converts to maildir with every message, its state
// from the sequences, its keywords and its received date (the file time by
// default, the Received: field with date=received); verify passes; the
// source is unchanged.
func TestPythonMHConverts(t *testing.T) {
	root := writePyStore(t)
	before := convtest.TreeDigest(t, root)

	r := convtest.Open(t, "mh", root, nil, nil)
	names, msgs := convtest.ReadAll(t, r)
	assert.Equal(t, []string{"Projekt Ärger", "drafts", "INBOX", "INBOX/Sub"}, names)
	require.Len(t, msgs, len(wantPy))
	day := int64(1000000000)
	for _, m := range msgs {
		w, ok := wantPy[subject(m.Body)]
		require.True(t, ok, "unexpected message %q", m.Body)
		assert.Equal(t, w.flags, m.Flags, subject(m.Body))
		if w.kw == "" {
			assert.Empty(t, m.Keywords, subject(m.Body))
		} else {
			assert.Equal(t, []string{w.kw}, m.Keywords, subject(m.Body))
		}
		assert.Equal(t, mailconv.DateFileTime, m.Source)
		assert.Zero(t, (m.Date.Unix()-day)%86400, "file time kept: %v", m.Date)
		assert.True(t, bytes.HasPrefix(m.Body, []byte("From: a@example.com\n")))
	}

	out, rep := convtest.Convert(t, "mh", root, "maildir", nil)
	assert.Equal(t, len(wantPy), rep.Totals.MessagesWritten)
	res := convtest.Verify(t, "mh", root, nil, "maildir", out)
	assert.True(t, res.OK, "%+v", res.Totals)
	assert.Equal(t, len(wantPy), res.Totals.Matched)

	_, back := convtest.ReadAll(t, convtest.Open(t, "maildir", out, nil, nil))
	require.Len(t, back, len(wantPy))
	for _, m := range back {
		w := wantPy[subject(m.Body)]
		assert.Equal(t, w.flags, m.Flags&^mailconv.FlagNew, subject(m.Body))
	}

	// date=received takes the Received: field.
	r2 := convtest.Open(t, "mh", root, map[string]string{"date": "received"}, nil)
	_, msgs2 := convtest.ReadAll(t, r2)
	for _, m := range msgs2 {
		assert.Equal(t, mailconv.DateReceived, m.Source)
		assert.True(t, m.Date.Equal(time.Date(2005, 1, 2, 11, 0, 0, 0, time.UTC)), "%v", m.Date)
	}
	assert.Equal(t, before, convtest.TreeDigest(t, root), "the source changed")
}

// TestPythonMHDovecot: Dovecot reads the maildir converted from the Python
// store with the state the sequences gave.
func TestPythonMHDovecot(t *testing.T) {
	dovecottest.Require(t)
	root := writePyStore(t)
	out, _ := convtest.Convert(t, "mh", root, "maildir", nil)
	s := dovecottest.Open(t, out, dovecottest.Config{})
	msgs := s.Fetch()
	require.Len(t, msgs, len(wantPy))
	byBody := map[string]dovecottest.Message{}
	for _, m := range msgs {
		byBody[subject(m.Text)] = m
	}
	for subj, w := range wantPy {
		m, ok := byBody[subj]
		require.True(t, ok, "Dovecot lacks %q", subj)
		wantFlags := strings.Fields(w.flags.String())
		if w.kw != "" {
			wantFlags = append(wantFlags, w.kw)
		}
		assert.ElementsMatch(t, wantFlags, m.Flags, subj)
		assert.Zero(t, (m.Received.Unix()-1000000000)%86400, subj)
	}
}
