package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// failingWriter wraps a Writer and fails the n-th WriteMessage with ENOSPC,
// either before handing the message on (nothing written) or after (written,
// but the caller is told it failed: the crash window before the journal).
type failingWriter struct {
	mailconv.Writer
	n     *int
	after bool
}

func (f failingWriter) CreateMailbox(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	mw, err := f.Writer.CreateMailbox(ctx, mb)
	if mw == nil || err != nil {
		return mw, err
	}
	return failingMailbox{mw, f}, nil
}

func (f failingWriter) ResumeMailbox(ctx context.Context, mb *mailconv.Mailbox, cp string) (mailconv.MailboxWriter, error) {
	rw, ok := f.Writer.(mailconv.ResumeWriter)
	if !ok {
		return f.CreateMailbox(ctx, mb)
	}
	mw, err := rw.ResumeMailbox(ctx, mb, cp)
	if err != nil {
		return nil, err
	}
	return failingMailbox{mw, f}, nil
}

type failingMailbox struct {
	mailconv.MailboxWriter
	f failingWriter
}

var errFull = fmt.Errorf("write: %w", syscall.ENOSPC)

func (m failingMailbox) WriteMessage(ctx context.Context, msg *mailconv.Message, body io.Reader) error {
	*m.f.n--
	if *m.f.n == 0 && !m.f.after {
		return errFull
	}
	if err := m.MailboxWriter.WriteMessage(ctx, msg, body); err != nil {
		return err
	}
	if *m.f.n == 0 {
		return errFull
	}
	return nil
}

func (m failingMailbox) Checkpoint() string {
	if c, ok := m.MailboxWriter.(mailconv.Checkpointer); ok {
		return c.Checkpoint()
	}
	return ""
}

func (m failingMailbox) Holds(ctx context.Context, msg *mailconv.Message, d string, size int64, mid string) (bool, error) {
	if h, ok := m.MailboxWriter.(mailconv.Holder); ok {
		return h.Holds(ctx, msg, d, size, mid)
	}
	return false, nil
}

// convertFailing converts r into w with journal j, the failAt-th
// WriteMessage failing with ENOSPC when failAt > 0 (after the message
// reached the destination when after).
func convertFailing(j *migrate.Journal, r mailconv.Reader, w mailconv.Writer, failAt int, after bool, src migrate.Endpoint) (*migrate.Report, error) {
	n := failAt
	ww := w
	if failAt > 0 {
		ww = failingWriter{w, &n, after}
	}
	rep := &migrate.Report{Source: src}
	_, err := migrate.Convert(context.Background(), r, ww, migrate.ConvertOptions{Report: rep, Journal: j})
	return rep, err
}

func writeMboxTree(t *testing.T, dir string, boxes, per int) {
	for b := 0; b < boxes; b++ {
		var s strings.Builder
		for i := 0; i < per; i++ {
			if i > 0 {
				s.WriteString("\n")
			}
			fmt.Fprintf(&s, "From a@b Mon Jan  1 00:%02d:%02d 2001\nSubject: box %d msg %d\nStatus: RO\n\n%s\n", b, i, b, i, strings.Repeat("x", i*100))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("box%d", b)), []byte(s.String()), 0o644))
	}
}

// An injected "no space left" at every position, before and after the
// message reached the destination: the next run completes the conversion
// with nothing lost and nothing duplicated.
func TestInjectedWriteErrorsResume(t *testing.T) {
	src := t.TempDir()
	writeMboxTree(t, src, 3, 5)
	ctx := context.Background()
	type format struct {
		name   string
		create func(dst string, resume bool) (mailconv.Writer, error)
		open   func(dst string) (mailconv.Reader, error)
	}
	formats := []format{
		{"maildir", func(d string, r bool) (mailconv.Writer, error) {
			return maildir.Create(ctx, d, &mailconv.Options{Resume: r})
		}, func(d string) (mailconv.Reader, error) { return maildir.Open(ctx, d, nil) }},
		{"mbox", func(d string, r bool) (mailconv.Writer, error) {
			return mbox.Create(ctx, d, &mailconv.Options{Resume: r})
		}, func(d string) (mailconv.Reader, error) { return mbox.Open(ctx, d, nil) }},
	}
	for _, f := range formats {
		for _, after := range []bool{false, true} {
			for k := 1; k <= 15; k++ {
				name := fmt.Sprintf("%s/after=%v/fail-at-%d", f.name, after, k)
				t.Run(name, func(t *testing.T) {
					dst := filepath.Join(t.TempDir(), "dst")
					jpath := migrate.JournalPath(dst)
					run := func(failAt int) error {
						j, err := migrate.OpenJournal(jpath, false)
						require.NoError(t, err)
						defer j.Close()
						r, err := mbox.Open(ctx, src, nil)
						require.NoError(t, err)
						w, err := f.create(dst, j.Runs() > 0)
						require.NoError(t, err)
						_, err = convertFailing(j, r, w, failAt, after, migrate.Endpoint{Format: "mbox", Path: src})
						w.Close()
						return err
					}
					err := run(k)
					require.Error(t, err)
					require.True(t, errors.Is(err, syscall.ENOSPC), "%v", err)
					require.NoError(t, run(0))
					sr, _ := mbox.Open(ctx, src, nil)
					dr, err := f.open(dst)
					require.NoError(t, err)
					j, err := migrate.OpenJournal(jpath, false)
					require.NoError(t, err)
					defer j.Close()
					res, err := migrate.Verify(ctx, sr, dr, migrate.VerifyOptions{Journal: j,
						Source: migrate.Endpoint{Format: "mbox", Path: src}})
					require.NoError(t, err)
					assert.True(t, res.OK, "%+v", res.Totals)
					assert.Equal(t, 15, res.Totals.Matched)
				})
			}
		}
	}
}

// A journal is append-only JSON Lines: a torn last line (a crash while
// writing it) is dropped; a journal written by a newer format version is
// refused rather than misread.
func TestJournalTornLineAndVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j")
	require.NoError(t, os.WriteFile(p, []byte(`{"t":"run","v":1}`+"\n"+`{"t":"msg","src":"mbox:/x","mb":"INBOX","d":"0000`), 0o644))
	j, err := migrate.OpenJournal(p, false)
	require.NoError(t, err)
	assert.Equal(t, 1, j.Runs())
	assert.True(t, j.Empty())
	require.NoError(t, j.Close())
	b, _ := os.ReadFile(p)
	assert.Equal(t, `{"t":"run","v":1}`+"\n", string(b), "the torn line is cut so new records start cleanly")

	require.NoError(t, os.WriteFile(p, []byte(`{"t":"run","v":99}`+"\n"), 0o644))
	_, err = migrate.OpenJournal(p, false)
	assert.ErrorIs(t, err, mailconv.ErrUnsupported)
}

// idStore is a memStore source whose messages carry stable IDs (like POP3
// UIDLs) and whose readers implement IDSkipper; it records which IDs were
// fetched through Next.
type idStore struct {
	*memStore
	fetched []string
}

func (s *idStore) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	r, _ := s.memStore.Open(ctx, mb)
	return &idReader{memReader: r.(*memReader), s: s}, nil
}

type idReader struct {
	*memReader
	s *idStore
}

func (r *idReader) Next() (*mailconv.Message, error) {
	m, err := r.memReader.Next()
	if err == nil {
		r.s.fetched = append(r.s.fetched, m.ID)
	}
	return m, err
}

func (r *idReader) PeekID() (string, error) {
	if r.i+1 >= len(r.msgs) {
		return "", io.EOF
	}
	return r.msgs[r.i+1].meta.ID, nil
}

func (r *idReader) Skip() error {
	if r.i+1 >= len(r.msgs) {
		return io.EOF
	}
	r.i++
	return nil
}

// A run interrupted by a write error and started again passes over the
// messages the journal records under their stable IDs without fetching
// them (resumption by UIDL), fetches only the rest, and ends with every
// message exactly once — also when the source lost a recorded message and
// gained a new one in between (a POP client deleted one, mail arrived),
// the new one a byte-for-byte copy of the lost one: a new ID is a new
// message.
func TestResumeByStableID(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(fmt.Sprintf("written-before-failure=%v", after), func(t *testing.T) { testResumeByStableID(t, after) })
	}
}

func testResumeByStableID(t *testing.T, after bool) {
	ctx := context.Background()
	src := &idStore{memStore: newMem()}
	inbox := mailconv.Path{"INBOX"}
	for i := 1; i <= 10; i++ {
		// two pairs of identical bodies: IDs, not content, decide
		body := fmt.Sprintf("Subject: m%d\r\n\r\nbody %d\r\n", i, i%8)
		src.add(inbox, mailconv.Message{ID: fmt.Sprintf("uidl-%02d", i)}, body)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	jpath := migrate.JournalPath(dst)
	run := func(failAt int) (*migrate.Report, error) {
		j, err := migrate.OpenJournal(jpath, false)
		require.NoError(t, err)
		defer j.Close()
		w, err := maildir.Create(ctx, dst, &mailconv.Options{Resume: j.Runs() > 0})
		require.NoError(t, err)
		defer w.Close()
		return convertFailing(j, src, w, failAt, after, migrate.Endpoint{Format: "mem", Path: "src"})
	}
	// messages 1-6 written and journaled, 7 fails (after being written,
	// when after: the crash window, which the writer's Holds covers)
	_, err := run(7)
	require.ErrorIs(t, err, syscall.ENOSPC)
	// the source loses message 3 and gains message 11
	msgs := src.msgs["INBOX"]
	src.msgs["INBOX"] = append(append([]memMsg(nil), msgs[:2]...), msgs[3:]...)
	src.add(inbox, mailconv.Message{ID: "uidl-11"}, string(msgs[2].body))
	src.fetched = nil
	rep, err := run(0)
	require.NoError(t, err)
	assert.Equal(t, []string{"uidl-07", "uidl-08", "uidl-09", "uidl-10", "uidl-11"}, src.fetched,
		"only the messages the journal does not hold are fetched")
	held := 0
	if after {
		held = 1
	}
	assert.Equal(t, 5+held, rep.Totals.MessagesUnchanged)
	assert.Equal(t, 5-held, rep.Totals.MessagesWritten)

	dr, err := maildir.Open(ctx, dst, nil)
	require.NoError(t, err)
	defer dr.Close()
	got := map[string]int{}
	mbs, err := dr.Mailboxes(ctx)
	require.NoError(t, err)
	for _, mb := range mbs {
		mr, err := dr.Open(ctx, mb)
		require.NoError(t, err)
		for {
			if _, err := mr.Next(); err == io.EOF {
				break
			} else {
				require.NoError(t, err)
			}
			b, err := io.ReadAll(mr)
			require.NoError(t, err)
			got[string(b)]++
		}
		mr.Close()
	}
	want := map[string]int{}
	for _, m := range msgs {
		want[string(m.body)]++
	}
	want[string(msgs[2].body)]++
	assert.Equal(t, want, got, "every message once: the 6 of the first run (3 included) and 5 of the second")
}

// A journal is locked while open: a second run of the same conversion
// (cron overlapping itself, a command typed twice) is refused instead of
// writing every message a second time.
func TestJournalLocked(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j")
	j, err := migrate.OpenJournal(p, false)
	require.NoError(t, err)
	_, err = migrate.OpenJournal(p, false)
	require.ErrorIs(t, err, migrate.ErrJournalInUse)
	require.NoError(t, j.Close())
	j, err = migrate.OpenJournal(p, false)
	require.NoError(t, err, "the lock goes with Close")
	require.NoError(t, j.Close())
}

// countingSource wraps a Reader whose mailbox readers are IDSkippers and
// counts the messages read through Next.
type countingSource struct {
	mailconv.Reader
	fetched int
}

func (c *countingSource) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	mr, err := c.Reader.Open(ctx, mb)
	if err != nil {
		return nil, err
	}
	return &countingMailbox{MailboxReader: mr, sk: mr.(mailconv.IDSkipper), n: &c.fetched}, nil
}

type countingMailbox struct {
	mailconv.MailboxReader
	sk mailconv.IDSkipper
	n  *int
}

func (c *countingMailbox) Next() (*mailconv.Message, error) {
	m, err := c.MailboxReader.Next()
	if err == nil {
		*c.n++
	}
	return m, err
}
func (c *countingMailbox) PeekID() (string, error) { return c.sk.PeekID() }
func (c *countingMailbox) Skip() error             { return c.sk.Skip() }

// A maildir source resumes by file name: after a stop at message 4 of 10,
// the next run opens only the 6 others; a message whose flags changed in
// between (renamed file, same unique name) is not converted again.
func TestMaildirSourceResumesByName(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(src, "cur"), 0o700))
	for i := 1; i <= 10; i++ {
		name := fmt.Sprintf("%d.M%dP1.host:2,", 1000+i, i)
		require.NoError(t, os.WriteFile(filepath.Join(src, "cur", name), []byte(fmt.Sprintf("Subject: %d\n\nbody %d\n", i, i)), 0o600))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	jp := migrate.JournalPath(dst)
	run := func(failAt int) (*countingSource, *migrate.Report, error) {
		j, err := migrate.OpenJournal(jp, false)
		require.NoError(t, err)
		defer j.Close()
		r, err := maildir.Open(ctx, src, nil)
		require.NoError(t, err)
		defer r.Close()
		w, err := mbox.Create(ctx, dst, &mailconv.Options{Resume: j.Runs() > 0})
		require.NoError(t, err)
		defer w.Close()
		cs := &countingSource{Reader: r}
		rep, err := convertFailing(j, cs, w, failAt, false, migrate.Endpoint{Format: "maildir", Path: src})
		return cs, rep, err
	}
	_, _, err := run(5) // 4 written and journaled
	require.ErrorIs(t, err, syscall.ENOSPC)
	// message 2 is read in the old client meanwhile: its file is renamed
	require.NoError(t, os.Rename(filepath.Join(src, "cur", "1002.M2P1.host:2,"), filepath.Join(src, "cur", "1002.M2P1.host:2,S")))
	cs, rep, err := run(0)
	require.NoError(t, err)
	assert.Equal(t, 6, cs.fetched, "only the messages the journal does not hold are opened")
	assert.Equal(t, 4, rep.Totals.MessagesUnchanged)
	assert.Equal(t, 6, rep.Totals.MessagesWritten)
	sr, err := maildir.Open(ctx, src, nil)
	require.NoError(t, err)
	defer sr.Close()
	dr, err := mbox.Open(ctx, dst, nil)
	require.NoError(t, err)
	j, err := migrate.OpenJournal(jp, false)
	require.NoError(t, err)
	defer j.Close()
	res, err := migrate.Verify(ctx, sr, dr, migrate.VerifyOptions{Journal: j, Source: migrate.Endpoint{Format: "maildir", Path: src}})
	require.NoError(t, err)
	assert.Equal(t, 10, res.Totals.Matched)
	assert.Zero(t, res.Totals.Missing+res.Totals.Duplicates)
}
