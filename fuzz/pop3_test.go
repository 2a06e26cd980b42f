package fuzz_test

import (
	"bytes"
	"testing"

	"github.com/mailconv/mailconv/pop3"
)

// FuzzPOP3Address: ParseAddress never panics and refuses passwords,
// folders and line breaks.
func FuzzPOP3Address(f *testing.F) {
	for _, s := range []string{"pop3s://me@host", "pop3://me@h:110", "pop3://me:pw@h", "pop3://u@h/x", "//u%0d%0a@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := pop3.ParseAddress(s, false)
		if err != nil {
			return
		}
		if a.User == "" || a.Host == "" || bytes.ContainsAny([]byte(a.User), "\r\n") {
			t.Fatalf("accepted %q as %+v", s, a)
		}
	})
}
