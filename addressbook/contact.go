package addressbook

import (
	"crypto/sha1"
	"fmt"
	"strings"

	"github.com/mailconv/mailconv"
)

// Where tells whether a phone, address or web page belongs to the home or
// the work block of a card.
type Where uint8

// The places.
const (
	WhereNone Where = iota // neither (Eudora's "other" lists)
	WhereHome
	WhereWork
)

var whereNames = [...]string{"", "home", "work"}

// String returns "home", "work" or "".
func (w Where) String() string {
	if int(w) < len(whereNames) {
		return whereNames[w]
	}
	return fmt.Sprintf("Where(%d)", int(w))
}

// PhoneKind is what a phone number reaches.
type PhoneKind uint8

// The phone kinds.
const (
	PhoneVoice PhoneKind = iota
	PhoneCell
	PhoneFax
	PhonePager
)

var phoneKindNames = [...]string{"voice", "cell", "fax", "pager"}

// String returns the kind's vCard TYPE name.
func (k PhoneKind) String() string {
	if int(k) < len(phoneKindNames) {
		return phoneKindNames[k]
	}
	return fmt.Sprintf("PhoneKind(%d)", int(k))
}

// Phone is one telephone number of a card.
type Phone struct {
	Kind   PhoneKind
	Where  Where
	Number string
}

// URL is one web page of a card.
type URL struct {
	Where Where
	URL   string
}

// IM is one instant-messaging handle (Eudora's Mac aim fields).
type IM struct {
	Service string // lower case: "aim"
	Where   Where
	Handle  string
}

// Address is a postal address. Street holds the street lines in order
// (Eudora's 0x03-separated lines, or the lines of a vCard ADR street
// component). POBox and Extended are the vCard ADR post office box and
// extended address components (Thunderbird's second address line), kept in
// their own slots as the source gave them.
type Address struct {
	POBox      string
	Extended   string
	Street     []string
	City       string
	Region     string
	PostalCode string
	Country    string
}

// IsZero reports whether the address is empty.
func (a Address) IsZero() bool {
	return a.POBox == "" && a.Extended == "" && len(a.Street) == 0 && a.City == "" && a.Region == "" && a.PostalCode == "" && a.Country == ""
}

// Date is a calendar date of which any part may be unknown (zero): a
// birthday without a year is common.
type Date struct {
	Year, Month, Day int
}

// IsZero reports whether no part of the date is known.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// valid reports whether the known parts are in range.
func (d Date) valid() bool {
	return d.Year >= 0 && d.Year <= 9999 && d.Month >= 0 && d.Month <= 12 && d.Day >= 0 && d.Day <= 31 && !d.IsZero()
}

// Field is a labelled value that has no place of its own in the model (a
// Eudora tag such as bp, or a tag this package does not know). Writers keep
// it as a "Label: value" line of the card's notes and report it.
type Field struct {
	Label string
	Value string
}

// Contact is one card of an address book.
type Contact struct {
	// UID is a stable identifier, "urn:uuid:…", derived from where the
	// card came from so that a second export gives the same value.
	UID string
	// Book is the name of the address book the card was read from.
	Book string

	Nickname    string
	DisplayName string
	FirstName   string
	LastName    string
	// Emails holds the addresses, the preferred one first.
	Emails []string

	Home, Work Address
	Phones     []Phone
	URLs       []URL
	IMs        []IM

	// Organization, Department and Title are the first organization and
	// job title of the card; further ones (a vCard may have several ORG
	// and TITLE properties) are kept in Fields labelled "Organization" and
	// "Title".
	Organization string
	Department   string
	Title        string

	// Birthday is the date of birth, any part of which may be unknown.
	Birthday Date

	// Primary tells which block (home or work) the owner prefers; it
	// decides which mobile and fax number is the main one.
	Primary Where
	// Custom holds Thunderbird's four custom fields.
	Custom [4]string

	// Notes is free text.
	Notes string
	// Fields are values without a place in the model.
	Fields []Field

	// Source is where the card was read, if known.
	Source mailconv.Location
}

// Member is one member of a group: a contact or another group.
type Member struct {
	Contact *Contact
	Group   *Group
}

// Group is a mailing list (a Eudora nickname with several addresses).
type Group struct {
	UID      string
	Book     string
	Name     string // display name (LDIF cn, vCard FN)
	Nickname string
	Notes    string
	Fields   []Field
	Members  []Member
	Source   mailconv.Location
}

// Book is a set of contacts and groups. Every contact a group names is also
// in Contacts, and every nested group is in Groups.
type Book struct {
	Contacts []*Contact
	Groups   []*Group
}

// Emit sends e to f when f is not nil.
func emit(f func(mailconv.Event), e mailconv.Event) {
	if f != nil {
		f(e)
	}
}

// uuidNamespace is the namespace of the name-based UUIDs this package gives
// cards and groups (a random version 4 UUID fixed once for this package).
var uuidNamespace = [16]byte{0x6b, 0x1f, 0x4e, 0x0a, 0x93, 0x57, 0x4c, 0x2e, 0x8d, 0x41, 0x0f, 0x5a, 0x22, 0x9c, 0x71, 0xe3}

// NameUUID returns the RFC 9562 version 5 (SHA-1, name-based) UUID of name in
// this package's namespace, as a "urn:uuid:" URI. Readers use it so that
// the same source always gives the same UIDs.
func NameUUID(name string) string {
	h := sha1.New()
	h.Write(uuidNamespace[:])
	h.Write([]byte(name))
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// PrimaryEmail returns the first address, or "".
func (c *Contact) PrimaryEmail() string {
	if len(c.Emails) == 0 {
		return ""
	}
	return c.Emails[0]
}

// addEmail appends addr unless the card already has it (compared
// case-insensitively). It reports whether it was added.
func (c *Contact) addEmail(addr string) bool {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return false
	}
	for _, e := range c.Emails {
		if strings.EqualFold(e, addr) {
			return false
		}
	}
	c.Emails = append(c.Emails, addr)
	return true
}

// Flatten returns the contacts of g and of every group nested in it, each
// once, in order of first appearance. Cycles are harmless: a group already
// visited is not entered again.
func (g *Group) Flatten() []*Contact {
	var out []*Contact
	seenC := map[*Contact]bool{}
	seenG := map[*Group]bool{}
	// Depth-first, in member order.
	var visit func(*Group)
	visit = func(x *Group) {
		if seenG[x] {
			return
		}
		seenG[x] = true
		for _, m := range x.Members {
			switch {
			case m.Contact != nil:
				if !seenC[m.Contact] {
					seenC[m.Contact] = true
					out = append(out, m.Contact)
				}
			case m.Group != nil:
				visit(m.Group)
			}
		}
	}
	visit(g)
	return out
}

// HasNestedGroups reports whether g has a group among its members.
func (g *Group) HasNestedGroups() bool {
	for _, m := range g.Members {
		if m.Group != nil {
			return true
		}
	}
	return false
}

// Merge returns a book holding the contacts and groups of every book, in
// order.
func Merge(books ...*Book) *Book {
	out := &Book{}
	for _, b := range books {
		if b == nil {
			continue
		}
		out.Contacts = append(out.Contacts, b.Contacts...)
		out.Groups = append(out.Groups, b.Groups...)
	}
	return out
}

// addOrganization sets the card's organization and department, or keeps a
// further one as a labelled field.
func (c *Contact) addOrganization(org, dept string) {
	org, dept = strings.TrimSpace(org), strings.TrimSpace(dept)
	if org == "" && dept == "" {
		return
	}
	if c.Organization == "" && c.Department == "" {
		c.Organization, c.Department = org, dept
		return
	}
	c.Fields = append(c.Fields, Field{Label: "Organization", Value: strings.Join(nonEmpty([]string{org, dept}), ", ")})
}

// addTitle sets the card's job title, or keeps a further one as a
// labelled field.
func (c *Contact) addTitle(t string) {
	if t = strings.TrimSpace(t); t == "" {
		return
	}
	if c.Title == "" {
		c.Title = t
		return
	}
	c.Fields = append(c.Fields, Field{Label: "Title", Value: t})
}

// parseDate reads the date forms vCard producers write (RFC 6350 §4.3.1
// basic forms "19600910", "1960-09", "1960", "--0910", "--09", "---10";
// vCard 3 and 2.1 extended forms "1960-09-10", "--09-10"; a time part after
// "T" is ignored). It reports false for anything else, or out of range.
func parseDate(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "Tt"); i >= 0 {
		s = s[:i]
	}
	num := func(t string) (int, bool) {
		if t == "" {
			return 0, false
		}
		n := 0
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return 0, false
			}
			n = n*10 + int(t[i]-'0')
		}
		return n, true
	}
	var d Date
	var ok1, ok2, ok3 bool
	switch {
	case strings.HasPrefix(s, "---") && len(s) == 5:
		d.Day, ok1 = num(s[3:])
		ok2, ok3 = true, true
	case strings.HasPrefix(s, "--"):
		t := strings.ReplaceAll(s[2:], "-", "")
		switch len(t) {
		case 2:
			d.Month, ok1 = num(t)
			ok2, ok3 = true, true
		case 4:
			d.Month, ok1 = num(t[:2])
			d.Day, ok2 = num(t[2:])
			ok3 = true
		}
	case len(s) == 4:
		d.Year, ok1 = num(s)
		ok2, ok3 = true, true
	case len(s) == 7 && s[4] == '-':
		d.Year, ok1 = num(s[:4])
		d.Month, ok2 = num(s[5:])
		ok3 = true
	case len(s) == 8:
		d.Year, ok1 = num(s[:4])
		d.Month, ok2 = num(s[4:6])
		d.Day, ok3 = num(s[6:])
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		d.Year, ok1 = num(s[:4])
		d.Month, ok2 = num(s[5:7])
		d.Day, ok3 = num(s[8:])
	}
	if !ok1 || !ok2 || !ok3 || !d.valid() || (d.Month == 0 && d.Day != 0 && d.Year != 0) {
		return Date{}, false
	}
	return d, true
}

// vcardDate writes d in the RFC 6350 basic form.
func (d Date) vcardDate() string {
	switch {
	case d.Year != 0 && d.Month != 0 && d.Day != 0:
		return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
	case d.Year != 0 && d.Month != 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	case d.Year != 0:
		return fmt.Sprintf("%04d", d.Year)
	case d.Month != 0 && d.Day != 0:
		return fmt.Sprintf("--%02d%02d", d.Month, d.Day)
	case d.Month != 0:
		return fmt.Sprintf("--%02d", d.Month)
	}
	return fmt.Sprintf("---%02d", d.Day)
}

// String writes d as YYYY-MM-DD with "-" for unknown parts' digits
// ("--09-10" without a year), for labelled notes.
func (d Date) String() string {
	part := func(n, w int) string {
		if n == 0 {
			return strings.Repeat("-", w)
		}
		return fmt.Sprintf("%0*d", w, n)
	}
	return part(d.Year, 4) + "-" + part(d.Month, 2) + "-" + part(d.Day, 2)
}
