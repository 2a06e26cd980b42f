package eudora_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/mime"
)

// §7 item 6: a Mac tree copied to ext4/zip: TOCs in "._" AppleDouble
// files, HFS '/' stored as ':', files without type/creator, .DS_Store and
// Icon\r debris, a sidecar .toc instead of a fork.
func TestMacLayout(t *testing.T) {
	st := &eudoratest.Store{Platform: mime.Mac, Debris: true, Root: eudoratest.Folder{
		Mailboxes: []*eudoratest.Mailbox{
			{Name: "In", Msgs: []eudoratest.Msg{
				{Raw: msg("first", "line one\r\nline two\r\n"), State: eudora.MacRead},
				{Raw: msg("second", "unread\r\n"), State: eudora.MacUnread},
			}},
			{Name: "Out", Msgs: []eudoratest.Msg{{Raw: "To: x@y\r\nSubject: draft\r\n\r\nhi\r\n", State: eudora.MacQueued}}},
			{Name: "Trash"},
			{Name: "tools.arlut.utexas.edu/gash2/", Msgs: one("slashes")},
			{Name: "Sidecar box", TOC: eudoratest.TOCSidecar, Msgs: one("sidecar")},
			{Name: "Bare", TOC: eudoratest.TOCFork, NoFinderInfo: true, Msgs: one("no type")},
		},
		Folders: []*eudoratest.Folder{{Name: "Projects", Folders: []*eudoratest.Folder{{Name: "2004", Mailboxes: []*eudoratest.Mailbox{
			{Name: "Réunions", Msgs: one("nested")},
		}}}}},
	}}
	s, l, ev := build(t, st, eudora.Config{Raw: true})
	if s.Platform() != mime.Mac {
		t.Fatalf("platform %v", s.Platform())
	}
	want := []string{"INBOX", "Out", "Trash", "Bare", "Sidecar box", `tools.arlut.utexas.edu\/gash2\/`, "Projects/", "Projects/2004/", "Projects/2004/Réunions"}
	if got := paths(t, s); !equalStrings(got, want) {
		t.Fatalf("paths %v\nwant %v\nevents %v", got, want, ev.all)
	}
	if _, err := os.Stat(filepath.Join(l.Dir, "Mail Folder", "tools.arlut.utexas.edu:gash2:")); err != nil {
		t.Fatalf("builder did not swap / and ':': %v", err)
	}
	msgs, det := readBox(t, s, "INBOX")
	if det.TOC != "used" || !strings.Contains(det.TOCFile, "._In") {
		t.Errorf("In details %+v", det)
	}
	if len(msgs) != 2 || msgs[0].Flags != mailconv.FlagSeen || msgs[1].Flags != 0 {
		t.Fatalf("In messages %+v", msgs)
	}
	// Raw mode turns CR line ends into CRLF.
	stored := l.Box("Mail Folder/In").Msgs[0].Stored
	if msgs[0].Body != crlf(string(stored)) || strings.Contains(strings.ReplaceAll(msgs[0].Body, "\r\n", ""), "\r") {
		t.Errorf("body %q", msgs[0].Body)
	}
	if !det.CRConverted {
		t.Error("CR conversion not reported")
	}
	for _, p := range []string{"Sidecar box", "Bare", "Projects/2004/Réunions", `tools.arlut.utexas.edu\/gash2\/`} {
		msgs, det := readBox(t, s, p)
		if len(msgs) != 1 || det.TOC != "used" {
			t.Errorf("%s: %d messages, details %+v", p, len(msgs), det)
		}
	}
	out, _ := readBox(t, s, "Out")
	if len(out) != 1 || out[0].Flags != mailconv.FlagSeen|mailconv.FlagDraft || !out[0].HasKeyword("$SubmitPending") {
		t.Errorf("Out: %+v", out)
	}
	if mb := findBox(t, s, "Out"); mb.Role != mailconv.RoleOutbox {
		t.Errorf("Out role %v", mb.Role)
	}
	if p, ok := s.PathForFile(":Projects:2004:Réunions"); !ok || p.String() != "Projects/2004/Réunions" {
		t.Errorf("PathForFile = %v %v", p, ok)
	}
	if p, ok := s.PathForFile("tools.arlut.utexas.edu/gash2/"); !ok || p[0] != "tools.arlut.utexas.edu/gash2/" {
		t.Errorf("PathForFile HFS = %v %v", p, ok)
	}
	// Debris must not appear as mailboxes, and no event claims they were
	// mailboxes.
	for _, e := range ev.code("eudora.not-a-mailbox") {
		t.Errorf("unexpected: %v", e)
	}
}

// Mac dates: TOC seconds are UTC since 1904, used when there is no Date:
// header.
func TestMacDates(t *testing.T) {
	when := time.Date(2004, 3, 2, 10, 11, 12, 0, time.UTC)
	st := &eudoratest.Store{Platform: mime.Mac, Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{
		{Name: "In", Msgs: []eudoratest.Msg{
			{Raw: "Subject: no date\r\n\r\nx\r\n", Seconds: eudoratest.MacSeconds(when), State: eudora.MacRead},
		}},
	}}}
	s, _, _ := build(t, st, eudora.Config{Raw: true})
	msgs, _ := readBox(t, s, "INBOX")
	if len(msgs) != 1 || !msgs[0].Date.Equal(when) || msgs[0].DateSource != mailconv.DateIndex {
		t.Fatalf("%+v", msgs)
	}
}

// Old layout: mailboxes directly in the Eudora Folder, MacRoman names on
// disk, system boxes found by the TOC "which" field.
func TestMacOldLayout(t *testing.T) {
	st := &eudoratest.Store{Platform: mime.Mac, NoMailFolder: true, RawNames: true, Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{
		{Name: "Eingang", Which: 6220, Msgs: one("german in")},
		{Name: "Café", Msgs: one("roman")},
	}}}
	dir := t.TempDir()
	if _, err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	// Non-mail items of an old Eudora Folder.
	os.WriteFile(filepath.Join(dir, "Eudora Settings"), []byte{0, 1, 2}, 0o644)
	os.WriteFile(filepath.Join(dir, "Eudora Nicknames"), []byte("alias x x@y\r"), 0o644)
	os.Mkdir(filepath.Join(dir, "Attachments Folder"), 0o755)
	s, ev := open(t, dir, eudora.Config{Raw: true})
	want := []string{"INBOX", "Café"}
	if got := paths(t, s); !equalStrings(got, want) {
		t.Fatalf("paths %v, events %v", got, ev.all)
	}
}
