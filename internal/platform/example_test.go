package platform_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv/internal/platform"
)

// OpenNoFollow creates and opens a regular file like os.OpenFile, but
// refuses a link in place of the file.
func ExampleOpenNoFollow() {
	dir, _ := os.MkdirTemp("", "platform")
	defer os.RemoveAll(dir)
	f, err := platform.OpenNoFollow(filepath.Join(dir, "INBOX"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Println(err)
		return
	}
	f.WriteString("From x\n")
	f.Close()
	fi, _ := os.Stat(filepath.Join(dir, "INBOX"))
	fmt.Println(fi.Size())
	// Output: 7
}
