package addressbook

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// DefaultMaxRecordBytes bounds one LDIF record (all its unfolded lines).
const DefaultMaxRecordBytes = 4 << 20

// LDIFReadOptions tune ReadLDIF.
type LDIFReadOptions struct {
	// Name names the input in errors and reports.
	Name string
	// MaxRecordBytes bounds one record; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxEntries bounds the number of records; 0 means DefaultMaxEntries.
	MaxEntries int
	// MaxBytes bounds the whole input; 0 means DefaultMaxFileBytes.
	MaxBytes int64
	// Events receives warnings (attributes read from URLs are refused,
	// unresolved list members).
	Events func(mailconv.Event)
}

type ldifRecord struct {
	dn    string
	off   int64
	attrs []attr
}

// ReadLDIF reads an address-book LDIF (Thunderbird's export, or what
// WriteLDIF wrote) into a Book. Attribute names are matched
// case-insensitively, with Thunderbird's aliases; values given by URL
// ("attr:< file:…") are never fetched. List members are matched by DN, then,
// as Thunderbird does, by the address after "mail=".
func ReadLDIF(ctx context.Context, r io.Reader, opts *LDIFReadOptions) (*Book, error) {
	var o LDIFReadOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	warn := func(off int64, format string, args ...any) {
		emit(o.Events, mailconv.Event{Kind: mailconv.EventWarning, Code: "addressbook.ldif",
			Location: &mailconv.Location{File: o.Name, Offset: off}, Detail: fmt.Sprintf(format, args...)})
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxFileBytes
	}
	lim := &limitedReader{r: r, n: o.MaxBytes + 1, name: "MaxBytes"}
	br := bufio.NewReader(lim)
	var recs []*ldifRecord
	var lines []string // logical lines of the current record
	var cur strings.Builder
	var size int
	var off, recOff int64
	comment := false
	first := true
	finishLine := func() {
		if cur.Len() > 0 {
			lines = append(lines, cur.String())
			cur.Reset()
		}
	}
	finishRecord := func() error {
		finishLine()
		defer func() { lines, size = nil, 0 }()
		if len(lines) == 0 {
			return nil
		}
		if first && len(lines) > 0 && strings.HasPrefix(strings.ToLower(lines[0]), "version:") {
			lines = lines[1:]
		}
		first = false
		if len(lines) == 0 {
			return nil
		}
		rec := &ldifRecord{off: recOff}
		for i, l := range lines {
			name, val, err := parseLDIFLine(l)
			if err != nil {
				warn(recOff, "%v; line skipped", err)
				continue
			}
			if i == 0 {
				if !strings.EqualFold(name, "dn") {
					return &mailconv.ParseError{File: o.Name, Offset: recOff, Err: fmt.Errorf("%w: record does not start with dn:", mailconv.ErrFormat)}
				}
				rec.dn = val
				continue
			}
			if strings.EqualFold(name, "changetype") && !strings.EqualFold(val, "add") {
				warn(recOff, "change record (%s) ignored", val)
				return nil
			}
			rec.attrs = append(rec.attrs, attr{strings.ToLower(name), val})
		}
		if len(recs) >= o.MaxEntries {
			return &mailconv.ParseError{File: o.Name, Offset: recOff, Err: &mailconv.LimitError{Name: "MaxEntries", Limit: int64(o.MaxEntries)}}
		}
		recs = append(recs, rec)
		return nil
	}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		raw, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A physical line longer than the buffer: keep reading it.
			var long []byte
			long = append(long, raw...)
			for err == bufio.ErrBufferFull && len(long) <= o.MaxRecordBytes {
				raw, err = br.ReadSlice('\n')
				long = append(long, raw...)
			}
			if len(long) > o.MaxRecordBytes {
				return nil, &mailconv.ParseError{File: o.Name, Offset: off, Err: &mailconv.LimitError{Name: "MaxRecordBytes", Limit: int64(o.MaxRecordBytes)}}
			}
			raw = long
		}
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			if lim.n <= 0 {
				err = &mailconv.LimitError{Name: "MaxBytes", Limit: o.MaxBytes}
			}
			return nil, &mailconv.ParseError{File: o.Name, Offset: off, Err: err}
		}
		lineOff := off
		off += int64(len(raw))
		line := strings.TrimRight(string(raw), "\r\n")
		size += len(line)
		if size > o.MaxRecordBytes {
			return nil, &mailconv.ParseError{File: o.Name, Offset: lineOff, Err: &mailconv.LimitError{Name: "MaxRecordBytes", Limit: int64(o.MaxRecordBytes)}}
		}
		switch {
		case line == "":
			if len(raw) > 0 || err == nil {
				if e := finishRecord(); e != nil {
					return nil, e
				}
				comment = false
			}
		case line[0] == '#':
			finishLine()
			comment = true
		case line[0] == ' ':
			if !comment {
				cur.WriteString(line[1:])
			}
		default:
			if len(lines) == 0 && cur.Len() == 0 {
				recOff = lineOff
			}
			comment = false
			finishLine()
			cur.WriteString(line)
		}
		if err == io.EOF {
			if e := finishRecord(); e != nil {
				return nil, e
			}
			break
		}
	}
	return bookFromLDIF(recs, o.Name, o.Events), nil
}

// parseLDIFLine splits "name: value", "name:: base64" (and refuses "name:<
// url").
func parseLDIFLine(l string) (name, val string, err error) {
	i := strings.IndexByte(l, ':')
	if i <= 0 {
		return "", "", fmt.Errorf("line without attribute name: %q", clip(l))
	}
	name = strings.TrimSpace(l[:i])
	if j := strings.IndexByte(name, ';'); j >= 0 {
		name = name[:j] // options such as ;lang-en
	}
	rest := l[i+1:]
	switch {
	case strings.HasPrefix(rest, ":"):
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest[1:]))
		if err != nil {
			return "", "", fmt.Errorf("attribute %s: bad base64: %v", name, err)
		}
		return name, string(b), nil
	case strings.HasPrefix(rest, "<"):
		return "", "", fmt.Errorf("attribute %s is given by URL, which is not fetched", name)
	}
	return name, strings.TrimLeft(rest, " "), nil
}

// bookFromLDIF maps records to cards and lists.
func bookFromLDIF(recs []*ldifRecord, file string, events func(mailconv.Event)) *Book {
	b := &Book{}
	byDN := map[string]any{}
	byMail := map[string]*Contact{}
	type pending struct {
		g       *Group
		members []string
		off     int64
	}
	var lists []pending
	for _, r := range recs {
		isGroup := false
		for _, a := range r.attrs {
			if a.name == "objectclass" && strings.EqualFold(a.value, "groupOfNames") {
				isGroup = true
			}
		}
		loc := mailconv.Location{File: file, Offset: r.off}
		if isGroup {
			g := &Group{UID: NameUUID("ldif\x00" + strings.ToLower(r.dn)), Source: loc}
			var members []string
			for _, a := range r.attrs {
				switch a.name {
				case "cn", "commonname":
					if g.Name == "" {
						g.Name = a.value
					}
				case "mozillanickname", "xmozillanickname":
					g.Nickname = a.value
				case "description", "notes":
					g.Notes = joinNotes(g.Notes, a.value)
				case "member", "uniquemember":
					members = append(members, a.value)
				case "objectclass", "uid":
				default:
					g.Fields = append(g.Fields, Field{Label: a.name, Value: a.value})
				}
			}
			b.Groups = append(b.Groups, g)
			byDN[strings.ToLower(r.dn)] = g
			lists = append(lists, pending{g, members, r.off})
			continue
		}
		c := contactFromAttrs(r.attrs)
		c.UID = NameUUID("ldif\x00" + strings.ToLower(r.dn))
		c.Source = loc
		b.Contacts = append(b.Contacts, c)
		byDN[strings.ToLower(r.dn)] = c
		if m := strings.ToLower(c.PrimaryEmail()); m != "" {
			if _, ok := byMail[m]; !ok {
				byMail[m] = c
			}
		}
	}
	for _, p := range lists {
		for _, m := range p.members {
			key := strings.ToLower(m)
			if x, ok := byDN[key]; ok {
				switch v := x.(type) {
				case *Contact:
					p.g.Members = append(p.g.Members, Member{Contact: v})
				case *Group:
					if v != p.g {
						p.g.Members = append(p.g.Members, Member{Group: v})
					}
				}
				continue
			}
			if i := strings.Index(key, "mail="); i >= 0 {
				if c := byMail[key[i+5:]]; c != nil {
					p.g.Members = append(p.g.Members, Member{Contact: c})
					continue
				}
			}
			emit(events, mailconv.Event{Kind: mailconv.EventWarning, Code: "addressbook.unresolved-member",
				Location: &mailconv.Location{File: file, Offset: p.off},
				Detail:   fmt.Sprintf("list %q: member %q names no card of the file", p.g.Name, m)})
		}
	}
	breakCycles(b, events)
	return b
}

func contactFromAttrs(as []attr) *Contact {
	c := &Contact{}
	var cn, display string
	var birth Date
	for _, a := range as {
		v := a.value
		switch a.name {
		case "objectclass", "uid":
		case "givenname":
			c.FirstName = v
		case "sn", "surname":
			c.LastName = v
		case "cn", "commonname":
			if cn == "" {
				cn = v
			}
		case "displayname":
			display = v
		case "mozillanickname", "xmozillanickname":
			c.Nickname = v
		case "mail":
			c.addEmail(v)
		case "mozillasecondemail", "xmozillasecondemail":
			c.Emails = append(c.Emails, v)
		case "nsaimid", "nscpaimscreenname":
			c.IMs = append(c.IMs, IM{Service: "aim", Where: WhereHome, Handle: v})
		case "telephonenumber":
			c.Phones = append(c.Phones, Phone{Kind: PhoneVoice, Where: WhereWork, Number: v})
		case "homephone":
			c.Phones = append(c.Phones, Phone{Kind: PhoneVoice, Where: WhereHome, Number: v})
		case "facsimiletelephonenumber", "fax":
			c.Phones = append(c.Phones, Phone{Kind: PhoneFax, Number: v})
		case "pager", "pagerphone":
			c.Phones = append(c.Phones, Phone{Kind: PhonePager, Number: v})
		case "mobile", "cellphone", "carphone":
			c.Phones = append(c.Phones, Phone{Kind: PhoneCell, Number: v})
		case "street", "streetaddress":
			c.Work.Street = append(c.Work.Street, strings.Split(v, "\n")...)
		case "postofficebox":
			c.Work.POBox = v
		case "mozillaworkstreet2":
			c.Work.Extended = v
		case "l", "locality":
			c.Work.City = v
		case "st", "region":
			c.Work.Region = v
		case "postalcode", "zip":
			c.Work.PostalCode = v
		case "c", "countryname":
			c.Work.Country = v
		case "mozillahomestreet", "homestreet":
			c.Home.Street = append(c.Home.Street, strings.Split(v, "\n")...)
		case "mozillahomestreet2":
			c.Home.Extended = v
		case "homepostaladdress":
			if c.Home.IsZero() {
				c.Home.Street = postalLines(v)
			} else {
				c.Fields = append(c.Fields, Field{Label: a.name, Value: v})
			}
		case "birthyear", "birthmonth", "birthday":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			switch {
			case err != nil || n <= 0 || n > 9999:
				c.Fields = append(c.Fields, Field{Label: a.name, Value: v})
			case a.name == "birthyear":
				birth.Year = n
			case a.name == "birthmonth":
				birth.Month = n
			default:
				birth.Day = n
			}
		case "mozillahomelocalityname":
			c.Home.City = v
		case "mozillahomestate":
			c.Home.Region = v
		case "mozillahomepostalcode":
			c.Home.PostalCode = v
		case "mozillahomecountryname":
			c.Home.Country = v
		case "title":
			c.addTitle(v)
		case "ou", "department", "departmentnumber", "orgunit":
			c.Department = v
		case "o", "company":
			if c.Organization == "" {
				c.Organization = v
			} else {
				c.Fields = append(c.Fields, Field{Label: "Organization", Value: v})
			}
		case "mozillaworkurl", "workurl":
			c.URLs = append(c.URLs, URL{Where: WhereWork, URL: v})
		case "labeleduri":
			u, _, _ := strings.Cut(v, " ")
			c.URLs = append(c.URLs, URL{Where: WhereWork, URL: u})
		case "mozillahomeurl", "homeurl":
			c.URLs = append(c.URLs, URL{Where: WhereHome, URL: v})
		case "mozillacustom1", "custom1":
			c.Custom[0] = v
		case "mozillacustom2", "custom2":
			c.Custom[1] = v
		case "mozillacustom3", "custom3":
			c.Custom[2] = v
		case "mozillacustom4", "custom4":
			c.Custom[3] = v
		case "description", "notes":
			c.Notes = joinNotes(c.Notes, v)
		default:
			c.Fields = append(c.Fields, Field{Label: a.name, Value: v})
		}
	}
	if !birth.IsZero() {
		if birth.valid() {
			c.Birthday = birth
		} else {
			c.Fields = append(c.Fields, Field{Label: "Birthday", Value: birth.String()})
		}
	}
	c.DisplayName = display
	if c.DisplayName == "" {
		c.DisplayName = cn
	}
	return c
}

// postalLines splits a Postal Address value (RFC 4517 §3.3.28) into its
// lines, undoing the \24 and \5C escapes.
func postalLines(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "$") {
		l = strings.NewReplacer(`\24`, "$", `\5C`, `\`, `\5c`, `\`).Replace(l)
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
