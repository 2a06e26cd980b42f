package maildir_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// mailutilsMbox is a GNU mailutils-style mbox written by hand: mailutils
// puts every attribute into Status, in its own order (O A F R d), and
// other producers of the same files add X-Status letters in any order.
// want is the state each message must have, in every store it passes
// through; info is the maildir info it must get.
var mailutilsMbox = []struct {
	status, xstatus string
	want            mailconv.Flags
	info            string
}{
	{"RO", "", mailconv.FlagSeen, "S"},
	{"O", "", 0, ""},
	{"ORA", "", mailconv.FlagSeen | mailconv.FlagAnswered, "RS"},
	{"RAF", "", mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged, "FRS"},
	{"OAFRd", "", mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged | mailconv.FlagDeleted, "FRST"},
	{"OA", "", mailconv.FlagAnswered, "R"},
	{"Od", "", mailconv.FlagDeleted, "T"},
	{"RO", "TF", mailconv.FlagSeen | mailconv.FlagDraft | mailconv.FlagFlagged, "DFS"},
	{"", "", mailconv.FlagNew, ""}, // no Status field at all: never listed
}

func writeMailutilsMbox(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for i, m := range mailutilsMbox {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("From user@example.org Tue Mar  4 10:0" + itoa(int64(i)) + ":00 2008\n")
		b.WriteString("From: user@example.org\nSubject: message " + itoa(int64(i)) + "\n")
		if m.status != "" {
			b.WriteString("Status: " + m.status + "\n")
		}
		if m.xstatus != "" {
			b.WriteString("X-Status: " + m.xstatus + "\n")
		}
		b.WriteString("\nbody " + itoa(int64(i)) + "\n")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "INBOX"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A mailutils-style mbox converts to maildir and back to mbox with every
// state kept, and Verify agrees at each step.
func TestMailutilsStatusMboxMaildirMbox(t *testing.T) {
	src := writeMailutilsMbox(t)
	orig, _ := readStore(t, openMbox(t, src))
	msgs := orig["INBOX"]
	if len(msgs) != len(mailutilsMbox) {
		t.Fatalf("read %d messages, want %d", len(msgs), len(mailutilsMbox))
	}
	for i, m := range msgs {
		if m.Flags != mailutilsMbox[i].want {
			t.Errorf("source #%d (Status %q X-Status %q): flags %q, want %q", i, mailutilsMbox[i].status, mailutilsMbox[i].xstatus, m.Flags, mailutilsMbox[i].want)
		}
	}

	md := filepath.Join(t.TempDir(), "md")
	convertInto(t, openMbox(t, src), md, nil)
	// The file names carry the state as maildir info letters.
	var infos []string
	for _, sub := range []string{"cur", "new"} {
		ents, _ := os.ReadDir(filepath.Join(md, sub))
		for _, e := range ents {
			name := e.Name()
			info := "(new)"
			if i := strings.LastIndex(name, ":2,"); i >= 0 {
				info = name[i+3:]
			}
			infos = append(infos, info)
		}
	}
	var wantInfos []string
	for _, m := range mailutilsMbox {
		if m.want&mailconv.FlagNew != 0 {
			wantInfos = append(wantInfos, "(new)")
		} else {
			wantInfos = append(wantInfos, m.info)
		}
	}
	sort.Strings(infos)
	sort.Strings(wantInfos)
	if strings.Join(infos, "|") != strings.Join(wantInfos, "|") {
		t.Errorf("maildir info letters %q, want %q", infos, wantInfos)
	}
	r, _ := openTree(t, md, nil)
	verifyOK(t, openMbox(t, src), r)

	back := filepath.Join(t.TempDir(), "back")
	writeMbox(t, r, back)
	again, _ := readStore(t, openMbox(t, back))
	sameMessagesAcross(t, orig, again, nil)
	verifyOK(t, openMbox(t, src), openMbox(t, back))
}

// verifyOK runs mailconv.Verify and fails the test unless it passes.
func verifyOK(t *testing.T, src, dst mailconv.Reader) {
	t.Helper()
	res, err := migrate.Verify(context.Background(), src, dst, migrate.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		for _, mv := range res.Mailboxes {
			for _, p := range mv.Problems {
				t.Errorf("verify: %s: %s", mv.Source, p)
			}
		}
		t.Fatalf("verify failed: %+v", res.Totals)
	}
}

// Keywords named by a maildir message's own header (mu's and mutt's
// comma-separated X-Keywords, Dovecot's space-separated form, Thunderbird's
// X-Mozilla-Keys) are merged with the file name's: they survive a
// conversion to mbox, whose writer replaces those fields. Words that
// cannot be keywords are reported, never dropped silently.
func TestHeaderKeywordsMergedMaildirToMbox(t *testing.T) {
	src := writeMaildir(t, map[string]string{
		"dovecot-keywords":           "0 work\n",
		"cur/1000000001.a.host:2,S":  "From: a@b\nX-Keywords: milton,john\nSubject: mu\n\nbody\n",
		"cur/1000000002.a.host:2,Sa": "From: a@b\nX-Keywords: work, later\n  folded\nSubject: mutt\n\nbody\n",
		"cur/1000000003.a.host:2,":   "From: a@b\nX-Mozilla-Keys: $label1 todo                    \nSubject: tb\n\nbody\n",
		"cur/1000000004.a.host:2,S":  "From: a@b\nX-Keywords: good,bad\"word\nSubject: bad\n\nbody\n",
	})
	want := map[string]string{
		"mu":   "john milton",
		"mutt": "folded later work",
		"tb":   "$label1 todo",
		"bad":  "good",
	}
	r, log := openTree(t, src, nil)
	got, _ := readStore(t, r)
	check := func(where string, msgs []gotMessage) {
		t.Helper()
		if len(msgs) != len(want) {
			t.Fatalf("%s: %d messages, want %d", where, len(msgs), len(want))
		}
		for _, m := range msgs {
			subj := string(m.Body[strings.Index(string(m.Body), "Subject: ")+9:])
			subj = subj[:strings.IndexByte(subj, '\n')]
			if kw := strings.Join(m.Keywords, " "); kw != want[subj] {
				t.Errorf("%s: message %q: keywords %q, want %q", where, subj, kw, want[subj])
			}
		}
	}
	check("maildir", got["INBOX"])
	if n := log.codes()["maildir.bad-keyword"]; n != 1 {
		t.Errorf("bad keyword reported %d times, want 1\n%s", n, log)
	}
	mb := filepath.Join(t.TempDir(), "mbox")
	writeMbox(t, r, mb)
	back, _ := readStore(t, openMbox(t, mb))
	check("mbox", back["INBOX"])
	r2, _ := openTree(t, src, nil)
	verifyOK(t, r2, openMbox(t, mb))
}

// Thunderbird's maildir store keeps the state in X-Mozilla-Status, not in
// the file name; the reader does not read it, and says so.
func TestThunderbirdMaildirStateReported(t *testing.T) {
	src := writeMaildir(t, map[string]string{
		"cur/1700000000123.eml": "X-Mozilla-Status: 0001\nX-Mozilla-Keys: todo\nSubject: tb\n\nbody\n",
		"cur/1.2.host:2,S":      "X-Mozilla-Status: 0001\nSubject: named\n\nbody\n",
		"cur/1700000000124.eml": "Subject: plain\n\nbody\n",
	})
	r, log := openTree(t, src, nil)
	got, _ := readStore(t, r)
	if len(got["INBOX"]) != 3 {
		t.Fatalf("read %d messages, want 3", len(got["INBOX"]))
	}
	if n := log.codes()["maildir.mozilla-status"]; n != 1 {
		t.Errorf("X-Mozilla-Status without info reported %d times, want 1\n%s", n, log)
	}
}

// writeMaildir makes a maildir in a new temporary directory with the
// given files (paths relative to its root, such as "cur/1.2.host:2,S").
func writeMaildir(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
