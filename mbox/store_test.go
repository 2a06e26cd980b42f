package mbox

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

func mboxFile(subjects ...string) string {
	var b strings.Builder
	for i, s := range subjects {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: " + s + "\n\nbody of " + s + "\n")
	}
	return b.String()
}

func writeTree(t *testing.T, root string, files map[string]string) {
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// treeContents reads a whole store: mailbox path → subjects.
func treeContents(t *testing.T, r mailconv.Reader) map[string][]string {
	t.Helper()
	mbs, err := r.Mailboxes(context.Background())
	require.NoError(t, err)
	out := map[string][]string{}
	for _, mb := range mbs {
		key := mb.Path.String()
		if mb.NoSelect {
			key += "/"
		}
		out[key] = []string{}
		mr, err := r.Open(context.Background(), mb)
		require.NoError(t, err)
		for {
			_, err := mr.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			b, err := io.ReadAll(mr)
			require.NoError(t, err)
			for _, l := range strings.Split(string(b), "\n") {
				if s, ok := strings.CutPrefix(l, "Subject: "); ok {
					out[key] = append(out[key], s)
				}
			}
		}
		mr.Close()
	}
	return out
}

// A Thunderbird profile's Local Folders: mixed mailboxes (Archive has
// messages and children), nested .sbd directories, .msf summaries and other
// files that are not mailboxes, an empty Trash.
func TestThunderbirdTree(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"Inbox":                         mboxFile("hello", "again"),
		"Inbox.msf":                     "// <!-- <mdb:mork:z v=\"1.4\"/> -->",
		"Trash":                         "",
		"Archive":                       mboxFile("archived"),
		"Archive.sbd/2019":              mboxFile("old one"),
		"Archive.sbd/2019.sbd/Réunions": mboxFile("meeting"),
		"Archive.sbd/2019.msf":          "x",
		"filterlog.html":                "<html/>",
		"popstate.dat":                  "# POP3 State File",
		"Notes.txt":                     "not a mailbox\n",
		"Lists.sbd/go-nuts":             mboxFile("gophers"),
	})
	var evs []mailconv.Event
	st, err := Open(context.Background(), root, &mailconv.Options{Events: func(e mailconv.Event) {
		if e.Kind != mailconv.EventInfo {
			evs = append(evs, e)
		}
	}})
	require.NoError(t, err)
	got := treeContents(t, st)
	assert.Equal(t, map[string][]string{
		"INBOX":                 {"hello", "again"},
		"Trash":                 {},
		"Archive":               {"archived"},
		"Archive/2019":          {"old one"},
		"Archive/2019/Réunions": {"meeting"},
		"Lists/":                {},
		"Lists/go-nuts":         {"gophers"},
	}, got)
	// Notes.txt is reported, the known auxiliary files are not
	var codes []string
	for _, e := range evs {
		if e.Kind == mailconv.EventWarning {
			codes = append(codes, e.Code+" "+filepath.Base(e.Location.File))
		}
	}
	assert.Equal(t, []string{"mbox.not-mbox Notes.txt"}, codes)
	mbs, _ := st.Mailboxes(context.Background())
	roles := map[string]mailconv.Role{}
	for _, mb := range mbs {
		roles[mb.Path.String()] = mb.Role
	}
	assert.Equal(t, mailconv.RoleInbox, roles["INBOX"])
	assert.Equal(t, mailconv.RoleTrash, roles["Trash"])
}

// Converting a tree to a tree keeps folders, mixed mailboxes and every
// message byte; the result reads back the same.
func TestTreeConvertRoundTrip(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{
		"Inbox":                     mboxFile("a", "b"),
		"Work":                      mboxFile("w1"),
		"Work.sbd/Clients":          mboxFile("c1", "c2"),
		"Work.sbd/Clients.sbd/ACME": mboxFile("acme"),
		"Old/2001":                  mboxFile("y2k"),
	})
	dst := filepath.Join(t.TempDir(), "out")
	r, err := Open(context.Background(), src, nil)
	require.NoError(t, err)
	w, err := Create(context.Background(), dst, nil)
	require.NoError(t, err)
	rep, err := migrate.Convert(context.Background(), r, w, migrate.ConvertOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	assert.True(t, rep.Clean(), "%+v", rep)
	assert.Equal(t, 7, rep.Totals.MessagesWritten)

	back, err := Open(context.Background(), dst, nil)
	require.NoError(t, err)
	want := treeContents(t, r)
	got := treeContents(t, back)
	// a folder without messages becomes an empty mailbox file, as
	// Thunderbird keeps it
	want["Old"] = []string{}
	delete(want, "Old/")
	assert.Equal(t, want, got)
	for _, f := range []string{"Inbox", "Work", "Work.sbd/Clients", "Work.sbd/Clients.sbd/ACME", "Old", "Old.sbd/2001"} {
		_, err := os.Stat(filepath.Join(dst, filepath.FromSlash(f)))
		assert.NoError(t, err, f)
	}
	// message octets are unchanged
	a, _ := os.ReadFile(filepath.Join(src, "Work.sbd/Clients"))
	b, _ := os.ReadFile(filepath.Join(dst, "Work.sbd/Clients"))
	msgsA, _ := readAllFrom(t, bytes.NewReader(a), ReaderOptions{})
	msgsB, _ := readAllFrom(t, bytes.NewReader(b), ReaderOptions{})
	sameMessages(t, msgsA, msgsB, "Clients")
}

func TestCreateStoreRefusesNonEmpty(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x"), []byte("x"), 0o644))
	_, err := Create(context.Background(), dir, nil)
	assert.ErrorIs(t, err, mailconv.ErrDestinationNotEmpty)
	f := filepath.Join(t.TempDir(), "one.mbox")
	require.NoError(t, os.WriteFile(f, []byte("From x"), 0o644))
	_, err = Create(context.Background(), f, nil)
	assert.ErrorIs(t, err, mailconv.ErrDestinationNotEmpty)
}

// Open and Create take the registry's options: parameters are checked and
// applied, and a cancelled context stops them before anything is touched.
func TestOpenCreateTakeRegistryOptions(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "in.mbox")
	require.NoError(t, os.WriteFile(src, []byte(mboxFile("a")), 0o644))
	_, err := Open(ctx, src, &mailconv.Options{Params: map[string]string{"variant": "mboxzz"}})
	assert.ErrorContains(t, err, "variant")
	_, err = Create(ctx, filepath.Join(t.TempDir(), "d"), &mailconv.Options{Params: map[string]string{"eol": "cr"}})
	assert.ErrorContains(t, err, "eol")

	single := filepath.Join(t.TempDir(), "one")
	w, err := Create(ctx, single, &mailconv.Options{Params: map[string]string{"single": "true"}})
	require.NoError(t, err)
	assert.True(t, w.single, "single=true writes one file, not a tree")
	require.NoError(t, w.Close())
	assert.NoDirExists(t, single)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Open(cancelled, src, nil)
	assert.ErrorIs(t, err, context.Canceled)
	dst := filepath.Join(t.TempDir(), "never")
	_, err = Create(cancelled, dst, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NoFileExists(t, dst)
	assert.NoDirExists(t, dst)
}

func TestSingleFileDestination(t *testing.T) {
	f := filepath.Join(t.TempDir(), "all.mbox")
	w, err := Create(context.Background(), f, nil)
	require.NoError(t, err)
	mw, err := w.CreateMailbox(context.Background(), &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	require.NoError(t, err)
	require.NoError(t, mw.WriteMessage(context.Background(), &mailconv.Message{Flags: mailconv.FlagSeen}, strings.NewReader("Subject: x\n\ny\n")))
	require.NoError(t, mw.Close())
	_, err = w.CreateMailbox(context.Background(), &mailconv.Mailbox{Path: mailconv.Path{"Other"}})
	assert.ErrorIs(t, err, mailconv.ErrUnsupported, "a second mailbox would be merged silently")
	b, _ := os.ReadFile(f)
	assert.Equal(t, "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: x\nStatus: RO\n\ny\n\n", string(b), "the file ends with the separator line")
}

func TestSymlinkOutsideTreeNotFollowed(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte(mboxFile("secret")), 0o644))
	root := t.TempDir()
	writeTree(t, root, map[string]string{"Inbox": mboxFile("in")})
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "Leak")))
	require.NoError(t, os.Symlink(filepath.Join(root, "Inbox"), filepath.Join(root, "Alias")))
	var evs []mailconv.Event
	st, err := Open(context.Background(), root, &mailconv.Options{Events: func(e mailconv.Event) {
		if e.Kind == mailconv.EventSkip {
			evs = append(evs, e)
		}
	}})
	require.NoError(t, err)
	got := treeContents(t, st)
	assert.Equal(t, map[string][]string{"INBOX": {"in"}, "Alias": {"in"}}, got)
	require.Len(t, evs, 1)
	assert.Equal(t, "mbox.symlink-outside", evs[0].Code)
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Inbox": mboxFile("x"), "bom": "\xef\xbb\xbfFrom -\nA: b\n\nc\n", "txt": "hello"})
	assert.Equal(t, 90, Detect(filepath.Join(dir, "Inbox")))
	assert.Equal(t, 90, Detect(filepath.Join(dir, "bom")))
	assert.Equal(t, 0, Detect(filepath.Join(dir, "txt")))
	assert.Equal(t, 40, Detect(dir))
	assert.Equal(t, 0, Detect(t.TempDir()))
	f, err := mailconv.DetectFormat(filepath.Join(dir, "Inbox"))
	require.NoError(t, err)
	assert.Equal(t, "mbox", f.Name)
}

// A damaged file inside a tree (it does not start with a From_ line any
// more) is skipped and reported; the other mailboxes convert.
func TestDamagedFileInTree(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"Inbox": mboxFile("ok")})
	st, err := Open(context.Background(), root, nil)
	require.NoError(t, err)
	mbs, err := st.Mailboxes(context.Background())
	require.NoError(t, err)
	// damage it after listing
	require.NoError(t, os.WriteFile(filepath.Join(root, "Inbox"), []byte("garbage\n"), 0o644))
	var evs []mailconv.Event
	st.opts.Events = func(e mailconv.Event) { evs = append(evs, e) }
	mr, err := st.Open(context.Background(), mbs[0])
	require.NoError(t, err)
	_, err = mr.Next()
	assert.Equal(t, io.EOF, err)
	require.Len(t, evs, 1)
	assert.Equal(t, mailconv.EventSkip, evs[0].Kind)
}

// Names a file system cannot hold are escaped on the way in (PlanNames) and
// restored on the way out, thanks to the marker the writer leaves; the
// inbox's children live in Inbox.sbd.
func TestTreeNamesRoundTrip(t *testing.T) {
	paths := []mailconv.Path{{"INBOX"}, {"INBOX", "Sub"}, {"OS/2 Users' Group"}, {".hidden"}, {"100%41"}, {"Réunions", "Comptes rendus"}}
	var mbs []*mailconv.Mailbox
	for _, p := range paths {
		mbs = append(mbs, &mailconv.Mailbox{Path: p})
	}
	dst := filepath.Join(t.TempDir(), "out")
	w, err := Create(context.Background(), dst, nil)
	require.NoError(t, err)
	plan := mailconv.PlanNames(mbs, w.Capabilities())
	for _, mb := range plan.Mailboxes {
		mw, err := w.CreateMailbox(context.Background(), mb)
		require.NoError(t, err)
		if mw == nil {
			continue
		}
		require.NoError(t, mw.WriteMessage(context.Background(), &mailconv.Message{}, strings.NewReader("Subject: "+mb.Path.String()+"\n\nx\n")))
		require.NoError(t, mw.Close())
	}
	require.NoError(t, w.Close())
	assert.FileExists(t, filepath.Join(dst, "Inbox.sbd", "Sub"))
	assert.FileExists(t, filepath.Join(dst, "OS%2F2 Users' Group"))

	r, err := Open(context.Background(), dst, nil)
	require.NoError(t, err)
	got, err := r.Mailboxes(context.Background())
	require.NoError(t, err)
	var names []string
	for _, mb := range got {
		if !mb.NoSelect {
			names = append(names, mb.Path.String())
		}
	}
	var want []string
	for _, p := range paths {
		want = append(want, p.String())
	}
	want = append(want, "Réunions") // the implicit parent is an (empty) mailbox file, as in Thunderbird
	assert.ElementsMatch(t, want, names)
}

// The store's mailbox reader hands its Stats to the report through the
// declared optional interface.
var _ mailconv.Detailer = (*fileReader)(nil)
