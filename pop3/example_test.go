package pop3_test

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/mailconv/mailconv/pop3"
)

// A DotReader undoes the byte-stuffing of a RETR answer and stops at the
// terminating line.
func ExampleDotReader() {
	wire := "Subject: dots\r\n\r\n..leading dot\r\n.\r\n+OK next response\r\n"
	msg, err := io.ReadAll(pop3.NewDotReader(bufio.NewReader(strings.NewReader(wire))))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", msg)
	// Output:
	// "Subject: dots\r\n\r\n.leading dot\r\n"
}

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
