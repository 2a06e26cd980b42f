//go:build unix

package eudora_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

// A mailbox file that is a named pipe (or a device) is a reported skip,
// reported once, and never opened: opening a pipe blocks.
func TestPipeMailboxSkipped(t *testing.T) {
	dir := t.TempDir()
	st := &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{
		{Name: "In", Msgs: one("in")}, {Name: "Work", Msgs: one("work")},
	}}}
	if _, err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "Work.mbx"))
	if err := syscall.Mkfifo(filepath.Join(dir, "Work.mbx"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, ev := open(t, dir, eudora.Config{Raw: true})
	if got := paths(t, s); !equalStrings(got, []string{"INBOX"}) {
		t.Errorf("paths %v", got)
	}
	if e := ev.code("eudora.not-a-file"); len(e) != 1 || e[0].Kind != mailconv.EventSkip {
		t.Errorf("not-a-file events %v", e)
	}
}

// Named pipes where a store has a TOC, its descmap.pce and an attachment
// file: nothing blocks; the TOC's mailbox is scanned, the descmap is
// replaced by the listing, the attachment is a reported loss.
func TestPipesInStoreNeverBlock(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../testdata/eudora-sample")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Out.toc", "descmap.pce", filepath.Join("attach", "notes.txt")} {
		p := filepath.Join(dir, f)
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var ev *events
	var n int
	go func() {
		defer close(done)
		s, e := open(t, dir, eudora.Config{})
		ev = e
		for _, p := range paths(t, s) {
			if !strings.HasSuffix(p, "/") {
				msgs, _ := readBox(t, s, p)
				n += len(msgs)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("reading a store with named pipes blocked")
	}
	if n != 14 {
		t.Errorf("%d messages, want the sample's 14", n)
	}
	for _, c := range []string{"eudora.scanned", "eudora.descmap-unreadable", "eudora.missing-attachment"} {
		if !ev.has(c) {
			t.Errorf("no %s event", c)
		}
	}
}
