package mbox

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseFromLine(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	zone := func(y int, mo time.Month, d, h, mi, s, off int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.FixedZone("", off*60))
	}
	tests := []struct {
		line   string
		kind   fromKind
		sender string
		date   time.Time
	}{
		// canonical asctime, space-padded day
		{"From user@host Wed Nov 24 11:05:35 1999", fromDated, "user@host", utc(1999, 11, 24, 11, 5, 35)},
		{"From MAILER-DAEMON Thu Jan  1 00:00:00 1970", fromDated, "MAILER-DAEMON", utc(1970, 1, 1, 0, 0, 0)},
		// Thunderbird: sender "-", zero-padded day
		{"From - Tue Jul 05 18:44:15 2022", fromDated, "-", utc(2022, 7, 5, 18, 44, 15)},
		// Eudora
		{"From ???@??? Mon Jan 01 12:00:00 2001", fromDated, "???@???", utc(2001, 1, 1, 12, 0, 0)},
		// Gmail Takeout: zone before the year
		{"From 1826425@xxx Tue Mar 11 01:31:25 +0000 2025", fromDated, "1826425@xxx", utc(2025, 3, 11, 1, 31, 25)},
		// zone after the year, named zone, no seconds
		{"From a@b Mon Jan  1 10:14:00 1973 +0200", fromDated, "a@b", zone(1973, 1, 1, 10, 14, 0, 120)},
		{"From a@b Thu Jan  1 00:00:00 UTC 1970", fromDated, "a@b", utc(1970, 1, 1, 0, 0, 0)},
		{"From a@b Fri Jan  2 10:14 1970", fromDated, "a@b", utc(1970, 1, 2, 10, 14, 0)},
		{"From a@b Sat Jan  3 10:14:00 CET DST 1970", fromDated, "a@b", zone(1970, 1, 3, 10, 14, 0, 120)},
		// RFC 2822 style date
		{"From a@b Fri, 2 Jan 1970 10:14:00 +0000", fromDated, "a@b", utc(1970, 1, 2, 10, 14, 0)},
		// two-digit years
		{"From a@b Mon Jan  5 10:00:00 98", fromDated, "a@b", utc(1998, 1, 5, 10, 0, 0)},
		{"From a@b Mon Jan  5 10:00:00 05", fromDated, "a@b", utc(2005, 1, 5, 10, 0, 0)},
		// pipermail obfuscation, quoted local part, UUCP trailer
		{"From user at example.com Fri Jul  8 12:08:34 2011", fromDated, "user@example.com", utc(2011, 7, 8, 12, 8, 34)},
		{`From "user name"@example.com Fri Jul  8 12:08:34 2011`, fromDated, `"user name"@example.com`, utc(2011, 7, 8, 12, 8, 34)},
		{"From bob Mon Mar  1 09:00:00 1993 remote from relay", fromDated, "bob", utc(1993, 3, 1, 9, 0, 0)},
		// the buggy add-on form: year before the time
		{"From - Sat Apr 12 2025 15:59:28", fromDated, "-", utc(2025, 4, 12, 15, 59, 28)},
		// git format-patch
		{"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001", fromDated, "0123456789abcdef0123456789abcdef01234567", utc(2001, 9, 17, 0, 0, 0)},
		// bare forms
		{"From ", fromBare, "", time.Time{}},
		{"From -", fromBare, "-", time.Time{}},
		{"From - ", fromBare, "-", time.Time{}},
		{"From ???@???", fromBare, "???@???", time.Time{}},
		{"From 1844347792267117879@xxx", fromBare, "1844347792267117879@xxx", time.Time{}},
		// prose
		{"From Russia with love", fromInvalid, "Russia", time.Time{}},
		{"From the beginning of time, 1999", fromInvalid, "the", time.Time{}},
		{"From u2@a.invalid (comment) Sat Jan  3 01:05:34 1996", fromDated, "u2@a.invalid", utc(1996, 1, 3, 1, 5, 34)},
		{"From a@b Feb 31 10:00:00 2001", fromInvalid, "a@b", time.Time{}},
		{"From a@b Mon Jan 99 10:00:00 2001", fromInvalid, "a@b", time.Time{}},
		{"Subject: From a@b", fromInvalid, "", time.Time{}},
	}
	for _, tt := range tests {
		fl := parseFromLine([]byte(tt.line+"\r\n"), nil)
		assert.Equal(t, tt.kind, fl.Kind, tt.line)
		assert.Equal(t, tt.sender, fl.Sender, tt.line)
		if tt.kind == fromDated {
			assert.True(t, tt.date.Equal(fl.Date), "%s: got %v want %v", tt.line, fl.Date, tt.date)
		}
	}
}

func TestParseFromLineLocation(t *testing.T) {
	loc := time.FixedZone("CST", -6*3600)
	fl := parseFromLine([]byte("From ???@??? Mon Dec 13 18:45:29 2010"), loc)
	assert.Equal(t, time.Date(2010, 12, 14, 0, 45, 29, 0, time.UTC), fl.Date.UTC())
	assert.False(t, fl.HasZone)
	// an explicit zone wins over the assumed one
	fl = parseFromLine([]byte("From a@b Mon Dec 13 18:45:29 +0100 2010"), loc)
	assert.Equal(t, time.Date(2010, 12, 13, 17, 45, 29, 0, time.UTC), fl.Date.UTC())
	assert.True(t, fl.HasZone)
}

func TestFormatFromDateRoundTrip(t *testing.T) {
	d := time.Date(2003, 3, 4, 3, 33, 20, 0, time.FixedZone("", 3600))
	s := "From x " + formatFromDate(d)
	assert.Equal(t, "From x Tue Mar  4 02:33:20 2003", s)
	fl := parseFromLine([]byte(s), nil)
	assert.True(t, d.Equal(fl.Date))
}
