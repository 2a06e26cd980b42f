package maildir_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
)

// memMessage is a message held in memory by memStore.
type memMessage struct {
	meta mailconv.Message
	body []byte
}

// memStore is an in-memory mailconv.Reader used as the source of
// conversions in tests, so that the maildir writer and reader can be checked
// against known metadata and bytes.
type memStore struct {
	boxes []*mailconv.Mailbox
	msgs  map[string][]memMessage
}

func newMemStore() *memStore { return &memStore{msgs: map[string][]memMessage{}} }

func (s *memStore) add(p mailconv.Path, noSelect bool, msgs ...memMessage) {
	mb := &mailconv.Mailbox{Path: p, NoSelect: noSelect, Source: "mem:" + p.String(), Messages: len(msgs), Bytes: -1}
	s.boxes = append(s.boxes, mb)
	s.msgs[mb.Source] = msgs
}

func (s *memStore) Mailboxes(context.Context) ([]*mailconv.Mailbox, error) { return s.boxes, nil }
func (s *memStore) Close() error                                           { return nil }
func (s *memStore) Open(_ context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	return &memReader{msgs: s.msgs[mb.Source], i: -1}, nil
}

type memReader struct {
	msgs []memMessage
	i    int
	cur  mailconv.Message
	r    *bytes.Reader
}

func (r *memReader) Next() (*mailconv.Message, error) {
	r.i++
	if r.i >= len(r.msgs) {
		r.r = nil
		return nil, io.EOF
	}
	r.cur = r.msgs[r.i].meta
	r.cur.Keywords = append([]string(nil), r.msgs[r.i].meta.Keywords...)
	r.r = bytes.NewReader(r.msgs[r.i].body)
	return &r.cur, nil
}

func (r *memReader) Read(p []byte) (int, error) {
	if r.r == nil {
		return 0, io.EOF
	}
	return r.r.Read(p)
}

func (r *memReader) Close() error { return nil }

// gotMessage is a message as read back from a store.
type gotMessage struct {
	ID         string
	Flags      mailconv.Flags
	Keywords   []string
	Date       time.Time
	DateSource mailconv.DateSource
	Body       []byte
}

// readStore reads every mailbox of r: path (Path.String) -> messages, plus
// the NoSelect paths.
func readStore(t testing.TB, r mailconv.Reader) (map[string][]gotMessage, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		t.Fatalf("Mailboxes: %v", err)
	}
	out := map[string][]gotMessage{}
	noSelect := map[string]bool{}
	for _, mb := range mbs {
		key := mb.Path.String()
		if _, dup := out[key]; dup {
			t.Fatalf("mailbox %s listed twice", key)
		}
		out[key] = nil
		if mb.NoSelect {
			noSelect[key] = true
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			t.Fatalf("Open %s: %v", key, err)
		}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next in %s: %v", key, err)
			}
			body, err := io.ReadAll(mr)
			if err != nil {
				t.Fatalf("reading %s: %v", m.Source, err)
			}
			kw := append([]string(nil), m.Keywords...)
			sort.Strings(kw)
			out[key] = append(out[key], gotMessage{ID: m.ID, Flags: m.Flags, Keywords: kw, Date: m.Date,
				DateSource: m.DateSource, Body: body})
		}
		mr.Close()
	}
	return out, noSelect
}

// eventLog collects events safely.
type eventLog struct {
	mu     sync.Mutex
	events []mailconv.Event
}

func (l *eventLog) add(e mailconv.Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) codes() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string]int{}
	for _, e := range l.events {
		m[e.Code]++
	}
	return m
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, e := range l.events {
		fmt.Fprintln(&b, e.String())
	}
	return b.String()
}

// flagCombos returns every combination of the six maildir flags, with and
// without FlagNew when the message is unseen.
func flagCombos() []mailconv.Flags {
	base := []mailconv.Flags{mailconv.FlagSeen, mailconv.FlagAnswered, mailconv.FlagFlagged,
		mailconv.FlagDeleted, mailconv.FlagDraft, mailconv.FlagForwarded}
	var out []mailconv.Flags
	for mask := 0; mask < 1<<len(base); mask++ {
		var f mailconv.Flags
		for i, b := range base {
			if mask&(1<<i) != 0 {
				f |= b
			}
		}
		out = append(out, f)
		if f&mailconv.FlagSeen == 0 {
			out = append(out, f|mailconv.FlagNew)
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
