package maildir

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseName checks the file-name parser: no panic, the base is a prefix
// of the name, and only letters a-z come out as keywords.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"1035478339.27041_118.foo.org,S=1000,W=1030;2,RDF,",
		"1491941793.M41850P8566V0000000000000015I0000000004F3030E_0.mx1.example.com,S=10956;2,STln",
		"1.a.host!2,RS", "3.a.host:2,:2,S", "5.a.host:1,xyz", "x,S=-1:2,", "x,S=99999999999999999999:2,a", "",
	} {
		f.Add(s)
	}
	// Every file name of the repository's sample stores and fixtures (the
	// corpus sweep of fuzz/ ran them through ParseName before it was
	// unexported).
	filepath.WalkDir("../testdata", func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			f.Add(d.Name())
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, name string) {
		in := parseName(name, nil)
		if !strings.HasPrefix(name, in.Base) {
			t.Fatalf("base %q is not a prefix of %q", in.Base, name)
		}
		for _, c := range in.Keywords {
			if c < 'a' || c > 'z' {
				t.Fatalf("keyword letter %q", c)
			}
		}
		if in.Size < -1 {
			t.Fatalf("size %d", in.Size)
		}
	})
}
