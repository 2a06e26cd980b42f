package applemail_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	_ "github.com/mailconv/mailconv/applemail"
	"github.com/mailconv/mailconv/internal/convtest"
	"github.com/mailconv/mailconv/internal/dovecottest"
	_ "github.com/mailconv/mailconv/maildir"
	_ "github.com/mailconv/mailconv/mbox"
)

// partialDir is the input of the partial-emlx-converter samples (see its
// ORIGIN.md): a Mail 4+ mailbox's Messages/ and Attachments/.
const partialDir = "testdata/emlx-partial-converter/input"

// leafParts parses raw with go-message (an independent MIME reader) and
// returns the decoded bodies of its leaf parts by IMAP section number
// ("2.4").
func leafParts(t *testing.T, raw []byte) map[string][]byte {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	require.NoError(t, err)
	out := map[string][]byte{}
	require.NoError(t, e.Walk(func(path []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if p.MultipartReader() != nil {
			return nil
		}
		var sec []string
		for _, i := range path {
			sec = append(sec, strconv.Itoa(i+1))
		}
		if len(sec) == 0 {
			sec = []string{"1"}
		}
		b, err := io.ReadAll(p.Body)
		if err != nil {
			return err
		}
		out[strings.Join(sec, ".")] = b
		return nil
	}))
	return out
}

// storedFiles reads Attachments/<id>/<part>/<file> of the partial fixture,
// by part.
func storedFiles(t *testing.T, id string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	matches, err := filepath.Glob(filepath.Join(partialDir, "Attachments", id, "*", "*"))
	require.NoError(t, err)
	for _, m := range matches {
		b, err := os.ReadFile(m)
		require.NoError(t, err)
		out[filepath.Base(filepath.Dir(m))] = b
	}
	return out
}

// TestPartialFixtureRebuilds is acceptance 2: every .partial.emlx of the
// public sample whose attachments are present rebuilds into a message
// whose attachments, decoded by go-message, are byte for byte the stored
// files; for 114892 they also equal those of the converter's expected
// result (expected_results/114892.eml, decoded the same way). Parts whose
// files are absent (114893, 114895) are reported as losses.
func TestPartialFixtureRebuilds(t *testing.T) {
	ev := &convtest.Events{}
	names, msgs := convtest.ReadAll(t, convtest.Open(t, "applemail", partialDir, nil, ev))
	assert.Equal(t, []string{"input"}, names)
	byID := map[string]convtest.Msg{}
	for _, m := range msgs {
		byID[m.ID] = m
	}
	assert.Len(t, msgs, 10)
	for _, id := range []string{"114892", "114894", "136153", "207046", "229417", "465622"} {
		m, ok := byID[id]
		require.True(t, ok, id)
		assert.True(t, m.Rebuilt, id)
		assert.NotContains(t, string(m.Body), "X-Apple-Content-Length", id)
		got := leafParts(t, m.Body)
		want := storedFiles(t, id)
		require.NotEmpty(t, want, id)
		for part, data := range want {
			assert.True(t, bytes.Equal(data, got[part]), "%s: part %s differs (%d bytes, want %d)", id, part, len(got[part]), len(data))
		}
	}
	exp, err := os.ReadFile("testdata/emlx-partial-converter/expected_results/114892.eml")
	require.NoError(t, err)
	// The expected result has CRLF line ends where the emlx has LF: compare
	// with line ends made equal (the attachments were compared exactly
	// above).
	lf := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }
	wantParts, gotParts := leafParts(t, exp), leafParts(t, byID["114892"].Body)
	require.Len(t, gotParts, len(wantParts))
	for part, data := range wantParts {
		assert.True(t, bytes.Equal(lf(data), lf(gotParts[part])), "114892 part %s differs from the expected result", part)
	}
	// Complete messages are streamed as stored: the expected result of
	// 114862 is its emlx message octets.
	exp, err = os.ReadFile("testdata/emlx-partial-converter/expected_results/114862.eml")
	require.NoError(t, err)
	assert.Equal(t, string(exp), string(byID["114862"].Body))
	assert.False(t, byID["114862"].Rebuilt)

	assert.Len(t, ev.Code("applemail.attachment-missing"), 8)
	for _, e := range ev.Code("applemail.attachment-missing") {
		assert.Equal(t, mailconv.EventLoss, e.Kind)
	}
	// Three samples were edited after Mail wrote them: their byte count
	// runs past the end. They are read up to the property list, with a
	// warning naming the file and offset 0.
	bad := ev.Code("applemail.bad-count")
	require.Len(t, bad, 3)
	assert.Equal(t, int64(0), bad[0].Location.Offset)
	// State from the plist.
	assert.Equal(t, mailconv.FlagSeen, byID["114892"].Flags)
	assert.Equal(t, []string{"$NotJunk"}, byID["114892"].Keywords)
	assert.Equal(t, mailconv.FlagSeen|mailconv.FlagAnswered, byID["136153"].Flags)
	assert.Equal(t, time.Unix(1517000478, 0).UTC(), byID["114892"].Date)
	assert.Equal(t, mailconv.DateIndex, byID["114892"].Source)
}

// mikezStore copies the mikez/emlx samples into a mailbox directory.
func mikezStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "Samples.mbox", "Messages")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i, n := range []string{"plaintext.emlx", "richtext.emlx"} {
		b, err := os.ReadFile(filepath.Join("testdata/emlx-mikez", n))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, []string{"1.emlx", "2.emlx"}[i]), b, 0o644))
	}
	return filepath.Dir(dir)
}

// TestFixturesConvert is acceptance 1 for the public samples: both convert
// to maildir with every message, flag and received date; verify passes;
// Dovecot reads the result; the source stays unchanged.
func TestFixturesConvert(t *testing.T) {
	for _, src := range []string{mikezStore(t), partialDir} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			before := convtest.TreeDigest(t, src)
			_, msgs := convtest.ReadAll(t, convtest.Open(t, "applemail", src, nil, nil))
			out, rep := convtest.Convert(t, "applemail", src, "maildir", nil)
			assert.Equal(t, len(msgs), rep.Totals.MessagesWritten)
			res := convtest.Verify(t, "applemail", src, nil, "maildir", out)
			assert.True(t, res.OK, "%+v", res.Totals)
			assert.Equal(t, len(msgs), res.Totals.Matched)
			assert.Equal(t, before, convtest.TreeDigest(t, src), "source changed")
			dovecottest.Require(t)
			s := dovecottest.Open(t, out, dovecottest.Config{})
			got := s.Fetch()
			require.Len(t, got, len(msgs))
			bySubject := map[string]dovecottest.Message{}
			for _, m := range got {
				bySubject[mailconv.HeaderValue(m.Text, "Message-Id")] = m
			}
			for _, m := range msgs {
				d, ok := bySubject[mailconv.HeaderValue(m.Body, "Message-Id")]
				require.True(t, ok, m.ID)
				assert.ElementsMatch(t, flagNames(m), d.Flags, m.ID)
				assert.Equal(t, m.Date.Unix(), d.Received.Unix(), m.ID)
			}
		})
	}
}

// flagNames lists m's flags and keywords as IMAP names.
func flagNames(m convtest.Msg) []string {
	out := strings.Fields((m.Flags &^ mailconv.FlagNew).String())
	out = append(out, m.Keywords...)
	sort.Strings(out)
	return out
}
