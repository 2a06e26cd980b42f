package maildir

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mailconv/mailconv"
)

// Layout is the on-disk arrangement of a maildir's folders.
type Layout uint8

// The layouts.
const (
	// LayoutMaildirPP is Maildir++: ".A.B" directories in the root.
	LayoutMaildirPP Layout = iota
	// LayoutFS is Dovecot's fs layout: nested directories A/B.
	LayoutFS
)

// String returns the layout's parameter value ("maildir++" or "fs").
func (l Layout) String() string {
	if l == LayoutFS {
		return "fs"
	}
	return "maildir++"
}

func parseLayout(s string) (Layout, error) {
	switch strings.ToLower(s) {
	case "maildir++", "maildirpp", "maildir":
		return LayoutMaildirPP, nil
	case "fs":
		return LayoutFS, nil
	}
	return 0, fmt.Errorf("maildir: layout %q: want maildir++ or fs: %w", s, mailconv.ErrUnsupported)
}

// NameEncoding is how folder names are stored on disk.
type NameEncoding uint8

// The name encodings.
const (
	// NamesAuto (reading only) decodes a name as modified UTF-7 when it is
	// valid modified UTF-7 and takes it as UTF-8 otherwise.
	NamesAuto NameEncoding = iota
	// NamesMUTF7 stores names in modified UTF-7 (Dovecot's default).
	NamesMUTF7
	// NamesUTF8 stores names in UTF-8 (Dovecot's ":UTF-8").
	NamesUTF8
)

// String returns the encoding's parameter value.
func (e NameEncoding) String() string {
	switch e {
	case NamesMUTF7:
		return "mutf7"
	case NamesUTF8:
		return "utf8"
	}
	return "auto"
}

func parseNames(s string) (NameEncoding, error) {
	switch strings.ToLower(s) {
	case "auto":
		return NamesAuto, nil
	case "mutf7", "mutf-7", "utf7", "utf-7":
		return NamesMUTF7, nil
	case "utf8", "utf-8":
		return NamesUTF8, nil
	}
	return 0, fmt.Errorf("maildir: names %q: want mutf7 or utf8: %w", s, mailconv.ErrUnsupported)
}

// escapeChar is the storage escape character; it matches
// mailconv.EscapeChar so that names planned by mailconv.PlanNames need no
// further change.
const escapeChar = mailconv.EscapeChar

// reservedFS are the segment names the fs layout cannot use (they are the
// maildir's own subdirectories, or would leave the directory).
var reservedFS = []string{"new", "cur", "tmp", ".", "..", "subscriptions", "maildirsize", "maildirfolder"}

// nameRules are the rules for Capabilities.Names.
func nameRules(l Layout, enc NameEncoding) mailconv.NameRules {
	r := mailconv.NameRules{
		Forbidden:      "/" + string(escapeChar),
		ForbiddenFirst: "~",
		MaxSegment:     255,
		SegmentLen:     func(s string) int { return len(encodeName(s, enc)) },
	}
	if l == LayoutMaildirPP {
		// The whole ".A.B" name is one file name: a segment can use at most
		// 254 bytes after the leading dot, and so can the whole path.
		r.Forbidden += "."
		r.MaxSegment = 254
		r.MaxPath = 255
		r.PathLen = func(p mailconv.Path) int {
			n := 0
			for _, seg := range p {
				n += 1 + len(encodeName(escapeSegment(seg, l), enc))
			}
			return n
		}
	} else {
		r.ForbiddenFirst += "."
		r.Reserved = reservedFS
	}
	return r
}

func encodeName(s string, enc NameEncoding) string {
	if enc == NamesUTF8 {
		return s
	}
	return mailconv.EncodeMUTF7(s)
}

// escapeSegment makes a segment safe to store under layout l: it applies
// the storage escaping (see the package comment) and leaves alone escapes
// already made by mailconv.PlanNames, only turning their hex digits to lower
// case. The result is not yet encoded (see encodeName).
func escapeSegment(s string, l Layout) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); {
		c := s[i]
		if c == escapeChar && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(escapeChar)
			b.WriteByte(lowerHex(s[i+1]))
			b.WriteByte(lowerHex(s[i+2]))
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		bad := c < 0x20 || c == 0x7f || c == escapeChar || c == '/' ||
			(r == utf8.RuneError && size == 1) ||
			(i == 0 && c == '~') ||
			(c == '.' && (l == LayoutMaildirPP || i == 0))
		if bad {
			fmt.Fprintf(&b, "%c%02x", escapeChar, c)
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	out := b.String()
	if out == "" {
		return fmt.Sprintf("%c00", escapeChar)
	}
	if l == LayoutFS {
		// Names the reader takes for control files or directories (see
		// isControlName) get their first character escaped too.
		reserved := isControlName(out)
		for _, res := range reservedFS {
			reserved = reserved || strings.EqualFold(out, res)
		}
		if reserved {
			return fmt.Sprintf("%c%02x", escapeChar, out[0]) + out[1:]
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func lowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// storageSegment turns a model segment into its on-disk form.
func storageSegment(s string, l Layout, enc NameEncoding) string {
	return encodeName(escapeSegment(s, l), enc)
}

// decodeSegment turns an on-disk segment into a model segment. It returns
// the name, and a non-empty problem when the name could not be decoded as
// asked (the name is then the on-disk form, unchanged).
func decodeSegment(s string, enc NameEncoding, unescape bool) (string, string) {
	name := s
	switch enc {
	case NamesMUTF7:
		d, err := mailconv.DecodeMUTF7Lenient(s)
		if err != nil {
			return s, err.Error()
		}
		name = d
	case NamesUTF8:
		if !utf8.ValidString(s) {
			return s, "not valid UTF-8"
		}
	default:
		if d, err := mailconv.DecodeMUTF7Lenient(s); err == nil {
			name = d
		} else if !utf8.ValidString(s) {
			return s, "neither modified UTF-7 nor UTF-8"
		}
	}
	if unescape {
		u := mailconv.UnescapeName(name)
		if !utf8.ValidString(u) {
			return name, "escaped bytes are not valid UTF-8"
		}
		name = u
	}
	return name, ""
}
