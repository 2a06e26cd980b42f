package maildir

import (
	"testing"

	"github.com/mailconv/mailconv"
)

// Every file-name convention of the producers in docs/formats/mbox-state.md
// (maildir section): the standard letters in any order, each info
// separator, Dovecot's keyword letters and extra fields, sizes, letters
// of other tools, the experimental ":1," info, Thunderbird's names
// without info.
func TestInfoLettersEveryProducer(t *testing.T) {
	all := mailconv.FlagDraft | mailconv.FlagFlagged | mailconv.FlagForwarded | mailconv.FlagAnswered | mailconv.FlagSeen | mailconv.FlagDeleted
	cases := []struct {
		name     string
		flags    mailconv.Flags
		keywords string
		unknown  string
		sep      byte
		size     int64
		base     string
	}{
		{"1.2.host:2,DFPRST", all, "", "", ':', -1, "1.2.host"},                                                // cr.yp.to, Dovecot, Python, isync
		{"1.2.host:2,TSRPFD", all, "", "", ':', -1, "1.2.host"},                                                // any order
		{"1.2.host:2,FRST", all &^ (mailconv.FlagDraft | mailconv.FlagForwarded), "", "", ':', -1, "1.2.host"}, // mutt
		{"1.2.host;2,S", mailconv.FlagSeen, "", "", ';', -1, "1.2.host"},                                       // isync on file systems without ':'
		{"1.2.host!2,S", mailconv.FlagSeen, "", "", '!', -1, "1.2.host"},
		{"1.2.host:2,", 0, "", "", ':', -1, "1.2.host"},
		{"1.2.host:2,Sba", mailconv.FlagSeen, "ba", "", ':', -1, "1.2.host"},     // Dovecot keywords
		{"1.2.host:2,Sa,extra", mailconv.FlagSeen, "a", "", ':', -1, "1.2.host"}, // Dovecot extra fields
		{"1.2.host,S=1234,W=1260:2,RS", mailconv.FlagAnswered | mailconv.FlagSeen, "", "", ':', 1234, "1.2.host,S=1234,W=1260"},
		{"1.2.host:2,SZ", mailconv.FlagSeen, "", "Z", ':', -1, "1.2.host"}, // another tool's letter: reported
		{"1.2.host:2,SS", mailconv.FlagSeen, "", "", ':', -1, "1.2.host"},
		{"1.2.host:1,xyz", 0, "", "", 0, -1, "1.2.host:1,xyz"},       // experimental info, not interpreted
		{"1700000000123.eml", 0, "", "", 0, -1, "1700000000123.eml"}, // Thunderbird's maildir store
		{"1.2.host", 0, "", "", 0, -1, "1.2.host"},                   // new/
	}
	for _, c := range cases {
		in := parseName(c.name, nil)
		if in.Flags != c.flags || string(in.Keywords) != c.keywords || string(in.Unknown) != c.unknown ||
			in.Separator != c.sep || in.Size != c.size || in.Base != c.base {
			t.Errorf("%s: got flags %q keywords %q unknown %q sep %q size %d base %q, want %q %q %q %q %d %q", c.name,
				in.Flags, in.Keywords, in.Unknown, in.Separator, in.Size, in.Base, c.flags, c.keywords, c.unknown, c.sep, c.size, c.base)
		}
	}
}

// TestEntryID: the ID storeroot.Files would give an entry is the one the
// reader's own PeekID gives: the file name without its info.
func TestEntryID(t *testing.T) {
	for name, want := range map[string]string{
		"1700000000.M1P2.host:2,RS":     "1700000000.M1P2.host",
		"1700000000.M1P2.host,S=12;2,S": "1700000000.M1P2.host,S=12",
		"1700000000.M1P2.host":          "1700000000.M1P2.host",
		"1700000000.M1P2.host:2,":       "1700000000.M1P2.host",
	} {
		e := entry{name: name}
		if got := e.EntryID(); got != want {
			t.Errorf("EntryID(%q) = %q, want %q", name, got, want)
		}
		mr := &mailboxReader{}
		mr.Entries = []entry{e}
		if id, err := mr.PeekID(); err != nil || id != e.EntryID() {
			t.Errorf("PeekID(%q) = %q, %v; EntryID gives %q", name, id, err, e.EntryID())
		}
	}
}
