package maildir

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Directory operations are, on common file systems, the costliest system
// calls of a delivery, and two of them do not depend on the message:
// creating the file in tmp/ and removing its tmp/ name once it is linked
// into cur/ or new/. A goroutine of its own does both: it makes the files
// of tmp/ ahead of need (precreateAhead of them), under names of their own,
// and removes the tmp/ names of delivered messages (precreateWorkers
// goroutines), while the message loop
// reads, writes and links. The tmp/ name never reaches a reader: a
// message's file is linked into cur/ or new/ under its final name as
// before, and that link is what makes it delivered. Close removes the files
// made but not used and waits for the pending removals (a crash can leave a
// few files in tmp/, which maildir readers ignore and Dovecot cleans up).
const (
	precreateAhead = 2
	pendingRemoves = 64
	// precreateWorkers goroutines make files at once. More than one
	// measured no better on a two-core machine (ext4 makes creators wait
	// on its journal when much data is dirty).
	precreateWorkers = 1
)

type tmpFile struct {
	name string
	f    *os.File
	err  error
}

type precreator struct {
	ready  chan tmpFile
	remove chan string
	stop   chan struct{}
	wg     sync.WaitGroup
	root   *os.Root
	n      atomic.Int64 // the number in the next file name
	err    error        // the error that stopped file making, once received

	mu        sync.Mutex
	removeErr error // the first failed removal
}

// startPrecreate starts making files in root (a tmp/ directory) named
// prefix + a counter + suffix.
func startPrecreate(root *os.Root, prefix, suffix string) *precreator {
	p := &precreator{ready: make(chan tmpFile, precreateAhead), remove: make(chan string, pendingRemoves),
		stop: make(chan struct{}), root: root}
	for i := 0; i < precreateWorkers; i++ {
		p.wg.Add(1)
		go p.run(prefix, suffix)
	}
	return p
}

func (p *precreator) run(prefix, suffix string) {
	defer p.wg.Done()
	fails := 0
	var next *tmpFile // made, not handed over yet
	failed := false
	for {
		if next == nil && !failed {
			name := prefix + strconv.FormatInt(p.n.Add(1)-1, 10) + suffix
			f, err := p.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil && errors.Is(err, fs.ErrExist) && fails < 100 {
				fails++
				continue // left by another run: take the next number
			}
			next = &tmpFile{name, f, err}
			failed = err != nil
		}
		ready := p.ready
		var t tmpFile
		if next != nil {
			t = *next
		} else {
			ready = nil
		}
		select {
		case ready <- t:
			next = nil
		case name := <-p.remove:
			p.removeName(name)
		case <-p.stop:
			if next != nil && next.f != nil {
				next.f.Close()
				p.root.Remove(next.name)
			}
			p.drainRemovals()
			return
		}
	}
}

func (p *precreator) removeName(name string) {
	if err := p.root.Remove(name); err != nil {
		p.mu.Lock()
		if p.removeErr == nil {
			p.removeErr = err
		}
		p.mu.Unlock()
	}
}

// next returns a new empty file of tmp/ and its name.
func (p *precreator) next() (string, *os.File, error) {
	if p.err != nil {
		return "", nil, p.err
	}
	t := <-p.ready
	if t.err != nil {
		p.err = t.err
		return "", nil, t.err
	}
	return t.name, t.f, nil
}

// removeLater removes the tmp/ name of a delivered message.
func (p *precreator) removeLater(name string) { p.remove <- name }

// close stops the goroutines after the pending removals, removes the files
// they made that were not used, and returns the first failed removal.
func (p *precreator) close() error {
	close(p.stop)
	p.wg.Wait()
	close(p.ready)
	for t := range p.ready {
		if t.f != nil {
			t.f.Close()
			p.root.Remove(t.name)
		}
	}
	p.drainRemovals()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removeErr
}

// drainRemovals carries out the removals already asked for.
func (p *precreator) drainRemovals() {
	for {
		select {
		case name := <-p.remove:
			p.removeName(name)
		default:
			return
		}
	}
}

// cleanTmp removes, from the tmp/ of a mailbox an earlier run wrote, the
// files that run made ahead or had not yet removed when it was stopped:
// names "<start>.T<n>_<counter>P<pid>.<host>" with a start before this
// run's. (Delivered messages are linked into cur/ or new/ first, so such a
// name is either an unused empty file or a second name of a delivered
// message.) Other files are left alone.
func (mw *mailboxWriter) cleanTmp() {
	d, err := mw.tmpRoot.Open(".")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		start, rest, ok := strings.Cut(n, ".T")
		if !ok || !strings.Contains(rest, "_") || !strings.Contains(rest, "P") {
			continue
		}
		if t, err := strconv.ParseInt(start, 10, 64); err != nil || t >= mw.w.start {
			continue
		}
		mw.tmpRoot.Remove(n)
	}
}
