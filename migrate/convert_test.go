package migrate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// memStore is an in-memory Reader and Writer for testing the pipeline.
type memMsg struct {
	meta mailconv.Message
	body []byte
}

type memStore struct {
	mailboxes []*mailconv.Mailbox
	msgs      map[string][]memMsg
	caps      mailconv.Capabilities
	created   []string
	refuse    func(m *mailconv.Message) error
}

func newMem() *memStore { return &memStore{msgs: map[string][]memMsg{}} }

func (s *memStore) add(path mailconv.Path, m mailconv.Message, body string) {
	key := path.String()
	found := false
	for _, mb := range s.mailboxes {
		if mb.Path.String() == key {
			found = true
		}
	}
	if !found {
		s.mailboxes = append(s.mailboxes, &mailconv.Mailbox{Path: path, Messages: -1, Bytes: -1})
	}
	s.msgs[key] = append(s.msgs[key], memMsg{m, []byte(body)})
}

func (s *memStore) Mailboxes(context.Context) ([]*mailconv.Mailbox, error) { return s.mailboxes, nil }
func (s *memStore) Close() error                                           { return nil }

func (s *memStore) Open(_ context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	return &memReader{msgs: s.msgs[mb.Path.String()], i: -1}, nil
}

type memReader struct {
	msgs []memMsg
	i    int
	r    *bytes.Reader
}

func (r *memReader) Next() (*mailconv.Message, error) {
	r.i++
	if r.i >= len(r.msgs) {
		return nil, io.EOF
	}
	r.r = bytes.NewReader(r.msgs[r.i].body)
	m := r.msgs[r.i].meta
	return &m, nil
}
func (r *memReader) Read(p []byte) (int, error) { return r.r.Read(p) }
func (r *memReader) Close() error               { return nil }

func (s *memStore) Capabilities() mailconv.Capabilities { return s.caps }

func (s *memStore) CreateMailbox(_ context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	name := mb.Path.String()
	if mb.NoSelect {
		name += "/"
	}
	s.created = append(s.created, name)
	return &memWriter{s: s, path: mb.Path}, nil
}

type memWriter struct {
	s    *memStore
	path mailconv.Path
}

func (w *memWriter) WriteMessage(_ context.Context, m *mailconv.Message, body io.Reader) error {
	if w.s.refuse != nil {
		if err := w.s.refuse(m); err != nil {
			return err
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	w.s.add(w.path, *m, string(b))
	return nil
}
func (w *memWriter) Close() error { return nil }

func TestConvertCopiesAndReports(t *testing.T) {
	src := newMem()
	src.add(mailconv.Path{"INBOX"}, mailconv.Message{Flags: mailconv.FlagSeen | mailconv.FlagDraft, Keywords: []string{"$label1"}}, "Subject: a\n\nx\n")
	src.add(mailconv.Path{"Work"}, mailconv.Message{}, "Subject: b\n\ny\n")
	src.add(mailconv.Path{"Work", "A/B"}, mailconv.Message{}, "Subject: c\n\nz\n")
	dst := newMem()
	dst.caps = mailconv.Capabilities{Flags: mailconv.FlagSeen, Keywords: false, Mixed: false,
		Names: mailconv.NameRules{Forbidden: "/"}}
	var progress []migrate.Progress
	rep, err := migrate.Convert(context.Background(), src, dst, migrate.ConvertOptions{
		Progress: func(p migrate.Progress) { progress = append(progress, p) }})
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Totals.MessagesRead)
	assert.Equal(t, 3, rep.Totals.MessagesWritten)
	assert.Len(t, progress, 3)
	assert.Equal(t, []string{"INBOX", "Work/", "Work (messages)", "Work/A%2FB"}, dst.created)
	assert.Equal(t, "Subject: c\n\nz\n", string(dst.msgs["Work/A%2FB"][0].body))
	assert.Equal(t, "Subject: b\n\ny\n", string(dst.msgs["Work (messages)"][0].body))

	// the draft flag and the keyword are losses, the renames are reported
	codes := rep.Summary()
	assert.Equal(t, []migrate.CodeCount{{Code: "flags.unsupported", Count: 1}, {Code: "keywords.unsupported", Count: 1},
		{Code: "names.changed", Count: 2}}, codes)
	assert.False(t, rep.Clean())
	assert.Equal(t, `destination cannot store \Draft`, rep.Losses[0].Detail)
}

func TestConvertSkipErrorContinues(t *testing.T) {
	src := newMem()
	for i := 0; i < 3; i++ {
		src.add(mailconv.Path{"INBOX"}, mailconv.Message{ID: fmt.Sprint(i)}, fmt.Sprintf("Subject: %d\n\n", i))
	}
	dst := newMem()
	dst.caps.Mixed = true
	dst.refuse = func(m *mailconv.Message) error {
		if m.ID == "1" {
			return &mailconv.SkipError{Code: "test.too-big", Reason: "too big"}
		}
		return nil
	}
	rep, err := migrate.Convert(context.Background(), src, dst, migrate.ConvertOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Totals.MessagesWritten)
	require.Len(t, rep.Skips, 1)
	assert.Equal(t, "1", rep.Skips[0].Message)
	assert.Equal(t, 1, rep.Mailboxes[0].Skipped)
}

func TestConvertWriteErrorStops(t *testing.T) {
	src := newMem()
	src.add(mailconv.Path{"INBOX"}, mailconv.Message{}, "a")
	src.add(mailconv.Path{"INBOX"}, mailconv.Message{}, "b")
	dst := newMem()
	boom := errors.New("disk full")
	dst.refuse = func(*mailconv.Message) error { return boom }
	rep, err := migrate.Convert(context.Background(), src, dst, migrate.ConvertOptions{})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 0, rep.Totals.MessagesWritten)
	assert.Contains(t, rep.Error, "disk full")
}

func TestConvertCancelled(t *testing.T) {
	src := newMem()
	src.add(mailconv.Path{"INBOX"}, mailconv.Message{}, strings.Repeat("x", 100))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := migrate.Convert(ctx, src, newMem(), migrate.ConvertOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestReportBoundsEventLists(t *testing.T) {
	rep := &migrate.Report{MaxEvents: 3}
	for i := 0; i < 10; i++ {
		rep.Add(mailconv.Event{Kind: mailconv.EventWarning, Code: "x"})
	}
	assert.Len(t, rep.Warnings, 3)
	assert.Equal(t, 10, rep.Totals.Warnings)
	assert.Equal(t, 7, rep.Omitted)
	assert.Equal(t, 10, rep.Codes["x"])
	var b bytes.Buffer
	require.NoError(t, rep.WriteJSON(&b))
	assert.Contains(t, b.String(), `"events_omitted": 7`)
}

// A 300-character mailbox name (possible in sources whose names are not file
// names) is listed by Inspect with the name it will get, and Convert uses
// that name.
func TestInspectLongNames(t *testing.T) {
	long := strings.Repeat("Réunion ", 37) + "fin" // 300 characters
	src := newMem()
	src.add(mailconv.Path{"INBOX"}, mailconv.Message{}, "Subject: a\n\nx\n")
	src.add(mailconv.Path{long}, mailconv.Message{}, "Subject: b\n\ny\n")
	src.add(mailconv.Path{"Parent", long}, mailconv.Message{}, "Subject: c\n\nz\n")
	caps := mailconv.Capabilities{Mixed: true, Names: mailconv.NameRules{MaxSegment: 255, MaxPath: 255,
		PathLen: func(p mailconv.Path) int {
			n := 0
			for _, s := range p {
				n += 1 + len(s)
			}
			return n
		}}}
	inv, err := migrate.Inspect(context.Background(), src, migrate.InspectOptions{TargetCapabilities: &caps, FreeBytes: -1})
	require.NoError(t, err)
	planned := map[string]mailconv.Path{}
	for _, n := range inv.Names {
		if strings.HasPrefix(n.Path.Name(), "Réunion") {
			assert.Contains(t, strings.Join(n.Hazards, ","), "long name (")
			require.NotNil(t, n.Destination)
			planned[n.Path.String()] = n.Destination
		}
	}
	require.Len(t, planned, 2)
	dst := newMem()
	dst.caps = caps
	rep, err := migrate.Convert(context.Background(), src, dst, migrate.ConvertOptions{})
	require.NoError(t, err)
	for _, mr := range rep.Mailboxes {
		if want, ok := planned[mr.Source.String()]; ok {
			assert.Equal(t, want, mr.Destination)
			assert.LessOrEqual(t, caps.Names.PathLen(mr.Destination), 255)
		}
	}
}
