package maildir_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
)

// TestTmpFilesMadeAhead: the files made ahead in tmp/ are removed by Close
// (mailbox or store), the goroutine that makes them stops, a tmp/ that
// cannot take files makes WriteMessage fail with the file system's error,
// and delivered messages keep no tmp/ name.
func TestTmpFilesMadeAhead(t *testing.T) {
	ctx := context.Background()
	before := runtime.NumGoroutine()
	dir := filepath.Join(t.TempDir(), "md")
	w, err := maildir.Create(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := mw.WriteMessage(ctx, &mailconv.Message{ID: "m", Flags: mailconv.FlagSeen}, strings.NewReader("Subject: x\n\nx\n")); err != nil {
			t.Fatal(err)
		}
	}
	// a second mailbox left open: the store's Close closes it
	mw2, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"Other"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	_ = mw2
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"tmp", ".Other/tmp"} {
		if ents, _ := os.ReadDir(filepath.Join(dir, d)); len(ents) != 0 {
			t.Errorf("%s holds %d files after Close", d, len(ents))
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "cur")); len(ents) != 50 {
		t.Errorf("cur/ holds %d files, want 50", len(ents))
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}

	// tmp/ gone: the next delivery fails with the file system's error
	dir2 := filepath.Join(t.TempDir(), "md2")
	w2, err := maildir.Create(ctx, dir2, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	mw3, err := w2.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	if err != nil {
		t.Fatal(err)
	}
	defer mw3.Close()
	if err := os.RemoveAll(filepath.Join(dir2, "tmp")); err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := 0; i < 10 && werr == nil; i++ { // files made before the removal may still be handed out
		werr = mw3.WriteMessage(ctx, &mailconv.Message{ID: "x"}, strings.NewReader("Subject: y\n\ny\n"))
	}
	if werr == nil || !os.IsNotExist(unwrapAll(werr)) && !strings.Contains(werr.Error(), "no such file") {
		t.Errorf("delivery into a missing tmp/: %v", werr)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestResumeCleansTmp: a run that continues an earlier one removes the
// files the earlier run left in tmp/ under its own naming (made ahead, or
// second names of delivered messages) and nothing else.
func TestResumeCleansTmp(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "md")
	w, err := maildir.Create(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	if err != nil {
		t.Fatal(err)
	}
	mw.Close()
	w.Close()
	left := []string{"1000.T1_0P42.host", "1000.T1_7P42.host"}
	foreign := []string{"1000.M5P42.host", "other-delivery"}
	for _, n := range append(append([]string{}, left...), foreign...) {
		if err := os.WriteFile(filepath.Join(dir, "tmp", n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w, err = maildir.Create(ctx, dir, &mailconv.Options{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	mw, err = w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	if err != nil {
		t.Fatal(err)
	}
	mw.Close()
	w.Close()
	ents, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != strings.Join(foreign, " ") {
		t.Errorf("tmp/ holds %q, want %q", names, foreign)
	}
}

// A run killed while it wrote the marker file leaves a destination holding
// only the marker's temporary file: the next run continues it (found by
// the CLI's kill test, which once killed a run at exactly that point).
// Anything else in a destination without a marker is still refused.
func TestResumeAfterKillDuringMarker(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "md")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".mailconv.mailconv-tmp"), []byte("# Written by"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := maildir.Create(ctx, dir, &mailconv.Options{Resume: true})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	w.Close()
	if _, err := os.Stat(filepath.Join(dir, ".mailconv")); err != nil {
		t.Errorf("marker: %v", err)
	}
	other := filepath.Join(t.TempDir(), "md")
	os.MkdirAll(other, 0o700)
	os.WriteFile(filepath.Join(other, "mine"), nil, 0o600)
	if _, err := maildir.Create(ctx, other, &mailconv.Options{Resume: true}); !errors.Is(err, mailconv.ErrDestinationNotEmpty) {
		t.Errorf("a foreign directory: %v", err)
	}
}
