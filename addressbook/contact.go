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
// (Eudora's 0x03-separated lines).
type Address struct {
	Street     []string
	City       string
	Region     string
	PostalCode string
	Country    string
}

// IsZero reports whether the address is empty.
func (a Address) IsZero() bool {
	return len(a.Street) == 0 && a.City == "" && a.Region == "" && a.PostalCode == "" && a.Country == ""
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

	Organization string
	Department   string
	Title        string

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
