package migrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// This file tests Convert with several connections (ConvertOptions.
// Connections): an in-memory destination that forks sessions, and a source
// that records how many of its mailboxes are open at once.

// parSource is a Reader whose mailboxes hold numbered messages. The first
// Next of a mailbox waits (up to a bound, then fails) until `together`
// mailboxes are open at once, so that a test sees deterministically
// whether Convert reads that many at the same time.
type parSource struct {
	boxes      []*mailconv.Mailbox
	msgs       map[string][]string
	concurrent bool
	together   int

	mu      sync.Mutex
	open    int
	maxOpen int
	ready   chan struct{}
}

func newParSource(concurrent bool, together int, tree map[string]int) *parSource {
	s := &parSource{msgs: map[string][]string{}, concurrent: concurrent, together: together, ready: make(chan struct{})}
	for _, name := range sortedKeys(tree) {
		p := mailconv.Path(strings.Split(name, "/"))
		s.boxes = append(s.boxes, &mailconv.Mailbox{Path: p, Messages: tree[name], Bytes: -1})
		for i := range tree[name] {
			s.msgs[name] = append(s.msgs[name], fmt.Sprintf("Subject: %s %d\r\nMessage-ID: <%s.%d@test>\r\n\r\nbody %d of %s\r\n", name, i, strings.ReplaceAll(name, "/", "."), i, i, name))
		}
	}
	return s
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	// parents before children, like a Reader's Mailboxes
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func (s *parSource) Mailboxes(context.Context) ([]*mailconv.Mailbox, error) { return s.boxes, nil }
func (s *parSource) Close() error                                           { return nil }
func (s *parSource) ConcurrentOpen() bool                                   { return s.concurrent }

func (s *parSource) Open(_ context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open++
	s.maxOpen = max(s.maxOpen, s.open)
	if s.open == s.together {
		select {
		case <-s.ready:
		default:
			close(s.ready)
		}
	}
	return &parReader{s: s, msgs: s.msgs[mb.Path.String()], i: -1}, nil
}

type parReader struct {
	s      *parSource
	msgs   []string
	i      int
	r      *strings.Reader
	m      mailconv.Message
	closed bool
}

func (r *parReader) Next() (*mailconv.Message, error) {
	if r.i < 0 && r.s.together > 1 {
		select {
		case <-r.s.ready:
		case <-time.After(20 * time.Second):
			return nil, errors.New("the other mailboxes were never opened at the same time")
		}
	}
	r.i++
	if r.i >= len(r.msgs) {
		return nil, io.EOF
	}
	r.r = strings.NewReader(r.msgs[r.i])
	r.m = mailconv.Message{ID: fmt.Sprint(r.i), Source: mailconv.Location{Offset: int64(r.i)}}
	return &r.m, nil
}

func (r *parReader) Read(p []byte) (int, error) { return r.r.Read(p) }

func (r *parReader) Close() error {
	if !r.closed {
		r.closed = true
		r.s.mu.Lock()
		r.s.open--
		r.s.mu.Unlock()
	}
	return nil
}

// forkDest is an in-memory destination whose Writers fork: every session
// records what it wrote; the store keeps each mailbox's messages in the
// order they were committed.
type forkDest struct {
	mu       sync.Mutex
	boxes    map[string][]string
	created  []string
	writers  map[string]int // destination mailbox -> session that wrote it last
	forks    int
	closed   int
	inflight int
	maxIn    int
	fail     string // a message body WriteMessage refuses (errBroken), once
	maxForks int    // Fork fails beyond this many (0: never)
	failErr  error  // what refusing fail returns (errBroken when nil)
	closeErr error  // what the Close of the first fork returns
}

var errBroken = errors.New("the destination broke")

func newForkDest() *forkDest {
	return &forkDest{boxes: map[string][]string{}, writers: map[string]int{}}
}

type forkWriter struct {
	d  *forkDest
	id int
}

func (w *forkWriter) Capabilities() mailconv.Capabilities {
	return mailconv.Capabilities{Flags: mailconv.FlagSeen, Mixed: true}
}

func (w *forkWriter) Fork(context.Context) (mailconv.Writer, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	if w.d.maxForks > 0 && w.d.forks >= w.d.maxForks {
		return nil, errors.New("too many connections")
	}
	w.d.forks++
	return &forkWriter{d: w.d, id: w.d.forks}, nil
}

func (w *forkWriter) CreateMailbox(_ context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	d := w.d
	d.mu.Lock()
	defer d.mu.Unlock()
	name := mb.Path.String()
	if p := mb.Path.Parent(); len(p) > 0 && !contains(d.created, p.String()) {
		return nil, fmt.Errorf("%s created before its parent", name)
	}
	if !contains(d.created, name) {
		d.created = append(d.created, name)
	}
	if mb.NoSelect {
		return nil, nil
	}
	d.inflight++
	d.maxIn = max(d.maxIn, d.inflight)
	return &forkMailbox{w: w, name: name}, nil
}

func (w *forkWriter) Close() error {
	if w.id > 0 {
		w.d.mu.Lock()
		defer w.d.mu.Unlock()
		w.d.closed++
		if w.id == 1 {
			return w.d.closeErr
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type forkMailbox struct {
	w    *forkWriter
	name string
}

func (m *forkMailbox) WriteMessage(ctx context.Context, _ *mailconv.Message, body io.Reader) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	d := m.w.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != "" && string(b) == d.fail {
		d.fail = ""
		if d.failErr != nil {
			return d.failErr
		}
		return errBroken
	}
	d.boxes[m.name] = append(d.boxes[m.name], string(b))
	d.writers[m.name] = m.w.id
	return nil
}

func (m *forkMailbox) Close() error {
	m.w.d.mu.Lock()
	m.w.d.inflight--
	m.w.d.mu.Unlock()
	return nil
}

// parTree: ten mailboxes, two of them children of another, one in a
// folder no source mailbox fills (J, created as a folder first).
var parTree = map[string]int{"INBOX": 6, "A": 4, "A/B": 5, "A/B/C": 3, "D": 7, "E": 2, "F": 6, "G": 5, "H": 4, "J/K": 3}

// With Connections 3, three mailboxes are read and written at once, each
// by one session, its messages in the source's order; the forks are
// closed; the report lists the mailboxes in the plan's order; the journal
// records every message once.
func TestConvertConnections(t *testing.T) {
	ctx := context.Background()
	src := newParSource(true, 3, parTree)
	dst := newForkDest()
	jpath := filepath.Join(t.TempDir(), "j")
	j, err := migrate.OpenJournal(jpath, false)
	require.NoError(t, err)
	defer j.Close()
	var calls []migrate.Progress
	rep, err := migrate.Convert(ctx, src, &forkWriter{d: dst}, migrate.ConvertOptions{Connections: 3, Journal: j,
		Report:   &migrate.Report{Source: migrate.Endpoint{Format: "mem", Path: "src"}},
		Progress: func(p migrate.Progress) { calls = append(calls, p) }})
	require.NoError(t, err)

	assert.Equal(t, 3, src.maxOpen, "source mailboxes open at once")
	assert.Equal(t, 3, dst.maxIn, "destination mailboxes written at once")
	assert.Equal(t, 2, dst.forks)
	assert.Equal(t, 2, dst.closed, "every fork closed")
	assert.Zero(t, src.open, "every source mailbox closed")
	total := 0
	for _, mb := range src.boxes {
		name := mb.Path.String()
		assert.Equal(t, src.msgs[name], dst.boxes[name], "%s: every message once, in the source's order", name)
		total += len(src.msgs[name])
	}
	assert.Equal(t, total, rep.Totals.MessagesWritten)
	assert.Equal(t, 11, rep.Totals.MailboxesWritten, "ten mailboxes and the folder J")
	assert.Contains(t, dst.created, "J")
	var order []string
	for _, mr := range rep.Mailboxes {
		order = append(order, mr.Source.String())
	}
	assert.Equal(t, []string{"A", "A/B", "A/B/C", "D", "E", "F", "G", "H", "INBOX", "J/K"}, order, "report in plan order")
	seq, err := migrate.Convert(ctx, newParSource(true, 1, parTree), &forkWriter{d: newForkDest()}, migrate.ConvertOptions{})
	require.NoError(t, err)
	var seqOrder []string
	for _, mr := range seq.Mailboxes {
		seqOrder = append(seqOrder, mr.Source.String())
	}
	assert.Equal(t, seqOrder, order, "the order of a run one mailbox at a time")
	require.Len(t, calls, total)
	assert.Equal(t, total, calls[total-1].Messages)
	sessions := map[int]bool{}
	for _, id := range dst.writers {
		sessions[id] = true
	}
	assert.Len(t, sessions, 3, "all three sessions wrote")
	assert.ElementsMatch(t, []string{"A", "A/B", "A/B/C", "D", "E", "F", "G", "H", "INBOX", "J/K"}, journalDone(t, jpath))
	assert.Equal(t, total, journalMessageCount(t, jpath))
}

// Connections is ignored (one mailbox at a time, no fork) when the reader
// cannot be read in several places at once, and says so.
func TestConvertConnectionsSequentialReader(t *testing.T) {
	src := newParSource(false, 1, parTree)
	dst := newForkDest()
	rep, err := migrate.Convert(context.Background(), src, &forkWriter{d: dst}, migrate.ConvertOptions{Connections: 4})
	require.NoError(t, err)
	assert.Equal(t, 1, src.maxOpen)
	assert.Zero(t, dst.forks)
	assert.Equal(t, 1, rep.Codes["migrate.connections"])
	for _, mb := range src.boxes {
		assert.Equal(t, src.msgs[mb.Path.String()], dst.boxes[mb.Path.String()])
	}
}

// An error in one worker stops the others and is returned; the next run
// with the journal converts the rest, each message once, in order.
func TestConvertConnectionsResumeAfterError(t *testing.T) {
	ctx := context.Background()
	jpath := filepath.Join(t.TempDir(), "j")
	dst := newForkDest()
	run := func(together int) (*migrate.Report, error) {
		src := newParSource(true, together, parTree)
		j, err := migrate.OpenJournal(jpath, false)
		require.NoError(t, err)
		defer j.Close()
		return migrate.Convert(ctx, src, &forkWriter{d: dst}, migrate.ConvertOptions{Connections: 4, Journal: j,
			Report: &migrate.Report{Source: migrate.Endpoint{Format: "mem", Path: "src"}}})
	}
	src := newParSource(true, 1, parTree)
	dst.fail = src.msgs["D"][3]
	_, err := run(4)
	require.ErrorIs(t, err, errBroken)
	assert.Contains(t, err.Error(), "message :3 of D")
	assert.Less(t, len(dst.boxes["D"]), len(src.msgs["D"]))

	rep, err := run(1)
	require.NoError(t, err)
	for _, mb := range src.boxes {
		name := mb.Path.String()
		assert.Equal(t, src.msgs[name], dst.boxes[name], "%s: every message once, in the source's order", name)
	}
	assert.Positive(t, rep.Totals.MessagesUnchanged, "the first run's messages were passed over")
	assert.Equal(t, 6, dst.forks)
	assert.Equal(t, 6, dst.closed, "forks of both runs closed")
}

// ConvertOptions.Stop with several workers: each finishes the message in
// hand and journals it; the next run completes without a duplicate.
func TestConvertConnectionsStop(t *testing.T) {
	ctx := context.Background()
	jpath := filepath.Join(t.TempDir(), "j")
	dst := newForkDest()
	stop := make(chan struct{})
	var once sync.Once
	run := func(stop chan struct{}, progress func(migrate.Progress)) (*migrate.Report, error) {
		src := newParSource(true, 1, parTree)
		j, err := migrate.OpenJournal(jpath, false)
		require.NoError(t, err)
		defer j.Close()
		return migrate.Convert(ctx, src, &forkWriter{d: dst}, migrate.ConvertOptions{Connections: 3, Journal: j, Stop: stop,
			Report: &migrate.Report{Source: migrate.Endpoint{Format: "mem", Path: "src"}}, Progress: progress})
	}
	_, err := run(stop, func(p migrate.Progress) {
		if p.Messages == 10 {
			once.Do(func() { close(stop) })
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	first := 0
	for _, b := range dst.boxes {
		first += len(b)
	}
	assert.GreaterOrEqual(t, first, 10)
	assert.Less(t, first, 45)
	rep, err := run(nil, nil)
	require.NoError(t, err)
	src := newParSource(true, 1, parTree)
	for _, mb := range src.boxes {
		name := mb.Path.String()
		assert.Equal(t, src.msgs[name], dst.boxes[name], "%s: every message once, in the source's order", name)
	}
	assert.Equal(t, first, rep.Totals.MessagesUnchanged, "what the stopped run wrote was journaled")
}

// journalMessageCount counts the distinct message records (mailbox and
// digest) of the journal at path, failing on a repeated one.
func journalMessageCount(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct {
			T  string        `json:"t"`
			Mb mailconv.Path `json:"mb"`
			D  string        `json:"d"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		if rec.T != "msg" {
			continue
		}
		k := rec.Mb.String() + " " + rec.D
		assert.False(t, seen[k], "journaled twice: %s", k)
		seen[k] = true
	}
	return len(seen)
}

// A destination that refuses a connection leaves fewer workers, with a
// warning, not a failed run.
func TestConvertConnectionsForkRefused(t *testing.T) {
	src := newParSource(true, 2, parTree)
	dst := newForkDest()
	dst.maxForks = 1
	rep, err := migrate.Convert(context.Background(), src, &forkWriter{d: dst}, migrate.ConvertOptions{Connections: 4})
	require.NoError(t, err)
	assert.Equal(t, 2, src.maxOpen)
	assert.Equal(t, 1, dst.forks)
	assert.Equal(t, 1, dst.closed)
	require.Len(t, rep.Warnings, 1)
	assert.Equal(t, "migrate.connections", rep.Warnings[0].Code)
	assert.Contains(t, rep.Warnings[0].Detail, "2 connection(s) instead of 4: opening one more failed: too many connections")
	for _, mb := range src.boxes {
		assert.Equal(t, src.msgs[mb.Path.String()], dst.boxes[mb.Path.String()])
	}
}

// The day's budget spent in one worker (mailconv.ErrBudget) stops the run
// the way Stop does: that error is returned, not the others' stops, and
// the next run completes without a duplicate.
func TestConvertConnectionsBudget(t *testing.T) {
	ctx := context.Background()
	jpath := filepath.Join(t.TempDir(), "j")
	dst := newForkDest()
	run := func() (*migrate.Report, error) {
		j, err := migrate.OpenJournal(jpath, false)
		require.NoError(t, err)
		defer j.Close()
		return migrate.Convert(ctx, newParSource(true, 1, parTree), &forkWriter{d: dst}, migrate.ConvertOptions{Connections: 3, Journal: j,
			Report: &migrate.Report{Source: migrate.Endpoint{Format: "mem", Path: "src"}}})
	}
	src := newParSource(true, 1, parTree)
	dst.fail, dst.failErr = src.msgs["F"][2], fmt.Errorf("test: %w", mailconv.ErrBudget)
	_, err := run()
	require.ErrorIs(t, err, mailconv.ErrBudget)
	assert.NotErrorIs(t, err, context.Canceled)
	_, err = run()
	require.NoError(t, err)
	for _, mb := range src.boxes {
		name := mb.Path.String()
		assert.Equal(t, src.msgs[name], dst.boxes[name], "%s: every message once, in the source's order", name)
	}
}

// A fork that cannot be closed (a session's last flush failed) fails the
// run, naming it; the other forks are closed all the same.
func TestConvertConnectionsForkCloseError(t *testing.T) {
	dst := newForkDest()
	dst.closeErr = errBroken
	_, err := migrate.Convert(context.Background(), newParSource(true, 1, parTree), &forkWriter{d: dst}, migrate.ConvertOptions{Connections: 3})
	require.ErrorIs(t, err, errBroken)
	assert.Contains(t, err.Error(), "closing a session of the destination")
	assert.Equal(t, 2, dst.closed)
}
