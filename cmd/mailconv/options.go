package main

import "fmt"

// sideParams hands the options to the two sides of a command: srcOpts
// (--opt) to the source, which reads; dstOpts (--dst-opt) to the
// destination, which writes (convert) or is read (verify, dstRead). An
// --opt key the source does not declare goes to the destination when it
// declares it (what --opt did before --dst-opt existed); a key that
// neither side in question declares is a usage error.
func sideParams(srcOpts, dstOpts optList, src, dst store, dstRead bool) (read, other map[string]string, err error) {
	read, other = map[string]string{}, map[string]string{}
	declares := func(s store, k string, reading bool) bool {
		for _, p := range s.format.Params {
			if p.Name == k && (reading && p.Read || !reading && p.Write) {
				return true
			}
		}
		return false
	}
	for k, v := range srcOpts {
		switch {
		case declares(src, k, true):
			read[k] = v
		case declares(dst, k, dstRead):
			other[k] = v
		default:
			return nil, nil, usageError{fmt.Errorf("option %q is not known to the formats in use (see 'mailconv formats')", k)}
		}
	}
	for k, v := range dstOpts {
		if !declares(dst, k, dstRead) {
			return nil, nil, usageError{fmt.Errorf("--dst-opt %q is not an option of the destination format %s (see 'mailconv formats')", k, dst.format.Name)}
		}
		other[k] = v
	}
	return read, other, nil
}
