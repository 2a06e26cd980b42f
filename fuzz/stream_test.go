package fuzz_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/mbox"
)

// readMboxChunked reads every message of data with Read calls of at most
// chunk bytes, and the stats at the end.
func readMboxChunked(data []byte, v mbox.Variant, chunk int) ([][]byte, []mailconv.Message, error) {
	rd, err := mbox.NewReader(bytes.NewReader(data), mbox.ReaderOptions{Variant: v, MaxHeaderBytes: 4096})
	if err != nil {
		return nil, nil, err
	}
	var bodies [][]byte
	var metas []mailconv.Message
	buf := make([]byte, chunk)
	for {
		m, err := rd.Next()
		if err == io.EOF {
			return bodies, metas, nil
		}
		if err != nil {
			return bodies, metas, err
		}
		meta := *m
		meta.Keywords = append([]string(nil), m.Keywords...)
		metas = append(metas, meta)
		var b []byte
		for {
			n, err := rd.Read(buf)
			b = append(b, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				return bodies, metas, err
			}
		}
		bodies = append(bodies, b)
	}
}

// FuzzMboxReadSizes is a differential test of the mbox reader's two body
// paths: reads with room for 512 bytes or more copy runs of ordinary lines
// in one go; smaller reads go line by line. Both must give the same
// messages, byte for byte, with the same metadata. (Inputs shorter than
// 512 bytes only take the line path: the seeds are longer.)
func FuzzMboxReadSizes(f *testing.F) {
	// the fixtures' first 16 KiB (long inputs make slow fuzzing)
	files, _ := filepath.Glob("../testdata/fixtures/*/*/*mbox*")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data[:min(len(data), 16<<10)])
		}
	}
	var b strings.Builder
	for i := 0; b.Len() < 3000; i++ {
		b.WriteString("From a@b Mon Jan  1 00:00:00 2001\r\nSubject: s\r\n\r\n")
		b.WriteString(strings.Repeat("text line\r\n", i%5))
		b.WriteString(">From q\r\nFrom x\nF\n>\n\r\n")
	}
	f.Add([]byte(b.String()))
	f.Add([]byte("From a Mon Jan  1 00:00:00 2001\rX: y\r\r" + strings.Repeat("line\r", 200) + "\rFrom b Mon Jan  1 00:00:00 2001\rZ: 1\r\rFrom c\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []mbox.Variant{mbox.VariantAuto, mbox.MboxO, mbox.MboxRD, mbox.MboxCL2} {
			wantB, wantM, wantErr := readMboxChunked(data, v, 3)
			for _, chunk := range []int{512, 4099} {
				gotB, gotM, gotErr := readMboxChunked(data, v, chunk)
				if (gotErr == nil) != (wantErr == nil) || len(gotB) != len(wantB) {
					t.Fatalf("%s chunk %d: %d messages (err %v), line path %d (err %v)", v, chunk, len(gotB), gotErr, len(wantB), wantErr)
				}
				for i := range gotB {
					if !bytes.Equal(gotB[i], wantB[i]) {
						t.Fatalf("%s chunk %d message %d:\n got %q\nwant %q", v, chunk, i, gotB[i], wantB[i])
					}
					g, w := gotM[i], wantM[i]
					if g.ID != w.ID || g.Flags != w.Flags || !g.Date.Equal(w.Date) || g.Size != w.Size || strings.Join(g.Keywords, " ") != strings.Join(w.Keywords, " ") {
						t.Fatalf("%s chunk %d message %d: metadata %+v, line path %+v", v, chunk, i, g, w)
					}
				}
			}
		}
	})
}

// FuzzMaildirRoundTrip writes one message with arbitrary octets, flags,
// keywords and date into a maildir and reads it back: the same octets and
// the same metadata (flags, keywords, date to the second) must come out.
func FuzzMaildirRoundTrip(f *testing.F) {
	f.Add([]byte("Subject: x\r\n\r\nbody\r\n"), uint8(mailconv.FlagSeen|mailconv.FlagDraft), "$Junk Work $label1", int64(981173106))
	f.Add([]byte("From here\n\x00\xff"), uint8(mailconv.FlagNew), "", int64(0))
	f.Add([]byte("x"), uint8(0xff), strings.Repeat("k ", 30), int64(-1))
	f.Fuzz(func(t *testing.T, body []byte, flags uint8, kws string, unix int64) {
		if len(body) == 0 || len(body) > 1<<20 {
			return // an empty message is skipped (documented)
		}
		m := mailconv.Message{ID: "1", Flags: mailconv.Flags(flags) & mailconv.AllFlags, Size: int64(len(body))}
		if m.Flags&mailconv.FlagNew != 0 {
			m.Flags &^= mailconv.FlagSeen
		}
		for _, k := range strings.Fields(kws) {
			if mailconv.ValidKeyword(k) {
				m.AddKeyword(k)
			}
		}
		if unix > 0 && unix < 1<<34 {
			m.Date = time.Unix(unix, 0).UTC()
		}
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "md")
		var events []mailconv.Event
		opts := &mailconv.Options{Events: func(e mailconv.Event) { events = append(events, e) }}
		w, err := maildir.Create(ctx, dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := mw.WriteMessage(ctx, &m, bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := maildir.Open(ctx, dir, &mailconv.Options{Events: func(mailconv.Event) {}})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		mbs, err := r.Mailboxes(ctx)
		if err != nil || len(mbs) != 1 {
			t.Fatalf("mailboxes %v, %v", mbs, err)
		}
		mr, err := r.Open(ctx, mbs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer mr.Close()
		got, err := mr.Next()
		if err != nil {
			t.Fatal(err)
		}
		back, err := io.ReadAll(mr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, body) {
			t.Fatalf("octets differ: %q, want %q", back, body)
		}
		if got.Flags != m.Flags {
			t.Fatalf("flags %v, want %v (events %v)", got.Flags, m.Flags, events)
		}
		want := m.Keywords
		if len(want) > maildir.MaxKeywords {
			want = want[:maildir.MaxKeywords] // the rest is reported lost
		}
		if strings.Join(got.Keywords, " ") != strings.Join(want, " ") {
			t.Fatalf("keywords %q, want %q", got.Keywords, want)
		}
		if !m.Date.IsZero() && !got.Date.Equal(m.Date) {
			t.Fatalf("date %v, want %v", got.Date, m.Date)
		}
		if _, err := mr.Next(); err != io.EOF {
			t.Fatalf("second message: %v", err)
		}
	})
}
