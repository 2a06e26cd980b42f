package maildir_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
)

// TestReadStalwartFixture reads the Maildir++ tree of stalwart-mail-parser
// (testdata/stalwart, see its ORIGIN.md): ";2," separators, a trailing ","
// after the flags, lower-case letters without a dovecot-keywords file,
// folder names with spaces, messages in new/ with info. Its message files
// are 2-byte placeholders, so their ",S=" sizes disagree with the files.
func TestReadStalwartFixture(t *testing.T) {
	r, log := openTree(t, "testdata/stalwart", nil)
	if r.Layout() != maildir.LayoutMaildirPP {
		t.Errorf("layout %v, want maildir++", r.Layout())
	}
	got, _ := readStore(t, r)
	type want struct {
		flags mailconv.Flags
		body  string
	}
	wantBoxes := map[string][]want{
		"INBOX": {
			{mailconv.FlagSeen | mailconv.FlagNew, "b\n"},     // 1234567890...;2,Sb
			{mailconv.FlagSeen | mailconv.FlagDeleted, "a\n"}, // 1491941793...;2,STln
		},
		"My Folder": {
			{mailconv.FlagDeleted | mailconv.FlagDraft | mailconv.FlagAnswered, "c\n"}, // 1035478339...;2,TDR
			{mailconv.FlagNew, "d\n"}, // 1276528487...;2,
		},
		"My Folder/Nested Folder": {
			{mailconv.FlagAnswered | mailconv.FlagDraft | mailconv.FlagFlagged | mailconv.FlagNew, "f\n"}, // ;2,RDF,
			{mailconv.FlagFlagged | mailconv.FlagForwarded, "e\n"},                                        // ;2,FP
		},
	}
	for box, wl := range wantBoxes {
		gl := got[box]
		if len(gl) != len(wl) {
			t.Errorf("%s: %d messages, want %d", box, len(gl), len(wl))
			continue
		}
		for i := range wl {
			if gl[i].Flags != wl[i].flags {
				t.Errorf("%s #%d (%s): flags %q, want %q", box, i, gl[i].ID, gl[i].Flags, wl[i].flags)
			}
			if string(gl[i].Body) != wl[i].body {
				t.Errorf("%s #%d: body %q, want %q", box, i, gl[i].Body, wl[i].body)
			}
			if gl[i].DateSource != mailconv.DateFileTime {
				t.Errorf("%s #%d: date source %v", box, i, gl[i].DateSource)
			}
		}
	}
	codes := log.codes()
	// Letters b, l, n are not named anywhere: three recorded losses.
	if codes["maildir.keyword-unresolved"] != 3 {
		t.Errorf("unresolved keyword letters reported %d times, want 3\n%s", codes["maildir.keyword-unresolved"], log)
	}
	if codes["maildir.size-mismatch"] != 5 {
		t.Errorf("size mismatches reported %d times, want 5 (every name with S=)\n%s", codes["maildir.size-mismatch"], log)
	}
}

// writeFile creates a file with its parents and a modification time.
func writeFile(t *testing.T, path, body string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadOtherTools reads names the way other tools write them: "!2,"
// and ";2," separators, the last ":2," winning in a corrupted
// ":2,:2,S" name, custom flag letters, Dovecot keywords, ":1," info, old
// Courier names in modified UTF-7 with "&-" and "&AC4-", UTF-8 names, a
// folder named "new", and the date fallbacks.
func TestReadOtherTools(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2010, 5, 6, 7, 8, 9, 0, time.UTC)
	msg := "Subject: s\n\nx\n"
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	writeFile(t, filepath.Join(dir, "cur", "1.a.host!2,RS"), msg, t0)
	writeFile(t, filepath.Join(dir, "cur", "2.a.host;2,Fb"), msg, t0.Add(time.Second))
	writeFile(t, filepath.Join(dir, "cur", "3.a.host:2,:2,S"), msg, t0.Add(2*time.Second))
	writeFile(t, filepath.Join(dir, "cur", "4.a.host:2,SZa"), msg, t0.Add(3*time.Second))
	writeFile(t, filepath.Join(dir, "cur", "5.a.host:1,xyz"), msg, t0.Add(4*time.Second))
	writeFile(t, filepath.Join(dir, "cur", "10.a.host,S=14,W=16:2,"), msg, t0.Add(5*time.Second))
	writeFile(t, filepath.Join(dir, "tmp", "99.stale"), msg, t0)
	writeFile(t, filepath.Join(dir, "dovecot-keywords"), "0 $Junk\n1 Work\nbogus line\n", time.Time{})
	// Old Courier names: "&-" is "&", "&AC4-" is ".".
	writeFile(t, filepath.Join(dir, ".R&-D", "cur", "1.b.host:2,S"), msg, t0)
	writeFile(t, filepath.Join(dir, ".tine20&AC4-org", "new", "1.c.host"), msg, t0)
	// UTF-8 on disk (Courier's current scheme, Dovecot's :UTF-8).
	writeFile(t, filepath.Join(dir, ".Réunions.Comptes rendus", "cur", "1.d.host:2,"), msg, t0)
	writeFile(t, filepath.Join(dir, ".new", "cur", "1.e.host:2,T"), msg, t0)
	// No usable file time: Received: then Date:.
	writeFile(t, filepath.Join(dir, ".Dates", "cur", "1.f.host:2,S"),
		"Received: from a by b; Tue, 1 Jun 1999 10:00:00 +0200\nReceived: from c by d; Mon, 31 May 1999 09:00:00 +0000\nDate: Sun, 30 May 1999 08:00:00 +0000\n\nx\n",
		time.Unix(0, 0))
	writeFile(t, filepath.Join(dir, ".Dates", "cur", "2.f.host:2,S"),
		"Date: Sun, 30 May 1999 08:00:00 +0000\n\nx\n", time.Unix(0, 0))

	r, log := openTree(t, dir, nil)
	got, _ := readStore(t, r)
	inbox := got["INBOX"]
	if len(inbox) != 6 {
		t.Fatalf("INBOX: %d messages, want 6 (tmp/ ignored)\n%s", len(inbox), log)
	}
	wantFlags := []mailconv.Flags{
		mailconv.FlagAnswered | mailconv.FlagSeen,
		mailconv.FlagFlagged,
		mailconv.FlagSeen,
		mailconv.FlagSeen,
		0,
		0,
	}
	wantKw := [][]string{nil, {"Work"}, nil, {"$Junk"}, nil, nil}
	wantIDs := []string{"1.a.host", "2.a.host", "3.a.host:2,", "4.a.host", "5.a.host:1,xyz", "10.a.host,S=14,W=16"}
	for i, m := range inbox {
		if m.Flags != wantFlags[i] || strings.Join(m.Keywords, " ") != strings.Join(wantKw[i], " ") || m.ID != wantIDs[i] {
			t.Errorf("INBOX #%d: %q %q %q, want %q %q %q", i, m.ID, m.Flags, m.Keywords, wantIDs[i], wantFlags[i], wantKw[i])
		}
		if !m.Date.Equal(t0.Add(time.Duration(i) * time.Second)) {
			t.Errorf("INBOX #%d: date %v", i, m.Date)
		}
	}
	for _, p := range []string{"R&D", "tine20.org", "Réunions/Comptes rendus", "new"} {
		if len(got[p]) != 1 {
			t.Errorf("folder %q: %d messages, want 1 (have %v)", p, len(got[p]), keys(got))
		}
	}
	if got["tine20.org"][0].Flags != mailconv.FlagNew {
		t.Errorf("message in new/ without info: flags %q", got["tine20.org"][0].Flags)
	}
	dates := got["Dates"]
	if len(dates) != 2 {
		t.Fatalf("Dates: %d messages", len(dates))
	}
	if want := time.Date(1999, 6, 1, 8, 0, 0, 0, time.UTC); !dates[0].Date.Equal(want) || dates[0].DateSource != mailconv.DateReceived {
		t.Errorf("date from the newest Received: %v (%v), want %v", dates[0].Date, dates[0].DateSource, want)
	}
	if want := time.Date(1999, 5, 30, 8, 0, 0, 0, time.UTC); !dates[1].Date.Equal(want) || dates[1].DateSource != mailconv.DateHeader {
		t.Errorf("date from Date: %v (%v), want %v", dates[1].Date, dates[1].DateSource, want)
	}
	codes := log.codes()
	for code, n := range map[string]int{
		"maildir.unknown-flag":       1, // Z
		"maildir.experimental-info":  1, // :1,
		"maildir.tmp-ignored":        1,
		"maildir.keywords-bad-line":  1,
		"maildir.keyword-unresolved": 0,
	} {
		if codes[code] != n {
			t.Errorf("%s reported %d times, want %d\n%s", code, codes[code], n, log)
		}
	}

	// date=header prefers Date: even when the file time is good.
	r2, _ := openTree(t, dir, map[string]string{"date": "header"})
	got2, _ := readStore(t, r2)
	if d := got2["Dates"][0]; d.DateSource != mailconv.DateHeader || !d.Date.Equal(time.Date(1999, 5, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("date=header: %v (%v)", d.Date, d.DateSource)
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

// TestPythonMailboxInterop checks our maildirs against an independent
// implementation, Python's mailbox module, both ways: Python reads what we
// wrote (folders, subdir, flags, bytes, file times) and we read what Python
// wrote.
func TestPythonMailboxInterop(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	// We write, Python reads.
	src := newMemStore()
	m1 := testMessage(1, mailconv.FlagSeen|mailconv.FlagAnswered|mailconv.FlagForwarded)
	m2 := testMessage(2, mailconv.FlagNew)
	m3 := testMessage(3, mailconv.FlagFlagged|mailconv.FlagDraft)
	src.add(mailconv.Path{"INBOX"}, false, m1, m2)
	src.add(mailconv.Path{"Sent"}, false, m3)
	dir := filepath.Join(t.TempDir(), "out")
	convertInto(t, src, dir, nil)
	script := `
import mailbox, sys, hashlib
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
def dump(name, box):
    for key in sorted(box.keys(), key=lambda k: box.get_message(k).get_date()):
        m = box.get_message(key)
        data = box.get_bytes(key)
        print(name, m.get_subdir(), m.get_flags() or "-", int(m.get_date()), hashlib.sha256(data).hexdigest())
dump("INBOX", md)
for f in sorted(md.list_folders()):
    dump(f, md.get_folder(f))
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	line := func(box, subdir, flags string, m memMessage) string {
		return box + " " + subdir + " " + flags + " " + itoa(m.meta.Date.Unix()) + " " + sha(m.body)
	}
	want := strings.Join([]string{
		line("INBOX", "cur", "PRSa", m1), // a: the $Forwarded keyword
		line("INBOX", "new", "-", m2),
		line("Sent", "cur", "DF", m3),
	}, "\n") + "\n"
	if string(out) != want {
		t.Errorf("Python reads\n%s\nwant\n%s", out, want)
	}

	// Python writes, we read.
	pdir := filepath.Join(t.TempDir(), "py")
	script = `
import mailbox, sys
md = mailbox.Maildir(sys.argv[1], create=True)
m = mailbox.MaildirMessage(b"Subject: one\n\nbody \xe9\n")
m.set_subdir("cur"); m.set_flags("FS"); m.set_date(1000000000)
md.add(m)
sub = md.add_folder("Sub")
m = mailbox.MaildirMessage(b"Subject: two\r\n\r\nx")
m.set_date(1100000000)
sub.add(m)
`
	if out, err := exec.Command(py, "-c", script, pdir).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	r, log := openTree(t, pdir, nil)
	got, _ := readStore(t, r)
	in, sub := got["INBOX"], got["Sub"]
	if len(in) != 1 || len(sub) != 1 {
		t.Fatalf("read %v from Python's maildir\n%s", keys(got), log)
	}
	if in[0].Flags != mailconv.FlagFlagged|mailconv.FlagSeen || string(in[0].Body) != "Subject: one\n\nbody \xe9\n" ||
		in[0].Date.Unix() != 1000000000 {
		t.Errorf("INBOX message: %q %q %v", in[0].Flags, in[0].Body, in[0].Date)
	}
	// Python's mailbox writes line ends as "\n", whatever it was given.
	if sub[0].Flags != mailconv.FlagNew || string(sub[0].Body) != "Subject: two\n\nx" || sub[0].Date.Unix() != 1100000000 {
		t.Errorf("Sub message: %q %q %v", sub[0].Flags, sub[0].Body, sub[0].Date)
	}
}
