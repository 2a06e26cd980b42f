package maildir_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/migrate"
)

// TestWindowsTarget writes a tree under Windows' file-name rules (what a
// run on Windows does by default; target-os asks for it anywhere): message
// files use "!" before "2,<flags>", folder names Windows refuses are
// escaped and reported, no file or folder name holds a character Windows
// refuses, and reading the tree back gives the source names and flags.
func TestWindowsTarget(t *testing.T) {
	src := newMemStore()
	src.add(mailconv.Path{"INBOX"}, false, testMessage(1, mailconv.FlagSeen|mailconv.FlagFlagged), testMessage(2, mailconv.FlagNew))
	src.add(mailconv.Path{"CON"}, false, testMessage(3, mailconv.FlagAnswered))
	src.add(mailconv.Path{"Re: news?"}, false, testMessage(4, mailconv.FlagSeen))
	dir := filepath.Join(t.TempDir(), "out")
	ctx := context.Background()
	w, err := maildir.Create(ctx, dir, &mailconv.Options{Params: map[string]string{maildir.ParamTargetOS: "windows"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := migrate.Convert(ctx, src, w, migrate.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.Close())

	var names []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.ContainsAny(d.Name(), mailconv.WindowsForbidden) {
			t.Errorf("%s: a name Windows refuses", rel)
		}
		if !d.IsDir() && strings.Contains(rel, "cur") || strings.Contains(rel, "new"+string(filepath.Separator)) {
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(names)
	var infos []string
	for _, n := range names {
		if i := strings.Index(n, "!2,"); i >= 0 {
			infos = append(infos, n[:strings.IndexByte(n, '/')+1]+n[i:])
		}
	}
	sort.Strings(infos)
	// (a message in new/ carries no info part; the maildir stores
	// escapes in lower case)
	want := []string{".%43ON/!2,R", ".Re%3a news%3f/!2,S", "cur/!2,FS"}
	if strings.Join(infos, " ") != strings.Join(want, " ") {
		t.Errorf("message files %v, want info parts %v", names, want)
	}
	renamed := map[string]string{}
	for _, e := range rep.Renames {
		renamed[e.Mailbox.String()] = e.Detail
	}
	if len(renamed) != 2 || !strings.Contains(renamed["CON"], "reserved") || !strings.Contains(renamed["Re: news?"], "escaped") {
		t.Errorf("renames reported: %+v", rep.Renames)
	}

	r, _ := openTree(t, dir, nil)
	got, _ := readStore(t, r)
	if m := got["CON"]; len(m) != 1 || m[0].Flags != mailconv.FlagAnswered {
		t.Errorf("CON read back as %+v", got)
	}
	if m := got["Re: news?"]; len(m) != 1 || m[0].Flags != mailconv.FlagSeen {
		t.Errorf("Re: news? read back as %+v", got)
	}
	if m := got["INBOX"]; len(m) != 2 {
		t.Errorf("INBOX read back as %+v", m)
	}
}

// The info separator follows the target: ':' cannot be asked for a
// Windows tree (NTFS would read "x:2,S" as a stream of file "x").
func TestInfoSeparatorForTarget(t *testing.T) {
	ctx := context.Background()
	_, err := maildir.Create(ctx, t.TempDir(), &mailconv.Options{Params: map[string]string{maildir.ParamTargetOS: "windows", maildir.ParamInfoSeparator: ":"}})
	if !errors.Is(err, mailconv.ErrUnsupported) {
		t.Errorf("':' on Windows: %v", err)
	}
	if _, err := maildir.Create(ctx, t.TempDir(), &mailconv.Options{Params: map[string]string{maildir.ParamTargetOS: "beos"}}); !errors.Is(err, mailconv.ErrUnsupported) {
		t.Errorf("unknown target: %v", err)
	}
	for target, want := range map[string]string{"linux": ":2,", "macos": ":2,", "windows": "!2,"} {
		src := newMemStore()
		src.add(mailconv.Path{"INBOX"}, false, testMessage(1, mailconv.FlagSeen))
		dir := filepath.Join(t.TempDir(), "out")
		w, err := maildir.Create(ctx, dir, &mailconv.Options{Params: map[string]string{maildir.ParamTargetOS: target}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := migrate.Convert(ctx, src, w, migrate.ConvertOptions{}); err != nil {
			t.Fatal(err)
		}
		must(t, w.Close())
		matches, _ := filepath.Glob(filepath.Join(dir, "cur", "*"+want+"S"))
		if len(matches) != 1 {
			t.Errorf("target %s: no file ending in %sS in cur/", target, want)
		}
	}
}
