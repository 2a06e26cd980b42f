package main

import (
	"flag"
	"fmt"
)

// netFlags are the command-line flags of network endpoints (imap://,
// pop3://). They become format options of whichever side declares them.
type netFlags struct {
	passwordFile       *string
	allowPlaintext     *bool
	insecureSkipVerify *bool
	deleteAfterVerify  *bool
	sasl               *string
	tokenFile          *string
	// Per side: the source's and the destination's login (POP3 to IMAP
	// with two accounts).
	srcSASL, dstSASL           *string
	srcTokenFile, dstTokenFile *string
	provider                   *string // --provider: a preset (provider.go)
}

func addNetFlags(fs *flag.FlagSet) *netFlags {
	return &netFlags{
		passwordFile:       pathFlag(fs, "password-file", "read the server password from `FILE` (else from $MAILCONV_PASSWORD)"),
		allowPlaintext:     fs.Bool("allow-plaintext", false, "allow imap:// and pop3:// without TLS (loopback tests only)"),
		insecureSkipVerify: fs.Bool("insecure-skip-verify", false, "do not verify the server's TLS certificate"),
		deleteAfterVerify:  fs.Bool("delete-after-verify", false, "POP3 source: delete each message once verified in the destination"),
		sasl:               fs.String("sasl", "", "login mechanism: auto, oauthbearer, xoauth2, plain or login (default auto)"),
		tokenFile:          fs.String("oauth2-token-file", "", "log in with the OAuth2 token in `FILE` (JSON, from 'mailconv login'); refreshed and rewritten as needed"),
		srcSASL:            fs.String("src-sasl", "", "--sasl for the source only"),
		dstSASL:            fs.String("dst-sasl", "", "--sasl for the destination only"),
		srcTokenFile:       fs.String("src-oauth2-token-file", "", "--oauth2-token-file for the source only (`FILE`)"),
		dstTokenFile:       fs.String("dst-oauth2-token-file", "", "--oauth2-token-file for the destination only (`FILE`)"),
		provider:           fs.String("provider", "", "preset of a mail provider, `gmail` or outlook: its host when the address names none, login, folder names and limits (docs/providers.md)"),
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
	if *n.sasl != "" {
		set("sasl", *n.sasl)
	}
	if *n.tokenFile != "" {
		set("oauth2-token-file", *n.tokenFile)
	}
}

// applySides adds the per-side login flags to the parameters of the side
// they name, after the shared ones were split (they win over --sasl and
// --oauth2-token-file). It is a usage error to give one for a side whose
// format does not take it.
func (n *netFlags) applySides(src store, read map[string]string, dst *store, write map[string]string) error {
	side := func(s *store, params map[string]string, flag, name, value string) error {
		if value == "" {
			return nil
		}
		if s != nil {
			for _, p := range s.format.Params {
				if p.Name == name {
					params[name] = value
					return nil
				}
			}
		}
		return usageError{fmt.Errorf("--%s: the store on that side takes no %s", flag, name)}
	}
	for _, f := range []struct {
		s          *store
		params     map[string]string
		flag, name string
		value      string
	}{
		{&src, read, "src-sasl", "sasl", *n.srcSASL},
		{&src, read, "src-oauth2-token-file", "oauth2-token-file", *n.srcTokenFile},
		{dst, write, "dst-sasl", "sasl", *n.dstSASL},
		{dst, write, "dst-oauth2-token-file", "oauth2-token-file", *n.dstTokenFile},
	} {
		if err := side(f.s, f.params, f.flag, f.name, f.value); err != nil {
			return err
		}
	}
	return n.applyProvider(src, read, dst, write)
}
