package migrate

import (
	"io"
	"sync"
)

// Hashing the octets for the journal (SHA-256) costs about as much CPU as
// reading and writing them. hashPipe moves it off the message loop: the
// bytes the writer reads are copied into a few fixed buffers that a
// goroutine of its own hashes while the loop goes on reading and writing,
// and while the writer finishes the message (flush, rename, fsync). The loop
// still waits for a message's digest before it journals the message and
// starts the next one, so the journal keeps its order and its promise (a
// record only for a message the writer has returned from).
//
// Only this goroutine runs outside the loop; readers and writers (and their
// Events functions) are called from the loop's goroutine only.
//
// Memory: hashPipeBuffers buffers of hashChunk bytes, whatever the message
// size. A message smaller than one buffer is hashed inline: handing it over
// would cost more than it saves.
const (
	hashChunk       = 256 << 10
	hashPipeBuffers = 4
)

type hashJob struct {
	buf []byte // bytes to hash; nil: the message ended
}

type hashResult struct {
	d   digest
	n   int64
	mid string
}

type hashPipe struct {
	inline *digester // for messages that fit in one buffer
	cur    []byte    // the buffer being filled
	sent   bool      // part of the current message went to the goroutine

	work    chan hashJob
	free    chan []byte
	results chan hashResult
	wg      sync.WaitGroup
}

func newHashPipe() *hashPipe {
	p := &hashPipe{
		inline:  newDigester(),
		work:    make(chan hashJob, hashPipeBuffers+1),
		free:    make(chan []byte, hashPipeBuffers),
		results: make(chan hashResult, 1),
	}
	for i := 0; i < hashPipeBuffers-1; i++ {
		p.free <- make([]byte, 0, hashChunk)
	}
	p.cur = make([]byte, 0, hashChunk)
	p.wg.Add(1)
	go p.run()
	return p
}

// run hashes buffers until the work channel is closed.
func (p *hashPipe) run() {
	defer p.wg.Done()
	d := newDigester()
	for job := range p.work {
		if job.buf == nil {
			p.results <- hashResult{d.sum(), d.n, d.messageID()}
			d.reset()
			continue
		}
		d.Write(job.buf)
		p.free <- job.buf[:0]
	}
}

// Write takes bytes of the current message (it never fails).
func (p *hashPipe) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		k := copy(p.cur[len(p.cur):cap(p.cur)], b)
		p.cur = p.cur[:len(p.cur)+k]
		b = b[k:]
		if len(p.cur) == cap(p.cur) {
			p.work <- hashJob{buf: p.cur}
			p.sent = true
			p.cur = <-p.free
		}
	}
	return n, nil
}

// sum ends the current message and returns its digest, size and Message-ID.
func (p *hashPipe) sum() (digest, int64, string) {
	if !p.sent {
		d := p.inline
		d.reset()
		d.Write(p.cur)
		p.cur = p.cur[:0]
		return d.sum(), d.n, d.messageID()
	}
	if len(p.cur) > 0 {
		p.work <- hashJob{buf: p.cur}
		p.cur = <-p.free
	}
	p.work <- hashJob{}
	r := <-p.results
	p.sent = false
	return r.d, r.n, r.mid
}

// close stops the goroutine and waits for it.
func (p *hashPipe) close() {
	close(p.work)
	p.wg.Wait()
}

// hashTee copies what it reads into a hashPipe.
type hashTee struct {
	r io.Reader
	p *hashPipe
}

func (t *hashTee) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	if n > 0 {
		t.p.Write(b[:n])
	}
	return n, err
}
