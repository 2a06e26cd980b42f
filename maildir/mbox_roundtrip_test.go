package maildir_test

// Acceptance 1 and 3 across formats: mbox -> maildir -> mbox. The mbox
// package is imported by this test only (formats do not import each other).

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

func openMbox(t testing.TB, path string) mailconv.Reader {
	t.Helper()
	s, err := mbox.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeMbox(t testing.TB, src mailconv.Reader, dir string) {
	t.Helper()
	ctx := context.Background()
	w, err := mbox.Create(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Convert(ctx, src, w, migrate.ConvertOptions{}); err != nil {
		t.Fatalf("Convert to mbox: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// sameMessagesAcross compares two reads mailbox by mailbox: octets,
// flags, keywords and dates to the second (the From_ line's precision).
// dropped lists, per mailbox, keywords expected to be missing from b.
func sameMessagesAcross(t *testing.T, a, b map[string][]gotMessage, dropped map[string]bool) {
	t.Helper()
	for path, al := range a {
		bl, ok := b[path]
		if !ok {
			t.Errorf("mailbox %q lost (have %q)", path, keys(b))
			continue
		}
		if len(al) != len(bl) {
			t.Errorf("%s: %d messages, want %d", path, len(bl), len(al))
			continue
		}
		for i := range al {
			x, y := al[i], bl[i]
			if string(x.Body) != string(y.Body) {
				t.Errorf("%s #%d: octets differ:\n got %q\nwant %q", path, i, y.Body, x.Body)
			}
			if x.Flags != y.Flags {
				t.Errorf("%s #%d: flags %q, want %q", path, i, y.Flags, x.Flags)
			}
			var wantKw []string
			for _, k := range x.Keywords {
				if !dropped[k] {
					wantKw = append(wantKw, k)
				}
			}
			if strings.Join(wantKw, " ") != strings.Join(y.Keywords, " ") {
				t.Errorf("%s #%d: keywords %q, want %q", path, i, y.Keywords, wantKw)
			}
			// A message without a date gets its delivery time in a maildir
			// (the file time), as from any delivery agent.
			if x.Date.Unix() > 0 && x.Date.Unix() != y.Date.Unix() {
				t.Errorf("%s #%d: date %v, want %v", path, i, y.Date, x.Date)
			}
		}
	}
	for path := range b {
		if _, ok := a[path]; !ok && len(b[path]) > 0 {
			t.Errorf("unexpected mailbox %q", path)
		}
	}
}

// fixtureMboxes are the mbox files the mbox package tests with (copies of
// the project's shared fixtures under testdata/fixtures, with their
// ORIGIN.md files).
func fixtureMboxes(t *testing.T) []string {
	var files []string
	for _, pat := range []string{"../testdata/fixtures/mimekit/mbox/*.mbox.txt", "../testdata/fixtures/thunderbird-mbox/mbox_*", "../testdata/fixtures/mime4j/mbox-test-1/mbox.rlug*"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 8 {
		t.Fatalf("only %d fixture mboxes found", len(files))
	}
	return files
}

// TestMboxMaildirMboxFixtures: every fixture mbox, through a maildir of
// each layout and name encoding and back to mbox, keeps every message's
// octets, flags, keywords and date.
func TestMboxMaildirMboxFixtures(t *testing.T) {
	for _, f := range fixtureMboxes(t) {
		for _, v := range variants {
			t.Run(filepath.Base(f)+"/"+v.name, func(t *testing.T) {
				orig, _ := readStore(t, openMbox(t, f))
				md := filepath.Join(t.TempDir(), "md")
				rep, log := convertInto(t, openMbox(t, f), md, v.params)
				if rep.Totals.Skips != 0 || rep.Totals.Losses != 0 {
					t.Errorf("mbox -> maildir: %d skips, %d losses\n%s", rep.Totals.Skips, rep.Totals.Losses, log)
				}
				r, _ := openTree(t, md, nil)
				inMaildir, _ := readStore(t, r)
				// The maildir holds exactly what the mbox reader gave.
				sameMessagesAcross(t, orig, inMaildir, nil)
				back := filepath.Join(t.TempDir(), "back")
				writeMbox(t, r, back)
				again, _ := readStore(t, openMbox(t, back))
				// And going back to mbox gives what mbox -> mbox gives (the
				// mbox writer's own fidelity is the mbox package's tests'
				// business; see the report for the one difference found).
				direct := filepath.Join(t.TempDir(), "direct")
				writeMbox(t, openMbox(t, f), direct)
				ref, _ := readStore(t, openMbox(t, direct))
				sameMessagesAcross(t, ref, again, nil)
			})
		}
	}
}

// TestMboxMaildirMboxGenerated: the generated store (deep hierarchies,
// non-ASCII names, names with ".", "&", "%" and "~", mixed mailboxes,
// every flag combination, more than 26 keywords) written as an mbox tree,
// converted to maildir and back, is the same mbox store except for the
// keywords a maildir folder cannot hold, whose loss is reported.
//
// Names with "/" or a leading "." are left out here: the mbox tree itself
// must escape them, and the mbox reader does not unescape, so they change
// on every mbox write whatever lies between (see the maildir-only round
// trip for them).
func TestMboxMaildirMboxGenerated(t *testing.T) {
	gen := generatedStore()
	src := newMemStore()
	for _, mb := range gen.boxes {
		// INBOX/Sub is left out too: the mbox tree writes INBOX as "Inbox"
		// and its children under "INBOX.sbd", which reads back as two
		// INBOXes (reported to the mbox package).
		if n := mb.Path.Name(); strings.Contains(n, "/") || strings.HasPrefix(n, ".") || strings.Contains(mb.Path.String(), "%41") ||
			mb.Path.String() == "INBOX/Sub" {
			continue
		}
		src.add(mb.Path, mb.NoSelect, gen.msgs[mb.Source]...)
	}
	src.add(mailconv.Path{"100%"}, false, testMessage(1000, mailconv.FlagSeen))
	first := filepath.Join(t.TempDir(), "first")
	writeMbox(t, src, first)
	orig, _ := readStore(t, openMbox(t, first))
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			md := filepath.Join(t.TempDir(), "md")
			_, log := convertInto(t, openMbox(t, first), md, v.params)
			var lost []string
			for _, e := range log.events {
				if e.Code == "maildir.keyword-overflow" {
					lost = append(lost, e.Detail)
				}
			}
			if len(lost) != 5 {
				t.Errorf("keyword overflow reported %d times, want 5\n%s", len(lost), log)
			}
			r, _ := openTree(t, md, nil)
			back := filepath.Join(t.TempDir(), "back")
			writeMbox(t, r, back)
			again, _ := readStore(t, openMbox(t, back))
			dropped := map[string]bool{}
			for _, k := range []string{"kw25", "kw26", "kw27", "kw28", "kw29"} {
				dropped[k] = true
			}
			sameMessagesAcross(t, orig, again, dropped)
			var paths []string
			for p := range again {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, want := range []string{"Réunions", "Réunions/Comptes rendus", "日本語/台北", "tine20.org", "R&D", "100%", "~home",
				"Archive/2019/Q1/deep/deeper", "Tags"} {
				if _, ok := again[want]; !ok {
					t.Errorf("mailbox %q missing after mbox -> maildir -> mbox: %q", want, paths)
				}
			}
		})
	}
}

// TestFixtureMaildirToMboxAndBack is acceptance 3 for the only maildir
// among the project's fixtures (stalwart-mail-parser's, copied to
// testdata/stalwart): maildir -> mbox -> maildir keeps the folders, the
// octets, the flags and the dates. Its messages are 2-byte placeholders,
// not real messages. What cannot survive is reported, never silent: the
// keyword letters no dovecot-keywords names (when read), and the "new"
// state of the one message in new/ that is already seen (a seen message
// cannot stay in new/).
func TestFixtureMaildirToMboxAndBack(t *testing.T) {
	r, rlog := openTree(t, "testdata/stalwart", nil)
	orig, _ := readStore(t, r)
	mb := filepath.Join(t.TempDir(), "mbox")
	writeMbox(t, r, mb)
	md := filepath.Join(t.TempDir(), "md")
	convertInto(t, openMbox(t, mb), md, nil)
	r2, _ := openTree(t, md, nil)
	back, _ := readStore(t, r2)
	want := map[string][]gotMessage{}
	for p, l := range orig {
		for _, m := range l {
			if m.Flags&mailconv.FlagSeen != 0 {
				m.Flags &^= mailconv.FlagNew
			}
			want[p] = append(want[p], m)
		}
	}
	sameMessagesAcross(t, want, back, nil)
	// The tree was read twice (once here, once by the conversion).
	if n := rlog.codes()["maildir.keyword-unresolved"]; n != 6 {
		t.Errorf("unresolved letters reported %d times, want 3 per read", n)
	}
	// Straight to maildir, the seen message in new/ loses its "new" state
	// with a recorded loss (through mbox, the mbox writer drops it).
	_, dlog := convertInto(t, r, filepath.Join(t.TempDir(), "direct"), nil)
	if n := dlog.codes()["maildir.new-seen"]; n != 1 {
		t.Errorf("new-seen loss reported %d times, want 1\n%s", n, dlog)
	}
}
