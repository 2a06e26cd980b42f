package imap_test

import (
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/dovecottest"
)

// checkDoveadm compares the source messages with what Dovecot stored, read
// with doveadm from a copy of the server's maildir (independent of the
// imap package). want maps source paths to server mailbox names.
func checkDoveadm(t *testing.T, srv *dovecotserver.Server, src map[string][]srcMsg, want map[string]string, sep string) {
	t.Helper()
	snap, err := srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sess := dovecottest.Open(t, snap, dovecottest.Config{Separator: sep})
	got := map[string][]dovecottest.Message{}
	for _, m := range sess.Fetch() {
		got[m.Mailbox] = append(got[m.Mailbox], m)
	}
	boxes := map[string]bool{}
	for _, b := range sess.Mailboxes() {
		boxes[b] = true
	}
	for path, msgs := range src {
		name, ok := want[path]
		if !ok {
			t.Errorf("test bug: no expected server name for %q", path)
			continue
		}
		if !boxes[name] {
			t.Errorf("mailbox %q (from %q) missing on the server; it has %v", name, path, sess.Mailboxes())
		}
		g := got[name]
		sort.Slice(g, func(i, j int) bool { return g[i].UID < g[j].UID })
		if len(g) != len(msgs) {
			t.Errorf("%q: %d messages on the server, %d in the source", name, len(g), len(msgs))
			continue
		}
		for i, s := range msgs {
			d := g[i]
			if !bytes.Equal(toCRLF(d.Text), toCRLF(s.body)) {
				t.Errorf("%q message %d: body differs:\nserver %q\nsource %q", name, i, d.Text, s.body)
			}
			wf := strings.Join(flagNames(s.flags, s.keywords), " ")
			df := append([]string(nil), d.Flags...)
			sort.Strings(df)
			if strings.Join(df, " ") != wf {
				t.Errorf("%q message %d: flags %v, source %q", name, i, df, wf)
			}
			if !s.date.IsZero() && !d.Received.Equal(s.date.Truncate(1e9)) {
				t.Errorf("%q message %d: received %v, source %v", name, i, d.Received, s.date)
			}
		}
	}
}

// TestUploadSampleMbox uploads the sample Thunderbird-style mbox tree
// (non-ASCII folder, a mailbox with children, Drafts) and checks the
// result with doveadm and through the imap Reader.
func TestUploadSampleMbox(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	rep, err := convert(t, "mbox", "../testdata/sample-mbox", nil, plainAddr(srv, ""), plainParams())
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, events(rep))
	}
	t.Logf("events:\n%s", events(rep))
	src := readStore(t, "mbox", "../testdata/sample-mbox", nil)
	t.Logf("source mailboxes: %v", keys(src))
	checkDoveadm(t, srv, src, map[string]string{
		"INBOX": "INBOX", "Drafts": "Drafts", "Archive": "Archive", "Archive/Réunions": "Archive.Réunions",
	}, "")
	if errs := srv.Errors(); len(errs) > 0 {
		t.Errorf("server errors: %q", errs)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
