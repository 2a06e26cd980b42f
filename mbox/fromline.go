package mbox

import (
	"bytes"
	"time"
)

// fromKind classifies a line that starts with "From ".
type fromKind uint8

// The kinds of "From " lines.
const (
	// fromInvalid: the rest of the line is neither a date nor a lone
	// sender, e.g. "From Russia with love". Never a separator.
	fromInvalid fromKind = iota
	// fromBare: "From " with only a sender, or nothing, after it: "From -",
	// "From ???@???", "From 1844…@xxx", "From ". Written by Thunderbird,
	// Gmail Takeout's exporters and some Eudora tools. A separator only
	// with supporting context.
	fromBare
	// fromDated: a sender and a date in one of the forms seen in the wild.
	fromDated
)

// fromLine is a parsed mbox separator line.
type fromLine struct {
	Kind fromKind
	// Sender is the envelope sender as written ("-", "???@???" and
	// "MAILER-DAEMON" included), or "" when the line has none.
	Sender string
	// Date is the date on the line; zero unless Kind is fromDated. A date
	// written without a zone is read in the location given to
	// parseFromLine.
	Date time.Time
	// HasZone tells whether the line carried a time zone.
	HasZone bool
}

var (
	weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	months   = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	// zones names the textual time zones seen in From_ lines, with their
	// offsets in minutes.
	zones = map[string]int{
		"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 60, "IST": 60, "WEST": 60,
		"CET": 60, "MET": 60, "MEZ": 60, "CEST": 120, "MEST": 120, "MESZ": 120, "EET": 120, "EEST": 180,
		"MSK": 180, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
		"PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "JST": 540, "KST": 540,
		"AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
	}
)

// parseFromLine parses a line that starts with "From " (line ends, if any,
// are ignored). loc is the zone assumed for dates written without one; nil
// means UTC. It accepts the forms listed in the format reference: C asctime,
// zero- or space-padded days, missing seconds, two-digit years, numeric or
// named zones before or after the year (Gmail Takeout writes "+0000 2025"),
// RFC 2822 dates, "remote from host" trailers, Thunderbird's "-" sender,
// Eudora's "???@???", pipermail's "user at host" and quoted local parts.
func parseFromLine(line []byte, loc *time.Location) fromLine {
	if !bytes.HasPrefix(line, []byte("From ")) {
		return fromLine{}
	}
	rest := bytes.TrimRight(line[5:], "\r\n")
	toks := tokenize(rest)
	if len(toks) == 0 {
		return fromLine{Kind: fromBare}
	}
	// Sender: the first token, unless the line starts directly with the
	// date (some tools write no sender); "user at host" joins three tokens.
	sender := ""
	dateToks := toks
	if !isWeekday(toks[0]) || len(toks) == 1 {
		sender = string(toks[0])
		dateToks = toks[1:]
		if len(dateToks) >= 2 && string(dateToks[0]) == "at" && !isWeekday(dateToks[1]) && !isMonth(dateToks[1]) {
			sender += "@" + string(dateToks[1])
			dateToks = dateToks[2:]
		}
	}
	if len(dateToks) == 0 {
		return fromLine{Kind: fromBare, Sender: sender}
	}
	if t, zoned, ok := parseFromDate(dateToks, loc); ok {
		return fromLine{Kind: fromDated, Sender: sender, Date: t, HasZone: zoned}
	}
	return fromLine{Kind: fromInvalid, Sender: sender}
}

// tokenize splits on spaces and tabs, keeping quoted strings (a quoted local
// part "user name"@host) in one token. It allocates only the slice header.
func tokenize(b []byte) [][]byte {
	var toks [][]byte
	for i := 0; i < len(b); {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i == len(b) {
			break
		}
		start := i
		inQuote := false
		for i < len(b) && (inQuote || (b[i] != ' ' && b[i] != '\t')) {
			if b[i] == '"' {
				inQuote = !inQuote
			}
			i++
		}
		toks = append(toks, b[start:i])
		if len(toks) > 16 {
			break
		}
	}
	return toks
}

func lowerPrefix3(t []byte) string {
	if len(t) < 3 {
		return ""
	}
	var b [3]byte
	for i := 0; i < 3; i++ {
		c := t[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b[:])
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// isWeekday accepts "Mon", "Mon,", "Monday", any case.
func isWeekday(t []byte) bool {
	t = bytes.TrimSuffix(t, []byte(","))
	if len(t) < 3 || len(t) > 9 || !isAlpha(t) {
		return false
	}
	return indexOf(weekdays, lowerPrefix3(t)) >= 0
}

func isMonth(t []byte) bool { return monthOf(t) > 0 }

// monthOf returns 1..12 for "Jan", "jan", "January", "Jan."; 0 otherwise.
func monthOf(t []byte) int {
	t = bytes.TrimRight(t, ".,")
	if len(t) < 3 || len(t) > 9 || !isAlpha(t) {
		return 0
	}
	return indexOf(months, lowerPrefix3(t)) + 1
}

func isAlpha(t []byte) bool {
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func atoi(t []byte) (int, bool) {
	if len(t) == 0 || len(t) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseClock parses hh:mm or hh:mm:ss.
func parseClock(t []byte) (h, m, s int, ok bool) {
	parts := bytes.Split(t, []byte(":"))
	if len(parts) < 2 || len(parts) > 3 {
		return
	}
	var ok1, ok2, ok3 bool
	h, ok1 = atoi(parts[0])
	m, ok2 = atoi(parts[1])
	ok3 = true
	if len(parts) == 3 {
		s, ok3 = atoi(parts[2])
	}
	if !ok1 || !ok2 || !ok3 || h > 24 || m > 59 || s > 60 || len(parts[0]) > 2 || len(parts[1]) != 2 {
		return 0, 0, 0, false
	}
	return h, m, s, true
}

// parseZone parses +hhmm / -hhmm / +hh:mm or a known zone name; it returns
// the offset in minutes.
func parseZone(t []byte) (int, bool) {
	if len(t) >= 3 && (t[0] == '+' || t[0] == '-') {
		digits := bytes.ReplaceAll(t[1:], []byte(":"), nil)
		if len(digits) != 4 {
			return 0, false
		}
		n, ok := atoi(digits)
		if !ok || n%100 > 59 || n/100 > 14 {
			return 0, false
		}
		off := n/100*60 + n%100
		if t[0] == '-' {
			off = -off
		}
		return off, true
	}
	if off, ok := zones[string(bytes.ToUpper(t))]; ok && isAlpha(t) {
		return off, true
	}
	return 0, false
}

// parseFromDate classifies the tokens after the sender. It needs exactly one
// month, one day, one clock and one year; it allows a weekday, zones (a
// second alphabetic token such as "DST" after a zone), and a trailing
// "remote from host".
func parseFromDate(toks [][]byte, loc *time.Location) (time.Time, bool, bool) {
	month, day, year := 0, 0, -1
	hh, mm, ss := -1, 0, 0
	zone, zoned := 0, false
	unknown := 0
	yearDigits := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case string(t) == "remote" && i+1 < len(toks) && string(toks[i+1]) == "from":
			i = len(toks) // the rest names the UUCP relay
		case isWeekday(t):
			// ignored (it is often wrong anyway)
		case monthOf(t) > 0 && month == 0:
			month = monthOf(t)
		case bytes.IndexByte(t, ':') > 0 && hh < 0:
			h, m, s, ok := parseClock(t)
			if !ok {
				return time.Time{}, false, false
			}
			hh, mm, ss = h, m, s
		case len(t) > 0 && (t[0] == '+' || t[0] == '-') && !zoned:
			off, ok := parseZone(t)
			if !ok {
				return time.Time{}, false, false
			}
			zone, zoned = off, true
		default:
			trimmed := bytes.TrimSuffix(t, []byte(","))
			if n, ok := atoi(trimmed); ok {
				switch {
				case day == 0 && len(trimmed) <= 2 && n >= 1 && n <= 31:
					day = n
				case year < 0 && (len(trimmed) == 4 || len(trimmed) == 2):
					year = n
					yearDigits = len(trimmed)
				default:
					return time.Time{}, false, false
				}
				continue
			}
			if off, ok := parseZone(t); ok && !zoned {
				zone, zoned = off, true
				continue
			}
			if zoned && isAlpha(t) && len(t) <= 4 {
				// "CET DST": summer-time marker after a zone name
				if bytes.EqualFold(t, []byte("DST")) {
					zone += 60
				}
				continue
			}
			unknown++
			if unknown > 1 {
				return time.Time{}, false, false
			}
		}
	}
	if month == 0 || day == 0 || hh < 0 || year < 0 {
		return time.Time{}, false, false
	}
	if yearDigits == 2 {
		if year >= 70 {
			year += 1900
		} else {
			year += 2000
		}
	}
	if year < 1900 || year > 9999 {
		return time.Time{}, false, false
	}
	var l *time.Location
	switch {
	case zoned:
		l = time.FixedZone("", zone*60)
	case loc != nil:
		l = loc
	default:
		l = time.UTC
	}
	t := time.Date(year, time.Month(month), day, hh, mm, ss, 0, l)
	if t.Day() != day {
		return time.Time{}, false, false // Feb 31 and the like
	}
	return t, zoned, true
}

// formatFromDate writes t in C asctime form ("Mon Jan  2 15:04:05 2006"),
// the canonical From_ line date, in UTC.
func formatFromDate(t time.Time) string {
	return t.UTC().Format("Mon Jan _2 15:04:05 2006")
}
