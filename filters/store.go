package filters

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/foldfs"
	"github.com/mailconv/mailconv/internal/safeopen"
)

// FindFiles lists the filter files of a Eudora store in the order Eudora
// runs them: the .pre sets of Filters\, the main list (Windows Filters.pce
// or Mac "Eudora Filters"), then the .pst sets. Paths are relative to dir,
// slash-separated; names are matched case-insensitively.
func FindFiles(dir string) ([]string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fsys := root.FS()
	var pre, post, main []string
	if sub, ok := foldfs.Lookup(fsys, ".", "Filters"); ok {
		if ents, err := foldfs.ReadDir(fsys, sub); err == nil {
			for _, e := range ents {
				if !e.Type().IsRegular() {
					continue
				}
				switch strings.ToLower(path.Ext(e.Name())) {
				case ".pre":
					pre = append(pre, path.Join(sub, e.Name()))
				case ".pst":
					post = append(post, path.Join(sub, e.Name()))
				}
			}
		}
	}
	for _, n := range []string{"Filters.pce", "Eudora Filters"} {
		if f, ok := foldfs.Lookup(fsys, ".", n); ok {
			if st, err := fs.Stat(fsys, f); err == nil && st.Mode().IsRegular() {
				main = append(main, f)
			}
		}
	}
	byName := func(s []string) {
		sort.Slice(s, func(i, j int) bool { return strings.ToLower(s[i]) < strings.ToLower(s[j]) })
	}
	byName(pre)
	byName(post)
	return append(append(pre, main...), post...), nil
}

// ReadStore parses every filter file of a Eudora store (see FindFiles).
func ReadStore(ctx context.Context, dir string, opts *Options) ([]*Set, error) {
	files, err := FindFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w: no Eudora filters file (Filters.pce or Eudora Filters)", dir, mailconv.ErrFormat)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var sets []*Set
	for _, f := range files {
		fh, _, err := safeopen.File(root, f)
		if err != nil {
			return nil, err
		}
		s, err := Parse(ctx, bufio.NewReader(fh), f, opts)
		fh.Close()
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	return sets, nil
}
