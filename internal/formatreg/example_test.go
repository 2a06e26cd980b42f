package formatreg_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/formatreg"
)

// store is a format package's own reader type.
type store struct{ path string }

func (s *store) Mailboxes(context.Context) ([]*mailconv.Mailbox, error) { return nil, nil }
func (s *store) Open(context.Context, *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	return nil, errors.New("no mailboxes")
}
func (s *store) Close() error { return nil }

// open is the package's Open: it returns *store, not mailconv.Reader.
func open(ctx context.Context, path string, opts *mailconv.Options) (*store, error) {
	if path == "" {
		return nil, errors.New("no path")
	}
	return &store{path: path}, nil
}

// A format's init registers its Open through formatreg.Reader; a failed
// open gives a nil mailconv.Reader.
func Example() {
	f := mailconv.Format{Name: "demo", Open: formatreg.Reader(open)}
	r, err := f.Open(context.Background(), "/mail", nil)
	fmt.Println(r.(*store).path, err)
	r, err = f.Open(context.Background(), "", nil)
	fmt.Println(r == nil, err)
	// Output:
	// /mail <nil>
	// true no path
}
