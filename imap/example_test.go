package imap_test

import (
	"fmt"

	"github.com/mailconv/mailconv/imap"
)

// ParseAddress reads the store address of an IMAP destination; the
// password never travels in it.
func ExampleParseAddress() {
	a, err := imap.ParseAddress("imaps://me%40example.org@mail.example.org/Old%20mail/Eudora", false)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.TLS, a.User, a.HostPort(), a.Prefix)
	_, err = imap.ParseAddress("imap://me:secret@mail.example.org", false)
	fmt.Println(err != nil)
	// Output:
	// true me@example.org mail.example.org:993 Old mail/Eudora
	// true
}
