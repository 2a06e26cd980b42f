package mbox

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// What we write, read back with the variant detected from the file, gives
// every message back byte for byte, whatever the writer options: with
// MozillaStatus the X-Mozilla-Status fields are Thunderbird's fingerprint,
// and the file's own trace (X-Mailconv-Mbox) keeps it from being read as
// mboxo (">>From" lines came back still quoted). The state comes back as
// far as the chosen fields can hold it.
func TestRoundTripEveryWriterOption(t *testing.T) {
	d := time.Date(2011, 5, 6, 7, 8, 9, 0, time.UTC)
	msg := func(flags mailconv.Flags, body string, kw ...string) readMsg {
		return readMsg{msg: mailconv.Message{Flags: flags, Date: d, Sender: "a@b.example", Keywords: kw}, body: []byte(body)}
	}
	base := []readMsg{
		msg(mailconv.FlagSeen|mailconv.FlagAnswered, "Subject: a\n\nFrom the archive\n>From the archive\n>>From the archive\n", "work"),
		msg(mailconv.FlagFlagged, "Subject: b\r\n\r\nline\r\n>From y\r\n>>From y\r\n"),
		msg(mailconv.FlagDeleted|mailconv.FlagSeen|mailconv.FlagForwarded, "Subject: c\n\nends with an empty line\n\n"),
		msg(mailconv.FlagNew, "Subject: n\n\nnever listed\n"),
	}
	lasts := map[string]readMsg{
		"eol":    msg(mailconv.FlagSeen, "Subject: d\n\n>From the last\n"),
		"no-eol": msg(mailconv.FlagSeen, "Subject: d\n\n>>From the last, no line end"),
	}
	for _, noStatus := range []bool{false, true} {
		for _, moz := range []bool{false, true} {
			for _, eol := range []EOL{EOLAuto, EOLLF, EOLCRLF} {
				for lastName, last := range lasts {
					opts := WriterOptions{NoStatus: noStatus, MozillaStatus: moz, EOL: eol}
					label := fmt.Sprintf("nostatus=%v mozilla=%v eol=%d last=%s", noStatus, moz, eol, lastName)
					in := append(append([]readMsg(nil), base...), last)
					out := writeAll(t, in, opts)
					got, rd := readAllFrom(t, bytes.NewReader(out), ReaderOptions{})
					require.Len(t, got, len(in), label)
					assert.Equal(t, MboxRD, rd.Variant(), label)
					if moz {
						assert.Contains(t, rd.Stats().Fingerprints, "mailconv", label)
					}
					for i := range in {
						assert.Equal(t, string(in[i].body), string(got[i].body), "%s: message %d octets", label, i)
						want := in[i].msg.Flags
						switch {
						case !noStatus && moz:
							// X-Mozilla-Status says a client listed it
							want &^= mailconv.FlagNew
						case !noStatus:
						case moz:
							// X-Mozilla-Status holds no draft and no "new"
							want &^= mailconv.FlagDraft | mailconv.FlagNew
						default:
							want = mailconv.FlagNew // no state written: never listed
						}
						assert.Equal(t, want, got[i].msg.Flags, "%s: message %d flags", label, i)
						if !noStatus || moz {
							assert.ElementsMatch(t, in[i].msg.Keywords, got[i].msg.Keywords, "%s: message %d keywords", label, i)
						}
					}
					// What was read, written again and read again, is a fixed
					// point of writing.
					out2 := writeAll(t, got, opts)
					got2, _ := readAllFrom(t, bytes.NewReader(out2), ReaderOptions{})
					assert.Equal(t, string(out2), string(writeAll(t, got2, opts)), "%s: stable", label)
				}
			}
		}
	}
}
