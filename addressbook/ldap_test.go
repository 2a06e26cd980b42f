package addressbook

import (
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/mailconv/mailconv/internal/ldaptest"
)

// ldapBook is a book that exercises what an LDAP server checks: non-ASCII
// names (base64 DNs and values), long folded values, RDN specials, duplicate
// cards, nested and empty lists, values the schema would reject.
func ldapBook() *Book {
	rich := richContact()
	rich.Notes = strings.Repeat("A long note that must be folded over several lines. ", 8) + "Ünïcödé at the end"
	rich.Work.Country = "France"
	rich.Work.POBox, rich.Work.Extended = "PO Box 12", "Building $B \\ 2"
	rich.Home.POBox = "Postfach 7"
	rich.Emails = append(rich.Emails, "third@example.net")
	rich.Phones = append(rich.Phones, Phone{PhoneCell, WhereWork, "+49 170 9"}, Phone{PhoneFax, WhereWork, "+33 1 5"})
	comma := &Contact{DisplayName: "Doe, John", FirstName: "John", LastName: "Doe", Emails: []string{"john+tag@example.com"}}
	twin1 := &Contact{DisplayName: "Twin", Emails: []string{"twin@example.com"}}
	twin2 := &Contact{DisplayName: "Twin", Emails: []string{"twin@example.com"}, Notes: "second"}
	noMail := &Contact{DisplayName: "Zoë No-Mail", Nickname: "zoe", Phones: []Phone{{PhoneVoice, WhereHome, "+1 (555) 010-9999"}, {PhoneVoice, WhereWork, "ext#12"}}}
	odd := &Contact{DisplayName: " leading space", Emails: []string{"odd@example.com"}, Title: ":colon", Organization: "<angle", Department: "trailing "}
	inner := &Group{Name: "Innér", Nickname: "inner", Members: []Member{{Contact: comma}, {Contact: noMail}}}
	outer := &Group{Name: "Outer", Nickname: "outer", Notes: "nested", Fields: []Field{{"bp", "Y"}}, Members: []Member{{Group: inner}, {Contact: rich}, {Contact: twin1}}}
	empty := &Group{Name: "Empty"}
	sameName := &Group{Name: "Twin"}
	return &Book{Contacts: []*Contact{rich, comma, twin1, twin2, noMail, odd}, Groups: []*Group{inner, outer, empty, sameName}}
}

// Acceptance 2, and issue 13 item 6: our LDAP-server LDIF loads into a
// real slapd with ldapadd, and ldapsearch gives back every entry and value
// unchanged. The default (standard-schema) form goes into a server with
// only the stock core, cosine, inetorgperson and nis schemas; the mozilla
// form into one that also has a Mozilla schema (a test schema for the
// attributes Thunderbird writes).
func TestLDIFIntoSlapd(t *testing.T) {
	for _, form := range []struct {
		schema string
		opts   ldaptest.Options
	}{
		{SchemaStandard, ldaptest.Options{BaseDN: "dc=example,dc=com", Schemas: []string{"cosine", "inetorgperson", "nis"}}},
		{SchemaMozilla, ldaptest.Options{BaseDN: "dc=example,dc=com", ExtraSchema: ldaptest.MozillaSchema}},
	} {
		t.Run("schema="+form.schema, func(t *testing.T) {
			srv := ldaptest.Start(t, form.opts)
			for _, nested := range []bool{false, true} {
				base := "ou=flat,dc=example,dc=com"
				if nested {
					base = "ou=nested,dc=example,dc=com"
				}
				var ev events
				data := ldifOf(t, ldapBook(), &LDIFOptions{BaseDN: base, NestedGroups: nested, Schema: form.schema, Events: ev.add})
				loadAndCompare(t, srv, base, data)
				std := ev.codes()["addressbook.standard-attribute"]
				if form.schema == SchemaStandard {
					if bytes.Contains(bytes.ToLower(data), []byte("mozilla")) || bytes.Contains(data, []byte("nsAIMid")) {
						t.Fatalf("standard form names Mozilla schema:\n%s", data)
					}
					if std == 0 {
						t.Fatal("no Thunderbird value reported as moved to a standard attribute")
					}
				} else if std != 0 || !bytes.Contains(data, []byte("objectclass: mozillaAbPersonAlpha")) {
					t.Fatalf("mozilla form: %d standard-attribute events\n%s", std, data)
				}
			}
		})
	}
	// What the default form used to be (the Mozilla class) is refused by a
	// stock server: the test above would catch a regression.
	srv := ldaptest.Start(t, ldaptest.Options{BaseDN: "dc=example,dc=com", Schemas: []string{"cosine", "inetorgperson", "nis"}})
	base := "ou=book,dc=example,dc=com"
	if out, err := srv.Add([]byte("dn: " + base + "\nobjectClass: organizationalUnit\nou: book\n")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	data := ldifOf(t, ldapBook(), &LDIFOptions{BaseDN: base, Schema: SchemaMozilla})
	if out, err := srv.Add(data); err == nil || !strings.Contains(string(out), "objectclass") {
		t.Fatalf("a stock slapd accepted the Mozilla form: %v\n%s", err, out)
	}
}

// loadAndCompare adds base and the LDIF data to srv and checks that the
// server gives back every entry with the same values.
func loadAndCompare(t *testing.T, srv *ldaptest.Server, base string, data []byte) {
	t.Helper()
	ou := strings.TrimPrefix(strings.Split(base, ",")[0], "ou=")
	if out, err := srv.Add([]byte("dn: " + base + "\nobjectClass: organizationalUnit\nou: " + ou + "\n")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := srv.Add(data); err != nil {
		t.Fatalf("ldapadd refused our LDIF: %v\n%s\n%s", err, out, data)
	}
	got, err := srv.Search(base)
	if err != nil {
		t.Fatal(err)
	}
	want := parseLDIF(t, data)
	have := parseLDIF(t, got)
	var haveEntries []parsed
	for _, e := range have {
		if !strings.EqualFold(e.dn, base) {
			haveEntries = append(haveEntries, e)
		}
	}
	if len(haveEntries) != len(want) {
		t.Fatalf("%d entries written, %d read back", len(want), len(haveEntries))
	}
	for _, w := range want {
		h := findDN(t, haveEntries, w.dn)
		if h == nil {
			t.Fatalf("entry %q not found in:\n%s", w.dn, got)
		}
		compareAttrs(t, w, *h)
	}
	// Non-ASCII and folded values really were exercised.
	if !bytes.Contains(data, []byte("dn:: ")) || !bytes.Contains(data, []byte("\n ")) {
		t.Fatal("test data lacks base64 DNs or folded lines")
	}
}

func findDN(t *testing.T, es []parsed, dn string) *parsed {
	t.Helper()
	want, err := ldap.ParseDN(dn)
	if err != nil {
		t.Fatalf("our DN %q does not parse: %v", dn, err)
	}
	for i := range es {
		got, err := ldap.ParseDN(es[i].dn)
		if err != nil {
			t.Fatalf("server DN %q does not parse: %v", es[i].dn, err)
		}
		if got.Equal(want) {
			return &es[i]
		}
	}
	return nil
}

func compareAttrs(t *testing.T, want, have parsed) {
	t.Helper()
	for k, wv := range want.attrs {
		hv := have.attrs[k]
		a, b := append([]string(nil), wv...), append([]string(nil), hv...)
		sort.Strings(a)
		sort.Strings(b)
		if strings.Join(a, "\x00") != strings.Join(b, "\x00") {
			if k == "member" {
				// DNs may come back in another (equivalent) spelling.
				if len(a) == len(b) && sameDNs(t, a, b) {
					continue
				}
			}
			t.Errorf("%s: %s = %q, server has %q", want.dn, k, wv, hv)
		}
	}
	for k := range have.attrs {
		if _, ok := want.attrs[k]; !ok {
			t.Errorf("%s: server added attribute %s", want.dn, k)
		}
	}
}

func sameDNs(t *testing.T, a, b []string) bool {
	for _, x := range a {
		dx, err := ldap.ParseDN(x)
		if err != nil {
			return false
		}
		found := false
		for _, y := range b {
			if dy, err := ldap.ParseDN(y); err == nil && dy.Equal(dx) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
