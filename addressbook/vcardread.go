package addressbook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"regexp"
	"sort"
	"strings"

	vcard "github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/mailconv/mailconv"
)

// DefaultMaxVCardBytes bounds the size of a vCard file ReadVCard accepts.
const DefaultMaxVCardBytes = 64 << 20

// VCardReadOptions tune ReadVCard.
type VCardReadOptions struct {
	// Name names the input in errors and reports.
	Name string
	// MaxBytes bounds the input; 0 means DefaultMaxVCardBytes.
	MaxBytes int64
	// MaxEntries bounds the number of cards; 0 means DefaultMaxEntries.
	MaxEntries int
	// Events receives warnings (embedded photos not carried, unresolved
	// members).
	Events func(mailconv.Event)
}

// limitedReader fails with a LimitError past n bytes.
type limitedReader struct {
	r    io.Reader
	n    int64
	name string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, &mailconv.LimitError{Name: l.name, Limit: 0}
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// ReadVCard reads vCards (2.1, 3.0 or 4.0, as parsed by go-vcard) into a
// Book. KIND:group cards become lists whose MEMBER values are matched
// against the UIDs (and mailto: addresses) of the other cards. Properties
// without a place in the model are kept as Fields.
func ReadVCard(ctx context.Context, r io.Reader, opts *VCardReadOptions) (*Book, error) {
	var o VCardReadOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxVCardBytes
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	lr := &limitedReader{r: r, n: o.MaxBytes + 1, name: "MaxBytes"}
	raw, err := io.ReadAll(lr)
	if lr.n <= 0 {
		return nil, &mailconv.ParseError{File: o.Name, Offset: -1, Err: &mailconv.LimitError{Name: "MaxBytes", Limit: o.MaxBytes}}
	}
	if err != nil {
		return nil, &mailconv.ParseError{File: o.Name, Offset: -1, Err: err}
	}
	dec := vcard.NewDecoder(bytes.NewReader(normalizeVCard(raw)))
	b := &Book{}
	type pending struct {
		g       *Group
		members []string
	}
	var lists []pending
	byUID := map[string]any{}
	byMail := map[string]*Contact{}
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		card, err := dec.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			if card == nil || len(card) == 0 {
				return nil, &mailconv.ParseError{File: o.Name, Offset: -1, Err: fmt.Errorf("%w: card %d: %v", mailconv.ErrFormat, n+1, err)}
			}
			emit(o.Events, mailconv.Event{Kind: mailconv.EventWarning, Code: "addressbook.vcard",
				Location: &mailconv.Location{File: o.Name, Offset: -1}, Detail: fmt.Sprintf("card %d: %v", n+1, err)})
		}
		if n >= o.MaxEntries {
			return nil, &mailconv.ParseError{File: o.Name, Offset: -1, Err: &mailconv.LimitError{Name: "MaxEntries", Limit: int64(o.MaxEntries)}}
		}
		if strings.EqualFold(card.Value(vcard.FieldKind), "group") {
			g := &Group{UID: normUID(card.Value(vcard.FieldUID))}
			g.Name = textValue(card.Get(vcard.FieldFormattedName))
			g.Nickname = textValue(card.Get(vcard.FieldNickname))
			var members []string
			for k, fs := range card {
				for _, f := range fs {
					switch k {
					case vcard.FieldMember:
						members = append(members, f.Value)
					case vcard.FieldNote:
						g.Notes = joinNotes(g.Notes, textValue(f))
					case vcard.FieldVersion, vcard.FieldKind, vcard.FieldUID, vcard.FieldFormattedName, vcard.FieldNickname:
					default:
						g.Fields = append(g.Fields, Field{Label: k, Value: textValue(f)})
					}
				}
			}
			if g.UID == "" {
				g.UID = NameUUID(fmt.Sprintf("vcard-group\x00%s\x00%d", g.Name, n))
			}
			b.Groups = append(b.Groups, g)
			byUID[strings.ToLower(g.UID)] = g
			lists = append(lists, pending{g, members})
			continue
		}
		c := contactFromVCard(card, o.Events, o.Name)
		if c.UID == "" {
			c.UID = NameUUID(fmt.Sprintf("vcard\x00%s\x00%s\x00%d", c.DisplayName, c.PrimaryEmail(), n))
		}
		b.Contacts = append(b.Contacts, c)
		byUID[strings.ToLower(c.UID)] = c
		if m := strings.ToLower(c.PrimaryEmail()); m != "" {
			if _, ok := byMail[m]; !ok {
				byMail[m] = c
			}
		}
	}
	for _, p := range lists {
		for _, m := range p.members {
			key := strings.ToLower(strings.TrimSpace(m))
			switch x := byUID[key].(type) {
			case *Contact:
				p.g.Members = append(p.g.Members, Member{Contact: x})
				continue
			case *Group:
				if x != p.g {
					p.g.Members = append(p.g.Members, Member{Group: x})
				}
				continue
			}
			if addr, ok := strings.CutPrefix(key, "mailto:"); ok {
				c := byMail[addr]
				if c == nil {
					c = &Contact{UID: NameUUID("mailto:" + addr), DisplayName: m[len("mailto:"):], Emails: []string{m[len("mailto:"):]}}
					byMail[addr] = c
					b.Contacts = append(b.Contacts, c)
				}
				p.g.Members = append(p.g.Members, Member{Contact: c})
				continue
			}
			emit(o.Events, mailconv.Event{Kind: mailconv.EventWarning, Code: "addressbook.unresolved-member",
				Location: &mailconv.Location{File: o.Name, Offset: -1},
				Detail:   fmt.Sprintf("list %q: member %q names no card of the file", p.g.Name, m)})
		}
	}
	breakCycles(b, o.Events)
	return b, nil
}

// textValue decodes a text property: quoted-printable (vCard 2.1) and the
// escapes go-vcard leaves in place.
func textValue(f *vcard.Field) string {
	if f == nil {
		return ""
	}
	v := f.Value
	if strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") {
		if dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(v))); err == nil {
			v = string(dec)
			if cs := f.Params.Get("CHARSET"); cs != "" && !strings.EqualFold(cs, "utf-8") {
				if enc, err := htmlindex.Get(cs); err == nil {
					if d, err := enc.NewDecoder().Bytes([]byte(v)); err == nil {
						v = string(d)
					}
				}
			}
		}
	}
	v = strings.NewReplacer(`\;`, ";", `\N`, "\n", `\:`, ":").Replace(v)
	return strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
}

// components splits a compound value at ';' not escaped by a backslash.
func components(f *vcard.Field) []string {
	if f == nil {
		return nil
	}
	v := f.Value
	if strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") {
		if dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(v))); err == nil {
			v = string(dec)
		}
	}
	var out []string
	var cur bytes.Buffer
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && v[i+1] == ';' {
			cur.WriteByte(';')
			i++
			continue
		}
		if v[i] == ';' {
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(v[i])
	}
	return append(out, cur.String())
}

func comp(cs []string, i int) string {
	if i < len(cs) {
		return strings.TrimSpace(cs[i])
	}
	return ""
}

func fieldWhere(f *vcard.Field) Where {
	for _, t := range f.Params.Types() {
		switch strings.ToLower(t) {
		case "home":
			return WhereHome
		case "work":
			return WhereWork
		}
	}
	return WhereNone
}

func hasType(f *vcard.Field, t string) bool {
	for _, x := range f.Params.Types() {
		for _, y := range strings.Split(x, ",") {
			if strings.EqualFold(strings.TrimSpace(y), t) {
				return true
			}
		}
	}
	return false
}

func isPref(f *vcard.Field) bool {
	return f.Params.Get(vcard.ParamPreferred) == "1" || hasType(f, "pref")
}

func contactFromVCard(card vcard.Card, events func(mailconv.Event), file string) *Contact {
	c := &Contact{UID: normUID(card.Value(vcard.FieldUID))}
	c.DisplayName = textValue(card.Get(vcard.FieldFormattedName))
	if n := components(card.Get(vcard.FieldName)); n != nil {
		c.LastName, c.FirstName = comp(n, 0), comp(n, 1)
		for i, label := range []string{2: "Additional names", 3: "Honorific prefix", 4: "Honorific suffix"} {
			if v := comp(n, i); label != "" && v != "" {
				c.Fields = append(c.Fields, Field{Label: label, Value: textValueString(v)})
			}
		}
	}
	if nick := card.Get(vcard.FieldNickname); nick != nil {
		c.Nickname = textValue(nick)
	}
	// E-mail: preferred first.
	var emails []string
	for _, f := range card[vcard.FieldEmail] {
		v := strings.TrimSpace(strings.TrimPrefix(textValue(f), "mailto:"))
		if v == "" {
			continue
		}
		if isPref(f) {
			emails = append([]string{v}, emails...)
		} else {
			emails = append(emails, v)
		}
	}
	for _, e := range emails {
		c.addEmail(e)
	}
	for _, f := range card[vcard.FieldTelephone] {
		v := strings.TrimSpace(strings.TrimPrefix(textValue(f), "tel:"))
		if v == "" {
			continue
		}
		p := Phone{Where: fieldWhere(f), Number: v}
		switch {
		case hasType(f, "cell"):
			p.Kind = PhoneCell
		case hasType(f, "fax"):
			p.Kind = PhoneFax
		case hasType(f, "pager"):
			p.Kind = PhonePager
		}
		if isPref(f) && p.Where != WhereNone && c.Primary == WhereNone {
			c.Primary = p.Where
		}
		c.Phones = append(c.Phones, p)
	}
	for _, f := range card[vcard.FieldAddress] {
		// Every component stays in its slot (RFC 6350 §6.3.1: post office
		// box, extended address, street, locality, region, postal code,
		// country); only the street is split into its lines.
		cs := components(f)
		a := Address{POBox: textValueString(comp(cs, 0)), Extended: textValueString(comp(cs, 1)),
			City: comp(cs, 3), Region: comp(cs, 4), PostalCode: comp(cs, 5), Country: comp(cs, 6)}
		if st := comp(cs, 2); st != "" {
			a.Street = lines(textValueString(st))
		}
		switch w := fieldWhere(f); {
		case w == WhereHome && c.Home.IsZero(), w == WhereNone && c.Home.IsZero():
			c.Home = a
		case w == WhereWork && c.Work.IsZero(), w == WhereNone && c.Work.IsZero():
			c.Work = a
		default:
			c.Fields = append(c.Fields, Field{Label: "Address", Value: strings.Join(nonEmpty(append(append([]string{a.POBox, a.Extended}, a.Street...), a.City, a.Region, a.PostalCode, a.Country)), "\n")})
		}
	}
	// Every ORG and TITLE: the first in the card's fields, further ones
	// as labelled fields (written as notes and reported).
	// (A vCard 2.1 value cut inside a quoted-printable UTF-8 sequence is
	// made valid here, as the vCard writer would.)
	valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	for _, f := range card[vcard.FieldOrganization] {
		org := components(f)
		c.addOrganization(valid(textValueString(comp(org, 0))), valid(textValueString(strings.Join(nonEmpty(org[1:]), ", "))))
	}
	for _, f := range card[vcard.FieldTitle] {
		c.addTitle(valid(textValue(f)))
	}
	for k, fs := range card {
		for _, f := range fs {
			switch k {
			case vcard.FieldVersion, vcard.FieldUID, vcard.FieldFormattedName, vcard.FieldName, vcard.FieldNickname,
				vcard.FieldEmail, vcard.FieldTelephone, vcard.FieldAddress, vcard.FieldOrganization,
				vcard.FieldProductID, vcard.FieldRevision, vcard.FieldKind:
			case vcard.FieldTitle:
			case vcard.FieldBirthday:
				v := textValue(f)
				d, ok := parseDate(v)
				if ok && d.Year != 0 && f.Params.Get("X-APPLE-OMIT-YEAR") == fmt.Sprintf("%04d", d.Year) {
					d.Year = 0 // Apple's placeholder year for a birthday without one
				}
				if !ok || !c.Birthday.IsZero() {
					if strings.TrimSpace(v) != "" {
						c.Fields = append(c.Fields, Field{Label: "Birthday", Value: v})
					}
					continue
				}
				c.Birthday = d
			case vcard.FieldURL:
				c.URLs = append(c.URLs, URL{Where: fieldWhere(f), URL: textValue(f)})
			case vcard.FieldIMPP:
				v := textValue(f)
				svc, h, ok := strings.Cut(v, ":")
				if !ok {
					svc, h = "im", v
				}
				c.IMs = append(c.IMs, IM{Service: strings.ToLower(svc), Where: fieldWhere(f), Handle: h})
			case vcard.FieldNote:
				c.Notes = joinNotes(c.Notes, textValue(f))
			case "X-CUSTOM1", "X-CUSTOM2", "X-CUSTOM3", "X-CUSTOM4":
				c.Custom[k[len(k)-1]-'1'] = textValue(f)
			case vcard.FieldPhoto, vcard.FieldLogo, vcard.FieldSound, vcard.FieldKey:
				if strings.HasPrefix(strings.ToLower(f.Value), "http") {
					c.Fields = append(c.Fields, Field{Label: k, Value: f.Value})
					continue
				}
				emit(events, mailconv.Event{Kind: mailconv.EventLoss, Code: "addressbook.embedded-data",
					Location: &mailconv.Location{File: file, Offset: -1},
					Detail:   fmt.Sprintf("card %q: embedded %s (%d bytes) not carried", c.DisplayName, k, len(f.Value))})
			default:
				if v := textValue(f); strings.TrimSpace(v) != "" {
					c.Fields = append(c.Fields, Field{Label: k, Value: v})
				}
			}
		}
	}
	if strings.TrimSpace(c.DisplayName) == "" {
		c.DisplayName = contactCN(c)
	}
	sortFields(c.Fields)
	return c
}

func textValueString(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sortFields orders fields by label so that output does not depend on map
// order (go-vcard keeps properties in a map).
func sortFields(fs []Field) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Label < fs[j].Label })
}

// normalizeVCard unfolds content lines (RFC 6350 folding and vCard 2.1
// quoted-printable soft line breaks) and rewrites vCard 2.1 parameters
// written without a name ("TEL;HOME;FAX:") as TYPE= or ENCODING=
// parameters, which go-vcard otherwise mis-parses.
func normalizeVCard(data []byte) []byte {
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	phys := strings.Split(text, "\n")
	var b strings.Builder
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			b.WriteString(fixParams(cur.String()))
			b.WriteString("\r\n")
			cur.Reset()
		}
	}
	qp := false   // the current line is quoted-printable
	cont := false // it ended with a soft line break
	add := func(l string) {
		if qp && strings.HasSuffix(l, "=") {
			cur.WriteString(l[:len(l)-1])
			cont = true
			return
		}
		cur.WriteString(l)
		cont = false
	}
	for _, l := range phys {
		switch {
		case cont:
			add(l)
		case (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && cur.Len() > 0:
			add(l[1:])
		default:
			flush()
			qp = isQP(l)
			add(l)
		}
	}
	flush()
	return []byte(b.String())
}

// headOf returns the "name;params" part of a content line and the index of
// the ':' that ends it, or -1.
func headOf(l string) (string, int) {
	inQ := false
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '"':
			inQ = !inQ
		case ':':
			if !inQ {
				return l[:i], i
			}
		}
	}
	return l, -1
}

func isQP(l string) bool {
	h, _ := headOf(l)
	return strings.Contains(strings.ToUpper(h), "QUOTED-PRINTABLE")
}

func fixParams(l string) string {
	head, i := headOf(l)
	if i < 0 || !strings.Contains(head, ";") {
		return l
	}
	parts := strings.Split(head, ";")
	for j := 1; j < len(parts); j++ {
		p := parts[j]
		if p == "" || strings.Contains(p, "=") {
			continue
		}
		switch strings.ToUpper(p) {
		case "QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT":
			parts[j] = "ENCODING=" + p
		default:
			parts[j] = "TYPE=" + p
		}
	}
	return strings.Join(parts, ";") + l[i:]
}

var (
	uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:\S+$`)
	bareUUID  = regexp.MustCompile(`^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$`)
)

// normUID makes a card identifier a URI, as vCard 4 UID and MEMBER values
// are: a bare UUID becomes "urn:uuid:…", other free text a name-based UUID
// of it. A URI is kept as it is.
func normUID(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ""
	case bareUUID.MatchString(s):
		h := strings.ToLower(strings.ReplaceAll(s, "-", ""))
		return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	case uriScheme.MatchString(s):
		return s
	}
	return NameUUID("uid\x00" + s)
}
