package mbox

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriterEnvelopeDateFromHeader: a message without an internal date
// gets its From_ line date from its Date: field, read by
// mailconv.DateValue (here folded before a tab), else the epoch.
func TestWriterEnvelopeDateFromHeader(t *testing.T) {
	for _, c := range []struct{ name, date, want string }{
		{"plain", "Date: Tue, 2 Jan 2001 10:00:00 +0000\r\n", "From MAILER-DAEMON Tue Jan  2 10:00:00 2001\r\n"},
		{"folded before a tab", "Date: Tue, 2 Jan 2001\r\n\t10:00:00 +0000\r\n", "From MAILER-DAEMON Tue Jan  2 10:00:00 2001\r\n"},
		{"unparseable", "Date: soon\r\n", "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\r\n"},
	} {
		var buf bytes.Buffer
		w := NewWriter(&buf, WriterOptions{NoStatus: true})
		msg := c.date + "Subject: x\r\n\r\nbody\r\n"
		m := &mailconv.Message{Size: int64(len(msg))}
		require.NoError(t, w.WriteMessage(context.Background(), m, strings.NewReader(msg)), c.name)
		require.NoError(t, w.Close())
		first, _, _ := strings.Cut(buf.String(), "\n")
		assert.Equal(t, c.want, first+"\n", c.name)
	}
}
