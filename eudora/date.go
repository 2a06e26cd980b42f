package eudora

import (
	"strings"
	"time"

	"github.com/mailconv/mailconv"
)

var namedZones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"EST": -5 * 60, "EDT": -4 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60,
	"MET": 60, "CET": 60, "CEST": 120, "MEST": 120, "BST": 60,
}

// ParseDate reads a Date: header value. RFC 5322 dates are read with
// mailconv.DateValue (net/mail); other shapes met in old mail (no comma
// after the weekday, two-digit years, time before the year, named zones,
// comments) are read the way Eudora's Mac code does: tokens are classified
// as weekday, month, day, year, time and zone, whatever their order. A
// date without a zone is read in loc (UTC when nil).
func ParseDate(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	// The common shape, cheaply: "Mon, 2 Jan 2006 15:04:05 -0700
	// (comment)".
	f := v
	if i := strings.IndexByte(f, '('); i > 0 {
		f = strings.TrimSpace(f[:i])
	}
	for _, layout := range fastLayouts {
		if t, err := time.Parse(layout, f); err == nil {
			return t, true
		}
	}
	if t := mailconv.DateValue(v); !t.IsZero() {
		return t, true
	}
	return lenientDate(v, loc)
}

var fastLayouts = []string{"Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700"}

func lenientDate(v string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	// Drop comments.
	var b strings.Builder
	depth := 0
	for _, r := range v {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	var (
		year, month, day   int
		hour, minute, sec  int
		haveTime, haveZone bool
		zoneMin            int
	)
	for _, tok := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n' }) {
		up := strings.ToUpper(tok)
		if len(tok) >= 3 && lookup3([]byte(tok), weekdays) >= 0 && (len(tok) == 3 || strings.HasPrefix(strings.ToLower(tok), fullWeekday(tok))) {
			continue
		}
		if m := lookup3([]byte(tok), months); m >= 0 && len(tok) >= 3 && isAlpha(tok) {
			if month != 0 {
				return time.Time{}, false
			}
			month = m + 1
			continue
		}
		if z, ok := namedZones[up]; ok {
			if haveZone {
				return time.Time{}, false
			}
			haveZone, zoneMin = true, z
			continue
		}
		if strings.Contains(tok, ":") {
			parts := strings.Split(tok, ":")
			if len(parts) < 2 || len(parts) > 3 || haveTime {
				return time.Time{}, false
			}
			var vals [3]int
			for i, p := range parts {
				n, used := scanInt([]byte(p))
				if used != len(p) || used == 0 || used > 2 || n < 0 {
					return time.Time{}, false
				}
				vals[i] = n
			}
			hour, minute, sec, haveTime = vals[0], vals[1], vals[2], true
			continue
		}
		n, used := scanInt([]byte(tok))
		if used != len(tok) || used == 0 {
			continue // unknown word: ignore, as Eudora does
		}
		switch {
		case tok[0] == '+' || tok[0] == '-' || (len(tok) == 4 && year != 0):
			if haveZone {
				return time.Time{}, false
			}
			if n < -2400 || n > 2400 {
				return time.Time{}, false
			}
			haveZone = true
			sign := 1
			if n < 0 {
				sign, n = -1, -n
			}
			zoneMin = sign * (n/100*60 + n%100)
		case len(tok) == 4 || n > 31 || (day != 0 && year == 0):
			if year != 0 {
				return time.Time{}, false
			}
			switch {
			case len(tok) == 4:
				year = n
			case n < 70:
				year = 2000 + n
			default:
				year = 1900 + n
			}
		case n >= 1 && n <= 31:
			if day != 0 {
				return time.Time{}, false
			}
			day = n
		default:
			return time.Time{}, false
		}
	}
	if year == 0 || month == 0 || day == 0 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	zone := loc
	if haveZone {
		zone = time.FixedZone("", zoneMin*60)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, zone)
	if t.Day() != day {
		return time.Time{}, false // 31 Feb and the like
	}
	return t, true
}

func fullWeekday(tok string) string {
	switch strings.ToLower(tok[:3]) {
	case "sun":
		return "sunday"
	case "mon":
		return "monday"
	case "tue":
		return "tuesday"
	case "wed":
		return "wednesday"
	case "thu":
		return "thursday"
	case "fri":
		return "friday"
	case "sat":
		return "saturday"
	}
	return "\x00"
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// ParseZone reads the tz option: an IANA zone name ("America/Chicago"),
// "UTC", "Local", or a fixed offset ("-0600", "+05:30").
func ParseZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) >= 5 && (s[0] == '+' || s[0] == '-') {
		d := strings.ReplaceAll(s[1:], ":", "")
		if len(d) == 4 {
			n, used := scanInt([]byte(d))
			if used == 4 && n%100 < 60 && n <= 1400 {
				off := (n/100*60 + n%100) * 60
				if s[0] == '-' {
					off = -off
				}
				return time.FixedZone(s, off), nil
			}
		}
	}
	return time.LoadLocation(s)
}
