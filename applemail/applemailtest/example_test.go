package applemailtest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mailconv/mailconv/applemail/applemailtest"
)

// Write a V2 store with one local mailbox holding a partial message, and
// list what was written.
func Example() {
	dir, _ := os.MkdirTemp("", "applemailtest-")
	defer os.RemoveAll(dir)
	m := applemailtest.Msg{ID: 7, Header: "Subject: hi\n", Text: "hello\n", Partial: true, Flags: 1,
		Received:    time.Unix(1500000000, 0),
		Attachments: []applemailtest.Attachment{{Name: "a.txt", Encoding: "7bit", Data: []byte("attached\n")}}}
	vdir, err := applemailtest.Write(dir, applemailtest.Store{Version: 2, Accounts: []applemailtest.Account{
		{Dir: "Mailboxes", Mailboxes: []applemailtest.Mailbox{{Name: "Notes", Msgs: []applemailtest.Msg{m}}}}}})
	if err != nil {
		panic(err)
	}
	filepath.Walk(vdir, func(p string, fi os.FileInfo, err error) error {
		if fi.Mode().IsRegular() {
			rel, _ := filepath.Rel(vdir, p)
			fmt.Println(filepath.ToSlash(rel))
		}
		return nil
	})
	// Output:
	// MailData/Accounts.plist
	// Mailboxes/Notes.mbox/Attachments/7/2/a.txt
	// Mailboxes/Notes.mbox/Info.plist
	// Mailboxes/Notes.mbox/Messages/7.partial.emlx
}
