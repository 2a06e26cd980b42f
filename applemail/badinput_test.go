package applemail_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/applemail"
	"github.com/mailconv/mailconv/applemail/applemailtest"
	"github.com/mailconv/mailconv/internal/convtest"
)

// TestBadEmlxReported is acceptance 4 for emlx files: a byte count past
// the end (without a property list to fall back on), a first line that is
// not a count, the skip-emlx sample, a broken property list, one over the
// limit, and a partial message whose attachment file is missing are
// reported with file and offset; the good messages convert.
func TestBadEmlxReported(t *testing.T) {
	box := filepath.Join(t.TempDir(), "Bad.mbox")
	msgs := filepath.Join(box, "Messages")
	require.NoError(t, os.MkdirAll(msgs, 0o755))
	good := []byte("Subject: good\n\nbody\n")
	when := time.Unix(1500000000, 0).UTC()
	write := func(name string, data []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(msgs, name), data, 0o644))
	}
	write("1.emlx", applemailtest.EMLX(good, 1, when))
	write("2.emlx", []byte("999999\nSubject: short\n\nbody\n"))
	write("3.emlx", []byte("Subject: no count\n\nbody\n"))
	invalid, err := os.ReadFile("testdata/emlx-partial-converter/skip-emlx/invalid.emlx")
	require.NoError(t, err)
	write("4.emlx", invalid)
	broken := applemailtest.EMLX(good, 1, when)
	write("5.emlx", broken[:len(broken)-40])
	big := append([]byte(nil), applemailtest.EMLX(good, 1, when)...)
	write("6.emlx", append(big, []byte(strings.Repeat("<!-- padding -->\n", 4000))...))
	partial := applemailtest.Msg{ID: 7, Header: "Subject: partial\n", Text: "t\n", Partial: true, Flags: 1, Received: when,
		Attachments: []applemailtest.Attachment{{Name: "gone.bin", Data: []byte("xyz")}}}
	require.NoError(t, applemailtest.WriteMailbox(filepath.Dir(box), applemailtest.Mailbox{Name: "Other", Msgs: []applemailtest.Msg{partial}}, 2))
	require.NoError(t, os.RemoveAll(filepath.Join(filepath.Dir(box), "Other.mbox", "Attachments", "7", "2", "gone.bin")))

	ev := &convtest.Events{}
	_, got := convtest.ReadAll(t, convtest.Open(t, "applemail", box, map[string]string{"max-plist": "4096"}, ev))
	require.Len(t, got, 3, "1, 5 and 6 are read")
	assert.Equal(t, "1", got[0].ID)
	assert.Equal(t, mailconv.FlagSeen, got[0].Flags)
	assert.Equal(t, string(good), string(got[1].Body))
	assert.Equal(t, mailconv.FlagSeen, got[1].Flags, "the flags before the damage are kept")
	assert.Equal(t, string(good), string(got[2].Body))

	skips := ev.Code("applemail.bad-framing")
	require.Len(t, skips, 3)
	for i, id := range []string{"2", "3", "4"} {
		assert.Equal(t, id, skips[i].Message)
		assert.Equal(t, filepath.Join(msgs, id+".emlx"), skips[i].Location.File)
		assert.Equal(t, int64(0), skips[i].Location.Offset)
		assert.Equal(t, mailconv.EventSkip, skips[i].Kind)
	}
	assert.Contains(t, skips[0].Detail, "past the end")
	plist := ev.Code("applemail.bad-plist")
	require.Len(t, plist, 2)
	assert.Equal(t, "5", plist[0].Message)
	assert.Equal(t, "6", plist[1].Message)
	assert.Contains(t, plist[1].Detail, "limit exceeded")

	ev = &convtest.Events{}
	_, got = convtest.ReadAll(t, convtest.Open(t, "applemail", filepath.Join(filepath.Dir(box), "Other.mbox"), nil, ev))
	require.Len(t, got, 1)
	assert.False(t, got[0].Rebuilt)
	missing := ev.Code("applemail.attachment-missing")
	require.Len(t, missing, 1)
	assert.Equal(t, mailconv.EventLoss, missing[0].Kind)
}

// TestFramingErrorsTyped: ParseFraming and ParseProps return
// *mailconv.ParseError values that match mailconv.ErrFormat or
// mailconv.ErrLimit.
func TestFramingErrorsTyped(t *testing.T) {
	data := []byte("50\nSubject: x\n\n")
	_, err := applemail.ParseFraming(strings.NewReader(string(data)), int64(len(data)), "f")
	var pe *mailconv.ParseError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "f", pe.File)
	assert.Equal(t, int64(0), pe.Offset)
	assert.ErrorIs(t, err, mailconv.ErrFormat)

	_, err = applemail.ParseProps(strings.NewReader("<plist><dict><key>flags</key><integer>x</integer></dict></plist>"), "f", 100, 1000)
	require.True(t, errors.As(err, &pe))
	assert.ErrorIs(t, err, mailconv.ErrFormat)
	assert.GreaterOrEqual(t, pe.Offset, int64(100))

	_, err = applemail.ParseProps(strings.NewReader(applemailtest.Plist(1, time.Unix(0, 0))), "f", 0, 64)
	assert.ErrorIs(t, err, mailconv.ErrLimit)

	p, err := applemail.ParseProps(strings.NewReader(applemailtest.Plist(1<<33|1<<8|1, time.Unix(1234567890, 0))), "f", 0, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, uint64(1<<33|1<<8|1), p.Flags)
	assert.Equal(t, int64(1234567890), p.Received.Unix())
	f, kw := applemail.FlagsFromWord(p.Flags)
	assert.Equal(t, mailconv.FlagSeen|mailconv.FlagForwarded, f)
	assert.Empty(t, kw)
}

// TestResumeByID: emlx mailbox readers are mailconv.IDSkipper values whose
// IDs are the emlx numbers, in numeric order.
func TestResumeByID(t *testing.T) {
	r := convtest.Open(t, "applemail", partialDir, nil, nil)
	ctx := context.Background()
	mbs, err := r.Mailboxes(ctx)
	require.NoError(t, err)
	mr, err := r.Open(ctx, mbs[0])
	require.NoError(t, err)
	defer mr.Close()
	sk, ok := mr.(mailconv.IDSkipper)
	require.True(t, ok)
	var ids []string
	for {
		id, err := sk.PeekID()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		ids = append(ids, id)
		if len(ids)%2 == 1 {
			require.NoError(t, sk.Skip())
			continue
		}
		m, err := mr.Next()
		require.NoError(t, err)
		assert.Equal(t, id, m.ID)
	}
	assert.Equal(t, []string{"11507", "114862", "114892", "114893", "114894", "114895", "136153", "207046", "229417", "465622"}, ids)
}
