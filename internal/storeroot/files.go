package storeroot

import (
	"io"
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
// (mailconv.IDSkipper), Read and Close; the reader's Next calls Take until
// it finds a message it can open, Hold for each file it keeps open and
// SetBody for what Read returns.
//
// The zero value is an empty mailbox.
type Files[E Entry] struct {
	// Entries are the mailbox's messages in reading order.
	Entries []E
	pos     int
	file    *os.File   // the first file held: most messages have one
	more    []*os.File // the others
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

// Peek returns the entry Next would try next; ok is false after the last.
func (c *Files[E]) Peek() (e E, ok bool) {
	if c.pos >= len(c.Entries) {
		return e, false
	}
	return c.Entries[c.pos], true
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

// Take releases the current message and returns the next entry, moving
// past it; ok is false after the last. A reader's Next loops
//
//	for e, ok := mr.Take(); ok; e, ok = mr.Take() {
//
// passing over (continue) an entry it cannot read and returning the first
// message it can. (A range-over-func iterator would allocate its closure
// on every Next.)
func (c *Files[E]) Take() (e E, ok bool) {
	c.Release()
	if c.pos >= len(c.Entries) {
		return e, false
	}
	e = c.Entries[c.pos]
	c.pos++
	return e, true
}

// Hold keeps f open as a file of the current message until Release.
func (c *Files[E]) Hold(f *os.File) {
	if c.file == nil {
		c.file = f
		return
	}
	c.more = append(c.more, f)
}

// SetBody makes r what Read returns for the current message.
func (c *Files[E]) SetBody(r io.Reader) { c.body = r }

// Release closes the current message's files; Read returns io.EOF until
// the next SetBody. The files were opened read-only, so a failed close
// loses nothing; Close reports it.
func (c *Files[E]) Release() { c.release() }

func (c *Files[E]) release() error {
	var first error
	if c.file != nil {
		first = c.file.Close()
		c.file = nil
	}
	for i, f := range c.more {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		c.more[i] = nil
	}
	c.more = c.more[:0]
	c.body = nil
	return first
}

// Read reads the current message's octets.
func (c *Files[E]) Read(p []byte) (int, error) {
	if c.body == nil {
		return 0, io.EOF
	}
	return c.body.Read(p)
}

// Close releases the current message and returns the first error of
// closing its files.
func (c *Files[E]) Close() error { return c.release() }
