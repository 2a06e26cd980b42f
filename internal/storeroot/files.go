package storeroot

import (
	"io"
	"iter"
	"os"
)

// Entry is one message of a store that keeps one message a file.
type Entry interface {
	// EntryID is the message's ID (mailconv.Message.ID), known before
	// the file is opened.
	EntryID() string
}

// Files is the part of a mailbox reader that walks a mailbox's message
// files in order: the entries still to read, and the open files of the
// current message. Embedded in a mailbox reader it gives it PeekID and Skip
// (mailconv.IDSkipper), Read and Close; the reader's Next ranges over
// Pending until it finds a message it can open, calls Hold for each file it
// keeps open and SetBody for what Read returns.
//
// The zero value is an empty mailbox.
type Files[E Entry] struct {
	// Entries are the mailbox's messages in reading order.
	Entries []E
	pos     int
	open    []*os.File
	body    io.Reader
}

// PeekID returns the ID of the entry Next would try next, io.EOF after the
// last.
func (c *Files[E]) PeekID() (string, error) {
	if c.pos >= len(c.Entries) {
		return "", io.EOF
	}
	return c.Entries[c.pos].EntryID(), nil
}

// Skip releases the current message and passes over the entry Next would
// try next; io.EOF after the last.
func (c *Files[E]) Skip() error {
	c.Release()
	if c.pos >= len(c.Entries) {
		return io.EOF
	}
	c.pos++
	return nil
}

// Pending releases the current message and yields the entries still to
// read, each counted as read when it is yielded: a reader's Next ranges
// over it, passes over (continue) an entry it cannot read, and returns the
// first message it can.
func (c *Files[E]) Pending() iter.Seq[E] {
	c.Release()
	return func(yield func(E) bool) {
		for c.pos < len(c.Entries) {
			e := c.Entries[c.pos]
			c.pos++
			if !yield(e) {
				return
			}
		}
	}
}

// Hold keeps f open as a file of the current message until Release.
func (c *Files[E]) Hold(f *os.File) { c.open = append(c.open, f) }

// SetBody makes r what Read returns for the current message.
func (c *Files[E]) SetBody(r io.Reader) { c.body = r }

// Release closes the current message's files; Read returns io.EOF until
// the next SetBody.
func (c *Files[E]) Release() {
	for i, f := range c.open {
		f.Close() // opened read-only: nothing to flush, nothing to report
		c.open[i] = nil
	}
	c.open = c.open[:0]
	c.body = nil
}

// Read reads the current message's octets.
func (c *Files[E]) Read(p []byte) (int, error) {
	if c.body == nil {
		return 0, io.EOF
	}
	return c.body.Read(p)
}

// Close releases the current message.
func (c *Files[E]) Close() error {
	c.Release()
	return nil
}
