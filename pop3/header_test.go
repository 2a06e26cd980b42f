package pop3

import (
	"testing"
	"time"

	"github.com/mailconv/mailconv"
)

// TestHeaderDate: the date of a retrieved message comes from the newest
// Received: field, else from Date:, through the shared header scanner
// (mailconv.HeaderDates); only the header counts.
func TestHeaderDate(t *testing.T) {
	const (
		recv = "2003-02-03T09:00:00Z"
		date = "2003-02-01T09:00:00Z"
	)
	for _, c := range []struct {
		name, hdr, want string
		src             mailconv.DateSource
	}{
		{"received before date", "Received: from a by b; Mon, 3 Feb 2003 10:00:00 +0100\r\n" +
			"Received: from c by a; Sun, 2 Feb 2003 10:00:00 +0100\r\nDate: Sat, 1 Feb 2003 09:00:00 +0000\r\n\r\n", recv, mailconv.DateReceived},
		{"received folded", "Received: from a by b\r\n\twith ESMTP id 1;\r\n\tMon, 3 Feb 2003 10:00:00 +0100 (CET)\r\n\r\n", recv, mailconv.DateReceived},
		{"date only, lower case, LF", "subject: x\ndate : Sat, 1 Feb 2003 09:00:00 +0000\n\n", date, mailconv.DateHeader},
		{"received unparseable", "Received: from a; yesterday\r\nDate: Sat, 1 Feb 2003 09:00:00 +0000\r\n\r\n", date, mailconv.DateHeader},
		{"date folded before a tab", "Date: Sat, 1 Feb 2003\r\n\t09:00:00 +0000\r\n\r\n", date, mailconv.DateHeader},
		// The newest Received: names no date: the next Received: is
		// taken, not the sender's Date: (mailconv.HeaderDates' rule, the
		// one maildir, eml and mbox follow too).
		{"newest received without date", "Received: by b\r\nReceived: from c by a; Mon, 3 Feb 2003 10:00:00 +0100\r\n" +
			"Date: Sat, 1 Feb 2003 09:00:00 +0000\r\n\r\n", recv, mailconv.DateReceived},
		{"date in the body", "Subject: x\r\n\r\nDate: Sat, 1 Feb 2003 09:00:00 +0000\r\n", "", mailconv.DateUnknown},
		{"header cut short", "Subject: x\r\nDate: Sat, 1 Feb 2003 09:00:00 +0000\r\nX-Long: aaaa", date, mailconv.DateHeader},
		{"nothing", "", "", mailconv.DateUnknown},
	} {
		got, src := headerDate([]byte(c.hdr))
		s := ""
		if !got.IsZero() {
			s = got.UTC().Format(time.RFC3339)
		}
		if s != c.want || src != c.src {
			t.Errorf("%s: got %q (%v), want %q (%v)", c.name, s, src, c.want, c.src)
		}
	}
}
