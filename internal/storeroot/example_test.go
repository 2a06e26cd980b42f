package storeroot_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/storeroot"
)

// A link that leads out of the store is refused by the root and reported
// as an outside-root skip.
func Example() {
	base, _ := os.MkdirTemp("", "storeroot-")
	defer os.RemoveAll(base)
	store := filepath.Join(base, "store")
	os.Mkdir(store, 0o755)
	os.WriteFile(filepath.Join(base, "secret"), []byte("x"), 0o644)
	os.Symlink(filepath.Join(base, "secret"), filepath.Join(store, "link"))

	var events []mailconv.Event
	st, err := storeroot.Open(store, "demo", &mailconv.Options{Events: func(e mailconv.Event) { events = append(events, e) }})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	if _, err := st.Root.Open("link"); err != nil {
		fmt.Println(storeroot.IsOutside(err))
		st.Skip(nil, "link", err)
	}
	fmt.Println(events[0].Kind, events[0].Code)
	// Output:
	// true
	// skip demo.outside-root
}
