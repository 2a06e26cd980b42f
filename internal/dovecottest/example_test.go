package dovecottest_test

import (
	"fmt"

	"github.com/mailconv/mailconv/internal/dovecottest"
)

// ParseFetch reads doveadm's pager output; the size tells where each text
// ends, so texts may hold any bytes.
func ExampleParseFetch() {
	out := "mailbox: INBOX\nuid: 1\nflags: \\Seen \\Recent $Forwarded\ndate.received.unixtime: 981173106\n" +
		"hdr.message-id: <1@x>\nsize.physical: 19\ntext:\nSubject: x\n\nhello\xe9\n\f\n" +
		"mailbox: Sent\nuid: 7\nflags: \\Recent\ndate.received.unixtime: 0\nhdr.message-id: \nsize.physical: 5\ntext:\nhello"
	msgs, err := dovecottest.ParseFetch([]byte(out))
	if err != nil {
		panic(err)
	}
	for _, m := range msgs {
		fmt.Printf("%s %d %q %s %q %q\n", m.Mailbox, m.UID, m.Flags, m.Received.Format("2006-01-02"), m.MessageID, m.Text)
	}
	// Output:
	// INBOX 1 ["\\Seen" "$Forwarded"] 2001-02-03 "<1@x>" "Subject: x\n\nhello\xe9\n"
	// Sent 7 [] 1970-01-01 "" "hello"
}
