package maildir_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/dovecottest"
)

// dovecotNames maps each source mailbox of generatedStore to the name a
// Dovecot without name escaping shows for it: the on-disk segments
// (escapes as "%" and lower-case hex, see the package comment) joined with
// the layout's separator. Written by hand from the escaping rules; Dovecot
// itself is the independent check.
func dovecotNames(fs bool) map[string]string {
	sep := "."
	hidden, newName, dotted, notes := "%2ehidden", "new", "tine20%2eorg", "dovecot-notes"
	if fs {
		sep = "/"
		newName, dotted, notes = "%6eew", "tine20.org", "%64ovecot-notes"
	}
	j := func(s ...string) string { return strings.Join(s, sep) }
	return map[string]string{
		"INBOX":                       "INBOX",
		"INBOX/Sub":                   j("INBOX", "Sub"),
		"Réunions":                    "Réunions",
		"Réunions/Comptes rendus":     j("Réunions", "Comptes rendus"),
		"日本語":                         "日本語",
		"日本語/台北":                      j("日本語", "台北"),
		`OS\/2 Users' Group`:          "OS%2f2 Users' Group",
		"tine20.org":                  dotted,
		"R&D":                         "R&D",
		"100%/50%41 off":              j("100%25", "50%2541 off"),
		"~home":                       "%7ehome",
		"new":                         newName,
		".hidden":                     hidden,
		"dovecot-notes":               notes,
		"Archive/2019/Q1/deep/deeper": j("Archive", "2019", "Q1", "deep", "deeper"),
		"Tags":                        "Tags",
		"Empty folder":                "Empty folder",
		"Archive":                     "Archive",
		"Archive/2019":                j("Archive", "2019"),
		"Archive/2019/Q1":             j("Archive", "2019", "Q1"),
		"Archive/2019/Q1/deep":        j("Archive", "2019", "Q1", "deep"),
		"100%":                        "100%25",
	}
}

var msgIDRe = regexp.MustCompile(`(?m)^Message-ID: (<[^>]*>)`)

// TestDovecotReadsOurMaildir is acceptance 2: Dovecot (through doveadm, no
// daemon) reads every maildir we write, in both layouts and both name
// encodings, with the expected folder tree, counts, flags (including
// $Forwarded), keywords, received dates and body bytes.
func TestDovecotReadsOurMaildir(t *testing.T) {
	dovecottest.Require(t)
	src := generatedStore()
	want := expected(src)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			convertInto(t, src, dir, v.params)
			cfg := dovecottest.Config{FS: v.params["layout"] == "fs", UTF8: v.params["names"] == "utf8"}
			s := dovecottest.Open(t, dir, cfg)
			names := dovecotNames(cfg.FS)

			// The folder tree.
			var wantList []string
			for _, n := range names {
				wantList = append(wantList, n)
			}
			gotList := s.Mailboxes()
			sort.Strings(wantList)
			sort.Strings(gotList)
			if strings.Join(gotList, "\n") != strings.Join(wantList, "\n") {
				t.Errorf("Dovecot lists\n%q\nwant\n%q", gotList, wantList)
			}

			// Counts of the selectable mailboxes.
			wantCounts := map[string]int{}
			for _, mb := range src.boxes {
				if !mb.NoSelect {
					wantCounts[names[mb.Path.String()]] = len(src.msgs[mb.Source])
				}
			}

			// Every selectable folder but INBOX is subscribed.
			var wantSubs []string
			for n := range wantCounts {
				if n != "INBOX" {
					wantSubs = append(wantSubs, n)
				}
			}
			subs := s.Subscribed()
			sort.Strings(subs)
			sort.Strings(wantSubs)
			if strings.Join(subs, "\n") != strings.Join(wantSubs, "\n") {
				t.Errorf("subscribed %q, want %q", subs, wantSubs)
			}

			if !cfg.FS {
				// A Maildir++ folder without cur/ is an empty mailbox to
				// Dovecot (ours reads it back as NoSelect).
				wantCounts["Empty folder"] = 0
			}
			gotCounts := s.Selectable()
			if fmt.Sprint(gotCounts) != fmt.Sprint(wantCounts) {
				t.Errorf("Dovecot counts\n%v\nwant\n%v", gotCounts, wantCounts)
			}

			// Messages: matched by Message-ID.
			type ref struct {
				mailbox string
				msg     gotMessage
			}
			byID := map[string]ref{}
			for _, mb := range src.boxes {
				for i, mm := range src.msgs[mb.Source] {
					id := string(msgIDRe.FindSubmatch(mm.body)[1])
					byID[id] = ref{names[mb.Path.String()], want[mb.Path.String()][i]}
				}
			}
			msgs := s.Fetch()
			// Dovecot numbers messages (UIDs) in the source order.
			order := map[string][]string{}
			for _, m := range msgs {
				order[m.Mailbox] = append(order[m.Mailbox], m.MessageID)
			}
			for _, mb := range src.boxes {
				var ids []string
				for _, mm := range src.msgs[mb.Source] {
					ids = append(ids, string(msgIDRe.FindSubmatch(mm.body)[1]))
				}
				if got := order[names[mb.Path.String()]]; strings.Join(got, " ") != strings.Join(ids, " ") {
					t.Errorf("%s: Dovecot's UID order %q, want the source order %q", mb.Path, got, ids)
				}
			}
			if len(msgs) != len(byID) {
				t.Errorf("Dovecot fetched %d messages, want %d", len(msgs), len(byID))
			}
			for _, m := range msgs {
				r, ok := byID[m.MessageID]
				if !ok {
					t.Errorf("unexpected message %q in %q", m.MessageID, m.Mailbox)
					continue
				}
				delete(byID, m.MessageID)
				if m.Mailbox != r.mailbox {
					t.Errorf("%s is in %q, want %q", m.MessageID, m.Mailbox, r.mailbox)
				}
				if !bytes.Equal(m.Text, r.msg.Body) {
					t.Errorf("%s: Dovecot's text differs:\n got %q\nwant %q", m.MessageID, m.Text, r.msg.Body)
				}
				if !m.Received.Equal(r.msg.Date) {
					t.Errorf("%s: received %v, want %v", m.MessageID, m.Received, r.msg.Date)
				}
				if got, want := sortedFlags(m.Flags), imapFlags(r.msg); got != want {
					t.Errorf("%s in %s: flags %q, want %q", m.MessageID, m.Mailbox, got, want)
				}
			}
			for id := range byID {
				t.Errorf("Dovecot did not show %s", id)
			}
		})
	}
}

// imapFlags is what Dovecot must show for a message: its system flags and
// its keywords, $Forwarded among them (Dovecot ignores the P letter).
func imapFlags(m gotMessage) string {
	var fl []string
	for _, x := range []struct {
		f    mailconv.Flags
		name string
	}{{mailconv.FlagSeen, `\Seen`}, {mailconv.FlagAnswered, `\Answered`}, {mailconv.FlagFlagged, `\Flagged`},
		{mailconv.FlagDeleted, `\Deleted`}, {mailconv.FlagDraft, `\Draft`}, {mailconv.FlagForwarded, `$Forwarded`}} {
		if m.Flags&x.f != 0 {
			fl = append(fl, x.name)
		}
	}
	fl = append(fl, m.Keywords...)
	return sortedFlags(fl)
}

func sortedFlags(f []string) string {
	f = append([]string(nil), f...)
	sort.Strings(f)
	return strings.Join(f, " ")
}

// TestDovecotEscapeConfig checks the configuration the package comment
// recommends: with the storage escape character set to "%", Dovecot shows
// the original names of folders whose names needed escaping (except the
// hierarchy separator itself, which no IMAP name can hold).
func TestDovecotEscapeConfig(t *testing.T) {
	dovecottest.Require(t)
	src := newMemStore()
	src.add(mailconv.Path{"INBOX"}, false, testMessage(1, mailconv.FlagSeen))
	src.add(mailconv.Path{"OS/2 Users' Group"}, false, testMessage(2, mailconv.FlagSeen))
	src.add(mailconv.Path{"100%"}, false, testMessage(3, 0), testMessage(4, 0))
	src.add(mailconv.Path{"~home"}, false, testMessage(5, 0))
	src.add(mailconv.Path{"Réunions", "Comptes rendus"}, false, testMessage(6, 0))
	dir := filepath.Join(t.TempDir(), "out")
	convertInto(t, src, dir, nil)
	s := dovecottest.Open(t, dir, dovecottest.Config{EscapeChar: '%'})
	got := s.Selectable()
	want := map[string]int{"INBOX": 1, "OS/2 Users' Group": 1, "100%": 2, "~home": 1, "Réunions.Comptes rendus": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("with listescape Dovecot shows %v, want %v", got, want)
	}
}
