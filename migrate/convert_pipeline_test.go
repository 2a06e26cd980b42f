package migrate_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// reusingStore is memStore whose readers recycle one Message value, as
// the maildir, mbox and eml readers do (Reader allows it: the *Message is
// valid until the next call to Next).
type reusingStore struct{ *memStore }

func (s reusingStore) Open(_ context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	return &reusingReader{memReader: memReader{msgs: s.msgs[mb.Path.String()], i: -1}}, nil
}

type reusingReader struct {
	memReader
	msg mailconv.Message
}

func (r *reusingReader) Next() (*mailconv.Message, error) {
	m, err := r.memReader.Next()
	if err != nil {
		return nil, err
	}
	r.msg = *m
	return &r.msg, nil
}

// lateStore's mailboxes are Pipeliners that answer each message only when
// the next one is submitted (or at Drain), as a pipelined IMAP upload
// does, each with a reference naming the message's ID as submitted.
type lateStore struct{ *memStore }

func (s lateStore) CreateMailbox(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	w, err := s.memStore.CreateMailbox(ctx, mb)
	return &lateWriter{MailboxWriter: w}, err
}

type lateWriter struct {
	mailconv.MailboxWriter
	inFlight []func()
}

func (w *lateWriter) Submit(ctx context.Context, m *mailconv.Message, body io.Reader, done func(mailconv.Outcome)) error {
	w.answer()
	id := m.ID
	err := w.WriteMessage(ctx, m, body)
	w.inFlight = append(w.inFlight, func() { done(mailconv.Outcome{Err: err, Ref: "ref-" + id}) })
	return nil
}

func (w *lateWriter) Drain(context.Context) error {
	w.answer()
	return nil
}

func (w *lateWriter) answer() {
	for _, f := range w.inFlight {
		f()
	}
	w.inFlight = nil
}

// A pipelined writer learns a message's outcome after the reader moved on
// (and may have reused the message): the journal must still record each
// message under its own ID, or a resumed run by ID would pass over a
// message that was never committed.
func TestPipelinedOutcomeKeepsItsMessage(t *testing.T) {
	src := newMem()
	for _, id := range []string{"one", "two", "three"} {
		src.add(mailconv.Path{"INBOX"}, mailconv.Message{ID: id, Flags: mailconv.FlagSeen}, "Subject: "+id+"\n\nbody "+id+"\n")
	}
	dst := newMem()
	dst.caps = mailconv.Capabilities{Flags: mailconv.AllFlags}
	jpath := filepath.Join(t.TempDir(), "journal")
	j, err := migrate.OpenJournal(jpath, false)
	require.NoError(t, err)
	_, err = migrate.Convert(context.Background(), reusingStore{src}, lateStore{dst}, migrate.ConvertOptions{Journal: j})
	require.NoError(t, err)
	require.NoError(t, j.Close())

	f, err := os.Open(jpath)
	require.NoError(t, err)
	defer f.Close()
	var ids, refs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ T, ID, Ref string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		if r.T == "msg" {
			ids = append(ids, r.ID)
			refs = append(refs, r.Ref)
		}
	}
	assert.Equal(t, []string{"one", "two", "three"}, ids)
	assert.Equal(t, []string{"ref-one", "ref-two", "ref-three"}, refs)
	require.Len(t, dst.msgs["INBOX"], 3)
	for i, id := range []string{"one", "two", "three"} {
		assert.Equal(t, id, dst.msgs["INBOX"][i].meta.ID, "the writer saw the message as submitted")
	}
}
