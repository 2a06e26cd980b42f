package eudora_test

import (
	"testing"
	"time"

	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/mime"
)

func TestSeparatorRules(t *testing.T) {
	type c struct {
		line     string
		win, mac bool
	}
	cases := []c{
		{"From ???@??? Mon Dec 13 18:45:29 2010", true, true},
		{"From ???@??? Tue Dec 14 12:26:20 2010", true, true},
		{"From ???@??? Tue Dec 7 09:05:00 2010", true, true},        // Mac style, unpadded day
		{"From user@host.com Wed Jun 14 12:36:18 1989", true, true}, // imported
		{"From - Mon Dec 13 18:45:29 2010", true, true},             // Thunderbird-style
		{"From ???@??? Mon Dec 13 18:45:29 10", true, true},         // two-digit year
		{"From ???@??? Mon Dec 13 18:45 2010", true, true},          // no seconds
		{"From ???@??? Mon Dec 13 18:45:29 CST 2010", true, true},   // zone token (Win: unparsable numbers, still a separator)
		{"From \"a b\"@host Mon Dec 13 18:45:29 2010", false, true}, // quoted address with a space: Win takes `"a` as the address
		{"From ???@??? Monday, 13 Dec 2010 18:45:29", false, true},  // Win wants the month right after the weekday; Mac: "Monday" is one unknown token
		// Body lines that must not split a message.
		{"From the start", false, false},
		{"From here to there, Monday", false, false},
		{"From: someone@example.com", false, false},
		{"from ???@??? Mon Dec 13 18:45:29 2010", false, false},
		{">From ???@??? Mon Dec 13 18:45:29 2010", false, false},
		{" From ???@??? Mon Dec 13 18:45:29 2010", false, false}, // Eudora's space escape
		{"From ???@??? Mon Foo 13 18:45:29 2010", false, false},
		{"From ???@??? Dec 13 18:45:29 2010", false, true}, // no weekday: Win fails; Mac needs none
		{"From ???@??? Mon Dec 13 2010", true, false},      // Mac needs a time
		{"From ???@??? Mon Dec 13 18:45:29 2010 extra words here", true, false},
		{"From ???@??? Mon\x00 Dec 13 18:45:29 2010", false, false}, // stops at NUL
	}
	for _, tc := range cases {
		if got := eudora.IsSeparator([]byte(tc.line), mime.Windows); got != tc.win {
			t.Errorf("Windows %q = %v", tc.line, got)
		}
		if got := eudora.IsSeparator([]byte(tc.line), mime.Mac); got != tc.mac {
			t.Errorf("Mac %q = %v", tc.line, got)
		}
	}
}

func TestParseSeparator(t *testing.T) {
	s, ok := eudora.ParseSeparator([]byte("From ???@??? Mon Dec 13 18:45:29 2010\r\n"), mime.Windows)
	if !ok || s.Sender != "" {
		t.Fatalf("%+v %v", s, ok)
	}
	tm, ok := s.Time(time.FixedZone("", -6*3600))
	if !ok || !tm.Equal(time.Date(2010, 12, 14, 0, 45, 29, 0, time.UTC)) {
		t.Errorf("time %v", tm)
	}
	s, ok = eudora.ParseSeparator([]byte("From joe@example.com Tue Dec 7 09:05:00 99"), mime.Mac)
	if !ok || s.Sender != "joe@example.com" || s.Year != 1999 || s.Day != 7 || s.Hour != 9 || s.Minute != 5 {
		t.Errorf("mac: %+v %v", s, ok)
	}
	s, ok = eudora.ParseSeparator([]byte("From ???@??? Mon Dec 13 18:45:29 05"), mime.Windows)
	if !ok || s.Year != 2005 {
		t.Errorf("two-digit year: %+v", s)
	}
	s, ok = eudora.ParseSeparator([]byte("From ???@??? Mon Dec 13 18:45 2010"), mime.Windows)
	if !ok || s.HasTime {
		t.Errorf("unparsable numbers must still be a separator without a time: %+v %v", s, ok)
	}
}

// §7 item 36: dates Eudora met in real mail.
func TestParseDate(t *testing.T) {
	cst := time.FixedZone("", -6*3600)
	cases := []struct {
		in   string
		want time.Time
	}{
		{"Sun, 12 Dec 2010 23:42:55 -0600", time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)},
		{"Sun 12 Dec 2010 23:42:55 -0600", time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)}, // weekday without comma
		{"Sunday, 12 Dec 10 23:42:55 CST", time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)}, // full weekday, 2-digit year, named zone
		{"12 Dec 2010 23:42 -0600 (CST)", time.Date(2010, 12, 13, 5, 42, 0, 0, time.UTC)},   // no seconds, comment
		{"Dec 12 23:42:55 2010", time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)},           // ctime order, no zone: loc
		{"Mon, 13 Dec 2010 18:45:29 +0000 (GMT)", time.Date(2010, 12, 13, 18, 45, 29, 0, time.UTC)},
	}
	for _, c := range cases {
		got, ok := eudora.ParseDate(c.in, cst)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%q = %v %v, want %v", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "31 Feb 2010 10:00:00 +0000", "Mon, 13 Dec 10:00"} {
		if got, ok := eudora.ParseDate(bad, nil); ok {
			t.Errorf("%q parsed as %v", bad, got)
		}
	}
}

func TestParseZone(t *testing.T) {
	z, err := eudora.ParseZone("-0600")
	if err != nil || time.Date(2010, 1, 1, 0, 0, 0, 0, z).Unix() != time.Date(2010, 1, 1, 6, 0, 0, 0, time.UTC).Unix() {
		t.Errorf("-0600: %v %v", z, err)
	}
	if z, err := eudora.ParseZone("+05:30"); err != nil || z == nil {
		t.Errorf("+05:30: %v", err)
	}
	if _, err := eudora.ParseZone("America/Chicago"); err != nil {
		t.Error(err)
	}
	if _, err := eudora.ParseZone("Nowhere/Town"); err == nil {
		t.Error("bad zone accepted")
	}
}
