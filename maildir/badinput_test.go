//go:build unix

package maildir_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/migrate"
)

// TestBadInput is acceptance 5 on the reading side: a 0-byte message, a
// directory where a message should be, a FIFO, symbolic links leading out
// of the tree (a message and a whole folder), a dangling link, a cur/ that
// is a file, names that cannot be decoded. Each is a recorded skip or
// warning, the good messages are still read, and nothing panics or blocks.
func TestBadInput(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "tree")
	outside := filepath.Join(base, "outside")
	t0 := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	msg := "Subject: ok\n\nok\n"
	writeFile(t, filepath.Join(outside, "secret"), "Subject: secret\n\nsecret\n", t0)
	writeFile(t, filepath.Join(outside, "folder", "cur", "1.x:2,S"), "Subject: secret\n\nsecret\n", t0)
	writeFile(t, filepath.Join(dir, "cur", "1.good:2,S"), msg, t0)
	writeFile(t, filepath.Join(dir, "cur", "2.empty:2,S"), "", t0)
	must(t, os.MkdirAll(filepath.Join(dir, "cur", "3.adir:2,S"), 0o755))
	must(t, syscall.Mkfifo(filepath.Join(dir, "cur", "4.fifo:2,S"), 0o644))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "cur", "5.escape:2,S")))
	must(t, os.Symlink("../../outside/secret", filepath.Join(dir, "cur", "6.relescape:2,S")))
	must(t, os.Symlink("nowhere", filepath.Join(dir, "cur", "7.dangling:2,S")))
	writeFile(t, filepath.Join(dir, "cur", "8.good:2,R"), msg, t0.Add(time.Hour))
	must(t, os.Symlink("1.good:2,S", filepath.Join(dir, "cur", "9.inside:2,F"))) // a link inside the tree is followed
	must(t, os.Symlink(filepath.Join(outside, "folder"), filepath.Join(dir, ".Escape")))
	writeFile(t, filepath.Join(dir, ".Broken", "cur"), "a file where cur/ should be", t0)
	writeFile(t, filepath.Join(dir, ".Broken", "new", "1.n"), msg, t0)
	writeFile(t, filepath.Join(dir, ".&Jjo", "cur", "1.y:2,S"), msg, t0)                  // bad modified UTF-7
	writeFile(t, filepath.Join(dir, ".caf\xe9", "cur", "1.z:2,S"), msg, t0)               // Latin-1 byte: neither
	writeFile(t, filepath.Join(dir, ".a..b", "cur", "1.w:2,S"), msg, t0)                  // empty segment
	writeFile(t, filepath.Join(dir, "dovecot-keywords"), strings.Repeat("x", 100000), t0) // no usable line

	r, log := openTree(t, dir, nil)
	got, _ := readStore(t, r)
	inbox := got["INBOX"]
	if len(inbox) != 3 {
		t.Fatalf("INBOX: %d messages, want the 3 readable ones\n%s", len(inbox), log)
	}
	for _, m := range inbox {
		if string(m.Body) != msg {
			t.Errorf("%s: body %q", m.ID, m.Body)
		}
	}
	if inbox[2].ID != "9.inside" || inbox[2].Flags != mailconv.FlagFlagged {
		t.Errorf("link inside the tree: %+v", inbox[2])
	}
	for _, msgs := range got {
		for _, m := range msgs {
			if strings.Contains(string(m.Body), "secret") {
				t.Errorf("read a file outside the tree: %s", m.ID)
			}
		}
	}
	if len(got["Broken"]) != 1 {
		t.Errorf("Broken: %d messages, want the one in new/", len(got["Broken"]))
	}
	for _, p := range []string{"&Jjo", "caf\xe9", ".a..b"} {
		if len(got[p]) != 1 {
			t.Errorf("folder with an undecodable name %q: not read under its on-disk name (have %q)", p, keys(got))
		}
	}
	codes := log.codes()
	for code, n := range map[string]int{
		"maildir.empty":        1,
		"maildir.not-a-file":   2, // the directory and the FIFO
		"maildir.outside-root": 3, // two message links and the folder link
		"maildir.unreadable":   2, // the dangling link, the cur/ file
		// "&Jjo" is not modified UTF-7 but is ASCII: names=auto takes it
		// as a UTF-8 name, silently (as "R&D" in a UTF-8 tree).
		"maildir.name-undecodable": 2,
	} {
		if codes[code] != n {
			t.Errorf("%s reported %d times, want %d\n%s", code, codes[code], n, log)
		}
	}
	for _, e := range log.events {
		if e.Code == "maildir.outside-root" && e.Location == nil {
			t.Errorf("event without location: %v", e)
		}
	}
}

// TestNamesOnlyMUTF7 checks names=mutf7: a UTF-8 name is reported and kept
// as it is on disk.
func TestNamesOnlyMUTF7(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cur", "1.a:2,S"), "Subject: a\n\na\n", time.Time{})
	writeFile(t, filepath.Join(dir, ".Réunions", "cur", "1.a:2,S"), "Subject: a\n\na\n", time.Time{})
	r, log := openTree(t, dir, map[string]string{"names": "mutf7"})
	got, _ := readStore(t, r)
	if len(got["Réunions"]) != 1 || log.codes()["maildir.name-undecodable"] != 1 {
		t.Errorf("got %q, events:\n%s", keys(got), log)
	}
}

// TestWriterStaysInside is acceptance 5 on the writing side: whatever the
// mailbox names (including ones that were not planned by PlanNames), the
// writer creates nothing outside its destination, and it refuses a
// destination that is not empty.
func TestWriterStaysInside(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "dest")
	ctx := context.Background()
	log := &eventLog{}
	w, err := maildir.Create(ctx, dir, &mailconv.Options{Events: log.add})
	if err != nil {
		t.Fatal(err)
	}
	nasty := []mailconv.Path{
		{".."}, {"..", "..", "etc"}, {"a/../../b"}, {"/abs"}, {"x\x00y"}, {"."}, {""}, {"~root"},
		{"a", ".."}, {"cur"}, {"new", "tmp"}, {"%2e%2e"}, {"..%2f.."},
	}
	for _, p := range nasty {
		mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: p})
		if err != nil {
			continue // refusing is fine
		}
		m := &mailconv.Message{ID: "1", Date: time.Unix(1e9, 0), Flags: mailconv.FlagSeen}
		if err := mw.WriteMessage(ctx, m, strings.NewReader("Subject: x\n\nx\n")); err != nil {
			t.Errorf("%q: %v", p, err)
		}
		mw.Close()
	}
	// A 0-byte message is refused as a skip.
	mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	if err != nil {
		t.Fatal(err)
	}
	var skip *mailconv.SkipError
	if err := mw.WriteMessage(ctx, &mailconv.Message{ID: "e"}, strings.NewReader("")); !errors.As(err, &skip) || skip.Code != "maildir.empty" {
		t.Errorf("empty message: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "dest" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the writer created %q next to its destination", names)
	}
	// Every folder reads back (escaped names stay inside).
	r, rlog := openTree(t, dir, nil)
	got, _ := readStore(t, r)
	if len(rlog.events) != 0 {
		t.Errorf("events reading back:\n%s", rlog)
	}
	if n := len(got); n < 10 {
		t.Errorf("only %d folders read back: %q", n, keys(got))
	}

	// A non-empty destination is refused.
	if _, err := maildir.Create(ctx, dir, nil); !errors.Is(err, mailconv.ErrDestinationNotEmpty) {
		t.Errorf("Create on a non-empty directory: %v", err)
	}
	file := filepath.Join(base, "dest", ".mailconv")
	if _, err := maildir.Create(ctx, file, nil); !errors.Is(err, mailconv.ErrDestinationNotEmpty) {
		t.Errorf("Create on a file: %v", err)
	}
}

// TestDurableAndInfoSeparator writes with fsync and ";" as info separator,
// and reads the result back.
func TestDurableAndInfoSeparator(t *testing.T) {
	src := newMemStore()
	src.add(mailconv.Path{"INBOX"}, false, testMessage(1, mailconv.FlagSeen|mailconv.FlagFlagged), testMessage(2, mailconv.FlagNew|mailconv.FlagFlagged))
	dir := filepath.Join(t.TempDir(), "out")
	ctx := context.Background()
	w, err := maildir.Create(ctx, dir, &mailconv.Options{Durable: true, Params: map[string]string{"info-separator": ";"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Convert(ctx, src, w, migrate.ConvertOptions{}); err != nil {
		t.Fatal(err)
	}
	must(t, w.Close())
	cur, _ := os.ReadDir(filepath.Join(dir, "cur"))
	newd, _ := os.ReadDir(filepath.Join(dir, "new"))
	if len(cur) != 1 || !strings.HasSuffix(cur[0].Name(), ";2,FS") || len(newd) != 1 || !strings.HasSuffix(newd[0].Name(), ";2,F") {
		t.Errorf("names: cur %v new %v", cur, newd)
	}
	r, _ := openTree(t, dir, nil)
	got, _ := readStore(t, r)
	if in := got["INBOX"]; len(in) != 2 || in[0].Flags != mailconv.FlagSeen|mailconv.FlagFlagged || in[1].Flags != mailconv.FlagNew|mailconv.FlagFlagged {
		t.Errorf("read back %+v", got["INBOX"])
	}
}

// Named pipes in place of the control files a reader opens (the mailconv
// marker, dovecot-keywords) and of tmp/ never block reading; the messages
// are read.
func TestControlFilePipesNeverBlock(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	writeFile(t, filepath.Join(dir, "cur", "1.good:2,S"), "Subject: ok\n\nok\n", t0)
	writeFile(t, filepath.Join(dir, ".Work", "cur", "2.good:2,S"), "Subject: ok\n\nok\n", t0)
	for _, p := range []string{".mailconv", "dovecot-keywords", "tmp", filepath.Join(".Work", "dovecot-keywords"), filepath.Join(".Work", "tmp")} {
		must(t, syscall.Mkfifo(filepath.Join(dir, p), 0o644))
	}
	done := make(chan map[string][]string, 1)
	go func() {
		r, _ := openTree(t, dir, nil)
		got, _ := readStore(t, r)
		ids := map[string][]string{}
		for mb, msgs := range got {
			for _, m := range msgs {
				ids[mb] = append(ids[mb], m.ID)
			}
		}
		done <- ids
	}()
	select {
	case ids := <-done:
		if len(ids["INBOX"]) != 1 || len(ids["Work"]) != 1 {
			t.Errorf("messages read: %v", ids)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reading blocked on a named pipe")
	}
}
