package eml_test

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
	"github.com/mailconv/mailconv/eml"
)

func TestScan(t *testing.T) {
	for _, c := range []struct {
		name, in string
		atEOF    bool
		ok       bool
		offset   int64 // of the error
		received string
		date     string
	}{
		{"plain", "From: a@b\nSubject: x\n\nbody\n", true, true, 0, "", ""},
		{"crlf", "From: a@b\r\nSubject: x\r\n\r\nbody\r\n", true, true, 0, "", ""},
		{"header only", "Subject: x\nFrom: a@b", true, true, 0, "", ""},
		{"folded", "Subject: x\n  continued\nFrom: a@b\n\n", true, true, 0, "", ""},
		{"dates: the topmost Received wins",
			"Received: from a by b; Wed, 4 Feb 2004 09:30:00 +0000\nReceived: from c by a; Tue, 3 Feb 2004 08:00:00 +0000\nDate: Mon, 2 Feb 2004 07:00:00 +0000\nFrom: x\n\n",
			true, true, 0, "2004-02-04T09:30:00Z", "2004-02-02T07:00:00Z"},
		{"folded Received", "Received: from a\n by b;\n Wed, 4 Feb 2004 09:30:00 +0000\nFrom: x\n\n", true, true, 0, "2004-02-04T09:30:00Z", ""},
		{"bad date", "Date: someday\nFrom: x\n\n", true, true, 0, "", ""},
		{"long header cut by the buffer", "From: x\nSubject: " + strings.Repeat("y", 100), false, true, 0, "", ""},
		{"text", "hello world\nthis is a note\n", true, false, 0, "", ""},
		{"text with a colon", "Note: buy milk\n\nand bread\n", true, false, 15, "", ""},
		{"mbox", "From a@b Mon Jan  1 00:00:00 2001\nFrom: a@b\n\n", true, false, 0, "", ""},
		{"blank first", "\nFrom: a@b\n\n", true, false, 0, "", ""},
		{"continuation first", " From: a@b\n\n", true, false, 0, "", ""},
		{"bad line after fields", "From: a@b\nthis is not a field\n\n", true, false, 10, "", ""},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00", true, false, 0, "", ""},
		{"control in name", "Fr\x01om: a\n\n", true, false, 0, "", ""},
		{"empty", "", true, false, 0, "", ""},
		{"one partial line", "From: a@b", false, false, 0, "", ""},
	} {
		h, err := eml.Scan([]byte(c.in), c.atEOF)
		if !c.ok {
			require.Error(t, err, c.name)
			assert.True(t, errors.Is(err, eml.ErrNotMessage), c.name)
			var pe *mailconv.ParseError
			require.True(t, errors.As(err, &pe), c.name)
			assert.Equal(t, c.offset, pe.Offset, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		assert.Positive(t, h.Fields, c.name)
		if c.received != "" {
			assert.Equal(t, c.received, h.Received.UTC().Format(time.RFC3339), c.name)
		} else {
			assert.True(t, h.Received.IsZero(), c.name)
		}
		if c.date != "" {
			assert.Equal(t, c.date, h.Date.UTC().Format(time.RFC3339), c.name)
		}
	}
}

// writeFiles writes files (relative path -> content) under a new
// directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

type readMsg struct {
	id, body string
	date     time.Time
	src      mailconv.DateSource
}

// readAll reads every mailbox of the store at p.
func readAll(t *testing.T, p string) (map[string][]readMsg, []*mailconv.Mailbox, []mailconv.Event) {
	t.Helper()
	ctx := context.Background()
	var evs []mailconv.Event
	r, err := eml.Open(ctx, p, &mailconv.Options{Events: func(e mailconv.Event) { evs = append(evs, e) }})
	require.NoError(t, err)
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	require.NoError(t, err)
	out := map[string][]readMsg{}
	for _, mb := range mbs {
		mr, err := r.Open(ctx, mb)
		require.NoError(t, err)
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			b, err := io.ReadAll(mr)
			require.NoError(t, err)
			require.EqualValues(t, m.Size, len(b))
			out[mb.Path.String()] = append(out[mb.Path.String()], readMsg{m.ID, string(b), m.Date, m.DateSource})
		}
		require.NoError(t, mr.Close())
	}
	return out, mbs, evs
}

func codes(evs []mailconv.Event) map[string]int {
	c := map[string]int{}
	for _, e := range evs {
		c[e.Code]++
	}
	return c
}

func TestReadTree(t *testing.T) {
	msg := func(subj string) string {
		return "Received: from x by y; Wed, 4 Feb 2004 09:30:00 +0000\r\nFrom: a@example.com\r\nSubject: " + subj + "\r\n\r\nbody of " + subj + "\r\n"
	}
	dir := writeFiles(t, map[string]string{
		"b.eml":                  msg("b"),
		"A.EML":                  msg("a"),
		"notes.txt":              "not mail\n",
		".DS_Store":              "\x00\x01",
		"Work/2019/r.eml":        msg("r"),
		"Work/2019/bad.eml":      "just some text\n",
		"Only/Deeper/x.eml":      "Date: Mon, 2 Feb 2004 07:00:00 +0000\nFrom: x\n\nhi\n",
		"Empty/readme.txt":       "nothing here\n",
		"INBOX/kept.eml":         msg("kept"),
		"Work/2019/.hidden.eml":  msg("hidden"),
		"Work/2019/subdir.eml/x": "a directory named like a message",
	})
	before := snapshot(t, dir)
	got, mbs, evs := readAll(t, dir)
	var paths []string
	noselect := map[string]bool{}
	for _, mb := range mbs {
		paths = append(paths, mb.Path.String())
		noselect[mb.Path.String()] = mb.NoSelect
	}
	assert.Equal(t, []string{"INBOX", "INBOX/INBOX", "Only", "Only/Deeper", "Work", "Work/2019"}, paths)
	assert.True(t, noselect["Only"])
	assert.True(t, noselect["Work"])
	assert.False(t, noselect["Work/2019"])

	require.Len(t, got["INBOX"], 2)
	assert.Equal(t, "A.EML", got["INBOX"][0].id)
	assert.Equal(t, msg("a"), got["INBOX"][0].body, "bytes unchanged")
	assert.Equal(t, mailconv.DateReceived, got["INBOX"][0].src)
	assert.Equal(t, "b.eml", got["INBOX"][1].id)
	require.Len(t, got["Work/2019"], 1)
	assert.Equal(t, "r.eml", got["Work/2019"][0].id)
	require.Len(t, got["Only/Deeper"], 1)
	assert.Equal(t, mailconv.DateHeader, got["Only/Deeper"][0].src)
	assert.Equal(t, "2004-02-02T07:00:00Z", got["Only/Deeper"][0].date.UTC().Format(time.RFC3339))
	require.Len(t, got["INBOX/INBOX"], 1)

	c := codes(evs)
	assert.Equal(t, 3, c["eml.not-eml"], "notes.txt, Empty/readme.txt and subdir.eml/x are listed: %v", evs)
	assert.Equal(t, 1, c["eml.not-a-message"])
	assert.Equal(t, 1, c["eml.inbox-folder"])
	for _, e := range evs {
		if e.Code == "eml.not-a-message" {
			assert.Equal(t, filepath.Join(dir, "Work", "2019", "bad.eml"), e.Location.File)
			assert.EqualValues(t, 0, e.Location.Offset)
		}
	}
	assert.Equal(t, before, snapshot(t, dir), "the source is not modified")
}

func TestSingleFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"msg.eml": "From: a@b\nSubject: s\n\nx\n"})
	got, mbs, evs := readAll(t, filepath.Join(dir, "msg.eml"))
	require.Len(t, mbs, 1)
	assert.Equal(t, "INBOX", mbs[0].Path.String())
	require.Len(t, got["INBOX"], 1)
	assert.Equal(t, "From: a@b\nSubject: s\n\nx\n", got["INBOX"][0].body)
	assert.Equal(t, mailconv.DateFileTime, got["INBOX"][0].src, "no Received or Date: the file's time")
	assert.Empty(t, evs)
}

func TestResumeByID(t *testing.T) {
	dir := writeFiles(t, map[string]string{"1.eml": "From: a\n\n1\n", "2.eml": "From: a\n\n2\n", "3.eml": "From: a\n\n3\n"})
	ctx := context.Background()
	r, err := eml.Open(ctx, dir, nil)
	require.NoError(t, err)
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	require.NoError(t, err)
	mr, err := r.Open(ctx, mbs[0])
	require.NoError(t, err)
	sk, ok := mr.(mailconv.IDSkipper)
	require.True(t, ok)
	id, err := sk.PeekID()
	require.NoError(t, err)
	assert.Equal(t, "1.eml", id)
	require.NoError(t, sk.Skip())
	m, err := mr.Next()
	require.NoError(t, err)
	assert.Equal(t, "2.eml", m.ID)
	require.NoError(t, sk.Skip())
	_, err = sk.PeekID()
	assert.Equal(t, io.EOF, err)
	_, err = mr.Next()
	assert.Equal(t, io.EOF, err)

	fp, ok := mailconv.Reader(r).(mailconv.Fingerprinter)
	require.True(t, ok)
	a, err := fp.Fingerprint(mbs[0])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2.eml"), []byte("From: a\n\n2 changed\n"), 0o644))
	b, err := fp.Fingerprint(mbs[0])
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "a message changed in place changes the fingerprint")
}

func TestDetect(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"one.eml":        "From: a\n\nx\n",
		"noext":          "Subject: a\nFrom: b\n\nx\n",
		"mbox":           "From a@b Mon Jan  1 00:00:00 2001\nFrom: a\n\nx\n",
		"text.eml":       "hello\n",
		"tree/sub/x.eml": "From: a\n\nx\n",
		"md/cur/1.eml":   "From: a\n\nx\n",
		"md/new/.keep":   "",
	})
	assert.Equal(t, 95, eml.Detect(filepath.Join(dir, "one.eml")))
	assert.Equal(t, 30, eml.Detect(filepath.Join(dir, "noext")))
	assert.Equal(t, 0, eml.Detect(filepath.Join(dir, "mbox")))
	assert.Equal(t, 0, eml.Detect(filepath.Join(dir, "text.eml")))
	assert.Equal(t, 50, eml.Detect(filepath.Join(dir, "tree")))
	assert.Equal(t, 0, eml.Detect(filepath.Join(dir, "md")), "a maildir is not claimed")
	assert.Equal(t, 0, eml.Detect(filepath.Join(dir, "missing")))
}

func TestBadOption(t *testing.T) {
	_, err := eml.Open(context.Background(), t.TempDir(), &mailconv.Options{Params: map[string]string{eml.ParamMaxHeader: "x"}})
	assert.True(t, errors.Is(err, mailconv.ErrBadOption), "%v", err)
}

// snapshot returns every file's content under dir, keyed by path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[p] = string(b) + "|" + fi.ModTime().String()
		}
		return nil
	}))
	return out
}
