package addressbook

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
)

// events collects the events of one read or write.
type events []mailconv.Event

func (e *events) add(ev mailconv.Event) { *e = append(*e, ev) }

func (e events) codes() map[string]int {
	m := map[string]int{}
	for _, ev := range e {
		m[ev.Code]++
	}
	return m
}

func readWin(t *testing.T, text string) (*Book, events) {
	t.Helper()
	var ev events
	data := strings.ReplaceAll(text, "\n", "\r\n")
	b, err := ReadNicknames(context.Background(), strings.NewReader(data), "NNdbase.txt", &Options{Events: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	return b, ev
}

func contactByNick(t *testing.T, b *Book, nick string) *Contact {
	t.Helper()
	for _, c := range b.Contacts {
		if c.Nickname == nick {
			return c
		}
	}
	t.Fatalf("no contact with nickname %q", nick)
	return nil
}

func groupByNick(t *testing.T, b *Book, nick string) *Group {
	t.Helper()
	for _, g := range b.Groups {
		if g.Nickname == nick {
			return g
		}
	}
	t.Fatalf("no list with nickname %q", nick)
	return nil
}

func memberEmails(g *Group) []string {
	var out []string
	for _, c := range g.Flatten() {
		out = append(out, c.PrimaryEmail())
	}
	return out
}

// §7 item 38: nickname with spaces (quoted).
func TestNicknameQuotedWithSpaces(t *testing.T) {
	b, _ := readWin(t, `alias "Bob Smith" Bob Smith <bob@example.com>
note "Bob Smith" <first:Bob><last:Smith>
alias plain alice@example.com
`)
	c := contactByNick(t, b, "Bob Smith")
	if c.PrimaryEmail() != "bob@example.com" || c.FirstName != "Bob" || c.LastName != "Smith" {
		t.Fatalf("got %+v", c)
	}
	if got := contactByNick(t, b, "plain").PrimaryEmail(); got != "alice@example.com" {
		t.Fatalf("plain: %q", got)
	}
}

// §7 item 38: nested lists.
func TestNestedLists(t *testing.T) {
	b, ev := readWin(t, `alias alice alice@example.com
alias bob "Bob, Jr." <bob@example.com>
alias team alice, bob, carol@example.com (Carol C)
alias all team, dave@example.com
`)
	team := groupByNick(t, b, "team")
	if len(team.Members) != 3 || team.Members[0].Contact != contactByNick(t, b, "alice") || team.Members[1].Contact != contactByNick(t, b, "bob") {
		t.Fatalf("team members: %+v", team.Members)
	}
	if got := team.Members[2].Contact; got.PrimaryEmail() != "carol@example.com" || got.DisplayName != "Carol C" {
		t.Fatalf("stub card: %+v", got)
	}
	all := groupByNick(t, b, "all")
	if all.Members[0].Group != team {
		t.Fatalf("all does not contain team: %+v", all.Members)
	}
	want := []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"}
	if got := memberEmails(all); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("flattened: %v", got)
	}
	if contactByNick(t, b, "bob").DisplayName != "Bob, Jr." {
		t.Fatalf("phrase with comma lost")
	}
	if len(ev) != 0 {
		t.Fatalf("unexpected events %v", ev)
	}
}

// §7 item 38: cycles are detected and broken, never followed forever.
func TestNicknameCycles(t *testing.T) {
	b, ev := readWin(t, `alias a b, x@example.com
alias b a, y@example.com
alias self self, z@example.com
`)
	if ev.codes()["addressbook.cycle"] != 2 {
		t.Fatalf("want 2 cycle events, got %v", ev)
	}
	for _, g := range b.Groups {
		seen := map[*Group]bool{}
		var walk func(*Group, int)
		walk = func(x *Group, depth int) {
			if depth > len(b.Groups) {
				t.Fatalf("cycle left in %q", g.Nickname)
			}
			for _, m := range x.Members {
				if m.Group != nil {
					walk(m.Group, depth+1)
				}
			}
			seen[x] = true
		}
		walk(g, 0)
	}
	if got := memberEmails(groupByNick(t, b, "a")); strings.Join(got, " ") != "y@example.com x@example.com" {
		t.Fatalf("a: %v", got)
	}
	// Writers terminate too.
	var buf bytes.Buffer
	if err := WriteLDIF(&buf, b, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteVCard(&buf, b, nil); err != nil {
		t.Fatal(err)
	}
}

// §7 item 38: note tags with 0x03 line breaks.
func TestNoteTagsWithLineBreaks(t *testing.T) {
	b, _ := readWin(t, "alias home h@example.com\n"+
		"note home free text\x03second line<address:1 Main St\x03Apt 4\x03Back door><otherphone:111\x03222><name:Home Person>\n")
	c := contactByNick(t, b, "home")
	if got := strings.Join(c.Home.Street, "|"); got != "1 Main St|Apt 4|Back door" {
		t.Fatalf("street %q", got)
	}
	if c.Notes != "free text\nsecond line" {
		t.Fatalf("notes %q", c.Notes)
	}
	var other []string
	for _, p := range c.Phones {
		if p.Where == WhereNone {
			other = append(other, p.Number)
		}
	}
	if strings.Join(other, ",") != "111,222" {
		t.Fatalf("otherphone %v", other)
	}
	if c.DisplayName != "Home Person" {
		t.Fatalf("name %q", c.DisplayName)
	}
}

// §7 item 38: <name:> absent, display name from first/last, then the
// address's phrase, then the nickname.
func TestNameFallback(t *testing.T) {
	b, _ := readWin(t, `alias fl x@example.com
note fl <first:Ann><last:Lee>
alias phrase "Phrase Name" <p@example.com>
alias bare q@example.com
`)
	for nick, want := range map[string]string{"fl": "Ann Lee", "phrase": "Phrase Name", "bare": "bare"} {
		if got := contactByNick(t, b, nick).DisplayName; got != want {
			t.Errorf("%s: display name %q, want %q", nick, got, want)
		}
	}
}

// macFile encodes a Mac nicknames file: CR line ends, MacRoman.
func macFile(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r"))
}

// §7 item 38: Mac 0x02 for '>' in tag values, MacRoman, CR; and Mac "\"
// continuation lines.
func TestMacEscapesAndContinuation(t *testing.T) {
	// 0x8E is é in MacRoman; 0x02 stands for '>' and 0x03 for a line break.
	data := macFile("alias ren\x8e Ren\x8e <rene@example.com>\n" +
		"note ren\x8e <title:a \x02 b><note:line1\x03line2>\n" +
		"alias long one@example.com,\\\n" +
		"two@example.com, \\\n" +
		"three@example.com\n" +
		"note long <name:Long\\\nList>\n")
	var ev events
	b, err := ReadNicknames(context.Background(), bytes.NewReader(data), "Eudora Nicknames", &Options{Events: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	c := contactByNick(t, b, "rené")
	if c.Title != "a > b" || c.Notes != "line1\nline2" || c.DisplayName != "René" {
		t.Fatalf("got %+v", c)
	}
	g := groupByNick(t, b, "long")
	if got := memberEmails(g); strings.Join(got, " ") != "one@example.com two@example.com three@example.com" {
		t.Fatalf("continued list: %v", got)
	}
	if g.Name != "Long List" {
		t.Fatalf("continued note: %q", g.Name)
	}
}

// §7 item 38: the legacy PC format: <nick> blocks, addresses then notes,
// '>' escaping a data line.
func TestLegacyFormat(t *testing.T) {
	b, ev := readWin(t, `<friends>
a@example.com, b@example.com
c@example.com
<boss>
Big Boss <boss@example.com>
<boss>
><name:The Boss>
second note line
`)
	if got := memberEmails(groupByNick(t, b, "friends")); strings.Join(got, " ") != "a@example.com b@example.com c@example.com" {
		t.Fatalf("friends %v", got)
	}
	boss := contactByNick(t, b, "boss")
	if boss.PrimaryEmail() != "boss@example.com" || boss.DisplayName != "The Boss" || boss.Notes != "second note line" {
		t.Fatalf("boss %+v", boss)
	}
	if len(ev) != 0 {
		t.Fatalf("events %v", ev)
	}
}

// writeStore lays out files under a temporary store directory.
func writeStore(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// §7 item 38: NNdbase.nnt variant, extra books in Nickname\ and in
// ExtraNicknameDirs; case-insensitive names; nicknames resolved across books.
func TestStoreBooks(t *testing.T) {
	dir := writeStore(t, map[string]string{
		"nndbase.NNT":             "alias main m@example.com\r\nalias crew side, shared\r\n",
		"NICKNAME/Side.TXT":       "alias side s@example.com\r\n",
		"nickname/side.toc":       "binary index",
		"Shared Books/shared.txt": "alias shared sh@example.com\r\n",
		"Outside/x.txt":           "alias outside o@example.com\r\n",
		"eudora.INI":              "[Settings]\r\nExtraNicknameDirs=C:\\Program Files\\Eudora\\Shared Books;D:\\Nowhere;..\\..\\etc\r\n",
	})
	var ev events
	b, err := ReadStore(context.Background(), dir, &Options{Events: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	for nick, book := range map[string]string{"main": "nndbase", "side": "Side", "shared": "shared"} {
		if got := contactByNick(t, b, nick).Book; got != book {
			t.Errorf("%s in book %q, want %q", nick, got, book)
		}
	}
	for _, c := range b.Contacts {
		if c.Nickname == "outside" {
			t.Fatal("read a book that no setting names")
		}
	}
	if got := memberEmails(groupByNick(t, b, "crew")); strings.Join(got, " ") != "s@example.com sh@example.com" {
		t.Fatalf("crew %v", got)
	}
	if ev.codes()["addressbook.extra-dir-missing"] != 2 {
		t.Fatalf("want two missing extra dirs reported, got %v", ev)
	}
}

// The Mac store: Eudora Nicknames plus Nicknames Folder, AppleDouble debris
// skipped, History List left out unless asked for.
func TestMacStore(t *testing.T) {
	dir := writeStore(t, map[string]string{
		"Eudora Nicknames":           "alias a a@example.com\r",
		"Nicknames Folder/Work":      "alias w w@example.com\r",
		"Nicknames Folder/._Work":    "\x00\x05\x16\x07junk",
		"Nicknames Folder/.DS_Store": "junk",
		"History List":               "alias h h@example.com\r",
	})
	var ev events
	b, err := ReadStore(context.Background(), dir, &Options{Events: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Contacts) != 2 || contactByNick(t, b, "w").Book != "Work" {
		t.Fatalf("contacts %+v", b.Contacts)
	}
	if ev.codes()["addressbook.history-skipped"] != 1 {
		t.Fatalf("events %v", ev)
	}
	b, err = ReadStore(context.Background(), dir, &Options{IncludeHistory: true})
	if err != nil || len(b.Contacts) != 3 {
		t.Fatalf("with history: %v %d", err, len(b.Contacts))
	}
}

// Windows-1252 decoding.
func TestWindows1252(t *testing.T) {
	b, _ := readWin(t, "alias jose Jos\xe9 <j@example.com>\nnote jose <city:K\xf6ln>\n")
	c := contactByNick(t, b, "jose")
	if c.DisplayName != "José" || c.Home.City != "Köln" {
		t.Fatalf("%+v", c)
	}
}

// Bad input: long lines, unbalanced brackets, unknown lines, binary garbage.
func TestBadInput(t *testing.T) {
	long := "alias big " + strings.Repeat("x", 2<<20) + "@example.com"
	text := long + "\nalias ok ok@example.com\nalias un <unclosed@example.com\nnote un <name:Open\n" +
		"garbage \x00\xff\xfe\n\"\nalias \"unterminated x@example.com\n"
	var ev events
	b, err := ReadNicknames(context.Background(), strings.NewReader(text), "NNdbase.txt", &Options{Events: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	codes := ev.codes()
	if codes["addressbook.line-too-long"] != 1 || codes["addressbook.unknown-line"] < 1 || codes["addressbook.bad-nickname"] != 1 || codes["addressbook.unbalanced"] != 1 {
		t.Fatalf("events %v", ev)
	}
	if contactByNick(t, b, "ok").PrimaryEmail() != "ok@example.com" {
		t.Fatal("good line after a long one lost")
	}
	un := contactByNick(t, b, "un")
	if un.PrimaryEmail() != "unclosed@example.com" || un.DisplayName != "Open" {
		t.Fatalf("unbalanced: %+v", un)
	}
	// MaxEntries is enforced with a typed error.
	_, err = ReadNicknames(context.Background(), strings.NewReader("alias a a@x\nalias b b@x\n"), "n.txt", &Options{MaxEntries: 1})
	var le *mailconv.LimitError
	var pe *mailconv.ParseError
	if !errors.As(err, &le) || !errors.As(err, &pe) || pe.File != "n.txt" {
		t.Fatalf("want a LimitError inside a ParseError, got %v", err)
	}
	_, err = ReadNicknames(context.Background(), strings.NewReader(strings.Repeat("alias a a@x\n", 100)), "n.txt", &Options{MaxFileBytes: 100})
	if !errors.As(err, &le) || le.Name != "MaxFileBytes" {
		t.Fatalf("want MaxFileBytes, got %v", err)
	}
	_, err = ReadLDIF(context.Background(), strings.NewReader(strings.Repeat("dn: cn=a\ncn: a\n\n", 100)), &LDIFReadOptions{MaxBytes: 100})
	if !errors.As(err, &le) || le.Name != "MaxBytes" {
		t.Fatalf("want MaxBytes, got %v", err)
	}
}
