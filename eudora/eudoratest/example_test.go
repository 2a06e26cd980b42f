package eudoratest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/mailconv/mailconv/eudora/eudoratest"
)

// A Windows store with one mailbox of two messages, the second deleted but
// not yet compacted: its bytes stay in In.mbx, the TOC has one record
// (104-byte header + one 218-byte record).
func Example() {
	dir, _ := os.MkdirTemp("", "eudoratest-example")
	defer os.RemoveAll(dir)
	st := &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: []eudoratest.Msg{
		{Raw: "Subject: kept\r\n\r\nHello.\r\n"},
		{Raw: "Subject: deleted\r\n\r\nGone.\r\n", Deleted: true},
	}}}}}
	l, err := st.Write(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fi, _ := e.Info()
		names = append(names, fmt.Sprintf("%s %d", e.Name(), fi.Size()))
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(n)
	}
	for _, m := range l.Box("In.mbx").Msgs {
		fmt.Printf("offset %d length %d deleted=%v %q\n", m.Offset, m.Length, m.Deleted, m.Separator)
	}
	desc, _ := os.ReadFile(filepath.Join(dir, "descmap.pce"))
	fmt.Printf("%q\n", desc)
	// Output:
	// In.mbx 130
	// In.toc 322
	// descmap.pce 13
	// offset 0 length 64 deleted=false "From ???@??? Mon Dec 13 18:45:29 2010"
	// offset 64 length 66 deleted=true "From ???@??? Mon Dec 13 18:46:29 2010"
	// "In,In.mbx,S\r\n"
}
