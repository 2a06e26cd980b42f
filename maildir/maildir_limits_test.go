package maildir_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
)

// readBack reads every message of the maildir at dir with params.
func readBack(t *testing.T, dir string, params map[string]string) ([]mailconv.Message, []mailconv.Event) {
	t.Helper()
	ctx := context.Background()
	var events []mailconv.Event
	r, err := maildir.Open(ctx, dir, &mailconv.Options{Params: params, Events: func(e mailconv.Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []mailconv.Message
	for _, mb := range mbs {
		if mb.NoSelect {
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			t.Fatal(err)
		}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			c := *m
			c.Keywords = append([]string(nil), m.Keywords...)
			out = append(out, c)
		}
		mr.Close()
	}
	return out, events
}

func codes(events []mailconv.Event, code string) int {
	n := 0
	for _, e := range events {
		if e.Code == code {
			n++
		}
	}
	return n
}

// TestLimitMaxKeywords: a folder holds MaxKeywords (26) keywords, one per
// letter; a 27th is not stored and is reported as a loss.
func TestLimitMaxKeywords(t *testing.T) {
	for _, n := range []int{maildir.MaxKeywords, maildir.MaxKeywords + 1} {
		dir := filepath.Join(t.TempDir(), "md")
		ctx := context.Background()
		var events []mailconv.Event
		w, err := maildir.Create(ctx, dir, &mailconv.Options{Events: func(e mailconv.Event) { events = append(events, e) }})
		if err != nil {
			t.Fatal(err)
		}
		mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
		if err != nil {
			t.Fatal(err)
		}
		m := &mailconv.Message{ID: "1", Flags: mailconv.FlagSeen}
		for i := 0; i < n; i++ {
			m.AddKeyword(fmt.Sprintf("kw%02d", i))
		}
		if err := mw.WriteMessage(ctx, m, strings.NewReader("Subject: k\n\nx\n")); err != nil {
			t.Fatal(err)
		}
		mw.Close()
		w.Close()
		losses := 0
		for _, e := range events {
			if e.Kind == mailconv.EventLoss && strings.Contains(e.Detail, "kw26") {
				losses++
			}
		}
		back, _ := readBack(t, dir, nil)
		if len(back) != 1 {
			t.Fatalf("%d messages", len(back))
		}
		want := min(n, maildir.MaxKeywords)
		if len(back[0].Keywords) != want || (losses > 0) != (n > maildir.MaxKeywords) {
			t.Errorf("%d keywords written: %d read back, %d loss events naming the 27th", n, len(back[0].Keywords), losses)
		}
	}
}

// TestLimitMaxHeader: with date=header, a Date: field whose value lies
// within the first max-header bytes gives the internal date (its line end
// may lie beyond); when the value's last byte lies beyond, the value is cut,
// not understood, and the file time is used.
func TestLimitMaxHeader(t *testing.T) {
	const limit = 1000
	date := "Date: Tue, 01 Jun 1999 10:00:00 GMT\n"
	want := time.Date(1999, 6, 1, 10, 0, 0, 0, time.UTC)
	mtime := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, end := range []int{limit + 1, limit + 2} { // where the line end is
		dir := filepath.Join(t.TempDir(), "md")
		for _, sub := range []string{"cur", "new", "tmp"} {
			os.MkdirAll(filepath.Join(dir, sub), 0o755)
		}
		pad := "X-Pad: " + strings.Repeat("p", end-len(date)-len("X-Pad: \n")) + "\n"
		msg := pad + date + "\nbody\n"
		if strings.Index(msg, date)+len(date) != end {
			t.Fatal("bad test message")
		}
		p := filepath.Join(dir, "cur", "1.a.host:2,S")
		os.WriteFile(p, []byte(msg), 0o644)
		os.Chtimes(p, mtime, mtime)
		back, _ := readBack(t, dir, map[string]string{maildir.ParamDate: "header", maildir.ParamMaxHeader: fmt.Sprint(limit)})
		if len(back) != 1 {
			t.Fatalf("%d messages", len(back))
		}
		got := back[0].Date.UTC()
		if under := end <= limit+1; under != got.Equal(want) || (!under && !got.Equal(mtime)) {
			t.Errorf("Date: ending at byte %d with max-header %d: date %v (%v)", end, limit, got, back[0].DateSource)
		}
	}
}

// TestLimitMaxDepth: the fs-layout reader follows folders DefaultMaxDepth
// levels deep and reports (skips) what lies deeper.
func TestLimitMaxDepth(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "md")
	p := dir
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(p, sub), 0o755)
	}
	for level := 1; level <= maildir.DefaultMaxDepth+1; level++ {
		p = filepath.Join(p, "d")
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(p, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(p, "cur", fmt.Sprintf("%d.a.host:2,S", level)), []byte(fmt.Sprintf("Subject: %d\n\nx\n", level)), 0o644)
	}
	os.WriteFile(filepath.Join(dir, ".mailconv"), []byte("layout=fs\n"), 0o644)
	back, events := readBack(t, dir, map[string]string{"layout": "fs"})
	if len(back) != maildir.DefaultMaxDepth || codes(events, "maildir.too-deep") != 1 {
		t.Errorf("%d messages read (want %d), %d too-deep events", len(back), maildir.DefaultMaxDepth, codes(events, "maildir.too-deep"))
	}
	// the same tree with the limit configured: just under and just over
	for _, max := range []int{10, 11} {
		back, events := readBack(t, dir, map[string]string{"layout": "fs", maildir.ParamMaxDepth: fmt.Sprint(max)})
		if len(back) != max || codes(events, "maildir.too-deep") != 1 {
			t.Errorf("max-depth=%d: %d messages read, %d too-deep events", max, len(back), codes(events, "maildir.too-deep"))
		}
	}
}
