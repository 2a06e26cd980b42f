package fuzz_test

import (
	"io"
	"strings"
	"testing"

	"github.com/mailconv/mailconv/imap"
)

// FuzzIMAPAddress: ParseAddress never panics, never accepts a password,
// and what it accepts formats back to an address that parses the same.
func FuzzIMAPAddress(f *testing.F) {
	for _, s := range []string{"imaps://me@host", "imap://me%40x.org@h:143/A/B%20C", "imaps://me:pw@h", "//u@[::1]:993/x",
		"imaps://@h", "imaps://u@h:0", "imaps://u@h//x", "imap://u@h?x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := imap.ParseAddress(s, true)
		if err != nil {
			return
		}
		if strings.Contains(s, ":") && a.User == "" {
			t.Fatalf("accepted %q without user", s)
		}
		b, err := imap.ParseAddress(a.String(), false)
		if err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, a.String(), err)
		}
		if b.User != a.User || b.Host != a.Host || b.Port != a.Port || b.TLS != a.TLS || !b.Prefix.Equal(a.Prefix) {
			t.Fatalf("%q -> %+v -> %q -> %+v", s, a, a.String(), b)
		}
	})
}

var _ = io.EOF
