package pop3_test

import (
	"fmt"

	"github.com/mailconv/mailconv/pop3"
)

// ParseAddress reads a POP3 source address.
func ExampleParseAddress() {
	a, err := pop3.ParseAddress("pop3s://me@pop.example.org", false)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.TLS, a.User, a.HostPort())
	// Output:
	// true me pop.example.org:995
}
