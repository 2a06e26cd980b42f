package mbox_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headerOf returns a header block of exactly n bytes (blank line included)
// whose last field is Status: RO.
func headerOf(n int) string {
	const tail = "Status: RO\n\n"
	pad := n - len(tail) - len("X-Pad: \n")
	return "X-Pad: " + strings.Repeat("p", pad) + "\n" + tail
}

func readOne(t *testing.T, file string, opts mbox.ReaderOptions) (*mailconv.Message, string, []mailconv.Event) {
	t.Helper()
	var events []mailconv.Event
	opts.Events = func(e mailconv.Event) { events = append(events, e) }
	rd, err := mbox.NewReader(strings.NewReader(file), opts)
	require.NoError(t, err)
	m, err := rd.Next()
	require.NoError(t, err)
	b, err := io.ReadAll(rd)
	require.NoError(t, err)
	return m, string(b), events
}

func hasCode(events []mailconv.Event, code string) bool {
	for _, e := range events {
		if e.Code == code {
			return true
		}
	}
	return false
}

// TestLimitReaderMaxHeaderBytes: a header block (blank line included) of
// exactly MaxHeaderBytes is interpreted with no warning. One byte more
// draws the warning; the fields that end within the limit are still
// interpreted, and a field that ends beyond it passes through
// uninterpreted, in the octets.
func TestLimitReaderMaxHeaderBytes(t *testing.T) {
	const limit = 4096
	for _, c := range []struct {
		n          int // header block size; Status: RO is the last field
		warn, seen bool
	}{
		{limit, false, true},
		{limit + 1, true, true},  // only the blank line is beyond
		{limit + 2, true, false}, // the Status line ends beyond
	} {
		file := "From a@b Mon Jan  1 00:00:00 2001\n" + headerOf(c.n) + "body\n"
		m, body, events := readOne(t, file, mbox.ReaderOptions{MaxHeaderBytes: limit})
		assert.Equal(t, c.seen, m.Flags&mailconv.FlagSeen != 0, "header of %d bytes: seen", c.n)
		assert.Equal(t, c.warn, hasCode(events, "mbox.header-too-long"), "header of %d bytes: warning", c.n)
		assert.NotEqual(t, c.seen, strings.Contains(body, "Status: RO"), "header of %d bytes: Status field in octets", c.n)
		assert.True(t, strings.HasSuffix(body, "\nbody\n"), "header of %d bytes: body lost: %q", c.n, body[max(0, len(body)-20):])
	}
	// the default
	file := "From a@b Mon Jan  1 00:00:00 2001\n" + headerOf(mbox.DefaultMaxHeaderBytes+1) + "body\n"
	_, _, events := readOne(t, file, mbox.ReaderOptions{})
	assert.True(t, hasCode(events, "mbox.header-too-long"), "default limit not applied")
}

// TestLimitMaxFromLine: a From_ line of MaxFromLine bytes separates
// messages; one byte longer, it is body text. Checked at the default and at
// a configured limit.
func TestLimitMaxFromLine(t *testing.T) {
	for _, limit := range []int{0, 200} {
		max := limit
		if max == 0 {
			max = mbox.DefaultMaxFromLine
		}
		for _, n := range []int{max, max + 1} {
			sep := "From a@b Mon Jan  1 00:00:00 2001 remote from " // a dated line with a long trailer
			sep += strings.Repeat("h", n-len(sep))
			require.Len(t, sep, n)
			file := "From a@b Mon Jan  1 00:00:00 2001\nSubject: 1\n\none\n\n" + sep + "\nSubject: 2\n\ntwo\n"
			rd, err := mbox.NewReader(strings.NewReader(file), mbox.ReaderOptions{Variant: mbox.MboxRD, MaxFromLine: limit})
			require.NoError(t, err)
			count := 0
			for {
				_, err := rd.Next()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				count++
			}
			want := 2
			if n > max {
				want = 1
			}
			assert.Equal(t, want, count, "limit %d, From_ line of %d bytes: messages", max, n)
		}
	}
}

// TestLimitWriterMaxHeaderBytes: the writer places state headers at the end
// of a header it could hold (MaxHeaderBytes), and first when the header is
// longer; both read back with the flags.
func TestLimitWriterMaxHeaderBytes(t *testing.T) {
	const limit = 2048
	for _, n := range []int{limit, limit + 1} {
		const rest = "Subject: s\n\n"
		msg := "X-Pad: " + strings.Repeat("p", n-len(rest)-len("X-Pad: \n")) + "\n" + rest + "body\n"
		require.Len(t, msg[:strings.Index(msg, "\n\n")+2], n, "header size")
		var out bytes.Buffer
		w := mbox.NewWriter(&out, mbox.WriterOptions{MaxHeaderBytes: limit})
		require.NoError(t, w.WriteMessage(context.Background(), &mailconv.Message{Flags: mailconv.FlagSeen | mailconv.FlagFlagged}, strings.NewReader(msg)))
		w.Close()
		s := out.String()
		first := strings.Index(s, "\n") + 1
		statusFirst := strings.HasPrefix(s[first:], "Status:")
		assert.Equal(t, n > limit, statusFirst, "header of %d bytes: state headers first", n)
		m, body, _ := readOne(t, s, mbox.ReaderOptions{Variant: mbox.MboxRD, MaxHeaderBytes: 1 << 20})
		assert.Equal(t, mailconv.FlagSeen|mailconv.FlagFlagged, m.Flags, "header of %d bytes: read back flags", n)
		assert.Equal(t, msg, body, "header of %d bytes: octets read back", n)
	}
}
