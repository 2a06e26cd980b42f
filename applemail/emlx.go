package applemail

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
)

// maxCountLine bounds the first line of an emlx file (the byte count and
// its padding).
const maxCountLine = 64

// Framing tells where the parts of an emlx file lie: the message octets
// after the byte-count line, and the property list after them.
type Framing struct {
	// MessageOffset and MessageSize delimit the RFC 5322 message.
	MessageOffset, MessageSize int64
	// PlistOffset and PlistSize delimit the trailing property list
	// (PlistSize 0 when there is none).
	PlistOffset, PlistSize int64
}

// ParseFraming reads the byte-count line of an emlx file of the given size.
// A missing or malformed count, or one that points past the end of the
// file, gives a *mailconv.ParseError wrapping mailconv.ErrFormat; in the
// last case the returned Framing still has MessageOffset set (see
// SalvageFraming).
func ParseFraming(r io.ReaderAt, size int64, file string) (Framing, error) {
	var buf [maxCountLine]byte
	n, err := r.ReadAt(buf[:min(int64(len(buf)), size)], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Framing{}, &mailconv.ParseError{File: file, Offset: 0, Err: fmt.Errorf("applemail: %w", err)}
	}
	nl := bytes.IndexByte(buf[:n], '\n')
	if nl < 0 {
		return Framing{}, &mailconv.ParseError{File: file, Offset: 0,
			Err: fmt.Errorf("applemail: no byte-count line in the first %d bytes: %w", maxCountLine, mailconv.ErrFormat)}
	}
	field := bytes.TrimRight(buf[:nl], " \t\r")
	field = bytes.TrimLeft(field, " \t")
	count, err := strconv.ParseInt(string(field), 10, 64)
	if err != nil || count < 0 || len(field) == 0 || field[0] == '+' || field[0] == '-' {
		return Framing{}, &mailconv.ParseError{File: file, Offset: 0,
			Err: fmt.Errorf("applemail: first line %q is not a byte count: %w", clip(buf[:nl]), mailconv.ErrFormat)}
	}
	off := int64(nl + 1)
	if count > size-off {
		return Framing{MessageOffset: off}, &mailconv.ParseError{File: file, Offset: 0,
			Err: fmt.Errorf("applemail: byte count %d runs past the end of the file (%d bytes after the count line): %w",
				count, size-off, mailconv.ErrFormat)}
	}
	return Framing{MessageOffset: off, MessageSize: count, PlistOffset: off + count, PlistSize: size - off - count}, nil
}

// plistStart is how the trailing property list begins.
var plistStart = []byte("<?xml version=")

// SalvageFraming frames an emlx file whose byte count is wrong (edited
// files, a count past the end): the message runs from off to the start of
// the trailing property list, looked for in the last tail bytes ("<?xml"
// at the start of a line, followed by "<plist"). It returns false when
// there is no such property list.
func SalvageFraming(r io.ReaderAt, size, off, tail int64) (Framing, bool) {
	from := max(off, size-tail)
	if from >= size {
		return Framing{}, false
	}
	buf := make([]byte, size-from)
	if n, err := r.ReadAt(buf, from); int64(n) != size-from && err != nil {
		return Framing{}, false
	}
	for end := len(buf); end > 0; {
		i := bytes.LastIndex(buf[:end], plistStart)
		if i < 0 {
			return Framing{}, false
		}
		end = i
		if (i > 0 && buf[i-1] != '\n') || (i == 0 && from != off) || !bytes.Contains(buf[i:], []byte("<plist")) {
			continue
		}
		at := from + int64(i)
		return Framing{MessageOffset: off, MessageSize: at - off, PlistOffset: at, PlistSize: size - at}, true
	}
	return Framing{}, false
}

func clip(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// Props are the properties of an emlx trailer that the reader uses.
type Props struct {
	// Flags is the "flags" integer (see FlagsFromWord); HasFlags tells it
	// was present.
	Flags    uint64
	HasFlags bool
	// Received is "date-received" (seconds since 1970), zero when absent.
	Received time.Time
}

// ParseProps reads an emlx trailing XML property list of at most max bytes
// from r; off is its offset in file, for errors. Only the top-level
// dictionary's "flags" and "date-received" are kept; other keys and nested
// values are skipped. A property list that is not well-formed XML or not a
// dictionary gives a *mailconv.ParseError wrapping mailconv.ErrFormat; one
// larger than max a *mailconv.ParseError wrapping a *mailconv.LimitError.
func ParseProps(r io.Reader, file string, off, max int64) (Props, error) {
	var p Props
	lr := &io.LimitedReader{R: r, N: max + 1}
	d := xml.NewDecoder(lr)
	d.Strict = true
	d.Entity = nil
	fail := func(format string, args ...any) (Props, error) {
		if lr.N <= 0 {
			return p, &mailconv.ParseError{File: file, Offset: off + max,
				Err: fmt.Errorf("applemail: property list: %w", &mailconv.LimitError{Name: ParamMaxPlist, Limit: max})}
		}
		return p, &mailconv.ParseError{File: file, Offset: off + d.InputOffset(),
			Err: fmt.Errorf("applemail: property list: %s: %w", fmt.Sprintf(format, args...), mailconv.ErrFormat)}
	}
	// Find <plist> then <dict>.
	depth := 0
find:
	for {
		tok, err := d.Token()
		if err != nil {
			return fail("%v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case depth == 0 && se.Name.Local == "plist":
			depth = 1
			continue
		case depth == 1 && se.Name.Local == "dict":
		default:
			return fail("<%s> where <plist><dict> was expected", se.Name.Local)
		}
		break find
	}
	key := ""
	for {
		tok, err := d.Token()
		if err != nil {
			return fail("%v", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return p, nil // </dict>
		case xml.StartElement:
			if t.Name.Local == "key" {
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return fail("%v", err)
				}
				key = s
				continue
			}
			if t.Name.Local == "dict" || t.Name.Local == "array" {
				if err := d.Skip(); err != nil {
					return fail("%v", err)
				}
				key = ""
				continue
			}
			var s string
			if err := d.DecodeElement(&s, &t); err != nil {
				return fail("%v", err)
			}
			switch key {
			case "flags":
				v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
				if err != nil || t.Name.Local != "integer" {
					return fail("flags %q is not an integer", clip([]byte(s)))
				}
				p.Flags, p.HasFlags = v, true
			case "date-received":
				v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1<<40 {
					return fail("date-received %q is not a time", clip([]byte(s)))
				}
				sec, frac := math.Modf(v)
				p.Received = time.Unix(int64(sec), int64(frac*1e9)).UTC()
			}
			key = ""
		}
	}
}

// The bits of the emlx "flags" word (docs/formats/applemail.md).
const (
	bitRead       = 0
	bitDeleted    = 1
	bitAnswered   = 2
	bitFlagged    = 4
	bitDraft      = 6
	bitForwarded  = 8
	bitRedirected = 9
	bitJunk       = 24
	bitNotJunk    = 25
)

// KeywordRedirected is the keyword given to messages Apple Mail redirected
// (bounced) to another address.
const KeywordRedirected = "$Redirected"

// FlagsFromWord maps an emlx flags word onto the model: read, deleted,
// answered, flagged, draft and forwarded to flags; redirected, junk and
// not-junk to the keywords $Redirected, $Junk and $NotJunk. The other bits
// (encryption, attachment count, priority, display state) are not message
// state and are ignored.
func FlagsFromWord(w uint64) (mailconv.Flags, []string) {
	var f mailconv.Flags
	set := func(bit uint, flag mailconv.Flags) {
		if w&(1<<bit) != 0 {
			f |= flag
		}
	}
	set(bitRead, mailconv.FlagSeen)
	set(bitDeleted, mailconv.FlagDeleted)
	set(bitAnswered, mailconv.FlagAnswered)
	set(bitFlagged, mailconv.FlagFlagged)
	set(bitDraft, mailconv.FlagDraft)
	set(bitForwarded, mailconv.FlagForwarded)
	var kw []string
	if w&(1<<bitRedirected) != 0 {
		kw = append(kw, KeywordRedirected)
	}
	if w&(1<<bitJunk) != 0 {
		kw = append(kw, "$Junk")
	}
	if w&(1<<bitNotJunk) != 0 {
		kw = append(kw, "$NotJunk")
	}
	return f, kw
}
