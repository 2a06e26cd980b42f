package eudora_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

func one(subject string) []eudoratest.Msg {
	return []eudoratest.Msg{{Raw: msg(subject, "body\r\n"), State: 1}}
}

// §7 item 1: a mailbox with no descmap entry, an entry without file, no
// descmap at all.
func TestDescmapAdvisory(t *testing.T) {
	st := &eudoratest.Store{Root: eudoratest.Folder{
		Mailboxes: []*eudoratest.Mailbox{
			{Name: "In", Msgs: one("in")},
			{Name: "Stray box", File: "Stray.mbx", Unlisted: true, Msgs: one("stray")},
			{Name: "", File: "NoToc.mbx", Unlisted: true, TOC: eudoratest.TOCNone, Msgs: one("notoc")},
		},
		DescmapExtra: []string{"Ghost,Ghost.mbx,M,N"},
		Folders: []*eudoratest.Folder{{Name: "Bare", NoDescmap: true, Mailboxes: []*eudoratest.Mailbox{
			{Name: "Inside", File: "Inside.mbx", Msgs: one("inside")},
		}}},
	}}
	s, _, ev := build(t, st, eudora.Config{Raw: true})
	got := paths(t, s)
	want := []string{"INBOX", "NoToc", "Stray box", "Bare/", "Bare/Inside"}
	if !equalStrings(got, want) {
		t.Fatalf("paths %v, want %v", got, want)
	}
	if e := ev.code("eudora.descmap-missing-file"); len(e) != 1 || !strings.Contains(e[0].Detail, "Ghost.mbx") {
		t.Errorf("missing-file events %v", e)
	}
	if len(ev.code("eudora.unlisted-mailbox")) != 3 { // Stray, NoToc, Bare/Inside
		t.Errorf("unlisted events %v", ev.code("eudora.unlisted-mailbox"))
	}
	if !ev.has("eudora.no-descmap") {
		t.Error("no eudora.no-descmap event")
	}
	msgs, _ := readBox(t, s, "Stray box")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "Subject: stray") {
		t.Errorf("stray box: %+v", msgs)
	}
	if p, ok := s.PathForFile("Bare.fol\\Inside.mbx"); !ok || p.String() != "Bare/Inside" {
		t.Errorf("PathForFile = %v %v", p, ok)
	}
}

// §7 item 2: display names that differ from file names.
func TestDisplayNames(t *testing.T) {
	st := &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{
		{Name: "In", Msgs: one("in")},
		{Name: "New mail from the 90s", File: "NEWMAI~1.MBX", Msgs: one("short")},
		{Name: "OS/2 Users' Group", File: "OS2 Users' Group.mbx", Msgs: one("os2")},
		{Name: "Renamed later", File: "Original.mbx", TOCName: "Original", Msgs: one("renamed")},
	}}}
	s, _, _ := build(t, st, eudora.Config{Raw: true})
	want := []string{"INBOX", "New mail from the 90s", `OS\/2 Users' Group`, "Renamed later"}
	if got := paths(t, s); !equalStrings(got, want) {
		t.Fatalf("paths %v, want %v", got, want)
	}
	mb := findBox(t, s, `OS\/2 Users' Group`)
	if len(mb.Path) != 1 || mb.Path[0] != "OS/2 Users' Group" {
		t.Errorf("path segments %q", []string(mb.Path))
	}
	for file, want := range map[string]string{"newmai~1.mbx": "New mail from the 90s", "OS2 USERS' GROUP.MBX": "OS/2 Users' Group", "original.MBX": "Renamed later"} {
		if p, ok := s.PathForFile(file); !ok || len(p) != 1 || p[0] != want {
			t.Errorf("PathForFile(%q) = %v %v", file, p, ok)
		}
	}
}

// §7 item 3: folders nested three deep and more, each with its descmap;
// a folder named like a system mailbox.
func TestNestedFolders(t *testing.T) {
	deep := &eudoratest.Folder{Name: "Level 4", Mailboxes: []*eudoratest.Mailbox{{Name: "Bottom", Msgs: one("bottom")}}}
	l3 := &eudoratest.Folder{Name: "Level 3", Folders: []*eudoratest.Folder{deep}, Mailboxes: []*eudoratest.Mailbox{{Name: "Three", Msgs: one("three")}}}
	l2 := &eudoratest.Folder{Name: "Level 2", Folders: []*eudoratest.Folder{l3}}
	l1 := &eudoratest.Folder{Name: "Level 1", Folders: []*eudoratest.Folder{l2}}
	st := &eudoratest.Store{Root: eudoratest.Folder{
		Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: one("in")}, {Name: "Trash", Msgs: one("trash")}},
		Folders: []*eudoratest.Folder{l1, {Name: "In box archive", File: "In.fol", Mailboxes: []*eudoratest.Mailbox{
			{Name: "In", File: "In.mbx", Msgs: one("archived in")}, // not the system In: not at the root
			{Name: "Trash", File: "Trash.mbx", Msgs: one("old trash")},
		}}},
	}}
	s, _, _ := build(t, st, eudora.Config{Raw: true})
	want := []string{"INBOX", "Trash", "In box archive/", "In box archive/In", "In box archive/Trash",
		"Level 1/", "Level 1/Level 2/", "Level 1/Level 2/Level 3/", "Level 1/Level 2/Level 3/Three",
		"Level 1/Level 2/Level 3/Level 4/", "Level 1/Level 2/Level 3/Level 4/Bottom"}
	if got := paths(t, s); !equalStrings(got, want) {
		t.Fatalf("paths\n%v\nwant\n%v", got, want)
	}
	if mb := findBox(t, s, "In box archive/In"); mb.Role != mailconv.RoleNone {
		t.Errorf("nested In has role %v", mb.Role)
	}
	if mb := findBox(t, s, "Trash"); mb.Role != mailconv.RoleTrash {
		t.Errorf("Trash role %v", mb.Role)
	}
	msgs, _ := readBox(t, s, "Level 1/Level 2/Level 3/Level 4/Bottom")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "Subject: bottom") {
		t.Errorf("bottom: %+v", msgs)
	}
	if p, ok := s.PathForFile(`Level 1.fol\Level 2.fol\Level 3.fol\Level 4.fol\Bottom.mbx`); !ok || p.String() != "Level 1/Level 2/Level 3/Level 4/Bottom" {
		t.Errorf("PathForFile deep = %v %v", p, ok)
	}
	if _, ok := s.PathForFile(`Level 1.fol`); ok {
		t.Error("a folder resolved as a mailbox")
	}
}

// §7 item 4: localised display names of system mailboxes; a user mailbox
// called Junk before 6.0 (type M).
func TestSystemMailboxes(t *testing.T) {
	st := &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{
		{Name: "Boîte de réception", File: "In.mbx", Msgs: one("in")},
		{Name: "Boîte d'envoi", File: "Out.mbx", Msgs: one("out")},
		{Name: "Corbeille", File: "Trash.mbx"},
		{Name: "Junk", File: "Junk.mbx", Type: 'M', Msgs: one("user junk")},
		{Name: "Inbox", File: "Inbox.mbx", Msgs: one("user inbox")},
	}}}
	s, _, ev := build(t, st, eudora.Config{Raw: true})
	roles := map[string]mailconv.Role{}
	mbs, _ := s.Mailboxes(t.Context())
	for _, mb := range mbs {
		roles[mb.Path.String()] = mb.Role
	}
	want := map[string]mailconv.Role{"INBOX": mailconv.RoleInbox, "Boîte d'envoi": mailconv.RoleOutbox,
		"Corbeille": mailconv.RoleTrash, "Junk": mailconv.RoleNone, "Inbox (2)": mailconv.RoleNone}
	if len(roles) != len(want) {
		t.Fatalf("mailboxes %v", roles)
	}
	for p, r := range want {
		if got, ok := roles[p]; !ok || got != r {
			t.Errorf("%s: role %v (present %v), want %v", p, got, ok, r)
		}
	}
	if !ev.has("eudora.duplicate-name") {
		t.Error("the user's Inbox was renamed without an event")
	}
}

// §7 item 5 at the store level, and item 7: case-insensitive lookups.
func TestDescmapPitfallsInStore(t *testing.T) {
	long := strings.Repeat("Long name ", 30) // > 255 bytes
	st := &eudoratest.Store{Root: eudoratest.Folder{
		Mailboxes: []*eudoratest.Mailbox{
			{Name: "In", File: "IN.MBX", Msgs: one("in")},
			{Name: "Books", File: "Books, Papers.mbx", Msgs: one("comma")},
			{Name: "Old", File: "OLD.MBX", Msgs: one("old")},
			{Name: "Réunions €", File: "Réunions.mbx", Msgs: one("1252")},
			{Name: long, File: "Long.mbx", Msgs: one("long")},
		},
		// Lower-case file names in descmap for files stored upper-case.
		DescmapRaw: []byte("In,in.mbx,S,Y\r\nBooks,Books, Papers.mbx,M,N\r\nOld,old.mbx,M\r\nR\xe9unions \x80,R\xe9unions.mbx,M,N\r\n" + long + ",LONG.MBX,M,N\r\n"),
	}}
	s, _, ev := build(t, st, eudora.Config{Raw: true})
	want := []string{"INBOX", "Books", long, "Old", "Réunions €"}
	if got := paths(t, s); !equalStrings(got, want) {
		t.Fatalf("paths %v, want %v (events %v)", got, want, ev.all)
	}
	for _, p := range want {
		msgs, _ := readBox(t, s, p)
		if len(msgs) != 1 {
			t.Errorf("%s: %d messages", p, len(msgs))
		}
	}
}

// §7 item 3: a folder and a mailbox with the same name become one mailbox
// with children; a descmap loop (a .fol linking to an ancestor) is read
// once.
func TestFolderLoopAndSameName(t *testing.T) {
	st := &eudoratest.Store{Root: eudoratest.Folder{
		Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: one("in")}, {Name: "Work", Msgs: one("work box")}},
		Folders:   []*eudoratest.Folder{{Name: "Work", Mailboxes: []*eudoratest.Mailbox{{Name: "Clients", Msgs: one("clients")}}}},
	}}
	dir := t.TempDir()
	if _, err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	// Work.fol/Loop.fol → .. (the data folder itself), listed in descmap.
	if err := os.Symlink("..", filepath.Join(dir, "Work.fol", "Loop.fol")); err != nil {
		t.Skip("no symlinks:", err)
	}
	f, _ := os.OpenFile(filepath.Join(dir, "Work.fol", "descmap.pce"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("Loop,Loop.fol,F,N\r\n")
	f.Close()
	// And a link leading outside the store.
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "Secret.mbx"), []byte("From ???@??? Mon Dec 13 18:45:29 2010\r\nSubject: secret\r\n\r\nx\r\n"), 0o644)
	os.Symlink(filepath.Join(outside, "Secret.mbx"), filepath.Join(dir, "Secret.mbx"))
	s, ev := open(t, dir, eudora.Config{Raw: true})
	want := []string{"INBOX", "Work", "Work/Clients"}
	if got := paths(t, s); !equalStrings(got, want) {
		t.Fatalf("paths %v, want %v", got, want)
	}
	if !ev.has("eudora.folder-loop") {
		t.Errorf("no folder-loop event: %v", ev.all)
	}
	if !ev.has("eudora.outside-root") {
		t.Errorf("no outside-root event: %v", ev.all)
	}
	msgs, _ := readBox(t, s, "Work")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "work box") {
		t.Errorf("Work: %+v", msgs)
	}
}

// IMAP account caches (Windows Imap\<account>\, Mac "IMAP Folder") are not
// mailboxes of the store: they are not converted, and a warning says so
// (the server may be gone and the cache the only copy).
func TestIMAPCacheWarned(t *testing.T) {
	for _, mac := range []bool{false, true} {
		st := &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: one("in")}}}}
		cache := filepath.Join("Imap", "acct")
		if mac {
			st = eudoratest.MacVersion(st)
			cache = filepath.Join("Mail Folder", "IMAP Folder", "acct")
		}
		dir := t.TempDir()
		if _, err := st.Write(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, cache), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, cache, "In.mbx"), []byte("From ???@??? Mon Dec 13 18:45:29 2010\r\nSubject: cached\r\n\r\nx\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s, ev := open(t, dir, eudora.Config{Raw: true})
		if got := paths(t, s); !equalStrings(got, []string{"INBOX"}) {
			t.Errorf("mac=%v: paths %v", mac, got)
		}
		e := ev.code("eudora.imap-cache")
		if len(e) != 1 || e[0].Kind != mailconv.EventWarning || !strings.Contains(e[0].Detail, "not converted") {
			t.Errorf("mac=%v: imap-cache events %v", mac, e)
		}
	}
}

// Given the folder above the data folder, opening fails with ErrFormat and
// names the subfolder that holds the store.
func TestParentOfDataFolder(t *testing.T) {
	parent := t.TempDir()
	st := &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: one("in")}}}}
	os.WriteFile(filepath.Join(parent, "notes.txt"), []byte("x"), 0o644)
	if _, err := st.Write(filepath.Join(parent, "Eudora")); err != nil {
		t.Fatal(err)
	}
	_, err := eudora.Open(context.Background(), parent, nil)
	if !errors.Is(err, mailconv.ErrFormat) || !strings.Contains(err.Error(), filepath.Join(parent, "Eudora")+" looks like one") {
		t.Fatalf("err = %v", err)
	}
	_, err = eudora.Open(context.Background(), t.TempDir(), nil)
	if !errors.Is(err, mailconv.ErrFormat) || strings.Contains(err.Error(), "looks like") {
		t.Fatalf("empty folder: err = %v", err)
	}
}
