package filters

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mime"
)

// Default limits.
const (
	// DefaultMaxLineBytes bounds one line. Eudora for Windows writes lines
	// of at most 511 bytes.
	DefaultMaxLineBytes = 64 << 10
	// DefaultMaxFilters bounds the number of filters of one file.
	DefaultMaxFilters = 100000
)

// Options tune the parsers.
type Options struct {
	// Events receives skips and warnings (over-long lines, lines outside
	// any filter, a third term). Nil discards them.
	Events func(mailconv.Event)
	// Platform forces the flavour: mime.Windows (Filters.pce, CRLF,
	// Windows-1252, a version line) or mime.Mac (Eudora Filters, CR,
	// MacRoman, no version line). Nil decides per file: CR-only line ends
	// mean Mac.
	Platform *mime.Platform
	// Charset decodes the file; nil means Windows-1252 (Windows) or
	// MacRoman (Mac).
	Charset encoding.Encoding
	// MaxLineBytes bounds a line; longer ones are skipped and reported. 0
	// means DefaultMaxLineBytes.
	MaxLineBytes int
	// MaxFilters bounds the filters of a file; more fail with a
	// *mailconv.LimitError. 0 means DefaultMaxFilters.
	MaxFilters int
}

// SetKind tells when a filter set runs.
type SetKind uint8

// The set kinds.
const (
	SetMain SetKind = iota // Filters.pce / Eudora Filters
	SetPre                 // Filters\*.pre: before the main list
	SetPost                // Filters\*.pst: after it
)

// Set is the content of one filters file.
type Set struct {
	// Name is the file name as given to Parse.
	Name string
	Kind SetKind
	// Mac tells that the file was read as a Mac file.
	Mac bool
	// Version is the Windows format version from the first line (3 in
	// Eudora 4–7), 0 when there is none.
	Version int
	Filters []*Filter
}

// Conjunction joins the two terms of a filter.
type Conjunction string

// The conjunctions Eudora writes.
const (
	ConjIgnore Conjunction = "ignore" // only term 1
	ConjAnd    Conjunction = "and"
	ConjOr     Conjunction = "or"
	ConjUnless Conjunction = "unless" // term 1 and not term 2
)

// Term is one condition: a header (or «pseudo-header»), a verb and a value,
// as written in the file.
type Term struct {
	Header string
	Verb   string
	Value  string
}

// Action is one action line: its keyword (as written) and argument.
type Action struct {
	Verb   string
	Arg    string
	Offset int64
}

// Filter is one Eudora filter ("rule").
type Filter struct {
	Name                       string
	Incoming, Outgoing, Manual bool
	// Terms holds term 1 and, when written, term 2.
	Terms       []Term
	Conjunction Conjunction
	Actions     []Action
	// Source is where the rule line is.
	Source mailconv.Location
}

// Parse reads one filters file: Windows Filters.pce or a .pre/.pst set, or
// the Mac "Eudora Filters". Bad lines are reported and skipped; Parse fails
// only when the input cannot be read or a limit is exceeded.
func Parse(ctx context.Context, r io.Reader, name string, opts *Options) (*Set, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxFilters <= 0 {
		o.MaxFilters = DefaultMaxFilters
	}
	event := func(kind mailconv.EventKind, code string, off int64, format string, args ...any) {
		if o.Events != nil {
			o.Events(mailconv.Event{Kind: kind, Code: code, Location: &mailconv.Location{File: name, Offset: off},
				Detail: fmt.Sprintf(format, args...)})
		}
	}
	set := &Set{Name: name, Kind: kindOf(name)}
	br := bufio.NewReaderSize(r, 64<<10)
	var off int64
	var buf []byte
	var cur *Filter
	term := -1 // index of the term being filled
	conjSeen := false
	first := true
	decided := false
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		// Read one line ending in CR, LF or CRLF, bounded.
		buf = buf[:0]
		lineOff := off
		tooLong, eof := false, false
		for {
			c, err := br.ReadByte()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return nil, &mailconv.ParseError{File: name, Offset: off, Err: err}
			}
			off++
			if c == '\n' {
				decided = true
				break
			}
			if c == '\r' {
				if nx, err := br.Peek(1); err == nil && nx[0] == '\n' {
					br.ReadByte()
					off++
				} else if !decided {
					set.Mac = true
				}
				decided = true
				break
			}
			if len(buf) >= o.MaxLineBytes {
				tooLong = true
				continue
			}
			buf = append(buf, c)
		}
		if eof && len(buf) == 0 && !tooLong {
			break
		}
		if tooLong {
			event(mailconv.EventSkip, "filters.line-too-long", lineOff, "line longer than MaxLineBytes (%d) skipped", o.MaxLineBytes)
			if eof {
				break
			}
			continue
		}
		mac := set.Mac
		if o.Platform != nil {
			mac = *o.Platform == mime.Mac
		}
		set.Mac = mac
		enc := o.Charset
		if enc == nil {
			enc = charmap.Windows1252
			if mac {
				enc = charmap.Macintosh
			}
		}
		lineB, err := enc.NewDecoder().Bytes(buf)
		line := string(lineB)
		if err != nil {
			line = strings.ToValidUTF8(string(buf), "\uFFFD")
		}
		if first {
			first = false
			line = strings.TrimPrefix(line, "\uFEFF")
			if v, err := strconv.Atoi(strings.TrimSpace(line)); err == nil {
				set.Version = v
				if eof {
					break
				}
				continue
			}
		}
		kw, arg, _ := strings.Cut(line, " ")
		lkw := strings.ToLower(kw)
		if lkw == "rule" {
			if len(set.Filters) >= o.MaxFilters {
				return nil, &mailconv.ParseError{File: name, Offset: lineOff, Err: &mailconv.LimitError{Name: "MaxFilters", Limit: int64(o.MaxFilters)}}
			}
			cur = &Filter{Name: arg, Conjunction: ConjIgnore, Source: mailconv.Location{File: name, Offset: lineOff}}
			set.Filters = append(set.Filters, cur)
			term, conjSeen = -1, false
		} else if cur == nil {
			if strings.TrimSpace(line) != "" {
				event(mailconv.EventWarning, "filters.before-first-rule", lineOff, "line before the first filter ignored: %q", clip(line))
			}
		} else {
			switch lkw {
			case "":
				// blank line
			case "incoming":
				cur.Incoming = true
			case "outgoing":
				cur.Outgoing = true
			case "manual":
				cur.Manual = true
			case "header":
				switch {
				case term < 0:
					term = 0
				case conjSeen || cur.Terms[term].Header != "" || cur.Terms[term].Verb != "":
					term++
				}
				if term > 1 {
					event(mailconv.EventSkip, "filters.extra-term", lineOff, "filter %q: a third term is ignored", cur.Name)
					term = 1
					continue
				}
				for len(cur.Terms) <= term {
					cur.Terms = append(cur.Terms, Term{})
				}
				cur.Terms[term].Header = arg
			case "verb", "value":
				if term < 0 {
					term = 0
					cur.Terms = append(cur.Terms, Term{})
				}
				if lkw == "verb" {
					cur.Terms[term].Verb = arg
				} else {
					cur.Terms[term].Value = arg
				}
			case "conjunction":
				cur.Conjunction = Conjunction(strings.ToLower(strings.TrimSpace(arg)))
				conjSeen = true
				if term == 0 {
					term = 0 // term 2 starts at the next header line
				}
			case "id":
				// Mac filter ids carry nothing a Sieve script needs.
			default:
				cur.Actions = append(cur.Actions, Action{Verb: kw, Arg: arg, Offset: lineOff})
			}
		}
		if eof {
			break
		}
	}
	return set, nil
}

func kindOf(name string) SetKind {
	l := strings.ToLower(name)
	switch {
	case strings.HasSuffix(l, ".pre"):
		return SetPre
	case strings.HasSuffix(l, ".pst"):
		return SetPost
	}
	return SetMain
}

func clip(s string) string {
	const max = 80
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}
