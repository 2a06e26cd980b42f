package migrate

import (
	"bytes"
	"io"
	"time"

	"github.com/mailconv/mailconv"
)

// What Verify compares is what a conversion promises to keep, read the same
// way on both sides. The functions of this file say where that differs from
// "the bytes and the metadata as each reader yields them"; each rule applies
// to the source and the destination alike. See docs/formats/mbox-state.md.

// stateFields are the header fields in which mbox files keep mailbox state
// (c-client, mutt, Dovecot, Thunderbird, Eudora). An mbox writer replaces
// them with fresh ones that describe the message's flags and keywords, so
// they are not message content: Verify leaves them out of the digest that
// pairs messages, and compares the state itself through flags and keywords.
var stateFields = [...]string{
	"status", "x-status", "x-keywords", "x-uid", "content-length",
	"x-mozilla-status", "x-mozilla-status2", "x-mozilla-keys", "x-imap", "x-imapbase",
	"x-mailconv-mbox",
}

// isStateField reports whether name (any case, trailing white space
// allowed) is one of stateFields.
func isStateField(name []byte) bool {
	name = bytes.TrimRight(name, " \t")
	for _, f := range stateFields {
		if len(name) == len(f) && bytes.EqualFold(name, []byte(f)) {
			return true
		}
	}
	return false
}

// maxFieldName bounds the bytes held while the name of a header field is
// read; no state field name is longer.
const maxFieldName = 64

// stateFieldFilter copies LF-only message octets to w without the state
// fields of the header block (with their continuation lines). It is a
// streaming filter in O(1) memory, whatever the header's size: a header
// held whole for mailconv.HeaderValue would not be.
type stateFieldFilter struct {
	w         io.Writer
	body      bool   // past the header block
	lineStart bool   // at the start of a header line
	naming    bool   // holding the start of a line until its name is known
	drop      bool   // the current field is a state field
	name      []byte // the held line start
	dropped   bool   // a state field was left out of this message
	out       []byte
}

func (f *stateFieldFilter) reset() {
	f.body, f.lineStart, f.naming, f.drop, f.dropped = false, true, false, false, false
	f.name = f.name[:0]
}

func (f *stateFieldFilter) Write(p []byte) (int, error) {
	if f.body {
		return f.w.Write(p)
	}
	out := f.out[:0]
	for i := 0; i < len(p); i++ {
		c := p[i]
		if f.body {
			out = append(out, p[i:]...)
			break
		}
		switch {
		case f.lineStart:
			f.lineStart = false
			switch c {
			case '\n':
				f.body = true // the blank line ending the header
				f.drop = false
				out = append(out, c)
			case ' ', '\t':
				// a continuation line: part of the current field
				if !f.drop {
					out = append(out, c)
				}
			default:
				f.naming = true
				f.name = append(f.name[:0], c)
			}
		case f.naming:
			f.name = append(f.name, c)
			switch {
			case c == ':':
				f.naming = false
				f.drop = isStateField(f.name[:len(f.name)-1])
				if f.drop {
					f.dropped = true
				} else {
					out = append(out, f.name...)
				}
			case c == '\n' || len(f.name) > maxFieldName:
				// not a state field (a line without a colon, or a long name)
				f.naming, f.drop = false, false
				out = append(out, f.name...)
				f.lineStart = c == '\n'
			}
		default:
			if !f.drop {
				out = append(out, c)
			}
			f.lineStart = c == '\n'
		}
	}
	f.out = out
	if len(out) > 0 {
		f.w.Write(out)
	}
	return len(p), nil
}

// flush ends a message: a line start still held is written.
func (f *stateFieldFilter) flush() {
	if f.naming {
		f.w.Write(f.name)
		f.naming = false
	}
}

// comparableFlags returns the flags Verify compares: "new" (never listed
// by a client) means nothing for a message already seen, and no store
// keeps it there (a maildir moves such a message out of new/), so it is
// left out of seen messages.
func comparableFlags(f mailconv.Flags) mailconv.Flags {
	if f&mailconv.FlagSeen != 0 {
		f &^= mailconv.FlagNew
	}
	return f
}

// comparableDate returns the internal date Verify compares: a date not
// after the Unix epoch is no real internal date (mbox writers put the epoch
// in From_ lines when they know none; a file time at or before it is what a
// maildir reader ignores as unset), so it counts as unknown.
func comparableDate(t time.Time) time.Time {
	if !t.IsZero() && t.Unix() <= 0 {
		return time.Time{}
	}
	return t
}

// destMailbox finds the destination mailbox planned as dpath. A store that
// escapes characters it cannot hold (a maildir's "%2e" for ".") may record
// how it did, so that its reader gives back the original name: the
// unescaped path is then the one to look for.
func destMailbox(byPath map[string]*mailconv.Mailbox, dpath mailconv.Path) (*mailconv.Mailbox, mailconv.Path) {
	if mb := byPath[pathKey(dpath)]; mb != nil {
		return mb, dpath
	}
	un := make(mailconv.Path, len(dpath))
	changed := false
	for i, s := range dpath {
		un[i] = mailconv.UnescapeName(s)
		changed = changed || un[i] != s
	}
	if changed {
		if mb := byPath[pathKey(un)]; mb != nil {
			return mb, un
		}
	}
	return nil, dpath
}
