package addressbook

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	vcard "github.com/emersion/go-vcard"
)

// rfc6350Props are the properties RFC 6350 §6 defines (plus BEGIN/END).
var rfc6350Props = map[string]bool{
	"BEGIN": true, "END": true, "SOURCE": true, "KIND": true, "XML": true, "FN": true, "N": true, "NICKNAME": true,
	"PHOTO": true, "BDAY": true, "ANNIVERSARY": true, "GENDER": true, "ADR": true, "TEL": true, "EMAIL": true,
	"IMPP": true, "LANG": true, "TZ": true, "GEO": true, "TITLE": true, "ROLE": true, "LOGO": true, "ORG": true,
	"MEMBER": true, "RELATED": true, "CATEGORIES": true, "NOTE": true, "PRODID": true, "REV": true, "SOUND": true,
	"UID": true, "CLIENTPIDMAP": true, "URL": true, "VERSION": true, "KEY": true, "FBURL": true, "CALADRURI": true, "CALURI": true,
}

var (
	propName  = regexp.MustCompile(`^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:]*)(?:,(?:"[^"]*"|[^";:,]*))*)*):`)
	telTypes  = map[string]bool{"text": true, "voice": true, "fax": true, "cell": true, "video": true, "pager": true, "textphone": true, "home": true, "work": true}
	someTypes = map[string]bool{"home": true, "work": true}
)

// checkVCard4 checks data against the framing and syntax rules of RFC 6350
// that a reader relies on: CRLF line ends, lines of at most 75 octets folded
// with one space and never inside a UTF-8 sequence, BEGIN then VERSION:4.0,
// FN present, known or X- property names with well-formed parameters,
// TYPE values allowed for the property, KIND values, MEMBER only in groups,
// and that go-vcard decodes every card.
func checkVCard4(t *testing.T, data []byte) int {
	t.Helper()
	if !utf8.Valid(data) {
		t.Fatal("not UTF-8")
	}
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		t.Fatal("line ends are not all CRLF")
	}
	phys := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var logical []string
	for _, l := range phys {
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
		if strings.HasPrefix(l, " ") {
			if len(logical) == 0 {
				t.Fatal("file starts with a continuation")
			}
			if !utf8.ValidString(l[1:]) {
				t.Fatalf("fold splits a UTF-8 sequence: %q", l)
			}
			logical[len(logical)-1] += l[1:]
			continue
		}
		if !utf8.ValidString(l) {
			t.Fatalf("fold splits a UTF-8 sequence: %q", l)
		}
		logical = append(logical, l)
	}
	cards := 0
	state := 0 // 0 outside, 1 after BEGIN, 2 inside
	var hasFN, isGroup bool
	var members int
	for _, l := range logical {
		m := propName.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("malformed content line %q", l)
		}
		name := strings.ToUpper(m[1])
		value := l[len(m[0]):]
		switch {
		case state == 0:
			if l != "BEGIN:VCARD" {
				t.Fatalf("expected BEGIN:VCARD, got %q", l)
			}
			state, hasFN, isGroup, members = 1, false, false, 0
			continue
		case state == 1:
			if l != "VERSION:4.0" {
				t.Fatalf("VERSION:4.0 must follow BEGIN, got %q", l)
			}
			state = 2
			continue
		}
		if !rfc6350Props[name] && !strings.HasPrefix(name, "X-") {
			t.Fatalf("unknown property %q", name)
		}
		for _, p := range strings.Split(strings.TrimPrefix(m[2], ";"), ";") {
			if p == "" {
				continue
			}
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(k, "TYPE") {
				for _, tv := range strings.Split(v, ",") {
					if name == "TEL" && !telTypes[tv] || name != "TEL" && !someTypes[tv] {
						t.Fatalf("TYPE=%s not allowed on %s", tv, name)
					}
				}
			}
			if strings.EqualFold(k, "PREF") && !regexp.MustCompile(`^(100|[1-9][0-9]?)$`).MatchString(v) {
				t.Fatalf("bad PREF %q", v)
			}
		}
		switch name {
		case "END":
			if value != "VCARD" || !hasFN {
				t.Fatalf("card ends without FN or with %q", l)
			}
			if members > 0 && !isGroup {
				t.Fatal("MEMBER in a card that is no group")
			}
			state = 0
			cards++
		case "FN":
			hasFN = value != ""
		case "KIND":
			if !map[string]bool{"individual": true, "group": true, "org": true, "location": true}[value] {
				t.Fatalf("bad KIND %q", value)
			}
			isGroup = value == "group"
		case "MEMBER":
			members++
			if !strings.Contains(value, ":") {
				t.Fatalf("MEMBER is not a URI: %q", value)
			}
		case "UID":
			if !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:\S+$`).MatchString(value) {
				t.Fatalf("UID %q", value)
			}
		case "VERSION":
			t.Fatal("second VERSION")
		}
	}
	if state != 0 {
		t.Fatal("unterminated card")
	}
	dec := vcard.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		c, err := dec.Decode()
		if err != nil {
			if n != cards {
				t.Fatalf("go-vcard decoded %d of %d cards: %v", n, cards, err)
			}
			break
		}
		if c.Value(vcard.FieldVersion) != "4.0" {
			t.Fatal("go-vcard sees another version")
		}
	}
	return cards
}

func vcardOf(t *testing.T, b *Book) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteVCard(&buf, b, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Our vCard parses back (go-vcard, through ReadVCard) to the same contacts
// and lists, nested lists included.
func TestVCardRoundTrip(t *testing.T) {
	c := richContact()
	c.Primary = WhereWork
	c.Phones = append(c.Phones, Phone{PhoneCell, WhereWork, "+33 6 7"}, Phone{PhoneVoice, WhereNone, "other"})
	c.URLs = append(c.URLs, URL{WhereNone, "http://third.example"})
	c.Notes = strings.Repeat("Long notes, with commas; semicolons \\ backslashes and ünïcödé. ", 4)
	other := &Contact{UID: NameUUID("o"), DisplayName: "Other", Emails: []string{"o@example.com"}}
	inner := &Group{UID: NameUUID("inner"), Name: "Inner", Members: []Member{{Contact: other}}}
	outer := &Group{UID: NameUUID("outer"), Name: "Outer; Team", Nickname: "outer", Notes: "n", Members: []Member{{Group: inner}, {Contact: c}}}
	b := &Book{Contacts: []*Contact{c, other}, Groups: []*Group{inner, outer}}
	data := vcardOf(t, b)
	if n := checkVCard4(t, data); n != 4 {
		t.Fatalf("%d cards", n)
	}
	back, err := ReadVCard(context.Background(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Contacts) != 2 || len(back.Groups) != 2 {
		t.Fatalf("%d cards %d lists", len(back.Contacts), len(back.Groups))
	}
	if got, want := canon(back.Contacts[0]), canon(c); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the card:\n got %+v\nwant %+v", got, want)
	}
	bo := back.Groups[1]
	if bo.Name != "Outer; Team" || bo.Nickname != "outer" || bo.UID != outer.UID || len(bo.Members) != 2 ||
		bo.Members[0].Group != back.Groups[0] || bo.Members[1].Contact != back.Contacts[0] {
		t.Fatalf("outer: %+v", bo)
	}
}

// Eudora lists become KIND:group cards whose MEMBERs are the UIDs of
// cards in the same file.
func TestEudoraListsAsVCardGroups(t *testing.T) {
	b, _ := readWin(t, "alias a a@example.com\nalias team a, b@example.com\nalias all team, c@example.com\n")
	data := vcardOf(t, b)
	checkVCard4(t, data)
	s := string(data)
	team := groupByNick(t, b, "team")
	for _, m := range team.Members {
		if !strings.Contains(s, "MEMBER:"+m.Contact.UID+"\r\n") || !strings.Contains(s, "UID:"+m.Contact.UID+"\r\n") {
			t.Fatalf("member %s not written as a card and a MEMBER", m.Contact.UID)
		}
	}
	if !strings.Contains(s, "MEMBER:"+team.UID+"\r\n") {
		t.Fatal("nested list not a MEMBER of all")
	}
}

// Every card of ez-vcard's corpus (vCards written by Outlook, iPhone,
// Android, Gmail, Lotus Notes, Evolution, Mac Address Book …) and of
// Thunderbird's importer fixtures, read and written again, is valid
// vCard 4.
func TestForeignVCardsBecomeValidVCard4(t *testing.T) {
	files, _ := filepath.Glob("testdata/ez-vcard/*.vcf")
	if len(files) < 15 {
		t.Fatalf("only %d fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var ev events
			b, err := ReadVCard(context.Background(), bytes.NewReader(data), &VCardReadOptions{Name: f, Events: ev.add})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Contacts)+len(b.Groups) == 0 {
				t.Fatal("no card read")
			}
			out := vcardOf(t, b)
			if n := checkVCard4(t, out); n != len(b.Contacts)+len(b.Groups) {
				t.Fatalf("%d cards written for %d", n, len(b.Contacts)+len(b.Groups))
			}
			// What we read survives a second pass unchanged.
			again, err := ReadVCard(context.Background(), bytes.NewReader(out), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range b.Contacts {
				// Fields without a vCard home come back as note lines.
				first := canon(b.Contacts[i])
				var labelled []string
				for _, f := range first.Fields {
					labelled = append(labelled, f.Label+": "+strings.TrimSpace(f.Value))
				}
				first.Notes, first.Fields = joinDescription(first.Notes, labelled), nil
				if got, want := canon(again.Contacts[i]), first; !reflect.DeepEqual(got, want) {
					t.Fatalf("card %d changed:\n got %+v\nwant %+v", i, got, want)
				}
			}
		})
	}
}

// Thunderbird's fixture card read from vCard keeps its fields.
func TestJohnDoeFields(t *testing.T) {
	data, err := os.ReadFile("testdata/ez-vcard/John_Doe_IPHONE.vcf")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadVCard(context.Background(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Contacts[0]
	if c.FirstName != "John" || c.LastName != "Doe" || len(c.Emails) == 0 {
		t.Fatalf("%+v", c)
	}
}

// A value that is not UTF-8 (a long run of continuation bytes) is folded
// without looping and written as valid UTF-8 (each invalid run becomes
// one U+FFFD).
func TestVCardInvalidUTF8(t *testing.T) {
	c := &Contact{DisplayName: "x", Notes: strings.Repeat("\x80", 300)}
	data := vcardOf(t, &Book{Contacts: []*Contact{c}})
	checkVCard4(t, data)
	back, err := ReadVCard(context.Background(), bytes.NewReader(data), nil)
	if err != nil || back.Contacts[0].Notes != "\uFFFD" {
		t.Fatalf("%v %q", err, back.Contacts[0].Notes)
	}
}
