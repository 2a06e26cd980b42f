package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
)

// The source side's parameters: how the reader asks for message bodies.
// See docs/formats/imap-fetch-pipelining.md.
const (
	// ParamFetchBatch is the most messages one UID FETCH asks for.
	ParamFetchBatch = "fetch-batch"
	// ParamFetchBytes is the most RFC822.SIZE octets one UID FETCH asks
	// for; a message larger than that is asked for alone.
	ParamFetchBytes = "fetch-bytes"
	// ParamFetchAhead is how many UID FETCH commands are sent ahead of the
	// one whose answers are being read (0: each waits for the last, the
	// reader before pipelining).
	ParamFetchAhead = "fetch-ahead"
)

// The defaults of the fetch parameters.
const (
	DefaultFetchBatch = 64
	DefaultFetchBytes = 4 << 20
	DefaultFetchAhead = 2
)

// Upper bounds on the fetch parameters, so that a typing slip cannot make
// one command name a million UIDs.
const (
	maxFetchBatch = 10000
	maxFetchAhead = 16
)

// fetchParkAfter is how long the reader leaves answers it asked for
// unread on the connection while its caller is busy elsewhere (a slow
// destination, a back-off). The client library gives a message body five
// minutes from the moment it reaches it; past fetchParkAfter the reader
// reads and drops what is in flight and asks again when the caller comes
// back.
const fetchParkAfter = 2 * time.Minute

// fetchConfig is how a reader fetches bodies.
type fetchConfig struct {
	batch int
	bytes int64
	ahead int
	park  time.Duration
}

// newFetchConfig reads the fetch parameters.
func newFetchConfig(params map[string]string) (fetchConfig, error) {
	fc := fetchConfig{park: fetchParkAfter}
	n, err := intParam(params, ParamFetchBatch, DefaultFetchBatch)
	if err != nil {
		return fc, err
	}
	if n < 1 || n > maxFetchBatch {
		return fc, fmt.Errorf("parameter %s: %d is not between 1 and %d", ParamFetchBatch, n, maxFetchBatch)
	}
	fc.batch = int(n)
	if fc.bytes, err = intParam(params, ParamFetchBytes, DefaultFetchBytes); err != nil {
		return fc, err
	}
	if fc.bytes < 1 {
		return fc, fmt.Errorf("parameter %s: must be at least 1", ParamFetchBytes)
	}
	if n, err = intParam(params, ParamFetchAhead, DefaultFetchAhead); err != nil {
		return fc, err
	}
	if n > maxFetchAhead {
		return fc, fmt.Errorf("parameter %s: %d is more than %d", ParamFetchAhead, n, maxFetchAhead)
	}
	fc.ahead = int(n)
	return fc, nil
}

// MailboxReader streams the messages of one mailbox in UID order. Each
// Message has ID "UIDVALIDITY:UID" (what MailboxWriter.LastRef returns for
// the copy it appended), the server's flags and keywords (\Recent left
// out), INTERNALDATE as Date (DateServer) and RFC822.SIZE as Size.
//
// Bodies are asked for with UID FETCH in batches (at most fetch-batch
// messages and fetch-bytes octets by RFC822.SIZE each), with fetch-ahead
// batches asked for before the current one is read, so that a long
// mailbox costs about one round trip per batch instead of one per
// message. Bodies are streamed from the connection to Read: what is
// requested but not yet read waits on the network, not in memory. A
// message the server no longer has when its batch is answered (expunged
// by another client) is reported as a skip ("imap.vanished").
type MailboxReader struct {
	r           *Reader
	ctx         context.Context
	path        mailconv.Path
	name        string
	uidValidity uint32
	list        []serverMsg
	cfg         fetchConfig
	stopCtx     func() bool

	mu      sync.Mutex    // the caller against the park timer
	next    int           // index in list of the message PeekID, Next and Skip are at
	issued  int           // list[:issued] were asked for or passed over
	batches []*fetchBatch // UID FETCH commands in flight, oldest first
	pend    io.Reader     // the body of list[next], already announced by the server
	msg     mailconv.Message
	body    io.Reader // the body Read returns, nil at its end
	err     error     // sticky: the connection failed
	closed  bool
	timer   *time.Timer
	last    time.Time // when the caller last left a method
}

// fetchBatch is one UID FETCH in flight: the bodies of list[first:end].
type fetchBatch struct {
	cmd        *imapclient.FetchCommand
	set        imapv2.UIDSet
	first, end int
	missing    []int // indices the answers passed over
}

func (mr *MailboxReader) id(i int) string {
	return fmt.Sprintf("%d:%d", mr.uidValidity, mr.list[i].uid)
}

func (mr *MailboxReader) location(i int) mailconv.Location {
	return mailconv.Location{File: fmt.Sprintf("%s;UID=%d", mr.name, mr.list[i].uid), Offset: -1}
}

// enter and leave bracket every method: the caller holds the reader, and
// the park timer counts from the moment it lets go.
func (mr *MailboxReader) enter() {
	mr.mu.Lock()
	if mr.timer != nil {
		mr.timer.Stop()
	}
}

func (mr *MailboxReader) leave() {
	defer mr.mu.Unlock()
	if mr.closed || len(mr.batches) == 0 {
		return
	}
	mr.last = time.Now()
	if mr.timer == nil {
		mr.timer = time.AfterFunc(mr.cfg.park, mr.park)
	} else {
		mr.timer.Reset(mr.cfg.park)
	}
}

// issue sends UID FETCH commands until fetch-ahead of them are in flight
// beyond the oldest (the one being read), starting at the first message
// neither asked for nor passed over.
func (mr *MailboxReader) issue() {
	if mr.issued < mr.next {
		mr.issued = mr.next
	}
	for mr.issued < len(mr.list) && len(mr.batches) <= mr.cfg.ahead {
		b := &fetchBatch{first: mr.issued}
		var bytes int64
		for i := mr.issued; i < len(mr.list) && i-b.first < mr.cfg.batch; i++ {
			size := mr.list[i].size
			if i > b.first && bytes+size > mr.cfg.bytes {
				break
			}
			bytes += size
			b.set.AddNum(mr.list[i].uid)
			b.end = i + 1
		}
		b.cmd = mr.r.c.Fetch(b.set, &imapv2.FetchOptions{UID: true,
			BodySection: []*imapv2.FetchItemBodySection{{Peek: true}}})
		mr.batches = append(mr.batches, b)
		mr.issued = b.end
	}
}

// align makes list[next] the message the server sends next (pend holds
// its body), reporting the messages the answers pass over, or moves next
// to the end. With fetch it sends the commands that are due; without, it
// stops at the first message not asked for yet (PeekID and Skip fetch
// nothing themselves).
func (mr *MailboxReader) align(fetch bool) error {
	for {
		if mr.err != nil {
			return mr.err
		}
		if fetch {
			mr.issue()
		}
		if mr.pend != nil || mr.next >= len(mr.list) || mr.next >= mr.issued {
			return nil
		}
		if err := mr.read(); err != nil {
			mr.err = err
			return err
		}
	}
}

// read takes the next answer of the oldest command in flight.
func (mr *MailboxReader) read() error {
	b := mr.batches[0]
	msg := b.cmd.Next()
	if msg == nil {
		err := b.cmd.Close()
		mr.batches = mr.batches[1:]
		return mr.complete(b, err)
	}
	var uid imapv2.UID
	var body io.Reader
	// The UID comes before the body (the library relies on that to give
	// the answer to this command); stop at the body, which Read streams.
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = it.UID
		case imapclient.FetchItemDataBodySection:
			if it.Literal != nil {
				body = it.Literal
			}
		}
		if body != nil {
			break
		}
	}
	if body == nil || uid == 0 {
		return nil // not a body (a flag change another client made)
	}
	i := sort.Search(len(mr.list), func(k int) bool { return mr.list[k].uid >= uid })
	if i >= len(mr.list) || mr.list[i].uid != uid || i < mr.next || i >= b.end {
		return nil // passed over (Skip): the library drops it
	}
	// Servers answer in sequence order, which is UID order: what comes
	// before this UID and was not sent is not there any more.
	for ; mr.next < i; mr.next++ {
		b.missing = append(b.missing, mr.next)
	}
	mr.pend = body
	return nil
}

// complete handles the end of a batch: the messages it did not deliver
// are reported as skips, or the command's failure ends the mailbox.
func (mr *MailboxReader) complete(b *fetchBatch, err error) error {
	if mr.next >= b.first {
		for ; mr.next < b.end; mr.next++ {
			b.missing = append(b.missing, mr.next)
		}
	}
	code := "imap.vanished"
	why := "the server sent no data for it: expunged by another client since the mailbox was opened"
	var ie *imapv2.Error
	switch {
	case err == nil:
	case errors.As(err, &ie) && ie.Type == imapv2.StatusResponseTypeNo:
		if ie.Code == "EXPUNGEISSUED" {
			why += " (" + serverText(ie) + ")"
			break
		}
		code, why = "imap.fetch-refused", "the server would not send it: "+serverText(ie)
		if len(b.missing) == 0 {
			mr.r.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: code, Mailbox: mr.path,
				Detail: fmt.Sprintf("UID FETCH %s in %s: every message came, but %s", b.set, mr.name, serverText(ie))})
		}
	default:
		return connErr(fmt.Sprintf("UID FETCH %s in %s", b.set, mr.name), err)
	}
	for _, i := range b.missing {
		loc := mr.location(i)
		mr.r.opts.Emit(mailconv.Event{Kind: mailconv.EventSkip, Code: code, Mailbox: mr.path, Message: mr.id(i),
			Location: &loc, Detail: why})
	}
	return nil
}

// park runs when the caller has left the reader alone for cfg.park with
// commands in flight: it reads and drops their answers so that the
// library's timeout on an unread body cannot cut the connection; the
// messages are asked for again when the caller comes back.
func (mr *MailboxReader) park() {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if mr.closed || mr.err != nil || len(mr.batches) == 0 || mr.body != nil || time.Since(mr.last) < mr.cfg.park {
		return
	}
	n := 0
	for _, b := range mr.batches {
		n += b.end - b.first
		if err := b.cmd.Close(); err != nil {
			var ie *imapv2.Error
			if !errors.As(err, &ie) {
				mr.err = connErr(fmt.Sprintf("UID FETCH %s in %s", b.set, mr.name), err)
			}
		}
	}
	mr.batches, mr.pend, mr.issued = nil, nil, mr.next
	mr.r.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.fetch-parked", Mailbox: mr.path,
		Detail: fmt.Sprintf("nothing read for %v: the answers for %d requested messages were dropped, to be asked for again", mr.cfg.park, n)})
}

// Next implements mailconv.MailboxReader.
func (mr *MailboxReader) Next() (*mailconv.Message, error) {
	mr.enter()
	defer mr.leave()
	mr.body = nil
	if err := mr.align(true); err != nil {
		return nil, err
	}
	if mr.next >= len(mr.list) {
		return nil, io.EOF
	}
	s := mr.list[mr.next]
	mr.msg.Reset()
	m := &mr.msg
	m.ID = mr.id(mr.next)
	m.Date, m.DateSource = s.date, mailconv.DateServer
	m.Size = s.size
	m.Source = mr.location(mr.next)
	for _, f := range s.flags {
		switch strings.ToLower(string(f)) {
		case `\seen`:
			m.Flags |= mailconv.FlagSeen
		case `\answered`:
			m.Flags |= mailconv.FlagAnswered
		case `\flagged`:
			m.Flags |= mailconv.FlagFlagged
		case `\deleted`:
			m.Flags |= mailconv.FlagDeleted
		case `\draft`:
			m.Flags |= mailconv.FlagDraft
		case `\recent`:
		default:
			if !strings.HasPrefix(string(f), `\`) {
				m.AddKeyword(string(f))
			}
		}
	}
	mr.body, mr.pend = mr.pend, nil
	mr.next++
	return m, nil
}

// PeekID returns the ID ("UIDVALIDITY:UID") of the message Next would
// return (mailconv.IDSkipper: a resumed run passes over what an earlier
// run recorded; a new UIDVALIDITY makes every ID new). It sends no
// command; when the message was asked for already, it waits for the
// server's answer to know that the message is still there.
func (mr *MailboxReader) PeekID() (string, error) {
	mr.enter()
	defer mr.leave()
	mr.body = nil
	if err := mr.align(false); err != nil {
		return "", err
	}
	if mr.next >= len(mr.list) {
		return "", io.EOF
	}
	return mr.id(mr.next), nil
}

// Skip passes over the message Next would return, without asking for it
// (an answer already on its way is read and dropped).
func (mr *MailboxReader) Skip() error {
	mr.enter()
	defer mr.leave()
	mr.body = nil
	if err := mr.align(false); err != nil {
		return err
	}
	if mr.next >= len(mr.list) {
		return io.EOF
	}
	mr.pend = nil
	mr.next++
	return nil
}

// Read implements mailconv.MailboxReader.
func (mr *MailboxReader) Read(p []byte) (int, error) {
	mr.enter()
	defer mr.leave()
	if mr.body == nil {
		return 0, io.EOF
	}
	if err := mr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := mr.body.Read(p)
	switch {
	case errors.Is(err, io.EOF):
		mr.body = nil
	case err != nil:
		err = connErr(fmt.Sprintf("FETCH %s;UID=%d", mr.name, mr.list[mr.next-1].uid), err)
		mr.err = err
	}
	return n, err
}

// Close implements mailconv.MailboxReader: it reads what is still in
// flight so that the connection can serve the next mailbox. (When the
// context ended, the connection is being closed and this ends at once;
// the library cannot close a connection while a body it handed out is
// unread.)
func (mr *MailboxReader) Close() error {
	mr.enter()
	defer mr.leave()
	if mr.closed {
		return nil
	}
	mr.closed = true
	defer mr.stopCtx()
	mr.body, mr.pend = nil, nil
	var first error
	for _, b := range mr.batches {
		if err := b.cmd.Close(); err != nil && first == nil {
			var ie *imapv2.Error
			if !errors.As(err, &ie) {
				first = connErr(fmt.Sprintf("UID FETCH %s in %s", b.set, mr.name), err)
			}
		}
	}
	mr.batches = nil
	if mr.ctx.Err() != nil || mr.err != nil {
		return nil // already reported
	}
	return first
}

var _ mailconv.MailboxReader = (*MailboxReader)(nil)

var _ mailconv.IDSkipper = (*MailboxReader)(nil)
