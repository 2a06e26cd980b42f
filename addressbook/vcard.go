package addressbook

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mailconv/mailconv"
)

// VCardOptions tune WriteVCard.
type VCardOptions struct {
	// Events receives a loss for every value kept only as a labelled
	// line of NOTE.
	Events func(mailconv.Event)
}

// vcardLineWidth is the longest a vCard line may be, in octets, before it
// is folded (RFC 6350 §3.2).
const vcardLineWidth = 75

// WriteVCard writes b as vCard 4.0 (RFC 6350): one card per contact, then
// one KIND:group card per list, whose MEMBER properties name the UIDs of
// its cards and nested lists. Lines end in CRLF and are folded at 75
// octets, never inside a UTF-8 sequence.
func WriteVCard(w io.Writer, b *Book, opts *VCardOptions) error {
	vw := &vcardWriter{w: bufio.NewWriter(w)}
	if opts != nil {
		vw.events = opts.Events
	}
	uids := map[any]string{}
	used := map[string]bool{}
	uidFor := func(key any, uid, seed string) string {
		uid = normUID(uid)
		if uid == "" || used[uid] {
			uid = NameUUID("vcard\x00" + seed + fmt.Sprintf("\x00%d", len(used)))
		}
		used[uid] = true
		uids[key] = uid
		return uid
	}
	for _, c := range b.Contacts {
		uidFor(c, c.UID, contactCN(c)+"\x00"+c.PrimaryEmail())
	}
	for _, g := range b.Groups {
		uidFor(g, g.UID, "group\x00"+groupCN(g))
	}
	for _, c := range b.Contacts {
		vw.contact(c, uids[c])
	}
	for _, g := range b.Groups {
		vw.group(g, uids)
	}
	return vw.w.Flush()
}

type vcardWriter struct {
	w      *bufio.Writer
	events func(mailconv.Event)
}

func (vw *vcardWriter) loss(who, label, v string) {
	emit(vw.events, mailconv.Event{Kind: mailconv.EventLoss, Code: "addressbook.no-home",
		Detail: fmt.Sprintf("%s: %s %q has no vCard property; kept in NOTE", who, label, v)})
}

// prop writes NAME[;params]:value, folded.
func (vw *vcardWriter) prop(name, params, value string) {
	s := name
	if params != "" {
		s += ";" + params
	}
	s += ":" + strings.ToValidUTF8(value, "\uFFFD")
	foldVCard(vw.w, s)
}

func foldVCard(w *bufio.Writer, s string) {
	first := true
	for len(s) > 0 {
		max := vcardLineWidth
		if !first {
			max-- // the leading space counts
		}
		n := len(s)
		if n > max {
			n = max
			for n > 0 && !utf8.RuneStart(s[n]) {
				n--
			}
			if n == 0 {
				n = max // not UTF-8: cut anywhere rather than loop
			}
		}
		if !first {
			w.WriteByte(' ')
		}
		w.WriteString(s[:n])
		w.WriteString("\r\n")
		s = s[n:]
		first = false
	}
}

// escText escapes a text value; compound components also escape ';'.
func escText(s string, compound bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case ',':
			b.WriteString(`\,`)
		case ';':
			if compound {
				b.WriteString(`\;`)
			} else {
				b.WriteByte(c)
			}
		default:
			if c < 0x20 && c != '\t' {
				continue // control characters are not allowed in vCard text
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

func compound(parts ...string) string {
	for i, p := range parts {
		parts[i] = escText(p, true)
	}
	return strings.Join(parts, ";")
}

func whereType(w Where) string {
	switch w {
	case WhereHome:
		return "home"
	case WhereWork:
		return "work"
	}
	return ""
}

func typeParam(types ...string) string {
	var ts []string
	for _, t := range types {
		if t != "" {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return ""
	}
	return "TYPE=" + strings.Join(ts, ",")
}

func joinParams(ps ...string) string {
	var out []string
	for _, p := range ps {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ";")
}

func (vw *vcardWriter) contact(c *Contact, uid string) {
	who := "card " + contactCN(c)
	if c.Nickname != "" {
		who = "nickname " + c.Nickname
	}
	vw.w.WriteString("BEGIN:VCARD\r\nVERSION:4.0\r\n")
	vw.prop("UID", "", uid)
	vw.prop("FN", "", escText(contactCN(c), false))
	if c.FirstName != "" || c.LastName != "" {
		vw.prop("N", "", compound(c.LastName, c.FirstName, "", "", ""))
	}
	if c.Nickname != "" {
		vw.prop("NICKNAME", "", escText(c.Nickname, false))
	}
	for i, e := range c.Emails {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		p := ""
		if i == 0 && len(c.Emails) > 1 {
			p = "PREF=1"
		}
		vw.prop("EMAIL", p, escText(e, false))
	}
	prefDone := map[PhoneKind]bool{}
	for _, ph := range c.Phones {
		if strings.TrimSpace(ph.Number) == "" {
			continue
		}
		kind := "voice"
		switch ph.Kind {
		case PhoneCell:
			kind = "cell"
		case PhoneFax:
			kind = "fax"
		case PhonePager:
			kind = "pager"
		}
		pref := ""
		if c.Primary != WhereNone && ph.Where == c.Primary && !prefDone[ph.Kind] {
			pref, prefDone[ph.Kind] = "PREF=1", true
		}
		vw.prop("TEL", joinParams(typeParam(whereType(ph.Where), kind), pref), escText(strings.TrimSpace(ph.Number), false))
	}
	for _, a := range []struct {
		addr Address
		t    string
	}{{c.Home, "home"}, {c.Work, "work"}} {
		if a.addr.IsZero() {
			continue
		}
		// Each component in its slot, as read: the street lines stay in
		// the street component.
		vw.prop("ADR", typeParam(a.t), compound(a.addr.POBox, a.addr.Extended, strings.Join(a.addr.Street, "\n"),
			a.addr.City, a.addr.Region, a.addr.PostalCode, a.addr.Country))
	}
	if c.Organization != "" || c.Department != "" {
		if c.Department != "" {
			vw.prop("ORG", "", compound(c.Organization, c.Department))
		} else {
			vw.prop("ORG", "", compound(c.Organization))
		}
	}
	if c.Title != "" {
		vw.prop("TITLE", "", escText(c.Title, false))
	}
	if !c.Birthday.IsZero() {
		vw.prop("BDAY", "", c.Birthday.vcardDate())
	}
	for _, u := range c.URLs {
		if v := strings.TrimSpace(u.URL); v != "" {
			vw.prop("URL", typeParam(whereType(u.Where)), escText(v, false))
		}
	}
	for _, im := range c.IMs {
		if h := strings.TrimSpace(im.Handle); h != "" {
			vw.prop("IMPP", typeParam(whereType(im.Where)), escText(im.Service+":"+h, false))
		}
	}
	for i, v := range c.Custom {
		if v != "" {
			vw.prop(fmt.Sprintf("X-CUSTOM%d", i+1), "", escText(v, false))
		}
	}
	vw.end(who, c.Notes, c.Fields)
}

// end writes a card's notes, with the fields vCard has no property for
// appended as "Label: value" lines (each reported as a loss of who's), and
// ends the card.
func (vw *vcardWriter) end(who, notes string, fields []Field) {
	var labelled []string
	for _, f := range fields {
		if v := strings.TrimSpace(f.Value); v != "" {
			labelled = append(labelled, f.Label+": "+v)
			vw.loss(who, f.Label, v)
		}
	}
	if n := joinDescription(notes, labelled); n != "" {
		vw.prop("NOTE", "", escText(n, false))
	}
	vw.w.WriteString("END:VCARD\r\n")
}

func (vw *vcardWriter) group(g *Group, uids map[any]string) {
	who := "list " + groupCN(g)
	vw.w.WriteString("BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\n")
	vw.prop("UID", "", uids[g])
	vw.prop("FN", "", escText(groupCN(g), false))
	if g.Nickname != "" {
		vw.prop("NICKNAME", "", escText(g.Nickname, false))
	}
	for _, m := range g.Members {
		var uid string
		switch {
		case m.Contact != nil:
			uid = uids[m.Contact]
		case m.Group != nil:
			uid = uids[m.Group]
		}
		if uid != "" {
			vw.prop("MEMBER", "", uid)
		}
	}
	vw.end(who, g.Notes, g.Fields)
}
