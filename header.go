package mailconv

import (
	"bytes"
	"net/mail"
	"strings"
	"time"
)

// DateValue parses the value of a Date: header field (RFC 5322 §3.3, with
// the obsolete forms net/mail accepts) and returns the zero time when it is
// empty or cannot be parsed. White space between the date's parts may be
// tabs, as a folded field keeps them (HeaderValue unfolds by removing the
// line breaks only). Readers use it to find a message's received date.
func DateValue(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if strings.IndexByte(v, '\t') >= 0 {
		// Folding white space is spaces or tabs (RFC 5322 §3.2.2); the
		// layouts net/mail tries match spaces only.
		v = strings.ReplaceAll(v, "\t", " ")
	}
	t, err := mail.ParseDate(v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// ReceivedValue returns the date of a Received: header field, given its
// value: the date follows the field's last ";" (RFC 5322 §3.6.7). ok is
// false when the field carries no date (no ";", or nothing after it); t is
// zero when the date cannot be parsed.
func ReceivedValue(v []byte) (t time.Time, ok bool) {
	i := bytes.LastIndexByte(v, ';')
	if i < 0 || len(bytes.TrimSpace(v[i+1:])) == 0 {
		return time.Time{}, false
	}
	return DateValue(string(v[i+1:])), true
}

// HeaderDates returns the date of the first Received: field whose date
// parses and the date of the Date: field, in the header block at the start
// of msg (see HeaderValue); each is zero when there is none. The first
// Received: field is the newest, the time the message reached its last
// server; one without a readable date (a server that wrote none, or a
// broken one) gives way to the next, which is nearer that time than the
// sender's Date:. maildir, eml and the mbox reader follow the same rule.
func HeaderDates(msg []byte) (received, date time.Time) {
	headerFields(msg, "Received", func(v string) bool {
		received, _ = ReceivedValue([]byte(v))
		return received.IsZero()
	})
	return received, DateValue(HeaderValue(msg, "Date"))
}

// ChooseDate picks a message's received date for a store that keeps one
// message a file (maildir, MH), from the file's modification time and the
// header's Received and Date dates (HeaderDates), in the order the store's
// date option names: "mtime" puts the file time first, "header" the Date
// field before the Received field; otherwise Received, Date, file time. A
// file time not after the epoch is unknown (a copy that lost it), as are
// zero header dates.
func ChooseDate(option string, mtime, received, date time.Time) (time.Time, DateSource) {
	mtimeOK := mtime.Unix() > 0
	if option == "mtime" && mtimeOK {
		return mtime, DateFileTime
	}
	order := [3]DateSource{DateReceived, DateHeader, DateFileTime}
	if option == "header" {
		order[0], order[1] = DateHeader, DateReceived
	}
	for _, src := range order {
		switch {
		case src == DateReceived && !received.IsZero():
			return received, src
		case src == DateHeader && !date.IsZero():
			return date, src
		case src == DateFileTime && mtimeOK:
			return mtime, src
		}
	}
	return time.Time{}, DateUnknown
}

// HeaderValue returns the unfolded, trimmed value of the first header field
// called name (case-insensitive) in the header block at the start of msg, or
// "" when there is none. Only the header block is looked at.
func HeaderValue(msg []byte, name string) string {
	var v string
	headerFields(msg, name, func(s string) bool {
		v = s
		return false
	})
	return v
}

// headerFields calls more with the unfolded, trimmed value of each header
// field called name (case-insensitive) in the header block at the start of
// msg, in order, until more returns false.
func headerFields(msg []byte, name string, more func(string) bool) {
	for len(msg) > 0 {
		end := bytes.IndexByte(msg, '\n')
		var line []byte
		if end < 0 {
			line, msg = msg, nil
		} else {
			line, msg = msg[:end], msg[end+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return // end of header
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !strings.EqualFold(string(bytes.TrimRight(line[:colon], " \t")), name) {
			continue
		}
		v := append([]byte(nil), line[colon+1:]...)
		for len(msg) > 0 && (msg[0] == ' ' || msg[0] == '\t') {
			end := bytes.IndexByte(msg, '\n')
			if end < 0 {
				end = len(msg)
			}
			v = append(v, bytes.TrimRight(msg[:end], "\r")...)
			msg = msg[min(end+1, len(msg)):]
		}
		if !more(strings.TrimSpace(string(v))) {
			return
		}
	}
}
