package imap

import "io"

// Normalize copies r to w with CRLF line ends and without NUL bytes, the
// form a message takes on an IMAP server, and says what it changed: what the
// writer does before each APPEND, for the tests that compute the size and
// digest Holds compares.
func Normalize(w io.Writer, r io.Reader) (Normalized, error) {
	z := newNormalizer(w)
	if _, err := io.Copy(z, r); err != nil {
		return z.n, err
	}
	return z.finish()
}
