package mailconv

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Modified UTF-7 (RFC 3501 section 5.1.3) is the encoding IMAP uses for
// mailbox names, and the one Dovecot and Courier use for folder names on
// disk. Printable ASCII stands for itself except "&", which is written "&-";
// every other character is written as UTF-16, base64-encoded with the
// alphabet A-Z a-z 0-9 + "," and no padding, between "&" and "-".

const mutf7Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

// mutf7Value maps a byte to its 6-bit value in mutf7Alphabet, or 0xff.
var mutf7Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(mutf7Alphabet); i++ {
		t[mutf7Alphabet[i]] = byte(i)
	}
	return t
}()

// EncodeMUTF7 encodes a UTF-8 string in modified UTF-7. It produces the
// shortest form, with every run of characters that need encoding in one
// base64 run. Invalid UTF-8 bytes are encoded as U+FFFD; callers that must
// not lose such bytes check utf8.ValidString first.
func EncodeMUTF7(s string) string {
	if isPlainMUTF7(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	var units []uint16
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c <= 0x7e {
			if c == '&' {
				b.WriteString("&-")
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		// A run of characters to encode.
		units = units[:0]
		for i < len(s) && (s[i] < 0x20 || s[i] > 0x7e) {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				units = append(units, uint16(r1), uint16(r2))
			} else {
				units = append(units, uint16(r))
			}
		}
		b.WriteByte('&')
		var acc uint32
		bits := 0
		for _, u := range units {
			acc = acc<<16 | uint32(u)
			bits += 16
			for bits >= 6 {
				bits -= 6
				b.WriteByte(mutf7Alphabet[(acc>>uint(bits))&0x3f])
			}
		}
		if bits > 0 {
			b.WriteByte(mutf7Alphabet[(acc<<uint(6-bits))&0x3f])
		}
		b.WriteByte('-')
	}
	return b.String()
}

// isPlainMUTF7 reports whether s is printable ASCII without "&", which
// encodes to itself.
func isPlainMUTF7(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '&' {
			return false
		}
	}
	return true
}

// DecodeMUTF7 decodes a modified UTF-7 string into UTF-8. It accepts only
// the canonical form, as RFC 3501 asks of decoders: it rejects bytes outside
// printable ASCII, an unterminated or empty "&" run, characters outside the
// base64 alphabet, leftover non-zero bits, a partial UTF-16 unit, unpaired
// surrogates, encoded printable ASCII and two adjacent encoded runs. The
// error wraps ErrFormat.
func DecodeMUTF7(s string) (string, error) { return decodeMUTF7(s, false) }

// DecodeMUTF7Lenient decodes like DecodeMUTF7 but also accepts encoded
// printable ASCII and adjacent encoded runs. Older Courier releases wrote
// folder names that way on disk ("." as "&AC4-", "/" as "&AC8-"); IMAP
// names must still be decoded with DecodeMUTF7.
func DecodeMUTF7Lenient(s string) (string, error) { return decodeMUTF7(s, true) }

func decodeMUTF7(s string, lenient bool) (string, error) {
	if !strings.ContainsRune(s, '&') {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e {
				return "", mutf7Error(s, i, "byte 0x%02x is not printable ASCII", c)
			}
		}
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	prevRunEnd := -1 // index just after the last base64 run's "-"
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", mutf7Error(s, i, "byte 0x%02x is not printable ASCII", c)
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			continue
		}
		start := i
		j := i + 1
		for j < len(s) && s[j] != '-' {
			j++
		}
		if j == len(s) {
			return "", mutf7Error(s, start, "unterminated encoded run")
		}
		if j == start+1 { // "&-"
			b.WriteByte('&')
			i = j + 1
			continue
		}
		if start == prevRunEnd && !lenient {
			return "", mutf7Error(s, start, "adjacent encoded runs")
		}
		if err := decodeMUTF7Run(&b, s, start+1, j, lenient); err != nil {
			return "", err
		}
		i = j + 1
		prevRunEnd = i
	}
	return b.String(), nil
}

// decodeMUTF7Run decodes the base64 characters s[from:to] into b.
func decodeMUTF7Run(b *strings.Builder, s string, from, to int, lenient bool) error {
	var acc uint32
	bits := 0
	var high uint16 // pending high surrogate, 0 when none
	for k := from; k < to; k++ {
		v := mutf7Value[s[k]]
		if v == 0xff {
			return mutf7Error(s, k, "%q is not a modified base64 character", s[k])
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits < 16 {
			continue
		}
		bits -= 16
		u := uint16(acc >> uint(bits))
		acc &= 1<<uint(bits) - 1
		switch {
		case high != 0:
			if !utf16.IsSurrogate(rune(u)) || u < 0xdc00 {
				return mutf7Error(s, k, "unpaired high surrogate")
			}
			b.WriteRune(utf16.DecodeRune(rune(high), rune(u)))
			high = 0
		case u >= 0xd800 && u < 0xdc00:
			high = u
		case u >= 0xdc00 && u < 0xe000:
			return mutf7Error(s, k, "unpaired low surrogate")
		case u >= 0x20 && u <= 0x7e && !lenient:
			return mutf7Error(s, k, "printable ASCII %q must not be encoded", rune(u))
		default:
			b.WriteRune(rune(u))
		}
	}
	if high != 0 {
		return mutf7Error(s, to, "unpaired high surrogate")
	}
	if bits >= 6 {
		return mutf7Error(s, to, "partial UTF-16 unit")
	}
	if acc != 0 {
		return mutf7Error(s, to, "non-zero leftover bits")
	}
	return nil
}

func mutf7Error(s string, off int, format string, args ...any) error {
	return fmt.Errorf("modified UTF-7 %q: offset %d: %s: %w", s, off, fmt.Sprintf(format, args...), ErrFormat)
}
