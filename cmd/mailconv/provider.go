package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/mailconv/mailconv/imap"
)

// applyProvider hands --provider to the store it is for (the destination
// when it is an IMAP server, else the source) and resolves each side's
// preset (--provider, --opt/--dst-opt provider=, or ?provider= in the
// address) before anything connects: an unknown name or an address the
// preset cannot take is a usage error, and a destination's address gets
// the preset's host, so that the journal and the report name the server
// written to. See imap.ResolveProvider and docs/providers.md.
func (n *netFlags) applyProvider(src store, read map[string]string, dst *store, write map[string]string) error {
	if name := *n.provider; name != "" {
		params := read
		switch {
		case dst != nil && takesProvider(*dst):
			params = write
		case !takesProvider(src):
			return usageError{errors.New("--provider: neither store is an IMAP server")}
		}
		if p := params[imap.ParamProvider]; p != "" && p != name {
			return usageError{fmt.Errorf("--provider %s and the option provider=%s differ", name, p)}
		}
		params[imap.ParamProvider] = name
	}
	if takesProvider(src) {
		if _, err := resolveProvider(src, read); err != nil {
			return err
		}
	}
	if dst != nil && takesProvider(*dst) {
		path, err := resolveProvider(*dst, write)
		if err != nil {
			return err
		}
		dst.path = path
	}
	return nil
}

// resolveProvider applies s's preset to params (in place) and returns its
// address with the preset's host.
func resolveProvider(s store, params map[string]string) (string, error) {
	path, out, _, err := imap.ResolveProvider(s.path, s.format.Name == imap.FormatIMAPS, params)
	if err != nil {
		if errors.Is(err, imap.ErrAddress) {
			err = usageError{err}
		}
		return "", err
	}
	for k, v := range out {
		params[k] = v
	}
	return path, nil
}

// takesProvider tells whether s's format has the provider parameter.
func takesProvider(s store) bool {
	for _, p := range s.format.Params {
		if p.Name == imap.ParamProvider {
			return true
		}
	}
	return false
}

// providerDefault makes the documented daily upload limit of the
// destination's provider preset (Gmail's 500 MB) the default of
// --max-bytes-per-day, unless the flag was given (a size, or none).
func (l *limitFlags) providerDefault(write map[string]string) {
	if *l.perDay != "" || l.noBudget || write[imap.ParamProvider] == "" {
		return
	}
	if p, err := imap.LookupProvider(write[imap.ParamProvider]); err == nil && p.BytesPerDay > 0 {
		*l.perDay = strconv.FormatInt(p.BytesPerDay, 10)
	}
}
