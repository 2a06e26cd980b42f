package maildir_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/migrate"
)

// bodies with the shapes that break naive code: 8-bit bytes, CRLF, a
// missing final newline, From_ lines, a NUL byte.
var sampleBodies = []string{
	"From: a@example.org\nSubject: plain\n\nhello\n",
	"From: b@example.org\r\nSubject: =?utf-8?q?r=C3=A9union?=\r\n\r\nCRLF body\r\n",
	"Subject: 8bit caf\xc3\xa9\n\nLatin-1 \xe9t\xe9 and UTF-8 \xc3\xa9t\xc3\xa9\n",
	"Subject: no final newline\n\nlast line",
	"Subject: from lines\n\nFrom the start\n>From quoted\n>>From twice\n",
	"Subject: nul\n\na\x00b\n",
}

// testMessage builds message n of a mailbox.
func testMessage(n int, flags mailconv.Flags, kw ...string) memMessage {
	m := mailconv.Message{
		ID:         fmt.Sprintf("src-%d", n),
		Flags:      flags,
		Date:       time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).Add(time.Duration(n) * time.Hour),
		DateSource: mailconv.DateEnvelope,
		Size:       -1,
	}
	for _, k := range kw {
		m.AddKeyword(k)
	}
	body := fmt.Sprintf("Message-ID: <%d@test.invalid>\n", n) + sampleBodies[n%len(sampleBodies)]
	return memMessage{meta: m, body: []byte(body)}
}

// generatedStore builds the store of acceptance 1: deep hierarchies,
// non-ASCII names, names with ".", "/", "&", "%" and "~", mixed mailboxes,
// every flag combination and more than 26 keywords in one folder.
func generatedStore() *memStore {
	s := newMemStore()
	n := 0
	next := func(f mailconv.Flags, kw ...string) memMessage { n++; return testMessage(n, f, kw...) }
	var inbox []memMessage
	for _, f := range flagCombos() {
		inbox = append(inbox, next(f))
	}
	s.add(mailconv.Path{"INBOX"}, false, inbox...)
	s.add(mailconv.Path{"INBOX", "Sub"}, false, next(mailconv.FlagSeen))
	s.add(mailconv.Path{"Réunions"}, false, next(mailconv.FlagSeen|mailconv.FlagForwarded, "$Junk"), next(0, "$label1"))
	s.add(mailconv.Path{"Réunions", "Comptes rendus"}, false, next(mailconv.FlagAnswered|mailconv.FlagSeen))
	s.add(mailconv.Path{"日本語"}, false, next(mailconv.FlagNew))
	s.add(mailconv.Path{"日本語", "台北"}, false, next(mailconv.FlagFlagged))
	s.add(mailconv.Path{"OS/2 Users' Group"}, false, next(mailconv.FlagSeen))
	s.add(mailconv.Path{"tine20.org"}, false, next(mailconv.FlagSeen))
	s.add(mailconv.Path{"R&D"}, false, next(mailconv.FlagDraft))
	s.add(mailconv.Path{"100%", "50%41 off"}, false, next(mailconv.FlagSeen))
	s.add(mailconv.Path{"~home"}, false, next(mailconv.FlagSeen))
	s.add(mailconv.Path{"new"}, false, next(mailconv.FlagSeen))
	s.add(mailconv.Path{".hidden"}, false, next(mailconv.FlagSeen))
	s.add(mailconv.Path{"dovecot-notes"}, false, next(mailconv.FlagSeen)) // a control-file prefix in the fs layout
	s.add(mailconv.Path{"Empty folder"}, true)
	s.add(mailconv.Path{"Archive", "2019", "Q1", "deep", "deeper"}, false, next(mailconv.FlagSeen))
	var tags []memMessage
	for i := 0; i < 30; i++ {
		m := next(mailconv.FlagSeen, fmt.Sprintf("kw%02d", i), "$Important")
		// Dates run backwards here: the store's order is not the date
		// order, and must survive as it is.
		m.meta.Date = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Hour)
		tags = append(tags, m)
	}
	s.add(mailconv.Path{"Tags"}, false, tags...)
	return s
}

type storeVariant struct {
	name   string
	params map[string]string
}

var variants = []storeVariant{
	{"maildir++/mutf7", nil},
	{"maildir++/utf8", map[string]string{"names": "utf8"}},
	{"fs/mutf7", map[string]string{"layout": "fs"}},
	{"fs/utf8", map[string]string{"layout": "fs", "names": "utf8"}},
}

// convertInto converts src into a new maildir at dir and returns the
// report and the events.
func convertInto(t testing.TB, src mailconv.Reader, dir string, params map[string]string) (*migrate.Report, *eventLog) {
	t.Helper()
	ctx := context.Background()
	log := &eventLog{}
	rep := &migrate.Report{}
	w, err := maildir.Create(ctx, dir, &mailconv.Options{Params: params, Events: func(e mailconv.Event) { log.add(e); rep.Add(e) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Convert(ctx, src, w, migrate.ConvertOptions{Report: rep}); err != nil {
		t.Fatalf("Convert: %v\n%s", err, log)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	verifyConversion(t, src, dir, params, rep, w.Capabilities())
	return rep, log
}

// verifyConversion runs mailconv.Verify on a conversion convertInto made:
// it must pass, the differences the report explains as losses or skips
// of a message aside.
func verifyConversion(t testing.TB, src mailconv.Reader, dir string, params map[string]string, rep *migrate.Report, caps mailconv.Capabilities) {
	t.Helper()
	dst, err := maildir.Open(context.Background(), dir, &mailconv.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	lost, skipped := map[string]bool{}, map[string]bool{}
	for _, e := range rep.Losses {
		lost[e.Message] = true
	}
	for _, e := range rep.Skips {
		skipped[e.Message] = true
	}
	res, err := migrate.Verify(context.Background(), src, dst, migrate.VerifyOptions{
		Capabilities: &caps,
		Accounted: func(_ mailconv.Path, id, kind string) bool {
			if kind == "missing" {
				return skipped[id]
			}
			return lost[id]
		}})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !res.OK {
		for _, mv := range res.Mailboxes {
			for _, p := range mv.Problems {
				t.Errorf("verify: %s: %s", mv.Source, p)
			}
		}
		t.Errorf("verify after the conversion failed: %+v", res.Totals)
	}
}

func openTree(t testing.TB, dir string, params map[string]string) (*maildir.Reader, *eventLog) {
	t.Helper()
	log := &eventLog{}
	r, err := maildir.Open(context.Background(), dir, &mailconv.Options{Params: params, Events: log.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, log
}

// expected returns what reading back must give for the source: every
// selectable mailbox with its messages, keywords beyond the 26th letter of
// a folder dropped (in delivery order, $Forwarded taking a letter first).
func expected(s *memStore) map[string][]gotMessage {
	out := map[string][]gotMessage{}
	for _, mb := range s.boxes {
		if mb.NoSelect {
			continue
		}
		seen := map[string]bool{}
		var list []gotMessage
		for _, mm := range s.msgs[mb.Source] {
			m := mm.meta
			var kw []string
			take := func(k string) bool {
				lk := strings.ToLower(k)
				if seen[lk] {
					return true
				}
				if len(seen) >= maildir.MaxKeywords {
					return false
				}
				seen[lk] = true
				return true
			}
			if m.Flags&mailconv.FlagForwarded != 0 {
				take("$Forwarded")
			}
			for _, k := range m.Keywords {
				if take(k) {
					kw = append(kw, k)
				}
			}
			sort.Strings(kw)
			f := m.Flags
			if f&mailconv.FlagSeen != 0 {
				f &^= mailconv.FlagNew
			}
			list = append(list, gotMessage{Flags: f, Keywords: kw, Date: m.Date, DateSource: mailconv.DateFileTime, Body: mm.body})
		}
		out[mb.Path.String()] = list
	}
	return out
}

func compareStores(t *testing.T, want map[string][]gotMessage, got map[string][]gotMessage) {
	t.Helper()
	for path, wl := range want {
		gl, ok := got[path]
		if !ok {
			var have []string
			for p := range got {
				have = append(have, p)
			}
			sort.Strings(have)
			t.Errorf("mailbox %q missing; have %q", path, have)
			continue
		}
		if len(gl) != len(wl) {
			t.Errorf("mailbox %q: %d messages, want %d", path, len(gl), len(wl))
			continue
		}
		for i := range wl {
			w, g := wl[i], gl[i]
			if !bytes.Equal(w.Body, g.Body) {
				t.Errorf("%s #%d: body differs:\n got %q\nwant %q", path, i, g.Body, w.Body)
			}
			if w.Flags != g.Flags {
				t.Errorf("%s #%d: flags %q, want %q", path, i, g.Flags, w.Flags)
			}
			if strings.Join(w.Keywords, " ") != strings.Join(g.Keywords, " ") {
				t.Errorf("%s #%d: keywords %q, want %q", path, i, g.Keywords, w.Keywords)
			}
			if !w.Date.Equal(g.Date) || g.DateSource != w.DateSource {
				t.Errorf("%s #%d: date %v (%v), want %v (%v)", path, i, g.Date, g.DateSource, w.Date, w.DateSource)
			}
		}
	}
	for path, gl := range got {
		if _, ok := want[path]; !ok && len(gl) > 0 {
			t.Errorf("unexpected mailbox %q with %d messages", path, len(gl))
		}
	}
}

// TestRoundTripGenerated is acceptance 1 without mbox: a generated store
// is written as a maildir in every layout and name encoding, read back, and
// written and read again; bytes, flags, keywords and dates survive, the
// folder tree (with empty and implied folders) too, and the keyword
// overflow is reported.
func TestRoundTripGenerated(t *testing.T) {
	src := generatedStore()
	want := expected(src)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			rep, log := convertInto(t, src, dir, v.params)
			if n := log.codes()["maildir.keyword-overflow"]; n != 5 {
				t.Errorf("keyword overflow reported %d times, want 5 ($Important and kw00..kw24 take the 26 letters)\n%s", n, log)
			}
			if rep.Totals.MessagesWritten != rep.Totals.MessagesRead || rep.Totals.Skips != 0 {
				t.Errorf("read %d, wrote %d, skipped %d", rep.Totals.MessagesRead, rep.Totals.MessagesWritten, rep.Totals.Skips)
			}
			r, rlog := openTree(t, dir, nil)
			got, noSelect := readStore(t, r)
			compareStores(t, want, got)
			for _, p := range []string{"Empty folder", "Archive", "Archive/2019/Q1/deep"} {
				if !noSelect[p] {
					t.Errorf("folder %q not read back as NoSelect (noSelect=%v)", p, noSelect)
				}
			}
			if len(rlog.events) != 0 {
				t.Errorf("reading back raised events:\n%s", rlog)
			}

			// maildir -> maildir keeps everything too.
			dir2 := filepath.Join(t.TempDir(), "again")
			convertInto(t, r, dir2, v.params)
			r2, _ := openTree(t, dir2, nil)
			got2, noSelect2 := readStore(t, r2)
			compareStores(t, want, got2)
			if !noSelect2["Empty folder"] {
				t.Errorf("empty folder lost on the second pass")
			}
		})
	}
}
