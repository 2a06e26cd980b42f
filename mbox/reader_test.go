package mbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// readAll reads every message of src (a file name or bytes) with opts.
type readMsg struct {
	msg  mailconv.Message
	body []byte
}

func readAllFrom(t testing.TB, src io.Reader, opts ReaderOptions) ([]readMsg, *Reader) {
	t.Helper()
	rd, err := NewReader(src, opts)
	require.NoError(t, err)
	var out []readMsg
	for {
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(rd)
		require.NoError(t, err)
		mm := *m
		mm.Keywords = append([]string(nil), m.Keywords...)
		out = append(out, readMsg{mm, b})
	}
	return out, rd
}

func readFile(t testing.TB, path string, opts ReaderOptions) ([]readMsg, *Reader) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	opts.Name = path
	return readAllFrom(t, f, opts)
}

type offsets struct {
	Marker int64 `json:"mboxMarkerOffset"`
	Begin  int64 `json:"beginOffset"`
	End    int64 `json:"endOffset"`
}

func loadOffsets(t *testing.T, path string) []offsets {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var o []offsets
	require.NoError(t, json.Unmarshal(b, &o))
	return o
}

// MimeKit's ground truth: for each message, the offset of its From_ line,
// of its first header byte, and of its end. The end excludes the line end
// that precedes the next From_ line — the convention this reader follows.
// Read raw (verbatim, no unquoting), each message must be exactly the
// file's bytes between begin and end.
func TestMimeKitSplitOffsets(t *testing.T) {
	for _, name := range []string{"content-length", "issue1189"} {
		for _, eol := range []string{"unix", "dos"} {
			t.Run(name+"-"+eol, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join("../testdata/fixtures/mimekit/mbox", name+".mbox.txt"))
				require.NoError(t, err)
				if eol == "dos" {
					data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
				}
				want := loadOffsets(t, filepath.Join("../testdata/fixtures/mimekit/mbox", name+"."+eol+"-offsets.json"))
				// A file on disk, so that Content-Length can be checked.
				path := filepath.Join(t.TempDir(), "mbox")
				require.NoError(t, os.WriteFile(path, data, 0o644))
				msgs, rd := readFile(t, path, ReaderOptions{Verbatim: true, Variant: MboxCL2})
				require.Len(t, msgs, len(want))
				for i, w := range want {
					assert.Equal(t, w.Marker, msgs[i].msg.Source.Offset, "message %d From_ offset", i)
					assert.Equal(t, string(data[w.Begin:w.End]), string(msgs[i].body), "message %d bytes", i)
				}
				st := rd.Stats()
				if name == "content-length" && eol == "unix" {
					// 25 Content-Length headers land on a separator, 4 are wrong.
					assert.Equal(t, 25, st.ContentLengthHonoured)
					assert.Equal(t, 4, st.ContentLengthIgnored)
				}
				// The default reading splits at the same places.
				msgs2, _ := readFile(t, path, ReaderOptions{})
				require.Len(t, msgs2, len(want))
				for i, w := range want {
					assert.Equal(t, w.Marker, msgs2[i].msg.Source.Offset)
				}
			})
		}
	}
}

// Thunderbird's three quoting styles (testdata/thunderbird/readme.txt): two
// messages each; the lines that could be mistaken for separators stay in the
// body and are counted.
func TestThunderbirdMboxStyles(t *testing.T) {
	tests := []struct {
		file            string
		variant         Variant
		quoted1, kept   int
		bodyContains    string
		firstBodySuffix string
	}{
		{"mbox_mboxrd", MboxRD, 1, 0, "\nFrom (should be escaped).\n", "There are 3 lines.\n"},
		{"mbox_modern", MboxO, 0, 0, "\n From - Fri Aug 24 11:55:47 2018\n", "here.\n"},
		{"mbox_unquoted", MboxRD, 0, 1, "like this:\nFrom \nThis could", "here.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			msgs, rd := readFile(t, filepath.Join("../testdata/fixtures/thunderbird-mbox", tt.file), ReaderOptions{})
			require.Len(t, msgs, 2)
			st := rd.Stats()
			assert.Equal(t, tt.variant, st.Variant)
			assert.Equal(t, tt.quoted1, st.Quoted1)
			assert.Equal(t, 0, st.Quoted2, "no >>From lines: the variant choice cannot change the bytes")
			assert.Equal(t, tt.kept, st.FromLinesKept, "unquoted From lines kept in bodies")
			assert.Contains(t, string(msgs[0].body), tt.bodyContains)
			assert.True(t, strings.HasSuffix(string(msgs[0].body), tt.firstBodySuffix))
			assert.True(t, strings.HasPrefix(string(msgs[1].body), "From: Author <author@example.com>\n"))
		})
	}
}

// mime4j's expected split of a real list archive; mime4j keeps the line end
// before the next From_ line inside the message, this reader gives it to the
// separator.
func TestMime4jSplit(t *testing.T) {
	msgs, _ := readFile(t, "../testdata/fixtures/mime4j/mbox-test-1/mbox.rlug", ReaderOptions{})
	require.Len(t, msgs, 5)
	for i, m := range msgs {
		want, err := os.ReadFile(filepath.Join("../testdata/fixtures/mime4j/mbox-test-1", "mbox.rlug-"+string(rune('0'+i))))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(m.body)+"\n", "message %d", i)
	}
}

func TestMimeKitSimpleAndUnmunged(t *testing.T) {
	msgs, rd := readFile(t, "../testdata/fixtures/mimekit/mbox/simple.mbox.txt", ReaderOptions{})
	assert.Len(t, msgs, 3)
	assert.Equal(t, 2, rd.Stats().SplitsWithoutBlank)

	msgs, rd = readFile(t, "../testdata/fixtures/mimekit/mbox/unmunged.mbox.txt", ReaderOptions{})
	require.Len(t, msgs, 2)
	st := rd.Stats()
	assert.True(t, st.BOM)
	assert.Equal(t, 2, st.FromLinesKept, "the two 'From Russia with love' lines stay in the bodies")
	assert.Contains(t, string(msgs[0].body), "\nFrom Russia with love\n")
}

func TestStateHeadersBecomeMetadata(t *testing.T) {
	in := "From a@b Mon Jan  1 00:00:00 2001\n" +
		"Subject: one\nStatus: RO\nX-Status: AF\nX-Keywords: $label1 work\nX-UID: 7\nContent-Length: 5\n\nbody\n\n" +
		"From a@b Mon Jan  1 00:00:00 2001\n" +
		"X-Mozilla-Status: 1005\nX-Mozilla-Status2: 00800000\nX-Mozilla-Keys: $label2                \nSubject: two\n\nbody\n"
	msgs, _ := readAllFrom(t, strings.NewReader(in), ReaderOptions{})
	require.Len(t, msgs, 2)
	m := msgs[0]
	assert.Equal(t, mailconv.FlagSeen|mailconv.FlagAnswered|mailconv.FlagFlagged, m.msg.Flags)
	assert.Equal(t, []string{"$label1", "work"}, m.msg.Keywords)
	assert.Equal(t, "Subject: one\n\nbody\n", string(m.body))
	m = msgs[1]
	assert.Equal(t, mailconv.FlagSeen|mailconv.FlagFlagged|mailconv.FlagForwarded, m.msg.Flags)
	assert.Equal(t, []string{"$MDNSent", "$label2"}, m.msg.Keywords)
	assert.Equal(t, "Subject: two\n\nbody\n", string(m.body))

	// verbatim keeps them
	msgs, _ = readAllFrom(t, strings.NewReader(in), ReaderOptions{Verbatim: true})
	assert.Contains(t, string(msgs[0].body), "Status: RO\nX-Status: AF\n")
}

// A Google Takeout export has no Status headers: its X-Gmail-Labels field
// tells read (Opened, or Sent; Unread wins), starred and draft, in English
// or French, folded or RFC 2047 encoded. The field stays in the message;
// a Status header, where there is one, wins.
func TestGmailLabelsState(t *testing.T) {
	sep := "From 1826425@xxx Tue Mar 11 01:31:25 +0000 2025\r\n"
	for _, c := range []struct {
		labels string
		want   mailconv.Flags
	}{
		{"Inbox,Important,Opened,Category Personal", mailconv.FlagSeen},
		{"Inbox,Unread", 0},
		{"Inbox,Opened,Unread", 0},
		{"Sent,Opened", mailconv.FlagSeen},
		{"Sent", mailconv.FlagSeen},
		{"Starred,Inbox,Opened", mailconv.FlagSeen | mailconv.FlagFlagged},
		{"Starred,Unread", mailconv.FlagFlagged},
		{"Draft", mailconv.FlagDraft | mailconv.FlagSeen},
		{"Boîte de réception,Ouvert,Suivis", mailconv.FlagSeen | mailconv.FlagFlagged},
		{"Non lus,Boîte de réception", 0},
		{"=?UTF-8?Q?Bo=C3=AEte_de_r=C3=A9ception,Ouvert?=", mailconv.FlagSeen},
		{"Inbox,\r\n Opened", mailconv.FlagSeen},
		{"Inbox,Work,Category Updates", mailconv.FlagNew}, // no state label: as without labels
	} {
		raw := "X-GM-THRID: 1\r\nX-Gmail-Labels: " + c.labels + "\r\nSubject: s\r\n\r\nbody\r\n"
		msgs, _ := readAllFrom(t, strings.NewReader(sep+raw), ReaderOptions{})
		require.Len(t, msgs, 1)
		assert.Equal(t, c.want, msgs[0].msg.Flags, "%q", c.labels)
		assert.Equal(t, raw, string(msgs[0].body), "the labels stay in the message")
	}
	// no labels at all: a message no client listed
	msgs, _ := readAllFrom(t, strings.NewReader(sep+"Subject: s\r\n\r\nb\r\n"), ReaderOptions{})
	assert.Equal(t, mailconv.FlagNew, msgs[0].msg.Flags)
	// Status wins
	msgs, _ = readAllFrom(t, strings.NewReader(sep+"X-Gmail-Labels: Opened,Starred\r\nStatus: O\r\n\r\nb\r\n"), ReaderOptions{})
	assert.Equal(t, mailconv.Flags(0), msgs[0].msg.Flags)
	// a message another program wrote since (its From_ line has no zone):
	// the labels no longer tell the state (found by FuzzMboxRoundTrip: a
	// new message written without Status came back read)
	msgs, _ = readAllFrom(t, strings.NewReader("From MAILER-DAEMON Tue Mar 11 01:31:25 2025\r\nX-Gmail-Labels: Opened\r\n\r\nb\r\n"), ReaderOptions{})
	assert.Equal(t, mailconv.FlagNew, msgs[0].msg.Flags)
}

func TestExpungedSkippedUnlessRecover(t *testing.T) {
	in := "From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0009\nSubject: gone\n\nx\n\n" +
		"From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: kept\n\ny\n"
	var evs []mailconv.Event
	msgs, rd := readAllFrom(t, strings.NewReader(in), ReaderOptions{Events: func(e mailconv.Event) { evs = append(evs, e) }})
	require.Len(t, msgs, 1)
	assert.Contains(t, string(msgs[0].body), "Subject: kept")
	assert.Equal(t, 1, rd.Stats().Expunged)
	var skip *mailconv.Event
	for i := range evs {
		if evs[i].Kind == mailconv.EventSkip {
			skip = &evs[i]
		}
	}
	require.NotNil(t, skip, "the expunged message is reported")
	assert.Equal(t, "mbox.expunged", skip.Code)
	assert.Equal(t, int64(0), skip.Location.Offset)

	msgs, _ = readAllFrom(t, strings.NewReader(in), ReaderOptions{Recover: true})
	require.Len(t, msgs, 2)
	assert.NotZero(t, msgs[0].msg.Flags&mailconv.FlagDeleted)
}

func TestPseudoMessageSkipped(t *testing.T) {
	in := "From MAILER-DAEMON Mon Jan  1 00:00:00 2001\nSubject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\nX-IMAP: 1234 0000000002\n\nThis text is part of the internal format of your mail folder.\n\n" +
		"From a@b Mon Jan  1 00:00:00 2001\nSubject: real\n\nx\n"
	msgs, rd := readAllFrom(t, strings.NewReader(in), ReaderOptions{})
	require.Len(t, msgs, 1)
	assert.True(t, rd.Stats().PseudoMessage)
}

func TestLineEndings(t *testing.T) {
	crlf := "From a@b Mon Jan  1 00:00:00 2001\r\nSubject: x\r\n\r\nline\r\n>From here\r\n\r\nFrom a@b Mon Jan  1 00:00:00 2001\r\nSubject: y\r\n\r\nz\r\n\r\n"
	msgs, rd := readAllFrom(t, strings.NewReader(crlf), ReaderOptions{})
	require.Len(t, msgs, 2)
	assert.Equal(t, "Subject: x\r\n\r\nline\r\nFrom here\r\n", string(msgs[0].body))
	assert.Equal(t, "Subject: y\r\n\r\nz\r\n", string(msgs[1].body))
	assert.Equal(t, "crlf", rd.Stats().LineEnding)

	cr := "From ???@??? Mon Jan 01 12:00:00 2001\rSubject: mac\r\rtext\r\rFrom ???@??? Mon Jan 01 12:00:00 2001\rSubject: two\r\rmore\r"
	msgs, rd = readAllFrom(t, strings.NewReader(cr), ReaderOptions{})
	require.Len(t, msgs, 2)
	assert.Equal(t, "Subject: mac\r\rtext\r", string(msgs[0].body))
	assert.Equal(t, "Subject: two\r\rmore\r", string(msgs[1].body))
	assert.Equal(t, "cr", rd.Stats().LineEnding)
}

func TestBadInput(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		msgs, _ := readAllFrom(t, strings.NewReader(""), ReaderOptions{})
		assert.Empty(t, msgs)
	})
	t.Run("not mbox", func(t *testing.T) {
		_, err := NewReader(strings.NewReader("Subject: hello\n\nnot an mbox\n"), ReaderOptions{Name: "x.txt"})
		require.Error(t, err)
		assert.True(t, errors.Is(err, mailconv.ErrFormat))
		var pe *mailconv.ParseError
		require.True(t, errors.As(err, &pe))
		assert.Equal(t, "x.txt", pe.File)
		assert.Equal(t, int64(0), pe.Offset)
	})
	t.Run("truncated", func(t *testing.T) {
		in := "From a@b Mon Jan  1 00:00:00 2001\nSubject: cut\nX-Fie"
		msgs, rd := readAllFrom(t, strings.NewReader(in), ReaderOptions{})
		require.Len(t, msgs, 1)
		assert.Equal(t, "Subject: cut\nX-Fie", string(msgs[0].body))
		assert.Equal(t, 1, rd.Stats().NoFinalNewline)
	})
	t.Run("separator only", func(t *testing.T) {
		var evs []mailconv.Event
		msgs, _ := readAllFrom(t, strings.NewReader("From a@b Mon Jan  1 00:00:00 2001\n"), ReaderOptions{Events: func(e mailconv.Event) { evs = append(evs, e) }})
		assert.Empty(t, msgs)
		require.NotEmpty(t, evs)
		assert.Equal(t, "mbox.empty-message", evs[len(evs)-1].Code)
	})
	t.Run("NUL bytes are kept", func(t *testing.T) {
		in := "From a@b Mon Jan  1 00:00:00 2001\nSubject: n\x00l\n\nbo\x00dy\n"
		msgs, _ := readAllFrom(t, strings.NewReader(in), ReaderOptions{})
		require.Len(t, msgs, 1)
		assert.Equal(t, "Subject: n\x00l\n\nbo\x00dy\n", string(msgs[0].body))
	})
	t.Run("10 MiB header line", func(t *testing.T) {
		long := strings.Repeat("x", 10<<20)
		in := "From a@b Mon Jan  1 00:00:00 2001\nX-Long: " + long + "\nStatus: RO\n\nbody\n\nFrom a@b Mon Jan  1 00:00:00 2001\nSubject: next\n\nz\n"
		var evs []mailconv.Event
		msgs, rd := readAllFrom(t, strings.NewReader(in), ReaderOptions{Events: func(e mailconv.Event) { evs = append(evs, e) }})
		require.Len(t, msgs, 2)
		assert.Equal(t, "X-Long: "+long+"\nStatus: RO\n\nbody\n", string(msgs[0].body), "passed through unchanged")
		assert.Equal(t, 1, rd.Stats().HeaderOverflows)
		found := false
		for _, e := range evs {
			found = found || e.Code == "mbox.header-too-long"
		}
		assert.True(t, found, "the overflow is reported")
		assert.Equal(t, "Subject: next\n\nz\n", string(msgs[1].body))
	})
}

func TestMaxHeaderBytesLimit(t *testing.T) {
	hdr := "Subject: " + strings.Repeat("y", 100) + "\nStatus: RO\n\n"
	in := "From a@b Mon Jan  1 00:00:00 2001\n" + hdr + "b\n"
	// just under: the whole header is held, Status is interpreted and removed
	msgs, rd := readAllFrom(t, strings.NewReader(in), ReaderOptions{MaxHeaderBytes: len(hdr)})
	assert.Equal(t, 0, rd.Stats().HeaderOverflows)
	assert.Equal(t, mailconv.FlagSeen, msgs[0].msg.Flags)
	assert.NotContains(t, string(msgs[0].body), "Status:")
	// just over: reported, passed through
	msgs, rd = readAllFrom(t, strings.NewReader(in), ReaderOptions{MaxHeaderBytes: len(hdr) - 13})
	assert.Equal(t, 1, rd.Stats().HeaderOverflows)
	assert.Equal(t, hdr+"b\n", string(msgs[0].body))
}

func TestQuotingVariants(t *testing.T) {
	in := "From a@b Mon Jan  1 00:00:00 2001\nSubject: q\n\n>From one\n>>From two\n>>>From three\nFrom me to you\n"
	for _, tt := range []struct {
		v    Variant
		want string
	}{
		{MboxRD, "From one\n>From two\n>>From three\n"},
		{MboxO, "From one\n>>From two\n>>>From three\n"},
		{MboxCL2, ">From one\n>>From two\n>>>From three\n"},
	} {
		msgs, rd := readAllFrom(t, strings.NewReader(in), ReaderOptions{Variant: tt.v})
		require.Len(t, msgs, 1)
		assert.Equal(t, "Subject: q\n\n"+tt.want+"From me to you\n", string(msgs[0].body), tt.v.String())
		assert.Equal(t, 1, rd.Stats().Quoted1)
		assert.Equal(t, 2, rd.Stats().Quoted2)
	}
}

// A Content-Length that spans unquoted From lines (mboxcl2, Dovecot) keeps
// them in the body; a wrong one is ignored.
func TestContentLengthFraming(t *testing.T) {
	body := "first\n\nFrom x@y Mon Jan  1 00:00:00 2001\nSubject: not a message\n"
	good := "From a@b Mon Jan  1 00:00:00 2001\nX-UID: 1\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body +
		"\nFrom a@b Mon Jan  1 00:00:00 2001\nContent-Length: 2\n\nz\n"
	path := filepath.Join(t.TempDir(), "cl2")
	require.NoError(t, os.WriteFile(path, []byte(good), 0o644))
	msgs, rd := readFile(t, path, ReaderOptions{})
	require.Len(t, msgs, 2)
	st := rd.Stats()
	assert.Equal(t, MboxCL2, st.Variant)
	assert.Equal(t, 2, st.ContentLengthHonoured)
	assert.Equal(t, "\n"+body, string(msgs[0].body))
	assert.Equal(t, int64(len(msgs[0].body)), msgs[0].msg.Size, "size known from Content-Length")

	// The same file through a plain reader (no ReaderAt): the header is not
	// trusted and the message splits.
	msgs, rd = readAllFrom(t, io.MultiReader(strings.NewReader(good)), ReaderOptions{})
	assert.Len(t, msgs, 3)
	assert.Equal(t, 2, rd.Stats().ContentLengthUnchecked)
}
