package mbox_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mbox"
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
	if err != nil {
		t.Fatal(err)
	}
	m, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
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
		if got := m.Flags&mailconv.FlagSeen != 0; got != c.seen {
			t.Errorf("header of %d bytes: seen=%v", c.n, got)
		}
		if got := hasCode(events, "mbox.header-too-long"); got != c.warn {
			t.Errorf("header of %d bytes: warning=%v", c.n, got)
		}
		if got := strings.Contains(body, "Status: RO"); got == c.seen {
			t.Errorf("header of %d bytes: Status field in octets=%v", c.n, got)
		}
		if !strings.HasSuffix(body, "\nbody\n") {
			t.Errorf("header of %d bytes: body lost: %q", c.n, body[max(0, len(body)-20):])
		}
	}
	// the default
	file := "From a@b Mon Jan  1 00:00:00 2001\n" + headerOf(mbox.DefaultMaxHeaderBytes+1) + "body\n"
	if _, _, events := readOne(t, file, mbox.ReaderOptions{}); !hasCode(events, "mbox.header-too-long") {
		t.Error("default limit not applied")
	}
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
			if len(sep) != n {
				t.Fatal(len(sep))
			}
			file := "From a@b Mon Jan  1 00:00:00 2001\nSubject: 1\n\none\n\n" + sep + "\nSubject: 2\n\ntwo\n"
			rd, err := mbox.NewReader(strings.NewReader(file), mbox.ReaderOptions{Variant: mbox.MboxRD, MaxFromLine: limit})
			if err != nil {
				t.Fatal(err)
			}
			count := 0
			for {
				if _, err := rd.Next(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				count++
			}
			want := 2
			if n > max {
				want = 1
			}
			if count != want {
				t.Errorf("limit %d, From_ line of %d bytes: %d messages, want %d", max, n, count, want)
			}
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
		if hdr := msg[:strings.Index(msg, "\n\n")+2]; len(hdr) != n {
			t.Fatalf("header of %d bytes, want %d", len(hdr), n)
		}
		var out bytes.Buffer
		w := mbox.NewWriter(&out, mbox.WriterOptions{MaxHeaderBytes: limit})
		if err := w.WriteMessage(context.Background(), &mailconv.Message{Flags: mailconv.FlagSeen | mailconv.FlagFlagged}, strings.NewReader(msg)); err != nil {
			t.Fatal(err)
		}
		w.Close()
		s := out.String()
		first := strings.Index(s, "\n") + 1
		statusFirst := strings.HasPrefix(s[first:], "Status:")
		if statusFirst != (n > limit) {
			t.Errorf("header of %d bytes: state headers first=%v", n, statusFirst)
		}
		m, body, _ := readOne(t, s, mbox.ReaderOptions{Variant: mbox.MboxRD, MaxHeaderBytes: 1 << 20})
		if m.Flags != mailconv.FlagSeen|mailconv.FlagFlagged || body != msg {
			t.Errorf("header of %d bytes: read back flags %v, octets equal %v", n, m.Flags, body == msg)
		}
	}
}
