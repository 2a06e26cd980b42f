package eudora_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/internal/dovecottest"
	_ "github.com/mailconv/mailconv/maildir"
	_ "github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// convertStore converts the Eudora store in src into format dst (through
// the registry, as the command line does) and returns the output directory
// and the report.
func convertStore(t *testing.T, src, dst string, params map[string]string) (string, *migrate.Report) {
	t.Helper()
	ctx := context.Background()
	rep := &migrate.Report{}
	ef, ok := mailconv.LookupFormat("eudora")
	if !ok {
		t.Fatal("format eudora not registered")
	}
	r, err := ef.Open(ctx, src, &mailconv.Options{Params: params, Events: rep.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	df, _ := mailconv.LookupFormat(dst)
	out := filepath.Join(t.TempDir(), "out")
	w, err := df.Create(ctx, out, &mailconv.Options{Events: rep.Add})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Convert(ctx, r, w, migrate.ConvertOptions{Report: rep}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out, rep
}

// samplePart is one leaf part of a parsed message.
type samplePart struct {
	Type, Filename, CID, Disposition string
	Body                             []byte
}

// parseParts parses raw with go-message (charsets decoded to UTF-8) and
// returns its header and leaf parts; it fails the test when go-message
// cannot read every part.
func parseParts(t *testing.T, raw []byte) (message.Header, []samplePart) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v\n%s", err, raw)
	}
	var ps []samplePart
	err = e.Walk(func(path []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if p.MultipartReader() != nil {
			return nil
		}
		ct, _, _ := p.Header.ContentType()
		disp, dp, _ := p.Header.ContentDisposition()
		b, err := io.ReadAll(p.Body)
		if err != nil {
			return err
		}
		ps = append(ps, samplePart{Type: ct, Filename: dp["filename"], Disposition: disp,
			CID: strings.Trim(p.Header.Get("Content-Id"), "<>"), Body: b})
		return nil
	})
	if err != nil {
		t.Fatalf("walking parts: %v\n%s", err, raw)
	}
	return e.Header, ps
}

func lf(b []byte) string {
	return strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\r", "\n")
}

var xhtmlRe = regexp.MustCompile(`(?s)<x-html>(?:<!x-stuff-for-pete[^>]*>)?\r?\n?(.*?)</x-html>`)

// sampleFlags are the states the sample's messages must have in any
// target, by Message-ID: written from eudoratest.Sample's TOC states, not
// from the reader.
var sampleFlags = map[string]string{
	"<20101213054255.1234@example.org>":               "\\Answered \\Seen",
	"<4D0628A0.7050607@example.net>":                  "$Forwarded $label2 \\Seen",
	"<4D073200.3000400@example.fr>":                   "\\Seen",
	"<newsletter-2010-12@example.com>":                "",
	"<flowed@example.org>":                            "$Forwarded $Redirected \\Seen",
	"<6.2.5.6.2.20101213082000.01e2f338@example.com>": "$Submitted \\Seen",
	"<6.2.5.6.2.20101217170000.01e2f440@example.com>": "$SubmitPending \\Draft \\Seen",
	"<6.2.5.6.2.20101218100000.01e2f550@example.com>": "\\Draft \\Seen",
	"<win-123@lottery.example>":                       "$Junk",
	"<order-98765@shop.example>":                      "\\Seen",
	"<contract-2011@corp.example>":                    "$label1 \\Answered \\Seen",
	"<alpha-kickoff@corp.example>":                    "\\Seen",
	"<vacances-2010@example.fr>":                      "\\Seen",
	"<20101218063155.GA4711@example.de>":              "\\Seen",
}

func sortedFlags(fs []string) string {
	fs = append([]string(nil), fs...)
	sort.Strings(fs)
	return strings.Join(fs, " ")
}

// checkSampleMessage checks one rebuilt sample message against the stored
// one and the attachment files: it parses with go-message, attachments
// decode to the files' bytes (text modulo line ends), the HTML part is the
// <x-html> content.
func checkSampleMessage(t *testing.T, raw []byte) {
	t.Helper()
	h, ps := parseParts(t, raw)
	id := h.Get("Message-Id")
	switch id {
	case "<4D0628A0.7050607@example.net>":
		if len(ps) != 3 {
			t.Fatalf("%s: %d parts", id, len(ps))
		}
		if ps[1].Type != "application/pdf" || ps[1].Filename != "report.pdf" || !bytes.Equal(ps[1].Body, eudoratest.SamplePDF) {
			t.Errorf("%s: PDF part %s %q (%d bytes)", id, ps[1].Type, ps[1].Filename, len(ps[1].Body))
		}
		if ps[2].Type != "text/plain" || ps[2].Filename != "notes.txt" || lf(ps[2].Body) != lf(eudoratest.SampleNotes) {
			t.Errorf("%s: text attachment %s %q %q", id, ps[2].Type, ps[2].Filename, ps[2].Body)
		}
		if !strings.Contains(string(ps[0].Body), "the report and my notes") || strings.Contains(string(ps[0].Body), "Attachment Converted") {
			t.Errorf("%s: text %q", id, ps[0].Body)
		}
	case "<4D073200.3000400@example.fr>":
		if len(ps) != 2 || ps[0].Type != "text/html" || ps[1].Type != "image/png" {
			t.Fatalf("%s: parts %+v", id, ps)
		}
		if !bytes.Equal(ps[1].Body, eudoratest.SamplePNG) || ps[1].CID != eudoratest.SampleCID {
			t.Errorf("%s: image part cid %q, %d bytes", id, ps[1].CID, len(ps[1].Body))
		}
		if from := h.Get("From"); !strings.Contains(from, "=?") {
			t.Errorf("%s: 8-bit From not re-encoded: %q", id, from)
		}
		if f, err := h.Text("From"); err != nil || f != "René Dupont <rene@example.fr>" {
			t.Errorf("%s: From decodes to %q (%v)", id, f, err)
		}
	case "<flowed@example.org>":
		ct := h.Get("Content-Type")
		if !strings.Contains(ct, "format=flowed") || !strings.Contains(string(ps[0].Body), "with a \r\nspace") {
			t.Errorf("%s: %s %q", id, ct, ps[0].Body)
		}
	case "<20101218063155.GA4711@example.de>":
		// Issue 13 items 3 and 4: the files Eudora saved without an
		// extension are typed from their content; the signature of the
		// flattened multipart/signed keeps its name.
		if len(ps) != 2 {
			t.Fatalf("%s: %d parts", id, len(ps))
		}
		if ps[0].Type != "text/plain" || ps[0].Filename != "stevan_white" || lf(ps[0].Body) != lf(eudoratest.SampleSignedText) {
			t.Errorf("%s: text part %s %q %q", id, ps[0].Type, ps[0].Filename, ps[0].Body)
		}
		if !strings.Contains(string(raw), "charset=utf-8") {
			t.Errorf("%s: text part without its charset", id)
		}
		if ps[1].Type != "application/pgp-signature" || ps[1].Filename != "Email Attachment Test" || !bytes.Equal(ps[1].Body, eudoratest.SampleSignature) {
			t.Errorf("%s: signature part %s %q %q", id, ps[1].Type, ps[1].Filename, ps[1].Body)
		}
	case "<vacances-2010@example.fr>":
		if !strings.Contains(string(ps[0].Body), "3 août") {
			t.Errorf("%s: %q", id, ps[0].Body)
		}
	}
	for _, p := range ps {
		if p.Type == "text/html" {
			m := xhtmlRe.FindSubmatch(sampleStored[id])
			if m == nil {
				t.Errorf("%s: HTML part but no <x-html> in the stored message", id)
			} else if strings.TrimRight(lf(p.Body), "\n") != strings.TrimRight(lf(m[1]), "\n") {
				t.Errorf("%s: HTML part\n%q\nwant\n%q", id, p.Body, m[1])
			}
		}
	}
}

// sampleStored holds the stored bytes of every sample message, by
// Message-ID.
var sampleStored = func() map[string][]byte {
	out := map[string][]byte{}
	var walk func(f eudoratest.Folder)
	walk = func(f eudoratest.Folder) {
		for _, mb := range f.Mailboxes {
			for _, m := range mb.Msgs {
				if id := regexp.MustCompile(`(?mi)^Message-I[dD]: (<[^>]*>)`).FindStringSubmatch(m.Raw); id != nil {
					out[id[1]] = []byte(m.Raw)
				}
			}
		}
		for _, s := range f.Folders {
			walk(*s)
		}
	}
	walk(eudoratest.Sample().Root)
	return out
}()

// Acceptance 2: the sample Windows store (nested folders, HTML mail,
// binary and text attachments, an inline image) converts to maildir;
// Dovecot shows the folder tree, the counts and the states; every message
// parses with go-message, attachments decode to the files' bytes, the HTML
// part is the <x-html> content; the deleted message stays deleted.
func TestSampleToMaildirDovecot(t *testing.T) {
	out, rep := convertStore(t, sampleDir, "maildir", nil)
	if rep.Totals.Skips != 0 || rep.Totals.MessagesWritten != 14 {
		t.Fatalf("report: %+v skips %v", rep.Totals, rep.Skips)
	}
	s := dovecottest.Open(t, out, dovecottest.Config{})
	wantCounts := map[string]int{"INBOX": 6, "Out": 3, "Junk": 1, "Trash": 1,
		"Work.Clients": 1, "Work.Projects.Alpha": 1, "Famille & Amis.Vacances été": 1}
	got := s.Selectable()
	for name, n := range wantCounts {
		if got[name] != n {
			t.Errorf("Dovecot: %s has %d messages, want %d (all: %v)", name, got[name], n, got)
		}
	}
	list := strings.Join(s.Mailboxes(), "|")
	for _, f := range []string{"Work", "Work.Projects", "Famille & Amis"} {
		if !strings.Contains("|"+list+"|", "|"+f+"|") {
			t.Errorf("Dovecot does not list folder %s: %s", f, list)
		}
	}
	msgs := s.Fetch()
	if len(msgs) != 14 {
		t.Fatalf("Dovecot fetched %d messages", len(msgs))
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		want, ok := sampleFlags[m.MessageID]
		if !ok {
			t.Errorf("unexpected message %q in %s", m.MessageID, m.Mailbox)
			continue
		}
		seen[m.MessageID] = true
		if got := sortedFlags(m.Flags); got != want {
			t.Errorf("%s in %s: flags %q, want %q", m.MessageID, m.Mailbox, got, want)
		}
		checkSampleMessage(t, m.Text)
		if strings.Contains(string(m.Text), "wait for compaction") {
			t.Errorf("deleted message converted")
		}
	}
	if len(seen) != len(sampleFlags) {
		t.Errorf("saw %d distinct messages", len(seen))
	}
	// Received dates: the Date: header of the first message.
	for _, m := range msgs {
		if m.MessageID == "<20101213054255.1234@example.org>" && !m.Received.Equal(time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)) {
			t.Errorf("received %v", m.Received)
		}
	}
}

// readAllMessages reads every message of a store of the given format.
func readAllMessages(t *testing.T, format, dir string, params map[string]string) map[string][]got {
	t.Helper()
	ctx := context.Background()
	f, _ := mailconv.LookupFormat(format)
	r, err := f.Open(ctx, dir, &mailconv.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mbs, _ := r.Mailboxes(ctx)
	out := map[string][]got{}
	for _, mb := range mbs {
		if mb.NoSelect {
			out[mb.Path.String()+"/"] = nil
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			t.Fatal(err)
		}
		out[mb.Path.String()] = []got{}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(mr)
			g := got{Message: *m, Body: string(b)}
			g.Keywords = append([]string(nil), m.Keywords...)
			out[mb.Path.String()] = append(out[mb.Path.String()], g)
		}
		mr.Close()
	}
	return out
}

func flagNames(m mailconv.Message) string {
	var fs []string
	if s := m.Flags.String(); s != "" {
		fs = strings.Fields(s)
	}
	fs = append(fs, m.Keywords...)
	return sortedFlags(fs)
}

// Acceptance 2, mbox: the same store converts to an mbox tree that the mbox
// reader reads back with the same folders, messages and states.
func TestSampleToMbox(t *testing.T) {
	out, rep := convertStore(t, sampleDir, "mbox", nil)
	if rep.Totals.Skips != 0 || rep.Totals.MessagesWritten != 14 {
		t.Fatalf("report %+v %v", rep.Totals, rep.Skips)
	}
	boxes := readAllMessages(t, "mbox", out, nil)
	wantBoxes := map[string]int{"INBOX": 6, "Out": 3, "Junk": 1, "Trash": 1, "Work/Clients": 1, "Work/Projects/Alpha": 1, "Famille & Amis/Vacances été": 1}
	for p, n := range wantBoxes {
		if len(boxes[p]) != n {
			t.Errorf("mbox: %s has %d messages, want %d (have %v)", p, len(boxes[p]), n, keys(boxes))
		}
	}
	n := 0
	for _, msgs := range boxes {
		for _, m := range msgs {
			n++
			h, _ := parseParts(t, []byte(m.Body))
			id := h.Get("Message-Id")
			if want := sampleFlags[id]; flagNames(m.Message) != want {
				t.Errorf("mbox %s: %q, want %q", id, flagNames(m.Message), want)
			}
			checkSampleMessage(t, []byte(m.Body))
		}
	}
	if n != 14 {
		t.Errorf("%d messages", n)
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

// Acceptance 3: the same mail laid out the Mac way (eudoratest.MacVersion:
// CR line ends, MacRoman, Mac markers and states, TOCs in AppleDouble
// forks) gives the same messages: same folders, states, dates, and the same
// parts with the same decoded contents.
func TestSampleMacSameMessages(t *testing.T) {
	macDir := filepath.Join(t.TempDir(), "Eudora Folder")
	if _, err := eudoratest.MacVersion(eudoratest.Sample()).Write(macDir); err != nil {
		t.Fatal(err)
	}
	win := readAllMessages(t, "eudora", sampleDir, nil)
	mac := readAllMessages(t, "eudora", macDir, nil)
	if strings.Join(keys(win), "|") != strings.Join(keys(mac), "|") {
		t.Fatalf("folders differ:\nwin %v\nmac %v", keys(win), keys(mac))
	}
	for p, wm := range win {
		mm := mac[p]
		if len(wm) != len(mm) {
			t.Errorf("%s: %d vs %d messages", p, len(wm), len(mm))
			continue
		}
		for i := range wm {
			wh, wp := parseParts(t, []byte(wm[i].Body))
			mh, mp := parseParts(t, []byte(mm[i].Body))
			id := wh.Get("Message-Id")
			if mh.Get("Message-Id") != id {
				t.Errorf("%s #%d: %s vs %s", p, i, id, mh.Get("Message-Id"))
				continue
			}
			// The Windows junk byte (manual mark → $Junk) has no Mac
			// counterpart we know of; the Mac Junk mailbox keeps its role.
			if strings.TrimSpace(strings.Replace(flagNames(wm[i].Message), "$Junk", "", 1)) != flagNames(mm[i].Message) {
				t.Errorf("%s: flags %q vs %q", id, flagNames(wm[i].Message), flagNames(mm[i].Message))
			}
			if !wm[i].Date.Equal(mm[i].Date) {
				t.Errorf("%s: date %v vs %v", id, wm[i].Date, mm[i].Date)
			}
			wf, _ := wh.Text("From")
			mf, _ := mh.Text("From")
			if wf != mf {
				t.Errorf("%s: From %q vs %q", id, wf, mf)
			}
			if len(wp) != len(mp) {
				t.Errorf("%s: %d vs %d parts", id, len(wp), len(mp))
				continue
			}
			for k := range wp {
				a, b := wp[k], mp[k]
				if a.Type != b.Type || a.Filename != b.Filename || a.CID != b.CID || lf(a.Body) != lf(b.Body) {
					t.Errorf("%s part %d:\nwin %s %q %q %q\nmac %s %q %q %q", id, k, a.Type, a.Filename, a.CID, a.Body, b.Type, b.Filename, b.CID, b.Body)
				}
			}
			checkSampleMessage(t, []byte(mm[i].Body))
		}
	}
}

// mailconv.Verify finds every sample message, with its state and date, in
// the maildir the conversion wrote: the rebuild is deterministic, so the
// source read again gives the same octets.
func TestSampleVerify(t *testing.T) {
	out, _ := convertStore(t, sampleDir, "maildir", nil)
	ctx := context.Background()
	ef, _ := mailconv.LookupFormat("eudora")
	src, err := ef.Open(ctx, sampleDir, &mailconv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mf, _ := mailconv.LookupFormat("maildir")
	dst, err := mf.Open(ctx, out, &mailconv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	res, err := migrate.Verify(ctx, src, dst, migrate.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Totals.Matched != 14 {
		for _, mb := range res.Mailboxes {
			t.Logf("%+v", mb)
		}
		t.Fatalf("verify: %+v", res.Totals)
	}
}
