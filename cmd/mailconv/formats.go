package main

// The formats the command knows: each registers itself with the mailconv
// registry when imported.
import (
	_ "github.com/mailconv/mailconv/applemail"
	_ "github.com/mailconv/mailconv/eml"
	_ "github.com/mailconv/mailconv/eudora"
	_ "github.com/mailconv/mailconv/imap"
	_ "github.com/mailconv/mailconv/maildir"
	_ "github.com/mailconv/mailconv/mbox"
	_ "github.com/mailconv/mailconv/mh"
	_ "github.com/mailconv/mailconv/pop3"
)
