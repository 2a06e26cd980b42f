package dovecotserver_test

import (
	"fmt"
	"sort"

	"github.com/mailconv/mailconv/internal/dovecotserver"
)

// The default special-use mailboxes have names that differ from the ones
// mail clients use, so that a test sees mapping by attribute, not by name.
func ExampleDefaultSpecialUse() {
	var names []string
	for n := range dovecotserver.DefaultSpecialUse {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(dovecotserver.DefaultSpecialUse[n], n)
	}
	// Output:
	// \Archive Archive
	// \Trash Deleted Messages
	// \Drafts Drafts
	// \Sent Sent Messages
	// \Junk Spam
}

// Start a server in a test (skipped without dovecot unless CI=true):
//
//	srv := dovecotserver.Start(t, dovecotserver.Config{TLS: true})
//	// imaps://mailconv@<srv.IMAPSAddr>, trust srv.CAFile
func ExampleStart() {}
