package providertest_test

import (
	"fmt"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv/internal/providertest"
)

// A client logs in to the fake Gmail and lists its mailboxes: Gmail's
// system folders come with their special-use attributes.
func ExampleStart() {
	s, err := providertest.Start(providertest.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		panic(err)
	}
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		panic(err)
	}
	for _, l := range list {
		fmt.Println(l.Mailbox, l.Attrs)
	}
	// Output:
	// INBOX []
	// [Gmail] [\Noselect \HasChildren]
	// [Gmail]/All Mail [\All]
	// [Gmail]/Drafts [\Drafts]
	// [Gmail]/Important [\Important]
	// [Gmail]/Sent Mail [\Sent]
	// [Gmail]/Spam [\Junk]
	// [Gmail]/Starred [\Flagged]
	// [Gmail]/Trash [\Trash]
}
