package imap_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
)

// TestLastRefAndHolds: LastRef names the appended copy as the Reader
// identifies it; Holds finds a message that was there before the mailbox
// was opened, by Message-ID, size and digest of the normalized octets.
func TestLastRefAndHolds(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	ctx := context.Background()
	body := "Message-ID: <holds@example.org>\nSubject: h\n\nbody\n"
	open := func() (*imap.Writer, *imap.MailboxWriter) {
		w, err := imap.Create(ctx, plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams()})
		if err != nil {
			t.Fatal(err)
		}
		mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"Refs"}})
		if err != nil {
			t.Fatal(err)
		}
		return w, mw.(*imap.MailboxWriter)
	}
	w, mw := open()
	if err := mw.WriteMessage(ctx, &mailconv.Message{ID: "a", Size: -1}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	ref := mw.LastRef()
	if ref == "" || mw.LastExisted() {
		t.Fatalf("LastRef %q existed %v", ref, mw.LastExisted())
	}
	mw.Close()
	w.Close()

	r, err := imap.Open(ctx, plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams()})
	if err != nil {
		t.Fatal(err)
	}
	mbs, _ := r.Mailboxes(ctx)
	var refs []string
	for _, mb := range mbs {
		if mb.Path.String() == "Refs" {
			mr, err := r.Open(ctx, mb)
			if err != nil {
				t.Fatal(err)
			}
			for m, err := mr.Next(); err == nil; m, err = mr.Next() {
				refs = append(refs, m.ID)
			}
			mr.Close()
		}
	}
	r.Close()
	if len(refs) != 1 || refs[0] != ref {
		t.Errorf("reader IDs %v, LastRef %q", refs, ref)
	}

	var norm bytes.Buffer
	n, err := imap.Normalize(&norm, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	w, mw = open()
	defer w.Close()
	for _, c := range []struct {
		id, digest string
		size       int64
		want       bool
	}{
		{"<holds@example.org>", n.Digest, n.Size, true},
		{"<holds@example.org>", "", n.Size, true},
		{"<holds@example.org>", n.Digest, n.Size + 1, false},
		{"<holds@example.org>", strings.Repeat("0", 64), n.Size, false},
		{"<other@example.org>", n.Digest, n.Size, false},
	} {
		got, err := mw.Holds(ctx, nil, c.digest, c.size, c.id)
		if err != nil || got != c.want {
			t.Errorf("Holds(%s, %d, %.8s) = %v, %v; want %v", c.id, c.size, c.digest, got, err, c.want)
		}
	}
	// Writing the same message again finds it.
	if err := mw.WriteMessage(ctx, &mailconv.Message{ID: "a", Size: -1}, io.NopCloser(strings.NewReader(body))); err != nil {
		t.Fatal(err)
	}
	if !mw.LastExisted() || mw.LastRef() != ref {
		t.Errorf("second write: existed %v ref %q, want %q", mw.LastExisted(), mw.LastRef(), ref)
	}
	mw.Close()
}
