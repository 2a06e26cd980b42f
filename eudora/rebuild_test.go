package eudora_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/mime"
)

// Acceptance 5 and §7 item 24 through the reader: markers are honoured only
// for files inside the attachment folders; "..", links out, absolute paths
// elsewhere and spoofed markers pull in nothing, keep their text, and are
// reported; a missing file keeps its marker line and is recorded as a loss.
func TestRebuildMarkerSafety(t *testing.T) {
	body := "Files:\r\n" +
		"\r\nAttachment Converted: \"D:\\Old PC\\Eudora\\attach\\here.pdf\"\r\n" +
		"\r\nAttachment Converted: \"..\\..\\secret.txt\"\r\n" +
		"\r\nAttachment Converted: \"c:\\eudora\\attach\\gone.pdf\"\r\n" +
		"#Attachment Converted: \"c:\\eudora\\attach\\kept.pdf\"\r\n" +
		"\r\nAttachment Converted: \"/etc/passwd\"\r\n" +
		"\r\nattachment converted: c:\\eudora\\attach\\link.txt\r\n"
	st := inbox(eudoratest.Msg{Raw: "Subject: markers\r\nMessage-ID: <m@x>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" + body})
	st.Attach = map[string][]byte{"here.pdf": []byte("%PDF here"), "kept.pdf": []byte("must not be attached")}
	dir := t.TempDir()
	if _, err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("store secret"), 0o644)
	outside := filepath.Join(t.TempDir(), "outside.txt")
	os.WriteFile(outside, []byte("outside secret"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "attach", "link.txt"))

	s, ev := open(t, dir, eudora.Config{})
	msgs, det := readBox(t, s, "INBOX")
	if len(msgs) != 1 || !msgs[0].Rebuilt || det.Rebuilt != 1 {
		t.Fatalf("%+v %+v", msgs, det)
	}
	out := msgs[0].Body
	for _, secret := range []string{"store secret", "outside secret", "must not be attached", "root:"} {
		if strings.Contains(out, secret) {
			t.Errorf("output contains %q", secret)
		}
	}
	_, ps := parseParts(t, []byte(out))
	// Parts in message order: text, the one honoured file, the rest of
	// the text with the markers that pulled nothing.
	var text string
	var files []samplePart
	for _, p := range ps {
		if p.Disposition == "attachment" {
			files = append(files, p)
		} else {
			text += string(p.Body)
		}
	}
	if len(files) != 1 || files[0].Filename != "here.pdf" || string(files[0].Body) != "%PDF here" {
		t.Fatalf("parts %+v", ps)
	}
	for _, kept := range []string{`..\..\secret.txt`, "gone.pdf", "#Attachment Converted", "/etc/passwd", "link.txt"} {
		if !strings.Contains(text, kept) {
			t.Errorf("marker text %q dropped:\n%s", kept, text)
		}
	}
	if strings.Contains(text, "here.pdf") {
		t.Errorf("the honoured marker stayed in the text")
	}
	loss := func(code string) int {
		n := 0
		for _, e := range ev.code(code) {
			if e.Kind == mailconv.EventLoss && e.Message == msgs[0].ID {
				n++
			}
		}
		return n
	}
	if loss("eudora.missing-attachment") != 2 || loss("eudora.outside-root") != 2 {
		t.Errorf("losses: missing %v, outside %v", ev.code("eudora.missing-attachment"), ev.code("eudora.outside-root"))
	}
	if len(ev.code("eudora.spoofed-marker")) != 1 {
		t.Errorf("spoof: %v", ev.code("eudora.spoofed-marker"))
	}
}

// Rebuilt output never carries bytes a TOC does not list, in rebuild mode
// too (acceptance 4), and with recover=emit the recovered message is
// rebuilt and marked.
func TestRebuildDeleted(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: "Subject: kept\r\n\r\n<x-html>\r\n<p>kept</p>\r\n</x-html>\r\n", State: 1},
		eudoratest.Msg{Raw: "Subject: deleted\r\n\r\n<x-html>\r\n<p>deleted</p>\r\n</x-html>\r\n", Deleted: true},
	)
	s, l, _ := build(t, st, eudora.Config{})
	msgs, _ := readBox(t, s, "INBOX")
	if len(msgs) != 1 || strings.Contains(msgs[0].Body, "deleted") || !strings.Contains(msgs[0].Body, "text/html") {
		t.Fatalf("%q", bodies(msgs))
	}
	s, _ = open(t, l.Dir, eudora.Config{Recover: eudora.RecoverEmit})
	msgs, _ = readBox(t, s, "INBOX")
	if len(msgs) != 2 || !msgs[1].HasKeyword("$EudoraDeleted") || !msgs[1].Rebuilt || !strings.Contains(msgs[1].Body, "<p>deleted</p>") {
		t.Fatalf("%+v", msgs)
	}
}

// The TOC priority survives the rebuild as X-Priority when the message has
// none; raw output records the loss.
func TestPriority(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: "Subject: urgent\r\n\r\nx\r\n", Priority: 1},
		eudoratest.Msg{Raw: "Subject: normal\r\n\r\nx\r\n", Priority: 3},
		eudoratest.Msg{Raw: "Subject: has header\r\nX-Priority: 2\r\n\r\nx\r\n", Priority: 2},
	)
	s, l, _ := build(t, st, eudora.Config{})
	msgs, _ := readBox(t, s, "INBOX")
	if !strings.HasPrefix(msgs[0].Body, "X-Priority: 1\r\n") || strings.Contains(msgs[1].Body, "X-Priority") || strings.Count(msgs[2].Body, "X-Priority") != 1 {
		t.Fatalf("%q", bodies(msgs))
	}
	h, _ := parseParts(t, []byte(msgs[0].Body))
	if h.Get("X-Priority") != "1" || h.Get("Subject") != "urgent" {
		t.Errorf("header %v", h)
	}
	s, ev := open(t, l.Dir, eudora.Config{Raw: true})
	readBox(t, s, "INBOX")
	if len(ev.code("eudora.priority")) != 1 {
		t.Errorf("raw: %v", ev.code("eudora.priority"))
	}
}

// §7 items 7 and 27 through the reader: an "Attach" folder found as
// "attach", the folder named by Eudora.ini's AutoReceiveAttachmentsDirectory,
// and Mac "#hex"-shortened names told apart by the marker's file ID.
func TestAttachmentFolders(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: "Subject: a\r\nMessage-ID: <a@x>\r\n\r\nsee file\r\n\r\nAttachment Converted: \"C:\\EUDORA\\ATTACH\\Plan.PDF\"\r\n"},
		eudoratest.Msg{Raw: "Subject: b\r\nMessage-ID: <b@x>\r\n\r\nsee file\r\n\r\nAttachment Converted: \"D:\\Mail\\Files\\budget.xls\"\r\n"},
	)
	st.AttachDir = "Attach"
	st.Attach = map[string][]byte{"plan.pdf": []byte("plan")}
	st.Ini = "[Settings]\nAutoReceiveAttachmentsDirectory=D:\\Mail\\Files\n"
	dir := t.TempDir()
	if _, err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "Files"), 0o755)
	os.WriteFile(filepath.Join(dir, "Files", "budget.xls"), []byte("xls"), 0o644)
	s, ev := open(t, dir, eudora.Config{})
	msgs, _ := readBox(t, s, "INBOX")
	for i, want := range []string{"plan", "xls"} {
		_, ps := parseParts(t, []byte(msgs[i].Body))
		if len(ps) != 2 || string(ps[1].Body) != want {
			t.Errorf("message %d: parts %+v (events %v)", i, ps, ev.all)
		}
	}

	mac := &eudoratest.Store{Platform: mime.Mac, Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: []eudoratest.Msg{
		{Raw: "Subject: c\r\nMessage-ID: <c@x>\r\n\r\nsee file\r\nAttachment converted: Macintosh HD:Two same prefix one.doc (WDBN/MSWD) (00003C4D)\r\n"},
	}}}}, Attach: map[string][]byte{"Two same prefix#1A2B.doc": []byte("wrong"), "Two same prefix#3C4D.doc": []byte("right")}}
	s, _, ev = build(t, mac, eudora.Config{})
	msgs, _ = readBox(t, s, "INBOX")
	_, ps := parseParts(t, []byte(msgs[0].Body))
	if len(ps) != 2 || string(ps[1].Body) != "right" {
		t.Errorf("mac: parts %+v (events %v)", ps, ev.all)
	}
}

// §7 item 19: Mac priority 0 means unset; 40…200 map to 1…5 (120 normal).
func TestMacPriority(t *testing.T) {
	st := &eudoratest.Store{Platform: mime.Mac, Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: []eudoratest.Msg{
		{Raw: "Subject: unset\r\n\r\nx\r\n", Priority: 0},
		{Raw: "Subject: highest\r\n\r\nx\r\n", Priority: 40},
		{Raw: "Subject: normal\r\n\r\nx\r\n", Priority: 120},
		{Raw: "Subject: lowest\r\n\r\nx\r\n", Priority: 200},
	}}}}}
	s, _, _ := build(t, st, eudora.Config{})
	msgs, _ := readBox(t, s, "INBOX")
	want := []string{"", "1", "", "5"}
	for i, m := range msgs {
		h, _ := parseParts(t, []byte(m.Body))
		if got := h.Get("X-Priority"); got != want[i] {
			t.Errorf("message %d: X-Priority %q, want %q", i, got, want[i])
		}
	}
}
