package storegen_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/storegen"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/mbox"
)

// TestMboxDeterministicAndReadable: the same options give the same bytes;
// the mbox reader finds every message with the flags the state headers
// carry, and the mix holds what the workload promises.
func TestMboxDeterministicAndReadable(t *testing.T) {
	o := storegen.Workload(4 << 20)
	o.BigMessages = []int64{1 << 20}
	var a, b bytes.Buffer
	sa, err := storegen.WriteMbox(&a, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storegen.WriteMbox(&b, o); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) || sa.Bytes != int64(a.Len()) {
		t.Fatal("not deterministic, or Bytes wrong")
	}
	data := a.Bytes()
	for _, want := range []string{"\r\n", "\n>From ", "\nX-Status: T", "\nStatus: RO", "\nX-Keywords: $Junk Work", "Content-Transfer-Encoding: base64"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("workload lacks %q", want)
		}
	}
	rd, err := mbox.NewReader(bytes.NewReader(data), mbox.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, drafts, seen := 0, 0, 0
	for {
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Flags&mailconv.FlagDraft != 0 {
			drafts++
		}
		if m.Flags&mailconv.FlagSeen != 0 {
			seen++
		}
		n++
	}
	if n != sa.Messages || drafts == 0 || seen == 0 {
		t.Fatalf("read %d messages (%d generated), %d drafts, %d seen", n, sa.Messages, drafts, seen)
	}
}

// TestMaildir: the maildir store reads back with as many messages and bytes
// as generated, in two folders, with flags and keywords.
func TestMaildir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "md")
	o := storegen.Workload(2 << 20)
	o.MaxAttachment = 16 << 10 // many small messages
	st, err := storegen.WriteMaildir(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := maildir.Open(context.Background(), dir, &mailconv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mbs, err := r.Mailboxes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var bytesRead int64
	kw, flagged, unread := 0, 0, 0
	for _, mb := range mbs {
		mr, err := r.Open(context.Background(), mb)
		if err != nil {
			t.Fatal(err)
		}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			c, _ := io.Copy(io.Discard, mr)
			bytesRead += c
			n++
			if len(m.Keywords) > 0 {
				kw++
			}
			if m.Flags&mailconv.FlagFlagged != 0 {
				flagged++
			}
			if m.Flags&mailconv.FlagNew != 0 {
				unread++
			}
		}
		mr.Close()
	}
	if len(mbs) != 2 || n != st.Messages || bytesRead != st.Bytes || kw == 0 || flagged == 0 || unread == 0 {
		t.Fatalf("%d mailboxes, %d/%d messages, %d/%d bytes, %d with keywords, %d flagged, %d new", len(mbs), n, st.Messages, bytesRead, st.Bytes, kw, flagged, unread)
	}
	names, _ := os.ReadDir(filepath.Join(dir, "cur"))
	if len(names) == 0 || !strings.Contains(names[0].Name(), ",S=") {
		t.Fatal("no cur/ file with S=")
	}
}
