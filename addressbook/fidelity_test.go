package addressbook

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func readVCardFile(t *testing.T, name string) *Book {
	t.Helper()
	data, err := os.ReadFile("testdata/ez-vcard/" + name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadVCard(context.Background(), bytes.NewReader(data), &VCardReadOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue 13 item 3d: a card with two ORG and two TITLE values (ez-vcard's
// fullcontact.vcf) keeps the first in its fields and the others as
// labelled notes, each reported, in vCard and in LDIF.
func TestEveryOrgAndTitleKept(t *testing.T) {
	b := readVCardFile(t, "fullcontact.vcf")
	c := b.Contacts[0]
	if c.Organization != "Organization1" || c.Department != "Department1" || c.Title != "Title1" {
		t.Fatalf("first values: %q %q %q", c.Organization, c.Department, c.Title)
	}
	var ev events
	vc := string(vcardOfOpts(t, b, &VCardOptions{Events: ev.add}))
	for _, want := range []string{"ORG:Organization1;Department1\r\n", "TITLE:Title1\r\n", `Organization: Organization2\, Department2`, `Title: Title2`} {
		if !strings.Contains(unfoldVCard(vc), want) {
			t.Errorf("vCard lacks %q:\n%s", want, vc)
		}
	}
	var lev events
	data := ldifOf(t, b, &LDIFOptions{Events: lev.add})
	e := parseLDIF(t, data)[0]
	if strings.Join(e.attrs["o"], "|") != "Organization1" || strings.Join(e.attrs["title"], "|") != "Title1" {
		t.Errorf("LDIF o %v title %v", e.attrs["o"], e.attrs["title"])
	}
	d := strings.Join(e.attrs["description"], "")
	if !strings.Contains(d, "Organization: Organization2, Department2") || !strings.Contains(d, "Title: Title2") {
		t.Errorf("LDIF description %q", d)
	}
	for _, x := range []events{ev, lev} {
		n := 0
		for _, e := range x {
			if strings.Contains(e.Detail, "Organization2") || strings.Contains(e.Detail, "Title2") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("extra ORG/TITLE reported %d times: %v", n, x)
		}
	}
}

// Issue 13 item 3d: ADR components stay in their slots. Gmail writes the
// whole address in the street component (two lines here); it used to lose
// its last line to the extended address.
func TestADRSlotsKept(t *testing.T) {
	b := readVCardFile(t, "gmail-single.vcf")
	c := b.Contacts[0]
	if strings.Join(c.Home.Street, "|") != "123 Home St|Home City, HM 12345" || c.Home.Extended != "" || c.Home.Country != "" {
		t.Fatalf("home %+v", c.Home)
	}
	vc := unfoldVCard(string(vcardOfOpts(t, b, nil)))
	if !strings.Contains(vc, `ADR;TYPE=home:;;123 Home St\nHome City\, HM 12345;;;;`) {
		t.Errorf("ADR re-slotted:\n%s", vc)
	}
	// All seven slots, each kept.
	in := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nADR;TYPE=work:PO Box 1;Suite 5;1 Main St;Town;ST;12345;Country\r\nEND:VCARD\r\n"
	b2, err := ReadVCard(context.Background(), strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := b2.Contacts[0].Work
	if w.POBox != "PO Box 1" || w.Extended != "Suite 5" || strings.Join(w.Street, "|") != "1 Main St" || w.Country != "Country" {
		t.Fatalf("work %+v", w)
	}
	if vc := unfoldVCard(string(vcardOfOpts(t, b2, nil))); !strings.Contains(vc, "ADR;TYPE=work:PO Box 1;Suite 5;1 Main St;Town;ST;12345;Country\r\n") {
		t.Errorf("ADR:\n%s", vc)
	}
	// LDIF (Thunderbird): the extended address is the second street line,
	// the street keeps all its lines; a PO box has no attribute (reported).
	var ev events
	e := parseLDIF(t, ldifOf(t, b2, &LDIFOptions{Events: ev.add}))[0]
	if e.attrs["street"][0] != "1 Main St" || e.attrs["mozillaworkstreet2"][0] != "Suite 5" || !strings.Contains(e.attrs["description"][0], "Work PO box: PO Box 1") {
		t.Errorf("LDIF %v", e.attrs)
	}
	if ev.codes()["addressbook.no-home"] != 1 {
		t.Errorf("events %v", ev)
	}
	back, err := ReadLDIF(context.Background(), bytes.NewReader(ldifOf(t, b2, nil)), nil)
	if err != nil || back.Contacts[0].Work.Extended != "Suite 5" {
		t.Fatalf("LDIF read back: %v %+v", err, back.Contacts[0].Work)
	}
}

// Issue 13 item 3d: birthdays are Thunderbird's birthyear, birthmonth and
// birthday attributes (they used to be note lines), in every form vCard
// producers write; a value that is no date stays a labelled note.
func TestBirthdays(t *testing.T) {
	for _, tc := range []struct {
		bday string
		want Date
		ldif string // birthyear|birthmonth|birthday
		out  string // vCard BDAY written
	}{
		{"1960-09-10", Date{1960, 9, 10}, "1960|9|10", "19600910"},
		{"19800322", Date{1980, 3, 22}, "1980|3|22", "19800322"},
		{"1980-05-21T00:00:00Z", Date{1980, 5, 21}, "1980|5|21", "19800521"},
		{"--0910", Date{0, 9, 10}, "|9|10", "--0910"},
		{"--09-10", Date{0, 9, 10}, "|9|10", "--0910"},
		{"1970", Date{1970, 0, 0}, "1970||", "1970"},
		{"1604-12-24;X-APPLE-OMIT-YEAR=1604", Date{0, 12, 24}, "|12|24", "--1224"},
	} {
		bday, params, _ := strings.Cut(tc.bday, ";")
		if params != "" {
			params = ";" + params
		}
		in := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\nBDAY" + params + ":" + bday + "\r\nEND:VCARD\r\n"
		b, err := ReadVCard(context.Background(), strings.NewReader(in), nil)
		if err != nil {
			t.Fatal(err)
		}
		c := b.Contacts[0]
		if c.Birthday != tc.want || len(c.Fields) != 0 {
			t.Errorf("%s: birthday %+v fields %v", tc.bday, c.Birthday, c.Fields)
			continue
		}
		var ev events
		e := parseLDIF(t, ldifOf(t, b, &LDIFOptions{Events: ev.add}))[0]
		got := strings.Join([]string{strings.Join(e.attrs["birthyear"], ""), strings.Join(e.attrs["birthmonth"], ""), strings.Join(e.attrs["birthday"], "")}, "|")
		if got != tc.ldif || len(ev) != 0 || len(e.attrs["description"]) != 0 {
			t.Errorf("%s: LDIF %s, events %v, description %v", tc.bday, got, ev, e.attrs["description"])
		}
		if vc := string(vcardOfOpts(t, b, nil)); !strings.Contains(vc, "\r\nBDAY:"+tc.out+"\r\n") {
			t.Errorf("%s: vCard\n%s", tc.bday, vc)
		}
		back, err := ReadLDIF(context.Background(), bytes.NewReader(ldifOf(t, b, nil)), nil)
		if err != nil || back.Contacts[0].Birthday != tc.want {
			t.Errorf("%s: LDIF read back %v %+v", tc.bday, err, back.Contacts[0].Birthday)
		}
	}
	in := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:B\r\nBDAY;VALUE=text:circa 1800\r\nEND:VCARD\r\n"
	b, _ := ReadVCard(context.Background(), strings.NewReader(in), nil)
	if c := b.Contacts[0]; !c.Birthday.IsZero() || len(c.Fields) != 1 || c.Fields[0] != (Field{"Birthday", "circa 1800"}) {
		t.Errorf("text birthday: %+v %v", c.Birthday, c.Fields)
	}
}

// Issue 13 item 6: the default LDAP-server form uses only standard schema;
// each Thunderbird value is moved to the closest standard attribute and
// reported. The mozilla form keeps Thunderbird's attributes.
func TestLDIFStandardSchema(t *testing.T) {
	c := richContact()
	c.Work.Extended = "Building B"
	c.Emails = append(c.Emails, "third@example.net", "RENEE@example.com")
	c.Phones = append(c.Phones, Phone{PhoneCell, WhereWork, "+49 170 9"})
	b := &Book{Contacts: []*Contact{c}, Groups: []*Group{{Name: "Team", Nickname: "team", Members: []Member{{Contact: c}}}}}
	var ev events
	es := parseLDIF(t, ldifOf(t, b, &LDIFOptions{BaseDN: "ou=b,dc=example,dc=com", Events: ev.add}))
	e := entryByCN(t, es, c.DisplayName)
	for k, want := range map[string]string{
		"objectclass":       "top|person|organizationalPerson|inetOrgPerson",
		"mail":              "renee@example.com|rr@example.org|third@example.net",
		"mobile":            "+49 170 3|+49 170 9",
		"homepostaladdress": "c/o Meyer$1 Home St$Flat 9$50667 Köln$NRW$Germany",
		"labeleduri":        "https://work.example Work|http://home.example Home",
		"street":            "2 Work Ave",
		"c":                 "",
		"mozillanickname":   "",
		"mozillahomestreet": "",
		"birthyear":         "",
	} {
		if got := strings.Join(e.attrs[k], "|"); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	d := strings.Join(e.attrs["description"], "")
	for _, want := range []string{"Nickname: rich", "AIM: renee99", "Work address line 2: Building B", "Work country: FR", "Birthday: 1970-04-01", "Custom 1: c1", "Custom 4: c4"} {
		if !strings.Contains(d, want) {
			t.Errorf("description lacks %q: %q", want, d)
		}
	}
	g := entryByCN(t, es, "Team")
	if strings.Join(g.attrs["objectclass"], "|") != "top|groupOfNames" || !strings.Contains(strings.Join(g.attrs["description"], ""), "Nickname: team") {
		t.Errorf("group %v", g.attrs)
	}
	// Every value moved: nickname, second and third mail, AIM, home
	// address, work line 2, country, two URLs, the second mobile, four
	// customs, the list's nickname; the birthday has no attribute in any
	// schema. The same address twice is one value, not a loss.
	if n := ev.codes()["addressbook.standard-attribute"]; n != 15 {
		t.Errorf("%d standard-attribute events, want 15: %v", n, ev)
	}
	if n := ev.codes()["addressbook.no-home"]; n != 1 {
		t.Errorf("%d no-home events, want 1 (birthday): %v", n, ev)
	}

	ev = nil
	es = parseLDIF(t, ldifOf(t, b, &LDIFOptions{BaseDN: "ou=b,dc=example,dc=com", Schema: SchemaMozilla, Events: ev.add}))
	e = entryByCN(t, es, c.DisplayName)
	if strings.Join(e.attrs["mozillahomestreet"], "") != "1 Home St\nFlat 9" || strings.Join(e.attrs["mozillanickname"], "") != "rich" ||
		strings.Join(e.attrs["objectclass"], "|") != "top|person|organizationalPerson|inetOrgPerson|mozillaAbPersonAlpha" {
		t.Errorf("mozilla form %v", e.attrs)
	}
	if ev.codes()["addressbook.standard-attribute"] != 0 {
		t.Errorf("mozilla form events %v", ev)
	}

	var buf bytes.Buffer
	if err := WriteLDIF(&buf, b, &LDIFOptions{Schema: "nis"}); !errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("unknown schema: %v", err)
	}
}

func vcardOfOpts(t *testing.T, b *Book, opts *VCardOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteVCard(&buf, b, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unfoldVCard joins folded vCard lines (RFC 6350 §3.2).
func unfoldVCard(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }
