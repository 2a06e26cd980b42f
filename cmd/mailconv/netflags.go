package main

import (
	"flag"
)

// netFlags are the command-line flags of network endpoints (imap://,
// pop3://). They become format options of whichever side declares them.
type netFlags struct {
	passwordFile       *string
	allowPlaintext     *bool
	insecureSkipVerify *bool
	deleteAfterVerify  *bool
}

func addNetFlags(fs *flag.FlagSet) *netFlags {
	return &netFlags{
		passwordFile:       pathFlag(fs, "password-file", "read the server password from `FILE` (else from $MAILCONV_PASSWORD)"),
		allowPlaintext:     fs.Bool("allow-plaintext", false, "allow imap:// and pop3:// without TLS (loopback tests only)"),
		insecureSkipVerify: fs.Bool("insecure-skip-verify", false, "do not verify the server's TLS certificate"),
		deleteAfterVerify:  fs.Bool("delete-after-verify", false, "POP3 source: delete each message once verified in the destination"),
	}
}

// apply adds the flags that were set to opts, for the formats that declare
// them.
func (n *netFlags) apply(opts optList, sides ...store) {
	declared := func(name string) bool {
		for _, s := range sides {
			for _, p := range s.format.Params {
				if p.Name == name {
					return true
				}
			}
		}
		return false
	}
	set := func(name, value string) {
		if declared(name) {
			opts[name] = value
		}
	}
	if *n.passwordFile != "" {
		set("password-file", *n.passwordFile)
	}
	if *n.allowPlaintext {
		set("allow-plaintext", "true")
	}
	if *n.insecureSkipVerify {
		set("insecure-skip-verify", "true")
	}
	if *n.deleteAfterVerify {
		set("delete-after-verify", "true")
	}
}
