package mailconv

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors from RFC 3501 section 5.1.3 and from Dovecot's test suite
// (src/lib-imap/test-imap-utf7.c), as listed in docs/formats/imap-mutf7.md,
// plus hand-computed ones (the UTF-16 and base64 steps are worked out in the
// comments).
var mutf7Vectors = []struct{ utf8, mutf7 string }{
	{"", ""},
	{"INBOX", "INBOX"},
	{"&&x&&", "&-&-x&-&-"},
	{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
	{"tietä&jä&", "tiet&AOQ-&-j&AOQ-&-"},
	// é = U+00E9 -> 00 E9 -> base64 "AOk".
	{"Réunions", "R&AOk-unions"},
	// U+1F600 -> D8 3D DE 00 -> base64 "2D3eAA".
	{"smile 😀", "smile &2D3eAA-"},
	// A control character is encoded too: U+0009 -> 00 09 -> "AAk".
	{"a\tb", "a&AAk-b"},
	// Two non-ASCII characters in one run: U+00E9 U+00E8 -> 00 E9 00 E8 -> "AOkA6A".
	{"éè", "&AOkA6A-"},
}

func TestMUTF7Vectors(t *testing.T) {
	for _, v := range mutf7Vectors {
		assert.Equal(t, v.mutf7, EncodeMUTF7(v.utf8), "EncodeMUTF7(%q)", v.utf8)
		got, err := DecodeMUTF7(v.mutf7)
		if assert.NoError(t, err, "DecodeMUTF7(%q)", v.mutf7) {
			assert.Equal(t, v.utf8, got, "DecodeMUTF7(%q)", v.mutf7)
		}
	}
}

func TestDecodeMUTF7Rejects(t *testing.T) {
	bad := []string{
		"&",                  // unterminated
		"&Jjo",               // unterminated
		"&Jjo!",              // not base64, unterminated
		"&Jj!o-",             // not base64
		"&U,BTFw-&ZeVnLIqe-", // adjacent runs
		"&AGE-",              // encoded printable ASCII "a"
		"&AOk=-",             // padding is not allowed
		"&AO-",               // partial unit (12 bits)
		"&AOl-",              // leftover bits not zero
		"&2D0-",              // lone high surrogate (D83D + leftover)
		"&2D3YPQ-",           // high surrogate followed by another high one
		"&3gA-",              // lone low surrogate DE00
		"caf\xc3\xa9",        // 8-bit byte: UTF-8, not modified UTF-7
		"a\tb",               // control character not encoded
		"&A-",                // 6 bits: no unit at all
	}
	for _, s := range bad {
		got, err := DecodeMUTF7(s)
		assert.ErrorIs(t, err, ErrFormat, "DecodeMUTF7(%q) = %q", s, got)
	}
}

// TestMUTF7RoundTrip checks on random Unicode strings that decoding inverts
// encoding, that the encoding is printable ASCII, and that re-encoding a
// decoded string gives back the same bytes (the canonical form).
func TestMUTF7RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pool := []rune{'a', 'Z', '&', '-', '.', '/', ' ', '~', '+', ',', 'é', 'ß', '台', '北', '😀', '\u0001', '\u007f', '\uffff', '\U0010ffff', 'Ω'}
	for n := 0; n < 5000; n++ {
		var b strings.Builder
		for k := rng.Intn(12); k > 0; k-- {
			b.WriteRune(pool[rng.Intn(len(pool))])
		}
		s := b.String()
		enc := EncodeMUTF7(s)
		for i := 0; i < len(enc); i++ {
			require.True(t, enc[i] >= 0x20 && enc[i] <= 0x7e, "EncodeMUTF7(%q) = %q: not printable ASCII", s, enc)
		}
		dec, err := DecodeMUTF7(enc)
		require.NoError(t, err, "DecodeMUTF7(EncodeMUTF7(%q))", s)
		require.Equal(t, s, dec, "DecodeMUTF7(EncodeMUTF7(%q))", s)
		require.Equal(t, enc, EncodeMUTF7(dec), "not canonical: %q", s)
	}
}

func TestEncodeMUTF7InvalidUTF8(t *testing.T) {
	got := EncodeMUTF7("a\xffb")
	dec, err := DecodeMUTF7(got)
	assert.NoError(t, err)
	assert.Equal(t, "a\uFFFDb", dec, "EncodeMUTF7 of invalid UTF-8 = %q; want U+FFFD", got)
	assert.True(t, utf8.ValidString(dec))
}

func BenchmarkEncodeMUTF7(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		EncodeMUTF7("Réunions/Comptes rendus 日本語")
	}
}

func TestDecodeMUTF7Lenient(t *testing.T) {
	for in, want := range map[string]string{
		"tine20&AC4-org":     "tine20.org", // old Courier: "." encoded
		"OS&AC8-2":           "OS/2",
		"&U,BTFw-&ZeVnLIqe-": "台北日本語", // adjacent runs
		"R&AOk-unions":       "Réunions",
	} {
		got, err := DecodeMUTF7Lenient(in)
		if assert.NoError(t, err, "DecodeMUTF7Lenient(%q)", in) {
			assert.Equal(t, want, got, "DecodeMUTF7Lenient(%q)", in)
		}
	}
	for _, bad := range []string{"&", "&Jj!o-", "&3gA-", "&AOl-", "caf\xc3\xa9"} {
		got, err := DecodeMUTF7Lenient(bad)
		assert.Error(t, err, "DecodeMUTF7Lenient(%q) = %q", bad, got)
	}
}
