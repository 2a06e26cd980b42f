package imap_test

import (
	"fmt"

	"github.com/mailconv/mailconv/imap"
)

// A provider preset puts the service's server into an address that names
// none and prefers XOAUTH2 with a token file; an unknown name says which
// preset was meant.
func ExampleResolveProvider() {
	addr, params, prov, err := imap.ResolveProvider("imaps://me@example.org@/?provider=outlook", true,
		map[string]string{"oauth2-token-file": "token.json"})
	if err != nil {
		panic(err)
	}
	fmt.Println(addr)
	fmt.Println(prov.Title, params["sasl"])

	_, _, _, err = imap.ResolveProvider("imaps://me@gmail.com@/", true, map[string]string{"provider": "gmial"})
	fmt.Println(err)
	// Output:
	// imaps://me@example.org@outlook.office365.com:993/
	// Microsoft 365 / Outlook.com xoauth2
	// unknown provider "gmial": did you mean gmail? (providers: gmail, outlook)
}
