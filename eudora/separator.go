package eudora

import (
	"bytes"
	"strings"
	"time"

	"github.com/mailconv/mailconv/mime"
)

// Separator is what a message separator line ("From ???@??? Mon Dec 13
// 18:45:29 2010") tells: the envelope address and the local wall-clock time
// at which the message was written into the mailbox.
type Separator struct {
	// Sender is the address token; empty for Eudora's own "???@???".
	Sender string
	// HasTime tells whether the date and time fields could be read.
	HasTime                                bool
	Year, Month, Day, Hour, Minute, Second int
}

// Time returns the separator's wall clock read in loc (the zone of the PC
// that wrote it).
func (s Separator) Time(loc *time.Location) (time.Time, bool) {
	if !s.HasTime {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(s.Year, time.Month(s.Month), s.Day, s.Hour, s.Minute, s.Second, 0, loc), true
}

var (
	weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	months   = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
)

// IsSeparator reports whether line (without its line end) is a message
// separator by the test Eudora itself applies when it scans a mailbox:
// Windows GetTimeMT, or Mac IsFromLine (docs/formats/eudora.md §2.1). Both are stricter
// than a bare "From " prefix, so that body lines starting "From " do not
// split a message. Like Eudora, which works on C strings, the test stops at
// the first NUL byte.
func IsSeparator(line []byte, p mime.Platform) bool {
	_, ok := ParseSeparator(line, p)
	return ok
}

// ParseSeparator applies IsSeparator's test and, when line passes, reads the
// envelope address and the date.
func ParseSeparator(line []byte, p mime.Platform) (Separator, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r\n")
	if !bytes.HasPrefix(line, []byte("From ")) {
		return Separator{}, false
	}
	if p == mime.Mac {
		return parseMacSeparator(line)
	}
	return parseWinSeparator(line)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// isCSpace is C's isspace, which sscanf uses to skip input.
func isCSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func parseWinSeparator(line []byte) (Separator, bool) {
	s := line[5:]
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	a := i
	for i < len(s) && !isBlank(s[i]) {
		i++
	}
	addr := string(s[a:i])
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	if len(s)-i < 3 || lookup3(s[i:i+3], weekdays) < 0 {
		return Separator{}, false
	}
	for i < len(s) && !isBlank(s[i]) {
		i++
	}
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	if i >= len(s) {
		return Separator{}, false
	}
	// sscanf("%3s"): up to three non-space characters.
	m := i
	for m < len(s) && m-i < 3 && !isCSpace(s[m]) {
		m++
	}
	if m-i != 3 {
		return Separator{}, false
	}
	mon := lookup3(s[i:m], months)
	if mon < 0 {
		return Separator{}, false
	}
	sep := Separator{Sender: senderOf(addr)}
	// The rest: "D HH:MM:SS YYYY" (sscanf "%d %d:%d:%d %d"). A line whose
	// numbers do not parse is still a separator, with an unknown date.
	var nums [5]int
	pos := m
	ok := true
	for k, lit := range []byte{' ', ':', ':', ' ', 0} {
		for pos < len(s) && isCSpace(s[pos]) {
			pos++
		}
		v, n := scanInt(s[pos:])
		if n == 0 {
			ok = false
			break
		}
		nums[k] = v
		pos += n
		if lit == ':' {
			if pos >= len(s) || s[pos] != ':' {
				ok = false
				break
			}
			pos++
		}
	}
	if ok {
		y := nums[4]
		switch {
		case y < 70:
			y += 2000
		case y < 1900:
			y += 1900
		}
		sep.Year, sep.Month, sep.Day = y, mon+1, nums[0]
		sep.Hour, sep.Minute, sep.Second = nums[1], nums[2], nums[3]
		sep.HasTime = validClock(sep)
	}
	return sep, true
}

// scanInt reads an optionally signed decimal integer like sscanf("%d");
// it returns the value and the bytes used (0 when there is no number).
func scanInt(b []byte) (int, int) {
	i, neg := 0, false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	st := i
	v := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if v < 1e8 {
			v = v*10 + int(b[i]-'0')
		}
		i++
	}
	if i == st {
		return 0, 0
	}
	if neg {
		v = -v
	}
	return v, i
}

// atoi is the Mac toolbox-style Atoi: optional sign, leading digits, 0 if
// none.
func atoi(b []byte) int {
	v, _ := scanInt(b)
	return v
}

func lookup3(b []byte, names []string) int {
	if len(b) < 3 {
		return -1
	}
	for i, n := range names {
		if strings.EqualFold(string(b[:3]), n) {
			return i
		}
	}
	return -1
}

func senderOf(addr string) string {
	if addr == "???@???" {
		return ""
	}
	return addr
}

func validClock(s Separator) bool {
	return s.Year >= 1900 && s.Year < 10000 && s.Month >= 1 && s.Month <= 12 && s.Day >= 1 && s.Day <= 31 &&
		s.Hour >= 0 && s.Hour < 24 && s.Minute >= 0 && s.Minute < 60 && s.Second >= 0 && s.Second < 61
}

func parseMacSeparator(line []byte) (Separator, bool) {
	s := line[5:]
	// Skip the return address; double quotes protect spaces.
	i, quote := 0, false
	for i < len(s) && (quote || s[i] != ' ') {
		if s[i] == '"' {
			quote = !quote
		}
		i++
	}
	if i >= len(s) {
		return Separator{}, false
	}
	addr := string(s[:i])
	i++
	for i < len(s) && s[i] == ' ' {
		i++
	}
	rest := s[i:]
	if len(rest) > 254 { // the rest must fit a Str255
		return Separator{}, false
	}
	var weekDay, year, tym, day, month, other, remote, from int
	sep := Separator{Sender: senderOf(strings.Trim(addr, `"`))}
	twoDigitYear := false
	for _, tok := range bytes.FieldsFunc(rest, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == ',' }) {
		n := len(tok)
		num := atoi(tok)
		switch {
		case num < 24 && n >= 5 && tok[2] == ':' && (n == 5 || n == 8 && tok[5] == ':'):
			if tym > 0 {
				return Separator{}, false
			}
			tym++
			sep.Hour, sep.Minute = num, atoi(tok[3:])
			if n == 8 {
				sep.Second = atoi(tok[6:])
			}
		case year == 0 && day > 0 && n == 2 && isDigit(tok[n-1]):
			year++
			sep.Year, twoDigitYear = num, true
		case n <= 2 && num != 0 && num < 32:
			if day > 0 {
				return Separator{}, false
			}
			day++
			sep.Day = num
		case n == 4 && num > 1900:
			if year > 0 {
				return Separator{}, false
			}
			year++
			sep.Year = num
		case n == 6 && strings.EqualFold(string(tok), "remote"):
			if remote > 0 || from > 0 {
				return Separator{}, false
			}
			remote++
		case n == 4 && strings.EqualFold(string(tok), "from"):
			if remote == 0 || from > 0 {
				return Separator{}, false
			}
			from++
		case n == 3 && lookup3(tok, weekdays) >= 0:
			if weekDay > 0 {
				return Separator{}, false
			}
			weekDay++
		case n == 3 && lookup3(tok, months) >= 0:
			if month > 0 {
				return Separator{}, false
			}
			month++
			sep.Month = lookup3(tok, months) + 1
		default:
			other++
		}
	}
	if day == 0 || year == 0 || month == 0 || tym == 0 || other > 2 {
		return Separator{}, false
	}
	if twoDigitYear {
		if sep.Year < 70 {
			sep.Year += 2000
		} else {
			sep.Year += 1900
		}
	}
	sep.HasTime = validClock(sep)
	return sep, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
