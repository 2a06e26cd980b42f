package mh_test

import (
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/convtest"
	"github.com/mailconv/mailconv/mh"
)

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
}

func mail(subj string) string {
	return "From: a@example.com\nSubject: " + subj + "\n\nbody " + subj + "\n"
}

// TestBadInputReported is acceptance 3 and 4 for MH: a numbered file that
// is not mail, an empty one, sequences naming missing messages (in a
// 10^6-wide range), a line that is not a sequence and an out-of-range
// number are reported; the rest converts.
func TestBadInputReported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inbox")
	writeFile(t, filepath.Join(dir, "1"), mail("one"))
	writeFile(t, filepath.Join(dir, "2"), "\x00\x01\x02PNG binary, not mail\n")
	writeFile(t, filepath.Join(dir, "3"), "")
	writeFile(t, filepath.Join(dir, "5"), mail("five"))
	writeFile(t, filepath.Join(dir, ".mh_sequences"),
		"unseen: 5 900-1000900\nflagged: 1\nthis line is not a sequence\nreplied: 1 x 99999999999\n")
	ev := &convtest.Events{}
	r := convtest.Open(t, "mh", dir, nil, ev)
	names, msgs := convtest.ReadAll(t, r)
	assert.Equal(t, []string{"INBOX"}, names)
	require.Len(t, msgs, 2)
	assert.Equal(t, "1", msgs[0].ID)
	assert.Equal(t, mailconv.FlagSeen|mailconv.FlagFlagged|mailconv.FlagAnswered, msgs[0].Flags)
	assert.Equal(t, "5", msgs[1].ID)
	assert.Equal(t, mailconv.Flags(0), msgs[1].Flags)

	notMail := ev.Code("mh.not-mail")
	require.Len(t, notMail, 1)
	assert.Equal(t, filepath.Join(dir, "2"), notMail[0].Location.File)
	assert.Equal(t, int64(0), notMail[0].Location.Offset)
	assert.Len(t, ev.Code("mh.empty"), 1)
	missing := ev.Code("mh.sequence-missing")
	require.Len(t, missing, 1)
	assert.Contains(t, missing[0].Detail, "1000001 message(s)")
	bad := ev.Code("mh.sequences-bad-item")
	require.Len(t, bad, 3)
	assert.Equal(t, int64(len("unseen: 5 900-1000900\nflagged: 1\n")), bad[0].Location.Offset)
}

// TestSequencesTooLarge: a sequences file over the limit is reported with a
// LimitError and ignored (every message then counts as seen).
func TestSequencesTooLarge(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "1"), mail("one"))
	writeFile(t, filepath.Join(dir, ".mh_sequences"), "unseen: 1\n"+strings.Repeat("x: 1\n", 100))
	ev := &convtest.Events{}
	_, msgs := convtest.ReadAll(t, convtest.Open(t, "mh", dir, map[string]string{"max-sequences": "64"}, ev))
	require.Len(t, msgs, 1)
	assert.Equal(t, mailconv.FlagSeen, msgs[0].Flags)
	require.Len(t, ev.Code("mh.sequences-unreadable"), 1)

	_, _, err := mh.ParseSequences(strings.NewReader(strings.Repeat("x: 1\n", 100)), "f", 64)
	var le *mailconv.LimitError
	assert.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, mailconv.ErrLimit)
}

// TestParseSequencesRanges: ranges are merged, not expanded, and folded
// lines continue.
func TestParseSequencesRanges(t *testing.T) {
	s, problems, err := mh.ParseSequences(strings.NewReader("unseen: 1-1000000 5 1000001-2000000\n 3000000\nempty:\n"), "f", 0)
	require.NoError(t, err)
	assert.Empty(t, problems)
	assert.Equal(t, mh.Sequence{{Lo: 1, Hi: 2000000}, {Lo: 3000000, Hi: 3000000}}, s["unseen"])
	assert.True(t, s["unseen"].Has(1999999))
	assert.False(t, s["unseen"].Has(2999999))
	assert.True(t, s["unseen"].Has(3000000))
	assert.Equal(t, int64(2000001), s["unseen"].Len())
	assert.Contains(t, s, "empty")
}

// markFile builds a Claws mark file.
func markFile(order binary.AppendByteOrder, recs ...[2]uint32) []byte {
	b := order.AppendUint32(nil, 2)
	for _, r := range recs {
		b = order.AppendUint32(b, r[0])
		b = order.AppendUint32(b, r[1])
	}
	return b
}

// TestClawsMarks: the flags of a Claws Mail .claws_mark file (either byte
// order), a colour label as $labelN, nmh's removed ",N" files as \Deleted,
// and a torn record reported.
func TestClawsMarks(t *testing.T) {
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		dir := t.TempDir()
		for _, n := range []string{"1", "2", "3", "4", ",6"} {
			writeFile(t, filepath.Join(dir, n), mail(n))
		}
		b := markFile(order, [2]uint32{1, 1 << 1}, [2]uint32{2, 1<<2 | 1<<4}, [2]uint32{3, 3<<7 | 1<<5 | 1<<3}, [2]uint32{4, 1})
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".claws_mark"), append(b, 1, 2), 0o644))
		ev := &convtest.Events{}
		_, msgs := convtest.ReadAll(t, convtest.Open(t, "mh", dir, nil, ev))
		require.Len(t, msgs, 5)
		assert.Equal(t, mailconv.Flags(0), msgs[0].Flags)
		assert.Equal(t, mailconv.FlagSeen|mailconv.FlagFlagged|mailconv.FlagAnswered, msgs[1].Flags)
		assert.Equal(t, mailconv.FlagSeen|mailconv.FlagForwarded|mailconv.FlagDeleted, msgs[2].Flags)
		assert.Equal(t, []string{"$label3"}, msgs[2].Keywords)
		assert.Equal(t, mailconv.FlagNew, msgs[3].Flags)
		assert.Equal(t, ",6", msgs[4].ID)
		assert.Equal(t, mailconv.FlagSeen|mailconv.FlagDeleted, msgs[4].Flags)
		torn := ev.Code("mh.marks-unreadable")
		require.Len(t, torn, 1)
		assert.Equal(t, int64(4+4*8), torn[0].Location.Offset)
	}
	_, err := mh.ParseMarks(strings.NewReader("\x07\x00\x00\x00"), "m", 0)
	assert.ErrorIs(t, err, mailconv.ErrFormat)
}

// TestResumeByID: the mailbox reader is a mailconv.IDSkipper whose IDs are
// the file names.
func TestResumeByID(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"10", "2", "7"} {
		writeFile(t, filepath.Join(dir, n), mail(n))
	}
	r := convtest.Open(t, "mh", dir, nil, nil)
	ctx := context.Background()
	mbs, err := r.Mailboxes(ctx)
	require.NoError(t, err)
	mr, err := r.Open(ctx, mbs[0])
	require.NoError(t, err)
	defer mr.Close()
	sk, ok := mr.(mailconv.IDSkipper)
	require.True(t, ok)
	id, err := sk.PeekID()
	require.NoError(t, err)
	assert.Equal(t, "2", id)
	require.NoError(t, sk.Skip())
	m, err := mr.Next()
	require.NoError(t, err)
	assert.Equal(t, "7", m.ID)
	m, err = mr.Next()
	require.NoError(t, err)
	assert.Equal(t, "10", m.ID)
	_, err = mr.Next()
	assert.Equal(t, io.EOF, err)
	_, err = sk.PeekID()
	assert.Equal(t, io.EOF, err)
}

// TestSymlinkOutsideSkipped: a message file that is a link out of the tree
// is reported, not read.
func TestSymlinkOutsideSkipped(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "inbox")
	writeFile(t, filepath.Join(dir, "1"), mail("one"))
	writeFile(t, filepath.Join(base, "secret"), mail("secret"))
	require.NoError(t, os.Symlink(filepath.Join(base, "secret"), filepath.Join(dir, "2")))
	ev := &convtest.Events{}
	_, msgs := convtest.ReadAll(t, convtest.Open(t, "mh", dir, nil, ev))
	require.Len(t, msgs, 1)
	out := ev.Code("mh.outside-root")
	require.Len(t, out, 1)
	assert.Contains(t, out[0].Detail, mailconv.ErrOutsideRoot.Error())
}

// TestFingerprintSeesSequences: rewriting .mh_sequences in place (as
// Python's mailbox.MH does) changes the folder's fingerprint, so an
// incremental run reads the folder again for its new state.
func TestFingerprintSeesSequences(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "1"), mail("one"))
	writeFile(t, filepath.Join(dir, ".mh_sequences"), "unseen: 1\n")
	r := convtest.Open(t, "mh", dir, nil, nil)
	mbs, err := r.Mailboxes(context.Background())
	require.NoError(t, err)
	fp := r.(mailconv.Fingerprinter)
	before, err := fp.Fingerprint(mbs[0])
	require.NoError(t, err)
	f, err := os.OpenFile(filepath.Join(dir, ".mh_sequences"), os.O_WRONLY|os.O_TRUNC, 0)
	require.NoError(t, err)
	_, err = f.WriteString("flagged: 1\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	after, err := fp.Fingerprint(mbs[0])
	require.NoError(t, err)
	assert.NotEqual(t, before, after)
}
