package eml

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
)

// ErrNotMessage is wrapped by Scan's error for bytes that do not start
// with an RFC 5322 header.
var ErrNotMessage = errors.New("not an RFC 5322 message")

// Header is what Scan learns from the start of a message file.
type Header struct {
	// Fields counts the header fields seen.
	Fields int
	// Received is the date of the newest (topmost) Received field, zero
	// when there is none or it cannot be parsed.
	Received time.Time
	// Date is the date of the Date field, zero when absent or unparseable.
	Date time.Time
	// Complete tells that the blank line ending the header (or the end of
	// the file) was within the bytes scanned.
	Complete bool
}

// knownFields are the fields of which a message must have at least one to
// be taken for a message: a text file whose first line happens to be
// "Note: ..." is not mail.
var knownFields = []string{"from", "to", "cc", "subject", "date", "message-id", "received",
	"return-path", "mime-version", "content-type", "sender", "reply-to", "in-reply-to", "references",
	"delivered-to", "x-mailer", "user-agent", "newsgroups"}

// maxFieldName bounds a field name (RFC 5322 sets no limit; real ones are
// short). A longer "name" is taken for text, not a header.
const maxFieldName = 200

// Scan reads the header at the start of head, the first bytes of a file
// (atEOF: head is the whole file). It returns a *mailconv.ParseError
// wrapping ErrNotMessage, with the byte offset of the line that is not a
// header line (File left empty for the caller to fill), when head does not start with a message header: at least one
// field, every line up to the blank line a field or its continuation, and
// one of the usual message fields (From, Date, Subject, Message-ID,
// Received, MIME-Version, ...). A header longer than head is accepted on
// the lines seen. Scan does not allocate in proportion to head beyond the
// Received and Date values it parses.
func Scan(head []byte, atEOF bool) (Header, error) {
	var h Header
	known := false
	off := 0
	var field []byte // the current field's name and value, unfolded
	flush := func() {
		name, value, _ := bytes.Cut(field, []byte(":"))
		name = bytes.TrimRight(name, " \t")
		for _, k := range knownFields {
			if strings.EqualFold(string(name), k) {
				known = true
				break
			}
		}
		switch {
		case h.Received.IsZero() && bytes.EqualFold(name, []byte("Received")):
			h.Received, _ = mailconv.ReceivedValue(value)
		case h.Date.IsZero() && bytes.EqualFold(name, []byte("Date")):
			h.Date = mailconv.DateValue(string(value))
		}
		field = field[:0]
	}
	notMessage := func(why string) (Header, error) {
		return Header{}, &mailconv.ParseError{Offset: int64(off), Err: fmt.Errorf("%w: %s", ErrNotMessage, why)}
	}
	for off < len(head) {
		line := head[off:]
		end := bytes.IndexByte(line, '\n')
		full := end >= 0
		if full {
			line = line[:end+1]
		} else if !atEOF {
			break // a partial last line: judged on the lines before it
		}
		text := bytes.TrimRight(line, "\r\n")
		switch {
		case len(text) == 0:
			if h.Fields == 0 {
				return notMessage("the file starts with a blank line")
			}
			if len(field) > 0 {
				flush()
			}
			h.Complete = true
			if !known {
				return notMessage("no From, Date, Subject or other message field in the header")
			}
			return h, nil
		case text[0] == ' ' || text[0] == '\t':
			if h.Fields == 0 {
				return notMessage("the file starts with a continuation line")
			}
			if len(field) < 8192 { // longer values are not worth parsing for a date
				field = append(field, text...)
			}
		default:
			if len(field) > 0 {
				flush()
			}
			i := bytes.IndexByte(text, ':')
			if i <= 0 || i > maxFieldName {
				if h.Fields == 0 && bytes.HasPrefix(text, []byte("From ")) {
					return notMessage("the file starts with an mbox From_ line (convert it as mbox)")
				}
				return notMessage(fmt.Sprintf("line %q is not a header field", clip(text)))
			}
			for _, c := range text[:i] {
				if c <= ' ' || c >= 0x7f {
					return notMessage(fmt.Sprintf("line %q is not a header field", clip(text)))
				}
			}
			h.Fields++
			field = append(field[:0], text[:min(len(text), 8192)]...)
		}
		off += len(line)
	}
	if len(field) > 0 {
		flush()
	}
	if h.Fields == 0 {
		return notMessage("no header field")
	}
	if !known {
		return notMessage("no From, Date, Subject or other message field in the header")
	}
	h.Complete = atEOF
	return h, nil
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
