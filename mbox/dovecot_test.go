package mbox

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/dovecottest"
)

// The last message of every mbox we write reaches Dovecot whole: the file
// ends with the separator's blank line, which Dovecot takes for the
// separator (without it, Dovecot dropped the final line end of the last
// message). Checked for the usual endings, a message ending in an empty
// line, CRLF messages, and a message without a final line end (which must
// stay without one).
func TestLastMessageThroughDoveadm(t *testing.T) {
	dovecottest.Require(t)
	first := "Message-ID: <first@test.invalid>\nSubject: first\n\nfirst body\n"
	lasts := map[string]string{
		"lf":         "Message-ID: <last@test.invalid>\nSubject: last\n\nlast line\n",
		"blank-end":  "Message-ID: <last@test.invalid>\nSubject: last\n\nlast line\n\n",
		"crlf":       "Message-ID: <last@test.invalid>\r\nSubject: last\r\n\r\nlast line\r\n",
		"no-eol":     "Message-ID: <last@test.invalid>\nSubject: last\n\nlast line",
		"from-quote": "Message-ID: <last@test.invalid>\nSubject: last\n\nFrom the archive\n>From the archive\n",
	}
	firsts := map[string]string{}
	for name, last := range lasts {
		firsts[name] = first
		if strings.Contains(last, "\r\n") {
			// Dovecot takes a file's line ending from its first message
			firsts[name] = strings.ReplaceAll(first, "\n", "\r\n")
		}
	}
	for name, last := range lasts {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var buf bytes.Buffer
			w := NewWriter(&buf, WriterOptions{})
			d := time.Date(2009, 4, 5, 6, 7, 8, 0, time.UTC)
			for _, body := range []string{firsts[name], last} {
				require.NoError(t, w.WriteMessage(context.Background(), &mailconv.Message{Flags: mailconv.FlagSeen, Date: d, Sender: "a@b.example"}, strings.NewReader(body)))
			}
			require.NoError(t, w.Close())
			require.NoError(t, os.WriteFile(filepath.Join(dir, "INBOX"), buf.Bytes(), 0o644))

			// Our own reader gives both messages back byte for byte.
			msgs, _ := readAllFrom(t, bytes.NewReader(buf.Bytes()), ReaderOptions{})
			require.Len(t, msgs, 2)
			assert.Equal(t, firsts[name], string(msgs[0].body))
			assert.Equal(t, last, string(msgs[1].body))

			s := dovecottest.Open(t, dir, dovecottest.Config{Mbox: true})
			text := func(uid string) string {
				out := string(s.Run("fetch", "text", "mailbox", "INBOX", "uid", uid))
				require.True(t, strings.HasPrefix(out, "text:\n"), out)
				return strings.TrimPrefix(out, "text:\n")
			}
			want := last
			if name == "from-quote" {
				// Dovecot unquotes nothing (it writes mboxcl2 itself): it
				// shows the mboxrd quoting we wrote.
				want = strings.Replace(strings.Replace(last, ">From", ">>From", 1), "\nFrom", "\n>From", 1)
			}
			got1, got2 := text("1"), text("2")
			if name == "crlf" {
				// Dovecot rewrites the header with LF line ends and keeps
				// the body's: the final CRLF must be there.
				assert.True(t, strings.HasSuffix(got2, "\n\nlast line\r\n"), "%q", got2)
				lf := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
				got1, got2, want = lf(got1), lf(got2), lf(want)
				firsts[name] = lf(firsts[name])
			}
			assert.Equal(t, firsts[name], got1)
			assert.Equal(t, want, got2, "the last message, as Dovecot reads it")
			assert.Equal(t, "flags: \\Seen\n", string(s.Run("fetch", "flags", "mailbox", "INBOX", "uid", "2")))
		})
	}
}
