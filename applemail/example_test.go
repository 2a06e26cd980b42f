package applemail_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv/applemail"
)

// Read a mailbox holding one emlx message: the byte count, the message,
// and the property list with its flags (read and answered) and received
// date.
func Example() {
	dir, _ := os.MkdirTemp("", "applemail-example-")
	defer os.RemoveAll(dir)
	msgs := filepath.Join(dir, "Family.mbox", "Messages")
	os.MkdirAll(msgs, 0o755)
	msg := "Subject: hello\n\nhi\n"
	emlx := fmt.Sprintf("%-10d\n%s", len(msg), msg) +
		`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>date-received</key><integer>1581000000</integer>
<key>flags</key><integer>5</integer>
</dict></plist>
`
	os.WriteFile(filepath.Join(msgs, "42.emlx"), []byte(emlx), 0o644)

	ctx := context.Background()
	r, err := applemail.Open(ctx, dir, nil)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	mbs, _ := r.Mailboxes(ctx)
	mr, _ := r.Open(ctx, mbs[0])
	m, _ := mr.Next()
	body, _ := io.ReadAll(mr)
	fmt.Println(mbs[0].Path, m.ID, m.Flags, m.Date.UTC().Format("2006-01-02"), len(body))
	// Output: Family 42 \Seen \Answered 2020-02-06 19
}
