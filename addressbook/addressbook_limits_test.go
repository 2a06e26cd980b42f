package addressbook_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/addressbook"
)

// limitName returns the Name of the *mailconv.LimitError in err, or "".
func limitName(err error) string {
	var le *mailconv.LimitError
	if errors.As(err, &le) && errors.Is(err, mailconv.ErrLimit) {
		return le.Name
	}
	return ""
}

// nicknames returns n entries "alias nN aN@example.com" (CRLF lines).
func nicknames(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "alias n%d a%d@example.com\r\n", i, i)
	}
	return b.String()
}

// Every limit of the readers, with an input just under (or at) it and one
// just over it.
func TestLimitsNicknames(t *testing.T) {
	ctx := context.Background()
	read := func(data string, o addressbook.Options) (*addressbook.Book, []mailconv.Event, error) {
		var ev []mailconv.Event
		o.Events = func(e mailconv.Event) { ev = append(ev, e) }
		b, err := addressbook.ReadNicknames(ctx, strings.NewReader(data), "NNdbase.txt", &o)
		return b, ev, err
	}
	t.Run("MaxFileBytes", func(t *testing.T) {
		data := nicknames(10)
		for _, lim := range []int64{int64(len(data)), int64(len(data)) - 1} {
			b, _, err := read(data, addressbook.Options{MaxFileBytes: lim})
			over := lim < int64(len(data))
			if got := limitName(err); (got == "MaxFileBytes") != over || (!over && len(b.Contacts) != 10) {
				t.Errorf("file of %d bytes, MaxFileBytes %d: err %v", len(data), lim, err)
			}
		}
	})
	t.Run("MaxEntries", func(t *testing.T) {
		for _, n := range []int{5, 6} {
			b, _, err := read(nicknames(n), addressbook.Options{MaxEntries: 5})
			if got := limitName(err); (got == "MaxEntries") != (n > 5) || (n == 5 && len(b.Contacts) != 5) {
				t.Errorf("%d entries, MaxEntries 5: err %v", n, err)
			}
		}
	})
	t.Run("MaxLineBytes", func(t *testing.T) {
		const lim = 100
		for _, n := range []int{lim, lim + 1} {
			line := "alias long " + strings.Repeat("x", n-len("alias long @example.com")) + "@example.com"
			if len(line) != n {
				t.Fatal(len(line))
			}
			b, ev, err := read(line+"\r\nalias short s@example.com\r\n", addressbook.Options{MaxLineBytes: lim})
			if err != nil {
				t.Fatal(err)
			}
			skipped := 0
			for _, e := range ev {
				if e.Code == "addressbook.line-too-long" {
					skipped++
				}
			}
			want := 2
			if n > lim {
				want = 1
			}
			if len(b.Contacts) != want || (skipped == 1) != (n > lim) {
				t.Errorf("line of %d bytes, MaxLineBytes %d: %d contacts, %d skip events", n, lim, len(b.Contacts), skipped)
			}
		}
	})
}

func TestLimitsLDIF(t *testing.T) {
	ctx := context.Background()
	rec := func(i int) string {
		return fmt.Sprintf("dn: cn=n%d,mail=a%d@example.com\ncn: n%d\nmail: a%d@example.com\n\n", i, i, i, i)
	}
	t.Run("MaxEntries", func(t *testing.T) {
		for _, n := range []int{3, 4} {
			var b strings.Builder
			for i := 0; i < n; i++ {
				b.WriteString(rec(i))
			}
			book, err := addressbook.ReadLDIF(ctx, strings.NewReader(b.String()), &addressbook.LDIFReadOptions{MaxEntries: 3})
			if got := limitName(err); (got == "MaxEntries") != (n > 3) || (n == 3 && len(book.Contacts) != 3) {
				t.Errorf("%d records, MaxEntries 3: err %v", n, err)
			}
		}
	})
	t.Run("MaxBytes", func(t *testing.T) {
		data := rec(1) + rec(2)
		for _, lim := range []int64{int64(len(data)), int64(len(data)) - 1} {
			_, err := addressbook.ReadLDIF(ctx, strings.NewReader(data), &addressbook.LDIFReadOptions{MaxBytes: lim})
			if got := limitName(err); (got == "MaxBytes") != (lim < int64(len(data))) {
				t.Errorf("input of %d bytes, MaxBytes %d: err %v", len(data), lim, err)
			}
		}
	})
	t.Run("MaxRecordBytes", func(t *testing.T) {
		// the record's size counts its lines without line ends
		r := rec(1)
		size := len(strings.ReplaceAll(strings.TrimRight(r, "\n"), "\n", ""))
		for _, lim := range []int{size, size - 1} {
			_, err := addressbook.ReadLDIF(ctx, strings.NewReader(r), &addressbook.LDIFReadOptions{MaxRecordBytes: lim})
			if got := limitName(err); (got == "MaxRecordBytes") != (lim < size) {
				t.Errorf("record of %d bytes, MaxRecordBytes %d: err %v", size, lim, err)
			}
		}
	})
}

func TestLimitsVCard(t *testing.T) {
	ctx := context.Background()
	card := func(i int) string {
		return fmt.Sprintf("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:n%d\r\nEMAIL:a%d@example.com\r\nEND:VCARD\r\n", i, i)
	}
	t.Run("MaxEntries", func(t *testing.T) {
		for _, n := range []int{2, 3} {
			var b strings.Builder
			for i := 0; i < n; i++ {
				b.WriteString(card(i))
			}
			book, err := addressbook.ReadVCard(ctx, strings.NewReader(b.String()), &addressbook.VCardReadOptions{MaxEntries: 2})
			if got := limitName(err); (got == "MaxEntries") != (n > 2) || (n == 2 && len(book.Contacts) != 2) {
				t.Errorf("%d cards, MaxEntries 2: err %v", n, err)
			}
		}
	})
	t.Run("MaxBytes", func(t *testing.T) {
		data := card(1) + card(2)
		for _, lim := range []int64{int64(len(data)), int64(len(data)) - 1} {
			_, err := addressbook.ReadVCard(ctx, strings.NewReader(data), &addressbook.VCardReadOptions{MaxBytes: lim})
			if got := limitName(err); (got == "MaxBytes") != (lim < int64(len(data))) {
				t.Errorf("input of %d bytes, MaxBytes %d: err %v", len(data), lim, err)
			}
		}
	})
}
