package addressbook

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// DefaultLDIFWidth is the line width at which LDIF lines are folded: the
// OpenLDAP and go-ldap/ldif default.
const DefaultLDIFWidth = 76

// LDIFOptions tune WriteLDIF.
type LDIFOptions struct {
	// BaseDN, when set, writes for an LDAP server: every DN ends with
	// ",BaseDN" (the caller creates that entry and its parents), person
	// RDNs are multi-valued "cn=…+mail=…", values an LDAP schema would
	// reject (a country that is no two-letter code, a phone number with
	// characters outside PrintableString, a non-ASCII address) go to
	// description instead, a card without a last name gets sn = cn (person
	// requires sn), and an empty list names itself as member
	// (groupOfNames requires one).
	//
	// When empty (the default) the output is Thunderbird's own shape: bare
	// "cn=…,mail=…" DNs and list members "cn=…,mail=<address>" with the
	// address written as is, since Thunderbird matches members by the text
	// after "mail=".
	BaseDN string
	// Schema chooses the object classes of the LDAP-server form (BaseDN
	// set). "" (SchemaStandard): only the standard schema every server
	// ships (core, cosine, inetorgperson: inetOrgPerson, groupOfNames,
	// uidObject); Thunderbird-only values go to the closest standard
	// attribute (homePostalAddress, labeledURI, a second mail, description
	// lines) and are reported. SchemaMozilla adds the mozillaAbPersonAlpha
	// class and its attributes, for servers that load Thunderbird's schema.
	// The Thunderbird form (no BaseDN) always uses Thunderbird's attributes.
	Schema string
	// NestedGroups keeps a list that is a member of another list as a
	// member DN (LDAP only; Thunderbird cannot nest lists). Otherwise
	// nested lists are expanded into their cards.
	NestedGroups bool
	// Width folds lines longer than this many octets; 0 means
	// DefaultLDIFWidth and a negative value disables folding.
	Width int
	// Events receives a loss for every value that had no attribute of its
	// own (kept as a labelled line of description) and warnings.
	Events func(mailconv.Event)
}

// The LDIFOptions.Schema values.
const (
	SchemaStandard = ""
	SchemaMozilla  = "mozilla"
)

// ErrUnknownSchema is returned (wrapped) by WriteLDIF for an
// LDIFOptions.Schema it does not know.
var ErrUnknownSchema = errors.New("unknown LDIF schema")

func (o *LDIFOptions) width() int {
	if o == nil || o.Width == 0 {
		return DefaultLDIFWidth
	}
	return o.Width
}

// attr is one attribute value of an entry.
type attr struct{ name, value string }

// ldifWriter builds entries.
type ldifWriter struct {
	opts   LDIFOptions
	w      *bufio.Writer
	dns    map[string]bool
	next   map[string]int // next uid to try per colliding RDN
	dnOf   map[any]string
	mailOf map[*Contact]string
}

// WriteLDIF writes b as LDIF (RFC 2849) for Thunderbird's importer or, with
// opts.BaseDN, for an LDAP server. Cards come first, then lists, as
// Thunderbird expects. Attribute names follow Thunderbird's export
// (docs/formats/eudora.md §5.2, docs/formats/thunderbird-ldif.md).
func WriteLDIF(w io.Writer, b *Book, opts *LDIFOptions) error {
	lw := &ldifWriter{w: bufio.NewWriter(w), dns: map[string]bool{}, next: map[string]int{}, dnOf: map[any]string{}, mailOf: map[*Contact]string{}}
	if opts != nil {
		lw.opts = *opts
	}
	lw.opts.BaseDN = strings.TrimSpace(lw.opts.BaseDN)
	if lw.opts.Schema != SchemaStandard && lw.opts.Schema != SchemaMozilla {
		return fmt.Errorf("addressbook: schema %q: %w", lw.opts.Schema, ErrUnknownSchema)
	}
	if lw.ldap() {
		lw.w.WriteString("version: 1\n\n")
	}
	// DNs first, so that lists can name cards and lists written later.
	for _, c := range b.Contacts {
		lw.dnOf[c] = lw.uniqueDN(lw.contactRDN(c))
	}
	for _, g := range b.Groups {
		lw.dnOf[g] = lw.uniqueDN(rdnPart("cn", groupCN(g)))
	}
	for _, c := range b.Contacts {
		lw.entry(lw.dnOf[c], lw.contactAttrs(c))
	}
	for _, g := range b.Groups {
		lw.entry(lw.dnOf[g], lw.groupAttrs(g))
	}
	return lw.w.Flush()
}

func (lw *ldifWriter) ldap() bool { return lw.opts.BaseDN != "" }

// std reports whether entries use the standard schema only (the default
// LDAP-server form).
func (lw *ldifWriter) std() bool { return lw.ldap() && lw.opts.Schema == SchemaStandard }

func (lw *ldifWriter) loss(code, who, format string, args ...any) {
	emit(lw.opts.Events, mailconv.Event{Kind: mailconv.EventLoss, Code: code,
		Detail: who + ": " + fmt.Sprintf(format, args...)})
}

// contactCN is the cn of a card: its display name, else its names, its
// nickname or its address.
func contactCN(c *Contact) string {
	for _, s := range []string{c.DisplayName, strings.TrimSpace(c.FirstName + " " + c.LastName), c.Nickname, c.PrimaryEmail()} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return "(no name)"
}

func groupCN(g *Group) string {
	for _, s := range []string{g.Name, g.Nickname} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return "(no name)"
}

func (lw *ldifWriter) contactRDN(c *Contact) string {
	cn := rdnPart("cn", contactCN(c))
	mail := lw.dnMail(c)
	if mail == "" {
		return cn
	}
	if lw.ldap() {
		return cn + "+" + rdnPart("mail", mail)
	}
	return cn + "," + rdnPart("mail", mail)
}

// dnMail is the address used in a card's DN: the primary one, when the
// target can hold it as mail.
func (lw *ldifWriter) dnMail(c *Contact) string {
	m := strings.TrimSpace(c.PrimaryEmail())
	if lw.ldap() && !isIA5(m) {
		return ""
	}
	return m
}

// uniqueDN appends the base and makes the DN unique by adding a uid to its
// first RDN.
func (lw *ldifWriter) uniqueDN(rdn string) string {
	dn := lw.withBase(rdn)
	key := strings.ToLower(dn)
	for n := max(lw.next[key], 2); lw.dns[strings.ToLower(dn)]; n++ {
		first, rest, _ := strings.Cut(rdn, ",")
		r := first + fmt.Sprintf("+uid=%d", n)
		if rest != "" {
			r += "," + rest
		}
		dn = lw.withBase(r)
		lw.next[key] = n + 1
	}
	lw.dns[strings.ToLower(dn)] = true
	return dn
}

func (lw *ldifWriter) withBase(rdn string) string {
	if lw.ldap() {
		return rdn + "," + lw.opts.BaseDN
	}
	return rdn
}

// uidOf returns the uid= value a DN was given to make it unique, or "".
func uidOf(dn string) string {
	first, _, _ := strings.Cut(dn, ",")
	for _, p := range strings.Split(first, "+") {
		if v, ok := strings.CutPrefix(p, "uid="); ok {
			return v
		}
	}
	return ""
}

func (lw *ldifWriter) contactAttrs(c *Contact) []attr {
	who := "card " + contactCN(c)
	if c.Nickname != "" {
		who = "nickname " + c.Nickname
	}
	var as []attr
	var notes []string
	add := func(name, v string) {
		if strings.TrimSpace(v) != "" {
			as = append(as, attr{name, v})
		}
	}
	homeless := func(label, v string) {
		if v = strings.TrimSpace(v); v == "" {
			return
		}
		notes = append(notes, label+": "+v)
		lw.loss("addressbook.no-home", who, "%s %q has no attribute in the LDIF; kept in description", label, v)
	}
	// moz writes a Thunderbird attribute; in the standard-schema form the
	// value goes to description instead, reported.
	moz := func(name, label, v string) {
		if strings.TrimSpace(v) == "" {
			return
		}
		if lw.std() {
			lw.approx(who, name, "description", v)
			notes = append(notes, label+": "+strings.TrimSpace(v))
			return
		}
		add(name, v)
	}
	classes := []string{"top", "person", "organizationalPerson", "inetOrgPerson", "mozillaAbPersonAlpha"}
	if lw.std() {
		classes = classes[:4]
	}
	for _, oc := range classes {
		as = append(as, attr{"objectclass", oc})
	}
	if uid := uidOf(lw.dnOf[c]); uid != "" {
		as = append(as, attr{"uid", uid})
	}
	cn := contactCN(c)
	add("givenName", c.FirstName)
	if c.LastName != "" {
		add("sn", c.LastName)
	} else if lw.ldap() {
		add("sn", cn)
	}
	add("cn", cn)
	add("displayName", c.DisplayName)
	moz("mozillaNickname", "Nickname", c.Nickname)

	// E-mail: first → mail, second → mozillaSecondEmail, others → notes.
	// The standard form has no second-address attribute, but mail holds
	// several values: every address is one (order is not kept by LDAP).
	mails := 0
	seenMail := map[string]bool{}
	for _, e := range c.Emails {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if lw.ldap() && !isIA5(e) {
			homeless("E-mail", e)
			continue
		}
		switch {
		case mails == 0:
			add("mail", e)
		case lw.std():
			if seenMail[strings.ToLower(e)] {
				continue // the same address twice: one value
			}
			lw.approx(who, "mozillaSecondEmail", "mail", e)
			add("mail", e)
		case mails == 1:
			add("mozillaSecondEmail", e)
		default:
			homeless("E-mail", e)
		}
		seenMail[strings.ToLower(e)] = true
		mails++
	}
	for i, im := range c.IMs {
		if i == 0 && im.Service == "aim" {
			moz("nsAIMid", "AIM", im.Handle)
			continue
		}
		homeless(imLabel(im), im.Handle)
	}

	// Phones.
	pref := c.Primary
	if pref == WhereNone {
		pref = WhereHome
	}
	var cellMain, cellOther, faxMain, faxOther, home, work, pager string
	for _, p := range c.Phones {
		n := strings.TrimSpace(p.Number)
		if n == "" {
			continue
		}
		placed := false
		pick := func(main, other *string) {
			if p.Where == pref || (p.Where == WhereNone && *main == "") {
				if *main == "" {
					*main, placed = n, true
					return
				}
			}
			if *other == "" {
				*other, placed = n, true
				return
			}
			if *main == "" {
				*main, placed = n, true
			}
		}
		switch p.Kind {
		case PhoneCell:
			pick(&cellMain, &cellOther)
		case PhoneFax:
			pick(&faxMain, &faxOther)
		case PhonePager:
			if pager == "" {
				pager, placed = n, true
			}
		case PhoneVoice:
			if p.Where == WhereHome && home == "" {
				home, placed = n, true
			} else if p.Where == WhereWork && work == "" {
				work, placed = n, true
			}
		}
		if !placed {
			homeless(phoneLabel(p), n)
		}
	}
	phone := func(name, label, v string) {
		if v == "" {
			return
		}
		if lw.ldap() && !isPrintable(v) {
			homeless(label, v)
			return
		}
		add(name, v)
	}
	phone("telephoneNumber", "Work phone", work)
	phone("homePhone", "Home phone", home)
	phone("facsimileTelephoneNumber", "Fax", faxMain)
	phone("pager", "Pager", pager)
	phone("mobile", "Mobile", cellMain)

	// Addresses: every slot as the source gave it (street lines in the
	// street attribute, the extended address in Thunderbird's second
	// street line).
	street := func(a Address) string { return strings.Join(a.Street, "\n") }
	if lw.std() {
		if hp := postalAddress(c.Home); hp != "" {
			lw.approx(who, "mozillaHome*", "homePostalAddress", hp)
			add("homePostalAddress", hp)
		}
	} else {
		if c.Home.POBox != "" {
			homeless("Home PO box", c.Home.POBox)
		}
		add("mozillaHomeStreet", street(c.Home))
		add("mozillaHomeStreet2", c.Home.Extended)
		add("mozillaHomeLocalityName", c.Home.City)
		add("mozillaHomeState", c.Home.Region)
		add("mozillaHomePostalCode", c.Home.PostalCode)
		add("mozillaHomeCountryName", c.Home.Country)
	}
	if c.Work.POBox != "" {
		if lw.ldap() {
			add("postOfficeBox", c.Work.POBox)
		} else {
			homeless("Work PO box", c.Work.POBox)
		}
	}
	add("street", street(c.Work))
	moz("mozillaWorkStreet2", "Work address line 2", c.Work.Extended)
	add("l", c.Work.City)
	add("st", c.Work.Region)
	add("postalCode", c.Work.PostalCode)
	if country := strings.TrimSpace(c.Work.Country); country != "" {
		switch {
		case lw.ldap() && !isCountryCode(country):
			homeless("Work country", country)
		case lw.std():
			// c is not an attribute of inetOrgPerson or its superclasses.
			moz("c", "Work country", country)
		default:
			add("c", country)
		}
	}
	add("title", c.Title)
	add("ou", c.Department)
	add("o", c.Organization)

	var homeURL, workURL string
	for _, u := range c.URLs {
		v := strings.TrimSpace(u.URL)
		switch {
		case v == "":
		case u.Where == WhereWork && workURL == "":
			workURL = v
		case u.Where == WhereHome && homeURL == "":
			homeURL = v
		default:
			homeless("Web page", v)
		}
	}
	if lw.std() {
		for _, u := range []struct{ name, url, label string }{{"mozillaWorkUrl", workURL, "Work"}, {"mozillaHomeUrl", homeURL, "Home"}} {
			if u.url == "" {
				continue
			}
			if !isIA5(u.url) || strings.ContainsAny(u.url, " \t\n") {
				homeless(u.label+" web page", u.url)
				continue
			}
			lw.approx(who, u.name, "labeledURI", u.url)
			add("labeledURI", u.url+" "+u.label)
		}
	} else {
		add("mozillaWorkUrl", workURL)
		add("mozillaHomeUrl", homeURL)
	}

	if !c.Birthday.IsZero() {
		if lw.ldap() {
			// Thunderbird's birth* attributes are in no LDAP schema.
			homeless("Birthday", c.Birthday.String())
		} else {
			if c.Birthday.Year != 0 {
				add("birthyear", strconv.Itoa(c.Birthday.Year))
			}
			if c.Birthday.Month != 0 {
				add("birthmonth", strconv.Itoa(c.Birthday.Month))
			}
			if c.Birthday.Day != 0 {
				add("birthday", strconv.Itoa(c.Birthday.Day))
			}
		}
	}

	customs := c.Custom
	if lw.std() {
		// The second mobile and fax Thunderbird keeps in custom fields
		// are further values of the standard attributes.
		for _, x := range []struct{ name, label, v string }{{"mobile", "Mobile", cellOther}, {"facsimileTelephoneNumber", "Fax", faxOther}} {
			if x.v == "" {
				continue
			}
			if !isPrintable(x.v) {
				homeless(x.label, x.v)
				continue
			}
			lw.approx(who, "mozillaCustom", x.name, x.v)
			add(x.name, x.v)
		}
		cellOther, faxOther = "", ""
	}
	if cellOther != "" {
		if customs[0] == "" {
			customs[0] = cellOther
		} else {
			homeless("Mobile", cellOther)
		}
	}
	if faxOther != "" {
		if customs[1] == "" {
			customs[1] = faxOther
		} else {
			homeless("Fax", faxOther)
		}
	}
	for i, v := range customs {
		moz(fmt.Sprintf("mozillaCustom%d", i+1), fmt.Sprintf("Custom %d", i+1), v)
	}

	for _, f := range c.Fields {
		homeless(f.Label, f.Value)
	}
	add("description", joinDescription(c.Notes, notes))
	return as
}

func joinDescription(free string, labelled []string) string {
	parts := []string{}
	if strings.TrimSpace(free) != "" {
		parts = append(parts, free)
	}
	parts = append(parts, labelled...)
	return strings.Join(parts, "\n")
}

func imLabel(im IM) string {
	l := strings.ToUpper(im.Service)
	if im.Where == WhereWork {
		l += " (work)"
	}
	return l
}

func phoneLabel(p Phone) string {
	var b strings.Builder
	switch p.Where {
	case WhereHome:
		b.WriteString("Home ")
	case WhereWork:
		b.WriteString("Work ")
	default:
		b.WriteString("Other ")
	}
	switch p.Kind {
	case PhoneCell:
		b.WriteString("mobile")
	case PhoneFax:
		b.WriteString("fax")
	case PhonePager:
		b.WriteString("pager")
	default:
		b.WriteString("phone")
	}
	return b.String()
}

func (lw *ldifWriter) groupAttrs(g *Group) []attr {
	who := "list " + groupCN(g)
	var as []attr
	var notes []string
	as = append(as, attr{"objectclass", "top"}, attr{"objectclass", "groupOfNames"})
	nick := strings.TrimSpace(g.Nickname)
	if lw.ldap() && nick != "" && !lw.std() {
		// mozillaNickname is not allowed by groupOfNames alone.
		as = append(as, attr{"objectclass", "mozillaAbPersonAlpha"})
	}
	if uid := uidOf(lw.dnOf[g]); uid != "" {
		as = append(as, attr{"objectclass", "uidObject"}, attr{"uid", uid})
	}
	as = append(as, attr{"cn", groupCN(g)})
	if nick != "" {
		if lw.std() {
			lw.approx(who, "mozillaNickname", "description", nick)
			notes = append(notes, "Nickname: "+nick)
		} else {
			as = append(as, attr{"mozillaNickname", nick})
		}
	}
	for _, f := range g.Fields {
		if v := strings.TrimSpace(f.Value); v != "" {
			notes = append(notes, f.Label+": "+v)
			lw.loss("addressbook.no-home", who, "%s %q has no attribute in the LDIF; kept in description", f.Label, v)
		}
	}
	if d := joinDescription(g.Notes, notes); d != "" {
		as = append(as, attr{"description", d})
	}
	var members []string
	if lw.ldap() && lw.opts.NestedGroups {
		for _, m := range g.Members {
			switch {
			case m.Contact != nil:
				members = append(members, lw.dnOf[m.Contact])
			case m.Group != nil:
				members = append(members, lw.dnOf[m.Group])
			}
		}
	} else {
		if g.HasNestedGroups() {
			emit(lw.opts.Events, mailconv.Event{Kind: mailconv.EventWarning, Code: "addressbook.list-flattened",
				Detail: who + ": lists inside it were expanded into their cards (Thunderbird cannot nest lists)"})
		}
		for _, c := range g.Flatten() {
			if lw.ldap() {
				members = append(members, lw.dnOf[c])
				continue
			}
			mail := strings.TrimSpace(c.PrimaryEmail())
			if mail == "" {
				lw.loss("addressbook.member-without-email", who,
					"member %q has no e-mail address, which Thunderbird needs to find it; it is not listed", contactCN(c))
				continue
			}
			members = append(members, "cn="+escapeDNValue(contactCN(c))+",mail="+mail)
		}
	}
	if len(members) == 0 && lw.ldap() {
		emit(lw.opts.Events, mailconv.Event{Kind: mailconv.EventWarning, Code: "addressbook.empty-list",
			Detail: who + ": the list is empty; it names itself as member, since groupOfNames requires one"})
		members = append(members, lw.dnOf[g])
	}
	for _, m := range members {
		as = append(as, attr{"member", m})
	}
	return as
}

// approx reports a Thunderbird value written to the closest standard
// attribute in the standard-schema form.
func (lw *ldifWriter) approx(who, from, to, v string) {
	lw.loss("addressbook.standard-attribute", who, "%s %q written as %s (the standard schema has no %s)", from, strings.TrimSpace(v), to, from)
}

// postalAddress writes an address in the Postal Address syntax (RFC 4517
// §3.3.28): its lines separated by "$", with "\" and "$" escaped as \5C
// and \24; "" for an empty address.
func postalAddress(a Address) string {
	var ls []string
	ls = append(ls, a.POBox, a.Extended)
	ls = append(ls, a.Street...)
	ls = append(ls, strings.TrimSpace(strings.Join(nonEmpty([]string{a.PostalCode, a.City}), " ")), a.Region, a.Country)
	esc := strings.NewReplacer("\\", "\\5C", "$", "\\24", "\n", " ")
	var out []string
	for _, l := range nonEmpty(ls) {
		out = append(out, esc.Replace(l))
	}
	return strings.Join(out, "$")
}

// entry writes one record followed by a blank line.
func (lw *ldifWriter) entry(dn string, as []attr) {
	lw.line("dn", dn)
	for _, a := range as {
		lw.line(a.name, a.value)
	}
	lw.w.WriteByte('\n')
}

// line writes "name: value" or "name:: base64", folded.
func (lw *ldifWriter) line(name, value string) {
	var s string
	if needsBase64(value) {
		s = name + ":: " + base64.StdEncoding.EncodeToString([]byte(value))
	} else {
		s = name + ": " + value
	}
	writeFolded(lw.w, s, lw.opts.width())
}

// writeFolded writes s folded at width octets: continuation lines start
// with one space. s is ASCII (non-ASCII values are base64), so a fold
// never splits a character.
func writeFolded(w *bufio.Writer, s string, width int) {
	if width <= 1 || len(s) <= width {
		w.WriteString(s)
		w.WriteByte('\n')
		return
	}
	w.WriteString(s[:width])
	w.WriteByte('\n')
	s = s[width:]
	for len(s) > 0 {
		n := min(len(s), width-1)
		w.WriteByte(' ')
		w.WriteString(s[:n])
		w.WriteByte('\n')
		s = s[n:]
	}
}

// needsBase64 applies RFC 2849: a value that is not a SAFE-STRING (it
// starts with space, ':' or '<', holds NUL, CR, LF or a byte ≥ 0x80) or that
// ends with a space is written base64.
func needsBase64(v string) bool {
	if v == "" {
		return false
	}
	switch v[0] {
	case ' ', ':', '<':
		return true
	}
	if v[len(v)-1] == ' ' {
		return true
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\r' || c == '\n' || c >= 0x80 {
			return true
		}
	}
	return false
}

// rdnPart returns "attr=escaped value".
func rdnPart(name, value string) string { return name + "=" + escapeDNValue(value) }

// escapeDNValue escapes an attribute value for a DN string (RFC 4514 §2.4).
func escapeDNValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' || c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '#' && i == 0, c == ' ' && (i == 0 || i == len(v)-1):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isIA5 reports whether s is ASCII (the syntax of mail).
func isIA5(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isPrintable reports whether s is a PrintableString (the syntax of
// telephone numbers in LDAP).
func isPrintable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(" '()+,-./:=?", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isCountryCode reports whether s fits LDAP's Country String syntax (two
// printable characters).
func isCountryCode(s string) bool { return len(s) == 2 && isPrintable(s) }
