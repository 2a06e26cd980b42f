package migrate

import (
	"io"
	"sync"

	"github.com/mailconv/mailconv"
)

// readAhead runs a MailboxReader in a goroutine of its own, one message
// ahead of the writer: while the writer stores message N, the reader parses
// message N+1 into a few fixed buffers (ConvertOptions.ReadAhead). The
// message loop sees the same Next/Read sequence as without it and still
// writes and journals message N before it takes message N+1; but the reader
// may have parsed N+1 already, so its events (warnings, skips) can come
// before the writer's events for N, and from the other goroutine.
//
// Memory: readAheadBuffers buffers of readAheadChunk bytes, whatever the
// message size.
const (
	readAheadChunk   = 256 << 10
	readAheadBuffers = 4
)

type raItem struct {
	msg  *mailconv.Message // a message starts (a copy the consumer owns)
	data []byte            // octets of the current message (a buffer of free)
	end  bool              // the current message ends after data
	err  error             // reading failed (from Next when msg is nil and no data came)
}

type readAhead struct {
	mr    mailconv.MailboxReader
	items chan raItem
	free  chan []byte
	stop  chan struct{}
	wg    sync.WaitGroup

	// consumer state
	cur    []byte // unread part of the current chunk
	buf    []byte // the buffer cur lies in, to give back
	inBody bool   // a message was returned by Next and its end not seen
	err    error  // sticky error
	closed bool
}

func newReadAhead(mr mailconv.MailboxReader) *readAhead {
	ra := &readAhead{mr: mr, items: make(chan raItem, readAheadBuffers+2),
		free: make(chan []byte, readAheadBuffers), stop: make(chan struct{})}
	for i := 0; i < readAheadBuffers; i++ {
		ra.free <- make([]byte, readAheadChunk)
	}
	ra.wg.Add(1)
	go ra.run()
	return ra
}

func (ra *readAhead) send(it raItem) bool {
	select {
	case ra.items <- it:
		return true
	case <-ra.stop:
		if it.data != nil {
			ra.free <- it.data[:cap(it.data)]
		}
		return false
	}
}

// fill reads into buf until it is full, the message ends or reading fails.
func (ra *readAhead) fill(buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := ra.mr.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (ra *readAhead) run() {
	defer ra.wg.Done()
	defer close(ra.items)
	for {
		m, err := ra.mr.Next()
		if err != nil {
			ra.send(raItem{err: err})
			return
		}
		it := raItem{msg: cloneMessage(m)}
		for {
			var buf []byte
			select {
			case buf = <-ra.free:
			case <-ra.stop:
				return
			}
			n, err := ra.fill(buf)
			it.data = buf[:n]
			switch {
			case err == io.EOF:
				it.end = true
			case err != nil:
				it.err = err
			}
			if !ra.send(it) || it.err != nil {
				return
			}
			if it.end {
				break
			}
			it = raItem{}
		}
	}
}

// cloneMessage returns a copy of m that the next call to Next cannot
// change.
func cloneMessage(m *mailconv.Message) *mailconv.Message {
	c := *m
	if m.Keywords != nil {
		c.Keywords = append([]string(nil), m.Keywords...)
	}
	return &c
}

// release gives the current chunk's buffer back.
func (ra *readAhead) release() {
	if ra.buf != nil {
		ra.free <- ra.buf[:cap(ra.buf)]
		ra.buf, ra.cur = nil, nil
	}
}

// take handles one item of the current message.
func (ra *readAhead) take(it raItem) {
	ra.release()
	if it.data != nil {
		ra.buf, ra.cur = it.data, it.data
	}
	if it.end {
		ra.inBody = false
	}
	if it.err != nil {
		ra.err = it.err
	}
}

// Next skips what is left of the current message and returns the next one.
func (ra *readAhead) Next() (*mailconv.Message, error) {
	for ra.inBody && ra.err == nil {
		it, ok := <-ra.items
		if !ok {
			ra.err = io.ErrUnexpectedEOF
			break
		}
		ra.take(it)
	}
	ra.release()
	if ra.err != nil {
		return nil, ra.err
	}
	it, ok := <-ra.items
	if !ok {
		return nil, io.ErrUnexpectedEOF
	}
	if it.msg == nil {
		ra.err = it.err
		return nil, it.err
	}
	ra.inBody = true
	ra.take(it)
	ra.inBody = !it.end
	return it.msg, nil
}

// Read reads the current message's octets.
func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if !ra.inBody {
			ra.release()
			return 0, io.EOF
		}
		it, ok := <-ra.items
		if !ok {
			ra.err = io.ErrUnexpectedEOF
			return 0, ra.err
		}
		ra.take(it)
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// close stops the goroutine and waits for it; the reader may then be
// closed. It may be called more than once.
func (ra *readAhead) close() {
	if ra.closed {
		return
	}
	ra.closed = true
	close(ra.stop)
	for it := range ra.items {
		if it.data != nil {
			ra.free <- it.data[:cap(it.data)]
		}
	}
	ra.wg.Wait()
	ra.release()
}
