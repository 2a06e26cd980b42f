package applemail

import "io"

// StubParts exposes the partial-message scan to the fuzz tests: the section
// numbers of the parts whose bodies were stored outside the message.
func StubParts(src io.ReaderAt, size int64) ([]string, error) {
	stubs, err := findStubs(src, 0, size, "f")
	var parts []string
	for _, s := range stubs {
		if s.bodyAt > s.bodyEnd || s.fieldFrom > s.fieldTo || s.fieldTo > s.bodyAt || s.bodyEnd > size {
			panic("stub out of order")
		}
		parts = append(parts, s.part)
	}
	return parts, err
}
