package imap_test

import (
	"bytes"
	"fmt"
	"strings"

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

// Normalize is what happens to a message before APPEND: CRLF line ends,
// no NUL bytes; the size and digest are what Holds compares.
func ExampleNormalize() {
	var out bytes.Buffer
	n, err := imap.Normalize(&out, strings.NewReader("Subject: hi\n\nline\rold mac\x00\n"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", out.String())
	fmt.Println(n.Size, n.BareLF, n.BareCR, n.NUL, n.HeaderLen)
	// Output:
	// "Subject: hi\r\n\r\nline\r\nold mac\r\n"
	// 30 3 1 1 15
}

// RepairHeader rewrites only the words with 8-bit bytes, as encoded-words
// in the charset DetectHeaderCharset finds.
func ExampleRepairHeader() {
	hdr := []byte("From: \"J\xc3\xb6rg\" <j@example.de>\r\nSubject: Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\nTo: x@example.org\r\n\r\n")
	cs := imap.DetectHeaderCharset(hdr)
	fixed, n := imap.RepairHeader(hdr, cs)
	fmt.Println(cs, n)
	fmt.Print(strings.ReplaceAll(string(fixed), "\r\n", "\n"))
	// Output:
	// utf-8 2
	// From: =?utf-8?Q?J=C3=B6rg?= <j@example.de>
	// Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?= aus =?utf-8?Q?K=C3=B6ln?=
	// To: x@example.org
}
