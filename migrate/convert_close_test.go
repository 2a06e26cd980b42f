package migrate_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// errCloseFull is what closeFailWriter's mailboxes return from Close: the
// last flush of a destination mailbox found the disk full.
var errCloseFull = fmt.Errorf("flush: %w", syscall.ENOSPC)

// closeFailWriter wraps a Writer; the Close of the mailbox writers it
// creates for the mailbox called fail closes the wrapped one (so that
// what it wrote stays readable) and then reports errCloseFull.
type closeFailWriter struct {
	mailconv.Writer
	fail string
}

func (w closeFailWriter) CreateMailbox(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	mw, err := w.Writer.CreateMailbox(ctx, mb)
	if mw == nil || err != nil || mb.Path.String() != w.fail {
		return mw, err
	}
	return closeFailMailbox{mw}, nil
}

func (w closeFailWriter) ResumeMailbox(ctx context.Context, mb *mailconv.Mailbox, cp string) (mailconv.MailboxWriter, error) {
	mw, err := w.Writer.(mailconv.ResumeWriter).ResumeMailbox(ctx, mb, cp)
	if err != nil || mb.Path.String() != w.fail {
		return mw, err
	}
	return closeFailMailbox{mw}, nil
}

type closeFailMailbox struct{ mailconv.MailboxWriter }

func (m closeFailMailbox) Close() error {
	m.MailboxWriter.Close()
	return errCloseFull
}

func (m closeFailMailbox) Checkpoint() string {
	return m.MailboxWriter.(mailconv.Checkpointer).Checkpoint()
}

// journalDone returns the source mailboxes the journal at path records as
// finished (mailbox-done records), read from its JSON lines.
func journalDone(t *testing.T, path string) []string {
	var done []string
	for _, l := range journalLines(t, path) {
		var rec struct {
			T  string        `json:"t"`
			Mb mailconv.Path `json:"mb"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &rec), "%s", l)
		if rec.T == "mailbox-done" {
			done = append(done, rec.Mb.String())
		}
	}
	return done
}

// journalLines returns the lines of the journal at path.
func journalLines(t *testing.T, path string) []string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	require.NoError(t, sc.Err())
	return out
}

// verifyFromMbox verifies dst against the mbox tree at src, with the
// journal at jpath: want messages matched, none missing or duplicated.
func verifyFromMbox(t *testing.T, src string, dst mailconv.Reader, jpath string, want int) {
	ctx := context.Background()
	sr, err := mbox.Open(ctx, src, nil)
	require.NoError(t, err)
	defer sr.Close()
	j, err := migrate.OpenJournal(jpath, false)
	require.NoError(t, err)
	defer j.Close()
	res, err := migrate.Verify(ctx, sr, dst, migrate.VerifyOptions{Journal: j, Source: migrate.Endpoint{Format: "mbox", Path: src}})
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res.Totals)
	assert.Equal(t, want, res.Totals.Matched)
}

// Issue 17 item 1: a destination mailbox whose Close fails (a full disk at
// the last flush) makes Convert fail, naming it. The contract: a message
// is committed when WriteMessage returns nil, and the journal records
// exactly those; the mailbox is recorded finished only after its writer
// closed without error, so the next run reads the failed mailbox again
// (rather than passing it over as finished and unchanged) and completes
// it, with every message in the destination once.
func TestConvertReportsFailedMailboxClose(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	writeMboxTree(t, src, 2, 3)
	dst := filepath.Join(t.TempDir(), "dst")
	jpath := migrate.JournalPath(dst)
	run := func(fail string) (*migrate.Report, error) {
		j, err := migrate.OpenJournal(jpath, false)
		require.NoError(t, err)
		defer j.Close()
		r, err := mbox.Open(ctx, src, nil)
		require.NoError(t, err)
		defer r.Close()
		w, err := mbox.Create(ctx, dst, &mailconv.Options{Resume: j.Runs() > 0})
		require.NoError(t, err)
		defer w.Close()
		return migrate.Convert(ctx, r, closeFailWriter{w, fail}, migrate.ConvertOptions{Journal: j,
			Report: &migrate.Report{Source: migrate.Endpoint{Format: "mbox", Path: src}}})
	}

	rep, err := run("box0")
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ENOSPC)
	assert.Contains(t, err.Error(), "closing box0")
	assert.Contains(t, rep.Error, "no space left")
	assert.Equal(t, 3, rep.Totals.MessagesWritten, "the three messages of box0 were committed before its Close")
	assert.Empty(t, journalDone(t, jpath), "box0 is not recorded finished")

	rep, err = run("")
	require.NoError(t, err)
	require.Len(t, rep.Mailboxes, 2)
	assert.Equal(t, migrate.MailboxReport{Source: mailconv.Path{"box0"}, Destination: mailconv.Path{"box0"},
		SourceFile: rep.Mailboxes[0].SourceFile, Read: 3, Unchanged: 3, Bytes: rep.Mailboxes[0].Bytes,
		Details: rep.Mailboxes[0].Details}, *rep.Mailboxes[0], "box0 read again; its journaled messages not written twice")
	assert.Positive(t, rep.Mailboxes[0].Bytes, "box0 was read, not passed over by its fingerprint")
	assert.Equal(t, 3, rep.Mailboxes[1].Written)
	assert.Equal(t, []string{"box0", "box1"}, journalDone(t, jpath))

	dr, err := mbox.Open(ctx, dst, nil)
	require.NoError(t, err)
	defer dr.Close()
	verifyFromMbox(t, src, dr, jpath, 6)
}

// The writer's Close error is returned with the error that ended the
// mailbox, never in place of it nor dropped: a run stopped on request, or
// failing to write, whose destination mailbox could not be closed either.
func TestConvertKeepsCloseErrorWithTheFirst(t *testing.T) {
	boom := errors.New("refused")
	for _, tc := range []struct {
		name  string
		setup func(dst *memStore, opts *migrate.ConvertOptions)
		first error
	}{
		{"stopped", func(_ *memStore, opts *migrate.ConvertOptions) {
			stop := make(chan struct{})
			opts.Stop = stop
			opts.Progress = func(p migrate.Progress) {
				if p.Messages == 1 {
					close(stop)
				}
			}
		}, context.Canceled},
		{"write error", func(dst *memStore, _ *migrate.ConvertOptions) {
			dst.refuse = func(m *mailconv.Message) error {
				if m.ID == "2" {
					return boom
				}
				return nil
			}
		}, boom},
	} {
		for _, readAhead := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/readahead=%v", tc.name, readAhead), func(t *testing.T) {
				src := newMem()
				for i := 1; i <= 3; i++ {
					src.add(mailconv.Path{"INBOX"}, mailconv.Message{ID: fmt.Sprint(i)}, "Subject: x\r\n\r\nbody\r\n")
				}
				dst := newMem()
				opts := migrate.ConvertOptions{ReadAhead: readAhead}
				tc.setup(dst, &opts)
				rep, err := migrate.Convert(context.Background(), src, closeFailWriter{dst, "INBOX"}, opts)
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.first)
				assert.ErrorIs(t, err, syscall.ENOSPC, "the failed Close is not dropped")
				assert.Contains(t, rep.Error, "closing INBOX")
				assert.Equal(t, 1, rep.Totals.MessagesWritten)
			})
		}
	}
}

// closeFailReader is a memStore whose mailbox readers fail to close.
type closeFailReader struct{ *memStore }

func (s closeFailReader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	mr, err := s.memStore.Open(ctx, mb)
	return closeFailSource{mr}, err
}

type closeFailSource struct{ mailconv.MailboxReader }

func (closeFailSource) Close() error { return errors.New("input/output error") }

// A source mailbox that fails to close lost nothing (every message was
// read): the conversion completes and the report carries a warning.
func TestConvertWarnsOfFailedSourceClose(t *testing.T) {
	src := newMem()
	src.add(mailconv.Path{"INBOX"}, mailconv.Message{}, "Subject: x\r\n\r\nbody\r\n")
	rep, err := migrate.Convert(context.Background(), closeFailReader{src}, newMem(), migrate.ConvertOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Totals.MessagesWritten)
	require.Len(t, rep.Warnings, 1)
	assert.Equal(t, "source.close-failed", rep.Warnings[0].Code)
	assert.Contains(t, rep.Warnings[0].Detail, "input/output error")
}
