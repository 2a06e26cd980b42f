package extras_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv/extras"
)

// Signatures of a Windows store become files named after them.
func Example() {
	store, _ := os.MkdirTemp("", "eudora")
	defer os.RemoveAll(store)
	os.MkdirAll(filepath.Join(store, "Sigs"), 0o755)
	os.WriteFile(filepath.Join(store, "Sigs", "Work.txt"), []byte("<x-html>\r\n<i>ACME</i>\r\n</x-html>\r\n"), 0o644)
	out, _ := os.MkdirTemp("", "out")
	defer os.RemoveAll(out)
	files, err := extras.Export(context.Background(), store, out, nil)
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(out, f.File))
		fmt.Printf("%s %s: %q\n", f.Item.Kind, f.File, data)
	}
	// Output:
	// signature Signatures/Work.html: "<i>ACME</i>\r\n"
}
