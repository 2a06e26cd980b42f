package eudora_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

// events collects events.
type events struct {
	mu  sync.Mutex
	all []mailconv.Event
}

func (e *events) add(ev mailconv.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// codes returns the events with the given code.
func (e *events) code(c string) []mailconv.Event {
	var out []mailconv.Event
	for _, ev := range e.all {
		if ev.Code == c {
			out = append(out, ev)
		}
	}
	return out
}

func (e *events) has(c string) bool { return len(e.code(c)) > 0 }

// build writes st into a temporary directory and opens it. Messages are
// read raw unless cfg says otherwise through rebuild.
func build(t *testing.T, st *eudoratest.Store, cfg eudora.Config) (*eudora.Store, *eudoratest.Layout, *events) {
	t.Helper()
	dir := t.TempDir()
	l, err := st.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, ev := open(t, dir, cfg)
	return s, l, ev
}

func open(t *testing.T, dir string, cfg eudora.Config) (*eudora.Store, *events) {
	t.Helper()
	ev := &events{}
	cfg.Events = ev.add
	s, err := eudora.OpenConfig(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, ev
}

// got is a message read back.
type got struct {
	mailconv.Message
	Body string
}

// readBox reads every message of the mailbox at path p ("Work/Clients").
func readBox(t *testing.T, s *eudora.Store, p string) ([]got, eudora.MailboxDetails) {
	t.Helper()
	mb := findBox(t, s, p)
	r, err := s.Open(context.Background(), mb)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []got
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		g := got{Message: *m, Body: string(b)}
		g.Keywords = append([]string(nil), m.Keywords...)
		out = append(out, g)
	}
	det := r.(interface{ Details() any }).Details().(eudora.MailboxDetails)
	return out, det
}

func findBox(t *testing.T, s *eudora.Store, p string) *mailconv.Mailbox {
	t.Helper()
	mbs, err := s.Mailboxes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := mailconv.ParsePath(p)
	for _, mb := range mbs {
		if mb.Path.Equal(want) {
			return mb
		}
	}
	var names []string
	for _, mb := range mbs {
		names = append(names, mb.Path.String())
	}
	t.Fatalf("no mailbox %q; have %s", p, strings.Join(names, ", "))
	return nil
}

func paths(t *testing.T, s *eudora.Store) []string {
	t.Helper()
	mbs, err := s.Mailboxes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mb := range mbs {
		p := mb.Path.String()
		if mb.NoSelect {
			p += "/"
		}
		out = append(out, p)
	}
	return out
}

// msg builds a simple stored message with CRLF line ends.
func msg(subject, body string) string {
	return "From: Sender <sender@example.com>\r\nTo: you@example.com\r\nSubject: " + subject +
		"\r\nDate: Mon, 13 Dec 2010 18:45:29 -0600\r\n\r\n" + body
}

func bodies(gs []got) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Body)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// crlf turns a Mac (CR) stored message into what raw mode emits.
func crlf(s string) string { return strings.ReplaceAll(s, "\r", "\r\n") }
