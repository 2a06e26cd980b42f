package addressbook

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mime"
)

// Default limits.
const (
	// DefaultMaxLineBytes bounds one line of a nicknames file. Eudora
	// writes each entry on one line; real entries stay far below this.
	DefaultMaxLineBytes = 1 << 20
	// DefaultMaxEntries bounds the number of nicknames read from one store.
	DefaultMaxEntries = 1 << 20
	// DefaultMaxFileBytes bounds one nicknames file (real ones are a few
	// megabytes at most).
	DefaultMaxFileBytes = 256 << 20
)

// Options tune the Eudora readers.
type Options struct {
	// Events receives skips and warnings (damaged lines, unresolved
	// nicknames, cycles). Nil discards them.
	Events func(mailconv.Event)
	// Platform forces the file flavour: mime.Windows (CRLF,
	// Windows-1252, one physical line per entry) or mime.Mac (CR,
	// MacRoman, "\" continuation lines, 0x02 for ">"). Nil decides per
	// file: CR-only line ends mean Mac.
	Platform *mime.Platform
	// Charset decodes the files; nil means Windows-1252 for Windows files
	// and MacRoman for Mac files.
	Charset encoding.Encoding
	// MaxLineBytes bounds one (continued) line; longer lines are skipped
	// and reported. 0 means DefaultMaxLineBytes.
	MaxLineBytes int
	// MaxEntries bounds the number of nicknames; reading more fails with a
	// *mailconv.LimitError. 0 means DefaultMaxEntries.
	MaxEntries int
	// MaxFileBytes bounds one nicknames file; a larger one fails with a
	// *mailconv.LimitError. 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// ExtraNicknameDirs are more address-book directories to read, given
	// by the user (they may lie outside the store). Directories named by
	// the store's own Eudora.ini are read too, but only inside the store.
	ExtraNicknameDirs []string
	// IncludeHistory also reads the Mac "History List" (addresses Eudora
	// collected by itself). By default it is left out and reported.
	IncludeHistory bool
}

func (o *Options) maxLine() int {
	if o == nil || o.MaxLineBytes <= 0 {
		return DefaultMaxLineBytes
	}
	return o.MaxLineBytes
}

func (o *Options) maxEntries() int {
	if o == nil || o.MaxEntries <= 0 {
		return DefaultMaxEntries
	}
	return o.MaxEntries
}

func (o *Options) maxFile() int64 {
	if o == nil || o.MaxFileBytes <= 0 {
		return DefaultMaxFileBytes
	}
	return o.MaxFileBytes
}

func (o *Options) events() func(mailconv.Event) {
	if o == nil {
		return nil
	}
	return o.Events
}

// rawEntry is one nickname as read, before nicknames are resolved.
type rawEntry struct {
	book   string
	file   string
	offset int64
	mac    bool
	nick   string
	addrs  []addrItem
	notes  string
	noted  bool
}

// addrItem is one element of an alias's address list.
type addrItem struct {
	name string // display name (phrase or comment)
	addr string // address, or a nickname
	bare bool   // written without <> or a phrase: may be a nickname
}

// parser reads one nicknames file.
type parser struct {
	opts    *Options
	file    string
	book    string
	entries []*rawEntry
	byNick  map[string]*rawEntry
	count   *int
	decs    [2]*encoding.Decoder // Windows, Mac
}

func (p *parser) event(kind mailconv.EventKind, code string, off int64, format string, args ...any) {
	emit(p.opts.events(), mailconv.Event{
		Kind:     kind,
		Code:     code,
		Location: &mailconv.Location{File: p.file, Offset: off},
		Detail:   fmt.Sprintf(format, args...),
	})
}

// lineReader splits a byte stream into lines ending in CR, LF or CRLF,
// bounding each line and reporting the first terminator seen.
type lineReader struct {
	r        *bufio.Reader
	off      int64 // offset of the next byte
	max      int
	sawCR    bool // first terminator was a lone CR
	decided  bool
	buf      []byte
	tooLong  bool
	lineOff  int64
	finished bool
}

// next returns the next line without its terminator. tooLong is set when
// the line exceeded the limit; its bytes beyond the limit were discarded.
func (lr *lineReader) next() (line []byte, err error) {
	if lr.finished {
		return nil, io.EOF
	}
	lr.buf = lr.buf[:0]
	lr.tooLong = false
	lr.lineOff = lr.off
	for {
		c, err := lr.r.ReadByte()
		if err != nil {
			lr.finished = true
			if err == io.EOF && (len(lr.buf) > 0 || lr.tooLong) {
				return lr.buf, nil
			}
			return nil, err
		}
		lr.off++
		switch c {
		case '\n':
			if !lr.decided {
				lr.decided = true
			}
			return lr.buf, nil
		case '\r':
			if nx, err := lr.r.Peek(1); err == nil && nx[0] == '\n' {
				lr.r.ReadByte()
				lr.off++
				lr.decided = true
			} else if !lr.decided {
				lr.decided, lr.sawCR = true, true
			}
			return lr.buf, nil
		}
		if len(lr.buf) >= lr.max {
			lr.tooLong = true
			continue
		}
		lr.buf = append(lr.buf, c)
	}
}

// decoder returns the charset decoder for a file.
func (p *parser) decode(b []byte, mac bool) string {
	i := 0
	if mac {
		i = 1
	}
	if p.decs[i] == nil {
		enc := p.opts.charset()
		if enc == nil {
			if mac {
				enc = charmap.Macintosh
			} else {
				enc = charmap.Windows1252
			}
		}
		p.decs[i] = enc.NewDecoder()
	}
	s, err := p.decs[i].Bytes(b)
	if err != nil {
		// The single-byte charmaps never fail; a user-given encoding may.
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

func (o *Options) charset() encoding.Encoding {
	if o == nil {
		return nil
	}
	return o.Charset
}

// parseFile reads the entries of one nicknames file.
func (p *parser) parseFile(ctx context.Context, r io.Reader) error {
	lim := &limitedReader{r: r, n: p.opts.maxFile() + 1, name: "MaxFileBytes"}
	lr := &lineReader{r: bufio.NewReaderSize(lim, 64<<10), max: p.opts.maxLine()}
	first := true
	legacy := false
	var pending []byte // Mac continuation
	var pendingOff int64
	var pendingLong bool
	// Legacy-format state.
	var block *rawEntry
	var blockNotes bool
	var blockLines []string
	flushBlock := func() {
		if block == nil {
			return
		}
		if blockNotes {
			block.notes = strings.Join(blockLines, "\n")
			block.noted = true
		} else {
			var items []addrItem
			for _, l := range blockLines {
				items = append(items, splitAddresses(l)...)
			}
			block.addrs = items
		}
		block, blockLines = nil, nil
	}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		raw, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if lim.n <= 0 {
				err = &mailconv.LimitError{Name: "MaxFileBytes", Limit: p.opts.maxFile()}
			}
			return &mailconv.ParseError{File: p.file, Offset: lr.off, Err: err}
		}
		mac := p.opts.isMac(lr.sawCR)
		off := lr.lineOff
		long := lr.tooLong
		if mac && !legacy {
			// A line ending in "\" continues on the next one.
			if pending != nil {
				joined := pending
				if len(raw) > 0 && !isSep(raw[0]) {
					joined = append(joined, ' ')
				}
				raw = append(joined, raw...)
				off = pendingOff
				long = long || pendingLong
				pending = nil
				if len(raw) > p.opts.maxLine() {
					raw = raw[:p.opts.maxLine()]
					long = true
				}
			}
			if len(raw) > 0 && raw[len(raw)-1] == '\\' {
				pending = append([]byte(nil), raw[:len(raw)-1]...)
				pendingOff, pendingLong = off, long
				continue
			}
		}
		if long {
			p.event(mailconv.EventSkip, "addressbook.line-too-long", off,
				"line longer than MaxLineBytes (%d) skipped", p.opts.maxLine())
			if legacy && block != nil {
				// the block loses a line; keep going
			}
			continue
		}
		line := p.decode(raw, mac)
		if first {
			first = false
			line = strings.TrimPrefix(line, "\uFEFF")
			if strings.HasPrefix(strings.TrimLeft(line, " \t"), "<") {
				legacy = true
			}
		}
		if legacy {
			if strings.HasPrefix(line, "<") {
				end := strings.IndexByte(line, '>')
				if end < 0 {
					p.event(mailconv.EventSkip, "addressbook.unbalanced", off,
						"legacy nickname header %q has no closing '>'", clip(line))
					flushBlock()
					continue
				}
				flushBlock()
				nick := strings.TrimSpace(line[1:end])
				if nick == "" {
					p.event(mailconv.EventSkip, "addressbook.empty-nickname", off, "legacy block without a nickname")
					continue
				}
				if e := p.byNick[strings.ToLower(nick)]; e != nil && e.file == p.file && !e.noted {
					block, blockNotes = e, true
				} else {
					e, err := p.add(nick, off, mac)
					if err != nil {
						return err
					}
					if e == nil {
						continue
					}
					block, blockNotes = e, false
				}
				continue
			}
			if block == nil {
				if strings.TrimSpace(line) != "" {
					p.event(mailconv.EventWarning, "addressbook.stray-line", off, "line outside any nickname block ignored: %q", clip(line))
				}
				continue
			}
			line = strings.TrimPrefix(line, ">")
			blockLines = append(blockLines, line)
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		kw, rest, _ := strings.Cut(line, " ")
		switch strings.ToLower(kw) {
		case "alias":
			nick, rest, ok := cutNick(rest)
			if !ok {
				p.event(mailconv.EventSkip, "addressbook.bad-nickname", off, "alias line without a usable nickname: %q", clip(line))
				continue
			}
			e, err := p.add(nick, off, mac)
			if err != nil {
				return err
			}
			if e != nil {
				e.addrs = splitAddresses(rest)
			}
		case "note":
			nick, rest, ok := cutNick(rest)
			if !ok {
				p.event(mailconv.EventSkip, "addressbook.bad-nickname", off, "note line without a usable nickname: %q", clip(line))
				continue
			}
			e := p.byNick[strings.ToLower(nick)]
			if e == nil || e.file != p.file {
				p.event(mailconv.EventSkip, "addressbook.orphan-note", off, "note for nickname %q, which has no alias line before it", nick)
				continue
			}
			if e.noted {
				e.notes += "\n"
			}
			e.notes += rest
			e.noted = true
		default:
			p.event(mailconv.EventSkip, "addressbook.unknown-line", off, "line is neither alias nor note: %q", clip(line))
		}
	}
	if pending != nil {
		p.event(mailconv.EventWarning, "addressbook.dangling-continuation", pendingOff, "file ends with a continued line")
		// Process it as a final line by re-running the dispatcher on it.
		line := p.decode(pending, true)
		if kw, rest, _ := strings.Cut(line, " "); strings.EqualFold(kw, "alias") {
			if nick, rest, ok := cutNick(rest); ok {
				if e, err := p.add(nick, pendingOff, true); err != nil {
					return err
				} else if e != nil {
					e.addrs = splitAddresses(rest)
				}
			}
		} else if strings.EqualFold(kw, "note") {
			if nick, rest, ok := cutNick(rest); ok {
				if e := p.byNick[strings.ToLower(nick)]; e != nil && e.file == p.file {
					e.notes += rest
					e.noted = true
				}
			}
		}
	}
	if legacy {
		flushBlock()
	}
	return nil
}

// isMac tells whether a file is read as a Mac one: as forced by
// o.Platform, else as its line ends say (sawCR).
func (o *Options) isMac(sawCR bool) bool {
	if o == nil || o.Platform == nil {
		return sawCR
	}
	return *o.Platform == mime.Mac
}

func isSep(c byte) bool { return c == ',' || c == ' ' || c == '\t' }

// add registers a new nickname; a duplicate is reported and ignored (nil).
func (p *parser) add(nick string, off int64, mac bool) (*rawEntry, error) {
	key := strings.ToLower(nick)
	if old := p.byNick[key]; old != nil {
		p.event(mailconv.EventSkip, "addressbook.duplicate-nickname", off,
			"nickname %q already defined in %s; this one is ignored", nick, old.file)
		return nil, nil
	}
	*p.count++
	if *p.count > p.opts.maxEntries() {
		return nil, &mailconv.ParseError{File: p.file, Offset: off,
			Err: &mailconv.LimitError{Name: "MaxEntries", Limit: int64(p.opts.maxEntries())}}
	}
	e := &rawEntry{book: p.book, file: p.file, offset: off, mac: mac, nick: nick}
	p.entries = append(p.entries, e)
	p.byNick[key] = e
	return e, nil
}

// cutNick splits "<nick> rest": the nickname is quoted when it holds a
// space.
func cutNick(s string) (nick, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", "", false
		}
		nick = s[1 : 1+end]
		rest = s[2+end:]
	} else {
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			nick, rest = s, ""
		} else {
			nick, rest = s[:i], s[i:]
		}
	}
	if strings.TrimSpace(nick) == "" {
		return "", "", false
	}
	return nick, strings.TrimLeft(rest, " \t"), true
}

// splitAddresses splits an RFC 822-ish list at commas outside quotes,
// parentheses and angle brackets. It never fails: unbalanced brackets run to
// the end of the list.
func splitAddresses(s string) []addrItem {
	var out []addrItem
	depthP, inQ, inA := 0, false, false
	start := 0
	flush := func(end int) {
		if it, ok := parseAddr(s[start:end]); ok {
			out = append(out, it)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQ = false
			}
		case c == '"':
			inQ = true
		case c == '(':
			depthP++
		case c == ')' && depthP > 0:
			depthP--
		case c == '<' && depthP == 0:
			inA = true
		case c == '>' && depthP == 0:
			inA = false
		case c == ',' && depthP == 0 && !inA:
			flush(i)
			start = i + 1
		}
	}
	flush(len(s))
	return out
}

// parseAddr parses one list element: "Name <a@b>", "<a@b>", "a@b (Name)",
// "a@b" or a nickname.
func parseAddr(s string) (addrItem, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return addrItem{}, false
	}
	if lt := lastUnquoted(s, '<'); lt >= 0 {
		phrase := strings.TrimSpace(s[:lt])
		rest := s[lt+1:]
		addr := rest
		if gt := strings.IndexByte(rest, '>'); gt >= 0 {
			addr = rest[:gt]
		}
		return addrItem{name: unquote(phrase), addr: strings.TrimSpace(addr)}, true
	}
	if lp := strings.IndexByte(s, '('); lp >= 0 && !strings.HasPrefix(s, `"`) {
		addr := strings.TrimSpace(s[:lp])
		comment := s[lp+1:]
		if rp := strings.LastIndexByte(comment, ')'); rp >= 0 {
			comment = comment[:rp]
		}
		if addr == "" {
			return addrItem{name: strings.TrimSpace(comment)}, false
		}
		return addrItem{name: strings.TrimSpace(comment), addr: addr}, true
	}
	return addrItem{addr: unquote(s), bare: true}, true
}

// lastUnquoted returns the index of the first c outside double quotes.
func lastUnquoted(s string, c byte) int {
	inQ := false
	for i := 0; i < len(s); i++ {
		switch {
		case inQ && s[i] == '\\':
			i++
		case s[i] == '"':
			inQ = !inQ
		case !inQ && s[i] == c:
			return i
		}
	}
	return -1
}

// unquote removes surrounding double quotes and backslash escapes.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// clip shortens s for a report line.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	r := []rune(s)
	if len(r) > max {
		r = r[:max]
	}
	return string(r) + "…"
}

// noteTag is one "<tag:value>" of a notes string.
type noteTag struct {
	name  string // lower case
	value string
}

// parseNotes splits a notes string into tags and free text. 0x03 means a
// line break and (Mac) 0x02 a ">" inside a value.
func parseNotes(s string, warn func(string)) (tags []noteTag, free string) {
	var freeB strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '<' {
			j := i + 1
			for j < len(s) && (s[j] < 0x80 && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '-' || s[j] == '_')) {
				j++
			}
			if j > i+1 && j < len(s) && s[j] == ':' {
				name := strings.ToLower(s[i+1 : j])
				depth := 1
				k := j + 1
				for ; k < len(s); k++ {
					if s[k] == '<' {
						depth++
					} else if s[k] == '>' {
						depth--
						if depth == 0 {
							break
						}
					}
				}
				value := s[j+1 : min(k, len(s))]
				if k >= len(s) {
					warn(fmt.Sprintf("tag <%s: has no closing '>'; the rest of the notes is taken as its value", name))
				}
				tags = append(tags, noteTag{name: name, value: cleanValue(value)})
				i = k + 1
				continue
			}
		}
		freeB.WriteByte(c)
		i++
	}
	return tags, strings.TrimSpace(cleanValue(freeB.String()))
}

// cleanValue turns Eudora's escape bytes into text.
func cleanValue(s string) string {
	if strings.ContainsAny(s, "\x02\x03") {
		s = strings.NewReplacer("\x02", ">", "\x03", "\n").Replace(s)
	}
	return s
}

// errNoBook is returned when a store holds no address book.
var errNoBook = errors.New("no Eudora address book found")
