package maildir_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv"
	_ "github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/migrate"
)

// TestRegistered checks what the command line relies on: the format is
// registered as "maildir", it detects our trees and the stalwart fixture,
// and Create/Open through the registry round-trip a message.
func TestRegistered(t *testing.T) {
	f, ok := mailconv.LookupFormat("maildir")
	if !ok || f.Open == nil || f.Create == nil {
		t.Fatalf("format maildir not registered: %+v", f)
	}
	if n, a := mailconv.SplitAddress("maildir:/srv/mail"); n != "maildir" || a != "/srv/mail" {
		t.Errorf("SplitAddress: %q %q", n, a)
	}
	if got, err := mailconv.DetectFormat("testdata/stalwart"); err != nil || got.Name != "maildir" {
		t.Errorf("DetectFormat(stalwart) = %q, %v", got.Name, err)
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "out")
	if err := mailconv.CheckParams(f, map[string]string{"layout": "fs", "names": "utf8"}, true); err != nil {
		t.Error(err)
	}
	if err := mailconv.CheckParams(f, map[string]string{"unescape": "true"}, true); err == nil {
		t.Error("unescape accepted for writing")
	}
	src := newMemStore()
	src.add(mailconv.Path{"INBOX"}, false, testMessage(1, mailconv.FlagSeen))
	w, err := f.Create(ctx, dir, &mailconv.Options{Params: map[string]string{"layout": "fs"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Convert(ctx, src, w, migrate.ConvertOptions{}); err != nil {
		t.Fatal(err)
	}
	must(t, w.Close())
	if got, err := mailconv.DetectFormat(dir); err != nil || got.Name != "maildir" {
		t.Errorf("DetectFormat(our tree) = %q, %v", got.Name, err)
	}
	r, err := f.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, _ := readStore(t, r)
	if len(got["INBOX"]) != 1 {
		t.Errorf("read back %v", got)
	}
	if _, err := f.Create(ctx, filepath.Join(t.TempDir(), "x"), &mailconv.Options{Params: map[string]string{"layout": "mh"}}); err == nil {
		t.Error("unknown layout accepted")
	}
}
