package addressbook

import (
	"fmt"
	"strings"

	"github.com/mailconv/mailconv"
)

// homelessLabels names the Eudora tags that have no field of their own in
// the model; they are kept as labelled note lines.
var homelessLabels = map[string]string{
	"bp":       "Boss Protector",
	"picture":  "Picture",
	"nickname": "Nickname",
}

// resolve turns the raw entries of every book into contacts and groups.
// Nicknames are looked up across all books (the file's own book first), as
// Eudora does.
func resolve(entries []*rawEntry, events func(mailconv.Event)) *Book {
	b := &Book{}
	global := map[string]*rawEntry{}
	for _, e := range entries {
		k := strings.ToLower(e.nick)
		if _, dup := global[k]; !dup {
			global[k] = e
		}
	}
	perBook := map[string]map[string]*rawEntry{}
	for _, e := range entries {
		m := perBook[e.book]
		if m == nil {
			m = map[string]*rawEntry{}
			perBook[e.book] = m
		}
		if _, dup := m[strings.ToLower(e.nick)]; !dup {
			m[strings.ToLower(e.nick)] = e
		}
	}
	lookup := func(book, nick string) *rawEntry {
		k := strings.ToLower(nick)
		if e := perBook[book][k]; e != nil {
			return e
		}
		return global[k]
	}
	isRef := func(e *rawEntry, it addrItem) *rawEntry {
		if !it.bare || strings.ContainsAny(it.addr, "@<>") {
			return nil
		}
		return lookup(e.book, it.addr)
	}
	ev := func(kind mailconv.EventKind, code string, e *rawEntry, format string, args ...any) {
		emit(events, mailconv.Event{Kind: kind, Code: code,
			Location: &mailconv.Location{File: e.file, Offset: e.offset},
			Detail:   fmt.Sprintf(format, args...)})
	}

	contactOf := map[*rawEntry]*Contact{}
	groupOf := map[*rawEntry]*Group{}
	byEmail := map[string]*Contact{}
	for _, e := range entries {
		group := len(e.addrs) > 1
		for _, it := range e.addrs {
			if isRef(e, it) != nil {
				group = true
			}
		}
		tags, free := parseNotes(e.notes, func(msg string) {
			ev(mailconv.EventWarning, "addressbook.unbalanced", e, "nickname %q: %s", e.nick, msg)
		})
		uid := NameUUID("eudora\x00" + e.book + "\x00" + strings.ToLower(e.nick))
		if group {
			g := &Group{UID: uid, Book: e.book, Nickname: e.nick, Notes: free,
				Source: mailconv.Location{File: e.file, Offset: e.offset}}
			for _, t := range tags {
				if t.name == "name" && g.Name == "" && strings.TrimSpace(t.value) != "" {
					g.Name = strings.TrimSpace(t.value)
					continue
				}
				if t.name == "note" {
					g.Notes = joinNotes(g.Notes, t.value)
					continue
				}
				if strings.TrimSpace(t.value) != "" {
					g.Fields = append(g.Fields, Field{Label: tagLabel(t.name), Value: t.value})
				}
			}
			if g.Name == "" {
				g.Name = e.nick
			}
			groupOf[e] = g
			b.Groups = append(b.Groups, g)
			continue
		}
		c := &Contact{UID: uid, Book: e.book, Nickname: e.nick, Notes: free,
			Source: mailconv.Location{File: e.file, Offset: e.offset}}
		phrase := ""
		if len(e.addrs) == 1 {
			it := e.addrs[0]
			if it.bare && !strings.Contains(it.addr, "@") {
				ev(mailconv.EventWarning, "addressbook.local-address", e,
					"nickname %q: %q is no known nickname; kept as an address", e.nick, it.addr)
			}
			c.addEmail(it.addr)
			phrase = it.name
		}
		applyTags(c, tags, e.mac)
		if c.DisplayName == "" {
			c.DisplayName = strings.TrimSpace(strings.TrimSpace(c.FirstName) + " " + strings.TrimSpace(c.LastName))
		}
		if c.DisplayName == "" {
			c.DisplayName = phrase
		}
		if c.DisplayName == "" {
			c.DisplayName = e.nick
		}
		contactOf[e] = c
		b.Contacts = append(b.Contacts, c)
		if p := strings.ToLower(c.PrimaryEmail()); p != "" {
			if _, ok := byEmail[p]; !ok {
				byEmail[p] = c
			}
		}
	}

	// Members.
	for _, e := range entries {
		g := groupOf[e]
		if g == nil {
			continue
		}
		for _, it := range e.addrs {
			if ref := isRef(e, it); ref != nil {
				if c := contactOf[ref]; c != nil {
					g.Members = append(g.Members, Member{Contact: c})
				} else if sub := groupOf[ref]; sub != nil {
					g.Members = append(g.Members, Member{Group: sub})
				}
				continue
			}
			if it.addr == "" {
				continue
			}
			if it.bare && !strings.Contains(it.addr, "@") {
				ev(mailconv.EventWarning, "addressbook.local-address", e,
					"list %q: %q is no known nickname; kept as an address", e.nick, it.addr)
			}
			key := strings.ToLower(it.addr)
			c := byEmail[key]
			if c == nil {
				c = &Contact{
					UID:         NameUUID("mailto:" + key),
					Book:        e.book,
					DisplayName: it.name,
					Emails:      []string{it.addr},
					Source:      mailconv.Location{File: e.file, Offset: e.offset},
				}
				if c.DisplayName == "" {
					c.DisplayName = it.addr
				}
				byEmail[key] = c
				b.Contacts = append(b.Contacts, c)
			}
			g.Members = append(g.Members, Member{Contact: c})
		}
	}
	breakCycles(b, events)
	return b
}

// breakCycles removes every group membership that closes a cycle (A in B in
// A, or A in A) and reports it.
func breakCycles(b *Book, events func(mailconv.Event)) {
	const (
		white = iota
		grey
		black
	)
	color := map[*Group]int{}
	var visit func(g *Group)
	visit = func(g *Group) {
		color[g] = grey
		kept := g.Members[:0]
		for _, m := range g.Members {
			if m.Group != nil {
				switch color[m.Group] {
				case grey:
					loc := g.Source
					emit(events, mailconv.Event{Kind: mailconv.EventSkip, Code: "addressbook.cycle",
						Location: &loc,
						Detail: fmt.Sprintf("list %q names %q, which contains %q again: that membership is dropped",
							g.Nickname, m.Group.Nickname, g.Nickname)})
					continue
				case white:
					visit(m.Group)
				}
			}
			kept = append(kept, m)
		}
		g.Members = kept
		color[g] = black
	}
	for _, g := range b.Groups {
		if color[g] == white {
			visit(g)
		}
	}
}

func tagLabel(name string) string {
	if l, ok := homelessLabels[name]; ok {
		return l
	}
	return name
}

func joinNotes(a, b string) string {
	switch {
	case strings.TrimSpace(a) == "":
		return b
	case strings.TrimSpace(b) == "":
		return a
	}
	return a + "\n" + b
}

// lines splits a 0x03-separated value (already turned into newlines).
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, " \t\r"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// applyTags maps the Eudora notes tags onto a contact (docs/formats/eudora.md §5.2).
func applyTags(c *Contact, tags []noteTag, mac bool) {
	var secondEmails []string
	for _, t := range tags {
		v := strings.TrimSpace(t.value)
		if v == "" || placeTag(c, t.name, v) {
			continue
		}
		switch t.name {
		case "name":
			c.DisplayName = v
		case "first":
			c.FirstName = v
		case "last":
			c.LastName = v
		case "title":
			c.Title = v
		case "company":
			c.Organization = v
		case "primary":
			switch strings.ToLower(v) {
			case "home":
				c.Primary = WhereHome
			case "work":
				c.Primary = WhereWork
			default:
				c.Fields = append(c.Fields, Field{Label: "primary", Value: v})
			}
		case "otheremail", "email":
			// Mac "email" holds more addresses, like otheremail [?].
			secondEmails = append(secondEmails, lines(strings.ReplaceAll(v, ",", "\n"))...)
		case "otherphone":
			for _, l := range lines(v) {
				c.Phones = append(c.Phones, Phone{Kind: PhoneVoice, Where: WhereNone, Number: strings.TrimSpace(l)})
			}
		case "otherweb":
			for _, l := range lines(v) {
				c.URLs = append(c.URLs, URL{Where: WhereNone, URL: strings.TrimSpace(l)})
			}
		case "note":
			c.Notes = joinNotes(c.Notes, t.value)
		case "nickname":
			if !strings.EqualFold(v, c.Nickname) {
				c.Fields = append(c.Fields, Field{Label: tagLabel(t.name), Value: t.value})
			}
		default:
			c.Fields = append(c.Fields, Field{Label: tagLabel(t.name), Value: t.value})
		}
	}
	for _, e := range secondEmails {
		c.addEmail(strings.TrimSpace(e))
	}
}

// placeTag applies a tag Eudora keeps once for home and, with "2" after its
// name, once for work (address, city, state, zip, country, phone, fax,
// mobile, web, aim), and tells whether name is one of them.
func placeTag(c *Contact, name, v string) bool {
	where, addr := WhereHome, &c.Home
	if n, ok := strings.CutSuffix(name, "2"); ok {
		name, where, addr = n, WhereWork, &c.Work
	}
	switch name {
	case "address":
		addr.Street = lines(v)
	case "city":
		addr.City = v
	case "state":
		addr.Region = v
	case "zip":
		addr.PostalCode = v
	case "country":
		addr.Country = v
	case "phone":
		c.Phones = append(c.Phones, Phone{Kind: PhoneVoice, Where: where, Number: v})
	case "fax":
		c.Phones = append(c.Phones, Phone{Kind: PhoneFax, Where: where, Number: v})
	case "mobile":
		c.Phones = append(c.Phones, Phone{Kind: PhoneCell, Where: where, Number: v})
	case "web":
		c.URLs = append(c.URLs, URL{Where: where, URL: v})
	case "aim":
		c.IMs = append(c.IMs, IM{Service: "aim", Where: where, Handle: v})
	default:
		return false
	}
	return true
}
