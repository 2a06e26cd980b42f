package sasl_test

import (
	"fmt"
	"strings"

	"github.com/mailconv/mailconv/internal/sasl"
)

// With a token, auto prefers OAUTHBEARER and falls back to XOAUTH2 (what
// Gmail and Outlook announce); the initial response carries the token.
func ExampleChoose() {
	mech, _ := sasl.Choose(sasl.Auto, []string{"PLAIN", "XOAUTH2"}, true)
	c, _ := sasl.New(mech, "me@example.org", "ya29.token", "imap.example.org", 993)
	name, ir, _ := c.Start()
	fmt.Println(name, strings.ReplaceAll(string(ir), "\x01", "^A"))
	mech, _ = sasl.Choose(sasl.Auto, []string{"PLAIN", "OAUTHBEARER", "XOAUTH2"}, true)
	fmt.Println(mech)
	// Output:
	// XOAUTH2 user=me@example.org^Aauth=Bearer ya29.token^A^A
	// OAUTHBEARER
}
