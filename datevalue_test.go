package mailconv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestDateValueFoldedWithTab: a Date or Received field folded before a tab
// inside its date unfolds (HeaderValue) with the tab kept; the date still
// parses. net/mail alone refuses it.
func TestDateValueFoldedWithTab(t *testing.T) {
	msg := "Received: from a by b; Tue, 2 Jan 2001\r\n\t10:00:00 +0100\r\n" +
		"Date: Sun, 31 Dec 2000\r\n\t23:00:00\t-0500\r\n\r\n"
	recv, date := HeaderDates([]byte(msg))
	assert.Equal(t, "2001-01-02T09:00:00Z", recv.UTC().Format(time.RFC3339))
	assert.Equal(t, "2001-01-01T04:00:00Z", date.UTC().Format(time.RFC3339))
	assert.True(t, DateValue("\t\t").IsZero())
	assert.True(t, DateValue("Sun,\t31 Dec\tnot a date").IsZero())
}
