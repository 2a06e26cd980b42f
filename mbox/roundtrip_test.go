package mbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// writeAll writes msgs with a Writer and returns the file.
func writeAll(t testing.TB, msgs []readMsg, opts WriterOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, opts)
	for i := range msgs {
		m := msgs[i].msg
		require.NoError(t, w.WriteMessage(context.Background(), &m, bytes.NewReader(msgs[i].body)))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// sameMessages asserts that b is a faithful copy of a: octets, flags,
// keywords, internal date (to the second) and envelope sender.
func sameMessages(t *testing.T, a, b []readMsg, label string) {
	t.Helper()
	require.Len(t, b, len(a), label)
	for i := range a {
		assert.Equal(t, string(a[i].body), string(b[i].body), "%s: message %d octets", label, i)
		assert.Equal(t, a[i].msg.Flags, b[i].msg.Flags, "%s: message %d flags", label, i)
		assert.ElementsMatch(t, a[i].msg.Keywords, b[i].msg.Keywords, "%s: message %d keywords", label, i)
		if !a[i].msg.Date.IsZero() {
			assert.Equal(t, a[i].msg.Date.Unix(), b[i].msg.Date.Unix(), "%s: message %d date", label, i)
		}
		if a[i].msg.Sender != "" {
			assert.Equal(t, a[i].msg.Sender, b[i].msg.Sender, "%s: message %d sender", label, i)
		}
	}
}

func fixtureMboxes(t *testing.T) []string {
	var files []string
	for _, pat := range []string{"../testdata/fixtures/mimekit/mbox/*.mbox.txt", "../testdata/fixtures/thunderbird-mbox/mbox_*", "../testdata/fixtures/mime4j/mbox-test-1/mbox.rlug"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.GreaterOrEqual(t, len(files), 8)
	return files
}

// Every fixture mbox: read → write mboxrd → read gives the same messages,
// and writing again gives the same file (our output is a fixed point). The
// CRLF copy of each fixture must survive the same way.
func TestRoundTripFixtures(t *testing.T) {
	for _, f := range fixtureMboxes(t) {
		for _, crlf := range []bool{false, true} {
			name := filepath.Base(f)
			if crlf {
				name += "-crlf"
			}
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(f)
				require.NoError(t, err)
				if crlf {
					data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
				}
				a, _ := readAllFrom(t, bytes.NewReader(data), ReaderOptions{})
				require.NotEmpty(t, a)
				out := writeAll(t, a, WriterOptions{})
				b, rd := readAllFrom(t, bytes.NewReader(out), ReaderOptions{Variant: MboxRD})
				sameMessages(t, a, b, name)
				assert.Zero(t, rd.Stats().FromLinesKept, "every unquoted From line in our output is a separator")
				out2 := writeAll(t, b, WriterOptions{})
				assert.Equal(t, string(out), string(out2), "writing is stable")
			})
		}
	}
}

// The Wikipedia mboxrd sample is in our canonical form: it comes out byte
// for byte as it went in, plus the separator line after the last message
// that the sample leaves out (see TestLastMessageSeparatorLine).
func TestCanonicalMboxrdIsByteIdentical(t *testing.T) {
	data, err := os.ReadFile("../testdata/fixtures/thunderbird-mbox/mbox_mboxrd")
	require.NoError(t, err)
	msgs, _ := readAllFrom(t, bytes.NewReader(data), ReaderOptions{})
	assert.Equal(t, string(data)+"\n", string(writeAll(t, msgs, WriterOptions{})))
}

// Generated messages with every quoting hazard, both line endings and
// missing final line ends: mboxrd → model → mboxrd is byte-identical.
func TestRoundTripGenerated(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	hazards := []string{
		"From the start", ">From quoted once", ">>From quoted twice", ">>>>From deep",
		"From someone@example.com Mon Jan  1 00:00:00 2001", "From -", "From ", ">", ">>", ">Fro", "From", "",
		" From space", "plain text", "F", "Fr", "\x00nul", "trailing spaces   ",
	}
	for i := 0; i < 500; i++ {
		n := 1 + rng.Intn(6)
		var msgs []readMsg
		for j := 0; j < n; j++ {
			eol := "\n"
			if rng.Intn(2) == 0 {
				eol = "\r\n"
			}
			var b strings.Builder
			b.WriteString("Subject: m" + fmt.Sprint(j) + eol)
			if rng.Intn(3) == 0 {
				b.WriteString(hazards[rng.Intn(len(hazards))] + eol)
			}
			b.WriteString(eol)
			for k := rng.Intn(8); k > 0; k-- {
				b.WriteString(hazards[rng.Intn(len(hazards))])
				b.WriteString(eol)
			}
			body := b.String()
			switch rng.Intn(4) {
			case 0:
				body = strings.TrimSuffix(body, eol) // no final line end
			case 1:
				body += eol // ends with a blank line
			}
			m := mailconv.Message{Flags: mailconv.Flags(rng.Intn(int(mailconv.AllFlags) + 1)), Size: -1,
				Date: time.Unix(int64(rng.Intn(2e9)), 0)}
			if m.Flags&mailconv.FlagNew != 0 {
				m.Flags &^= mailconv.FlagSeen // "new" and "seen" exclude each other in mbox
			}
			if rng.Intn(2) == 0 {
				m.AddKeyword(fmt.Sprintf("$label%d", 1+rng.Intn(5)))
			}
			msgs = append(msgs, readMsg{m, []byte(body)})
		}
		out := writeAll(t, msgs, WriterOptions{})
		back, _ := readAllFrom(t, bytes.NewReader(out), ReaderOptions{Variant: MboxRD})
		sameMessages(t, msgs, back, fmt.Sprintf("case %d", i))
		if t.Failed() {
			t.Logf("file:\n%q", out)
			return
		}
	}
}

// Flags survive mbox → mbox for every combination of Status, X-Status and
// X-Mozilla-Status the readers meet.
func TestFlagsTable(t *testing.T) {
	statuses := []string{"", "O", "R", "RO"}
	xletters := "AFDT"
	mozBits := []uint32{0, mozRead, mozReplied, mozMarked, mozForwarded, mozRead | mozReplied | mozForwarded, mozRedirected | mozRead}
	cases := 0
	for _, st := range statuses {
		for mask := 0; mask < 16; mask++ {
			var xs string
			for i := 0; i < 4; i++ {
				if mask&(1<<i) != 0 {
					xs += string(xletters[i])
				}
			}
			for _, moz := range mozBits {
				var h strings.Builder
				h.WriteString("From a@b Mon Jan  1 00:00:00 2001\nSubject: s\n")
				if st != "" {
					h.WriteString("Status: " + st + "\n")
				}
				if xs != "" {
					h.WriteString("X-Status: " + xs + "\n")
				}
				if moz != 0 {
					fmt.Fprintf(&h, "X-Mozilla-Status: %04x\n", moz)
				}
				h.WriteString("\nbody\n")
				in, _ := readAllFrom(t, strings.NewReader(h.String()), ReaderOptions{})
				require.Len(t, in, 1)
				want := expectFlags(st, xs, moz)
				assert.Equal(t, want, in[0].msg.Flags, "read %q", h.String())
				for _, wo := range []WriterOptions{{}, {MozillaStatus: true}} {
					out := writeAll(t, in, wo)
					back, _ := readAllFrom(t, bytes.NewReader(out), ReaderOptions{})
					require.Len(t, back, 1)
					got := back[0].msg.Flags
					if wo.MozillaStatus {
						// X-Mozilla-Status marks every message as listed
						got &^= mailconv.FlagNew
						want := want &^ mailconv.FlagNew
						assert.Equal(t, want, got, "mozilla round trip of %q", h.String())
					} else {
						assert.Equal(t, want, got, "round trip of %q via\n%s", h.String(), out)
					}
					assert.Equal(t, in[0].msg.Keywords, back[0].msg.Keywords)
				}
				cases++
			}
		}
	}
	assert.Equal(t, 4*16*7, cases)
}

func expectFlags(status, xstatus string, moz uint32) mailconv.Flags {
	var f mailconv.Flags
	if status == "" && moz == 0 {
		f |= mailconv.FlagNew
	}
	if strings.Contains(status, "R") || moz&mozRead != 0 {
		f |= mailconv.FlagSeen
	}
	if strings.Contains(xstatus, "A") || moz&mozReplied != 0 {
		f |= mailconv.FlagAnswered
	}
	if strings.Contains(xstatus, "F") || moz&mozMarked != 0 {
		f |= mailconv.FlagFlagged
	}
	if strings.Contains(xstatus, "D") {
		f |= mailconv.FlagDeleted
	}
	if strings.Contains(xstatus, "T") {
		f |= mailconv.FlagDraft
	}
	if moz&(mozForwarded|mozRedirected) != 0 {
		f |= mailconv.FlagForwarded
	}
	return f
}

func TestWriterSkipsEmptyMessage(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	err := w.WriteMessage(context.Background(), &mailconv.Message{}, strings.NewReader(""))
	var skip *mailconv.SkipError
	require.ErrorAs(t, err, &skip)
	assert.Equal(t, 0, buf.Len())
}

func TestWriterFromLine(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	d := time.Date(2010, 12, 13, 18, 45, 29, 0, time.FixedZone("", -6*3600))
	require.NoError(t, w.WriteMessage(context.Background(), &mailconv.Message{Date: d, Sender: "bob smith@example.com"},
		strings.NewReader("Subject: x\n\nFrom here\n")))
	require.NoError(t, w.WriteMessage(context.Background(), &mailconv.Message{Flags: mailconv.FlagNew},
		strings.NewReader("Return-Path: <alice@example.com>\nDate: Tue, 14 Dec 2010 10:00:00 +0000\n\nhi\n")))
	require.NoError(t, w.Close())
	assert.Equal(t, "From bob-smith@example.com Tue Dec 14 00:45:29 2010\nSubject: x\nStatus: O\n\n>From here\n\n"+
		"From alice@example.com Tue Dec 14 10:00:00 2010\nReturn-Path: <alice@example.com>\nDate: Tue, 14 Dec 2010 10:00:00 +0000\n\nhi\n\n",
		buf.String())
}

// Stale state headers in the octets are replaced, not duplicated.
func TestWriterReplacesStaleStatus(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{})
	m := &mailconv.Message{Flags: mailconv.FlagAnswered}
	require.NoError(t, w.WriteMessage(context.Background(), m,
		strings.NewReader("Status: RO\nX-Keywords: stale\nSubject: x\nX-Mozilla-Status: 0001\n\nb\n")))
	require.NoError(t, w.Close())
	assert.Equal(t, "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: x\nStatus: O\nX-Status: A\n\nb\n\n", buf.String())
}

// A long line of '>' characters is quoted with O(1) memory, across buffer
// boundaries.
func TestQuoterLongPrefix(t *testing.T) {
	gts := strings.Repeat(">", 300000)
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{NoStatus: true})
	body := "Subject: x\n\n" + gts + "From y\n" + gts + "x\n"
	require.NoError(t, w.WriteMessage(context.Background(), &mailconv.Message{}, strings.NewReader(body)))
	require.NoError(t, w.Close())
	back, _ := readAllFrom(t, bytes.NewReader(buf.Bytes()), ReaderOptions{Variant: MboxRD})
	require.Len(t, back, 1)
	assert.True(t, strings.Contains(buf.String(), "\n>"+gts+"From y\n"))
	// the reader only looks 256 KiB ahead for the '>' run: longer runs are
	// read back as they are and not unquoted (documented limit)
	assert.Equal(t, len(body)+1, len(back[0].body))
}

func BenchmarkWriter(b *testing.B) {
	msg := []byte(strings.Repeat("Subject: bench\nFrom: a@b\n\n"+strings.Repeat("a line of text that is long enough\n", 60)+"From here\n", 1))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	w := NewWriter(io.Discard, WriterOptions{})
	m := &mailconv.Message{Flags: mailconv.FlagSeen}
	r := bytes.NewReader(msg)
	for i := 0; i < b.N; i++ {
		r.Reset(msg)
		if err := w.WriteMessage(context.Background(), m, r); err != nil {
			b.Fatal(err)
		}
	}
}
