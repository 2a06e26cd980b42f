package eudora_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
)

// §7 item 5: long lines, commas in file names, a missing fourth field,
// Windows-1252 names; plus the lines Eudora's own parser would misread.
func TestParseDescmap(t *testing.T) {
	long := strings.Repeat("x", 300)
	in := "In,In.mbx,S,Y\r\n" +
		"Out,Out.mbx,S,N\r\n" +
		"R\xe9unions \x80,R\xe9unions.mbx,M,U\r\n" + // 1252: é and €
		"Old style,OLDSTY~1.MBX,M\r\n" + // no fourth field
		"Books,Books, Papers.mbx,M,N\r\n" + // comma in the file name
		"Work,Work.fol,F,N\n" + // LF only
		long + "," + long + ".mbx,M,N\r\n" + // 300+ bytes: fine for us
		"\r\n" + // blank
		"Broken line\r\n" +
		"Evil,..\\..\\Windows\\x.mbx,M,N\r\n" +
		"Bad type,x.mbx,Q,N\r" + // CR only
		"Last,Last.mbx,m,y" // no final line end, lower-case letters
	es, probs, err := eudora.ParseDescmap(strings.NewReader(in), eudora.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []eudora.DescmapEntry{
		{Name: "In", File: "In.mbx", Type: 'S', Unread: 'Y'},
		{Name: "Out", File: "Out.mbx", Type: 'S', Unread: 'N'},
		{Name: "Réunions €", File: "Réunions.mbx", Type: 'M', Unread: 'U'},
		{Name: "Old style", File: "OLDSTY~1.MBX", Type: 'M'},
		{Name: "Books", File: "Books, Papers.mbx", Type: 'M', Unread: 'N'},
		{Name: "Work", File: "Work.fol", Type: 'F', Unread: 'N'},
		{Name: long, File: long + ".mbx", Type: 'M', Unread: 'N'},
		{Name: "Last", File: "Last.mbx", Type: 'M', Unread: 'Y'},
	}
	if len(es) != len(want) {
		t.Fatalf("got %d entries: %+v", len(es), es)
	}
	for i, w := range want {
		g := es[i]
		if g.Name != w.Name || g.File != w.File || g.Type != w.Type || g.Unread != w.Unread {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
	}
	if es[0].Line != 1 || es[0].Offset != 0 || es[1].Offset != int64(len("In,In.mbx,S,Y\r\n")) {
		t.Errorf("positions: %+v %+v", es[0], es[1])
	}
	if len(probs) != 3 {
		t.Fatalf("problems: %v", probs)
	}
	for i, frag := range []string{"fields", "not a plain name", "no type"} {
		if !strings.Contains(probs[i].Reason, frag) {
			t.Errorf("problem %d = %q, want %q", i, probs[i].Reason, frag)
		}
	}
}

func TestParseDescmapLimits(t *testing.T) {
	in := "A," + strings.Repeat("a", 100) + ".mbx,M,N\r\nB,B.mbx,M,N\r\n"
	es, probs, err := eudora.ParseDescmap(strings.NewReader(in), eudora.Limits{MaxDescmapLine: 50})
	if err != nil || len(es) != 1 || es[0].Name != "B" || len(probs) != 1 {
		t.Fatalf("entries %+v problems %v err %v", es, probs, err)
	}
	_, _, err = eudora.ParseDescmap(bytes.NewReader(make([]byte, 100)), eudora.Limits{MaxDescmapBytes: 10})
	if !errors.Is(err, mailconv.ErrLimit) {
		t.Fatalf("size limit: %v", err)
	}
	// NUL bytes: the line is skipped.
	es, probs, _ = eudora.ParseDescmap(strings.NewReader("A,A\x00.mbx,M,N\r\nB,B.mbx,M\r\n"), eudora.Limits{})
	if len(es) != 1 || len(probs) != 1 {
		t.Fatalf("NUL: %+v %v", es, probs)
	}
}
