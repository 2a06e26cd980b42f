package eudora

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv/eudora/eudoratest"
)

// FuzzEudoraAppleDouble feeds arbitrary bytes to the AppleDouble and
// resource-fork parsers: no panic, and a found resource lies inside the
// file.
func FuzzEudoraAppleDouble(f *testing.F) {
	toc := eudoratest.MacTOC(eudoratest.MacHeader{Count: -1}, nil)
	f.Add(eudoratest.AppleDouble("TEXT", "CSOm", eudoratest.ResourceFork([]eudoratest.Resource{{Type: "TOCF", ID: 1001, Data: toc}, {Type: "TOCF", ID: 1002, Data: toc[:10]}})))
	f.Add(eudoratest.AppleDouble("TEXT", "CSOm", nil))
	f.Add(eudoratest.ResourceFork([]eudoratest.Resource{{Type: "TOCF", ID: 1001, Data: []byte("x")}}))
	// The small files of the repository's sample stores and fixtures (the
	// corpus sweep of fuzz/ ran them through ParseAppleDouble before it was
	// unexported).
	filepath.WalkDir("../testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Size() <= 64<<10 {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		forks := []span{{Offset: 0, Length: int64(len(b))}}
		if ad, err := parseAppleDouble(r, int64(len(b)), "fuzz"); err == nil {
			if sp, ok := ad.ResourceFork(); ok {
				forks = append(forks, sp)
			}
		}
		for _, fork := range forks {
			sp, ok, err := findResource(r, fork, "TOCF", 1001, "fuzz")
			if err == nil && ok && (sp.Offset < fork.Offset || sp.Offset+sp.Length > fork.Offset+fork.Length) {
				t.Fatalf("resource %+v outside fork %+v", sp, fork)
			}
		}
	})
}
