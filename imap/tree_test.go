package imap_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
)

// thunderbirdTree builds a Thunderbird-style mbox tree: special folders
// (Sent, Trash, Junk, Drafts), a non-ASCII folder, a folder name holding
// the server's delimiter, and a mailbox with messages and children.
func thunderbirdTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "Local Folders")
	os.MkdirAll(filepath.Join(root, "Projekte.sbd", "Köln 2019.sbd"), 0o755)
	writeMbox(t, root, "Inbox", "inbox", 4, 300)
	writeMbox(t, root, "Sent", "sent", 3, 300)
	writeMbox(t, root, "Trash", "trash", 2, 300)
	writeMbox(t, root, "Junk", "junk", 2, 300)
	writeMbox(t, root, "Drafts", "drafts", 1, 300)
	writeMbox(t, root, "Projekte", "projekte", 3, 300)
	writeMbox(t, filepath.Join(root, "Projekte.sbd"), "Köln 2019", "koeln", 2, 300)
	writeMbox(t, filepath.Join(root, "Projekte.sbd", "Köln 2019.sbd"), "Übersicht", "uebersicht", 2, 300)
	writeMbox(t, filepath.Join(root, "Projekte.sbd"), "v1.2 release", "dotted", 1, 300)
	return root
}

// readIMAP reads the messages under an address with the imap Reader
// (IMAP FETCH), keyed by path.
func readIMAP(t *testing.T, addr string, params map[string]string) (map[string][]srcMsg, map[string]mailconv.Role) {
	t.Helper()
	ctx := context.Background()
	r, err := imap.Open(ctx, addr, false, &mailconv.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]srcMsg{}
	roles := map[string]mailconv.Role{}
	for _, mb := range mbs {
		roles[mb.Path.String()] = mb.Role
		if mb.NoSelect {
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			t.Fatal(err)
		}
		list := []srcMsg{}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(mr)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(b)) != m.Size {
				t.Errorf("%s: %d octets read, RFC822.SIZE %d", m.ID, len(b), m.Size)
			}
			kw := append([]string(nil), m.Keywords...)
			sort.Strings(kw)
			list = append(list, srcMsg{id: m.ID, flags: m.Flags, keywords: kw, date: m.Date, body: b})
		}
		mr.Close()
		out[mb.Path.String()] = list
	}
	return out, roles
}

// compareIMAP checks that what the server returns through FETCH equals the
// source: bodies byte for byte after CRLF normalization, flags, keywords
// and INTERNALDATE.
func compareIMAP(t *testing.T, got map[string][]srcMsg, src map[string][]srcMsg, want map[string]string) {
	t.Helper()
	for path, msgs := range src {
		g := got[want[path]]
		if len(g) != len(msgs) {
			t.Errorf("%s -> %s: %d messages through IMAP, %d in the source", path, want[path], len(g), len(msgs))
			continue
		}
		for i, s := range msgs {
			if !bytes.Equal(g[i].body, toCRLF(s.body)) {
				t.Errorf("%s message %d: FETCH BODY[] differs from the CRLF source", path, i)
			}
			if a, b := strings.Join(flagNames(g[i].flags, g[i].keywords), " "), strings.Join(flagNames(s.flags, s.keywords), " "); a != b {
				t.Errorf("%s message %d: flags %q, source %q", path, i, a, b)
			}
			if !g[i].date.Equal(s.date.Truncate(1e9)) {
				t.Errorf("%s message %d: INTERNALDATE %v, source %v", path, i, g[i].date, s.date)
			}
		}
	}
}

// TestUploadThunderbirdTree uploads a tree with special folders, non-ASCII
// names, a name holding the delimiter and a mixed mailbox, and checks it
// with doveadm and through IMAP FETCH.
func TestUploadThunderbirdTree(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	root := thunderbirdTree(t)
	rep, err := convert(t, "mbox", root, nil, plainAddr(srv, ""), plainParams())
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, events(rep))
	}
	if rep.Codes["imap.special-use"] != 4 {
		t.Errorf("want Sent, Trash, Junk and Drafts mapped by special-use:\n%s", events(rep))
	}
	src := readStore(t, "mbox", root, nil)
	want := map[string]string{
		"INBOX": "INBOX", "Sent": "Sent Messages", "Trash": "Deleted Messages", "Junk": "Spam", "Drafts": "Drafts",
		"Projekte": "Projekte", "Projekte/Köln 2019": "Projekte.Köln 2019",
		"Projekte/Köln 2019/Übersicht": "Projekte.Köln 2019.Übersicht", "Projekte/v1.2 release": "Projekte.v1%2E2 release",
	}
	checkDoveadm(t, srv, src, want, "")
	if rep.Codes["names.changed"] != 1 {
		t.Errorf("want one rename (the dot):\n%s", events(rep))
	}
	got, roles := readIMAP(t, plainAddr(srv, ""), plainParams())
	wantPaths := map[string]string{}
	for k, v := range want {
		wantPaths[k] = mailconv.Path(strings.Split(v, ".")).String()
	}
	compareIMAP(t, got, src, wantPaths)
	if roles["Sent Messages"] != mailconv.RoleSent || roles["Spam"] != mailconv.RoleJunk {
		t.Errorf("reader roles: %v", roles)
	}
	if errs := srv.Errors(); len(errs) > 0 {
		t.Errorf("server errors: %q", errs)
	}
}

// TestPrefixAndNamespace uploads under a URL prefix into a Courier-style
// server (namespace prefix "INBOX.", delimiter "/"): everything lands
// under INBOX/Old mail/..., the inbox included, with no INBOX.INBOX and no
// special-use redirection.
func TestPrefixAndNamespace(t *testing.T) {
	srv := server(t, dovecotserver.Config{Prefix: "INBOX/", Separator: "/"})
	root := thunderbirdTree(t)
	addr := plainAddr(srv, "Old%20mail")
	rep, err := convert(t, "mbox", root, nil, addr, plainParams())
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, events(rep))
	}
	if rep.Codes["imap.special-use"] != 0 {
		t.Errorf("special-use used under a prefix:\n%s", events(rep))
	}
	src := readStore(t, "mbox", root, nil)
	got, _ := readIMAP(t, addr, plainParams())
	want := map[string]string{}
	for p := range src {
		want[p] = p
	}
	want["Projekte/v1.2 release"] = "Projekte/v1%2E2 release" // Dovecot refuses "." here; the probe found it
	compareIMAP(t, got, src, want)
	out, err := srv.Doveadm(nil, "mailbox list")
	if err != nil {
		t.Fatal(err)
	}
	list := string(out)
	if !strings.Contains(list, "INBOX/Old mail/INBOX\n") || !strings.Contains(list, "INBOX/Old mail/Projekte/Köln 2019/Übersicht\n") || strings.Contains(list, "INBOX/INBOX") {
		t.Errorf("server mailboxes:\n%s", list)
	}
}
