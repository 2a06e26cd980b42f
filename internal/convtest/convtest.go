package convtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// Msg is one message as a reader returned it.
type Msg struct {
	Mailbox  string
	ID       string
	Flags    mailconv.Flags
	Keywords []string // sorted
	Date     time.Time
	Source   mailconv.DateSource
	Rebuilt  bool
	Body     []byte
}

// Events collects events.
type Events struct{ List []mailconv.Event }

// Add records e.
func (e *Events) Add(ev mailconv.Event) { e.List = append(e.List, ev) }

// Code returns the events with code c.
func (e *Events) Code(c string) []mailconv.Event {
	var out []mailconv.Event
	for _, ev := range e.List {
		if ev.Code == c {
			out = append(out, ev)
		}
	}
	return out
}

// Open opens src as format name, failing the test on error.
func Open(t testing.TB, name, src string, params map[string]string, ev *Events) mailconv.Reader {
	t.Helper()
	f, ok := mailconv.LookupFormat(name)
	if !ok {
		t.Fatalf("format %s not registered", name)
	}
	opts := &mailconv.Options{Params: params}
	if ev != nil {
		opts.Events = ev.Add
	}
	r, err := f.Open(context.Background(), src, opts)
	if err != nil {
		t.Fatalf("open %s %s: %v", name, src, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// ReadAll reads every message of r, mailbox by mailbox, and returns them
// with the mailboxes listed (as Path strings).
func ReadAll(t testing.TB, r mailconv.Reader) ([]string, []Msg) {
	t.Helper()
	ctx := context.Background()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		t.Fatalf("Mailboxes: %v", err)
	}
	var names []string
	var out []Msg
	for _, mb := range mbs {
		names = append(names, mb.Path.String())
		mr, err := r.Open(ctx, mb)
		if err != nil {
			t.Fatalf("Open %s: %v", mb.Path, err)
		}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next in %s: %v", mb.Path, err)
			}
			body, err := io.ReadAll(mr)
			if err != nil {
				t.Fatalf("Read %s/%s: %v", mb.Path, m.ID, err)
			}
			kw := append([]string(nil), m.Keywords...)
			sort.Strings(kw)
			out = append(out, Msg{Mailbox: mb.Path.String(), ID: m.ID, Flags: m.Flags, Keywords: kw,
				Date: m.Date, Source: m.DateSource, Rebuilt: m.Rebuilt, Body: body})
		}
		mr.Close()
	}
	return names, out
}

// Convert converts src (format from) into a new store of format to and
// returns its directory and the report.
func Convert(t testing.TB, from, src, to string, params map[string]string) (string, *migrate.Report) {
	t.Helper()
	ctx := context.Background()
	rep := &migrate.Report{}
	f, ok := mailconv.LookupFormat(from)
	if !ok {
		t.Fatalf("format %s not registered", from)
	}
	r, err := f.Open(ctx, src, &mailconv.Options{Params: params, Events: rep.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	df, ok := mailconv.LookupFormat(to)
	if !ok {
		t.Fatalf("format %s not registered", to)
	}
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

// Verify runs mailconv.Verify of src (format from) against dst (format to)
// and returns the result.
func Verify(t testing.TB, from, src string, params map[string]string, to, dst string) *migrate.VerifyResult {
	t.Helper()
	ctx := context.Background()
	s := Open(t, from, src, params, nil)
	d := Open(t, to, dst, nil, nil)
	res, err := migrate.Verify(ctx, s, d, migrate.VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return res
}

// TreeDigest lists every file and directory under dir with its size,
// modification time and content, so that a test can show that reading a
// source left it byte-identical.
func TreeDigest(t testing.TB, dir string) string {
	t.Helper()
	var b []byte
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b = fmt.Appendf(b, "%s %d %d %v\n", p, fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b = append(b, data...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("TreeDigest %s: %v", dir, err)
	}
	return string(b)
}
