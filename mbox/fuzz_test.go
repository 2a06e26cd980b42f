package mbox

import (
	"testing"
	"time"
)

// FuzzMboxFromLine: the From_ line parser never panics and gives a date
// exactly for a dated line.
func FuzzMboxFromLine(f *testing.F) {
	for _, s := range []string{
		"From a@b Mon Jan  1 00:00:00 2001",
		"From ???@??? Tue Mar 04 12:00:00 2003",
		"From - Sat Jan  3 01:05:34 1996",
		"From user at host.org  Wed Feb 14 10:00 2001 +0100",
		"From \"quoted local\"@x Thu, 1 Jan 2004 00:00:00 +0000",
		"From x +0000 2025 Mon Jan  6 00:00:00",
		"From bob Fri Dec 31 23:59:59 99 remote from uucp",
		"From ",
		"From -",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fl := parseFromLine(line, time.UTC)
		if fl.Kind != fromDated && !fl.Date.IsZero() {
			t.Fatalf("kind %v with a date %v", fl.Kind, fl.Date)
		}
		if fl.Kind == fromDated && fl.Date.IsZero() {
			t.Fatalf("dated line without a date: %q", line)
		}
	})
}
