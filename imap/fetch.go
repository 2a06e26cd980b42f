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
	DefaultFetchAhead = 6
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
	state       []uint8 // per message: fetchPending, fetchArrived, ...
	cfg         fetchConfig
	stopCtx     func() bool

	mu       sync.Mutex    // the caller against the park timer
	next     int           // index in list of the message PeekID, Next and Skip are at
	issued   int           // list[:issued] were asked for or passed over
	batches  []*fetchBatch // UID FETCH commands not answered in full yet
	arrivals chan arrival  // what the batches' pumps take from the connection
	held     *fetchBatch   // its pump waits until the caller is done with pend or body
	pend     io.Reader     // the body of list[next], announced by the server
	msg      mailconv.Message
	body     io.Reader // the body Read returns, nil at its end
	err      error     // sticky: the connection failed
	closed   bool
	timer    *time.Timer
	last     time.Time // when the caller last left a method
}

// What became of a message asked for (MailboxReader.state).
const (
	fetchPending = iota // not asked for, or no answer yet
	fetchArrived        // its answer came (delivered or dropped)
	fetchMissing        // the answers passed it over
	fetchLate           // passed over, then sent out of order (dropped)
)

// fetchBatch is one UID FETCH in flight: the bodies of list[first:end].
type fetchBatch struct {
	cmd        *imapclient.FetchCommand
	set        imapv2.UIDSet
	first, end int
	ack        chan struct{} // the caller is done with the last answer
}

// arrival is one answer a pump took: a message's data, or (msg nil) the
// end of its command.
type arrival struct {
	b   *fetchBatch
	msg *imapclient.FetchMessageData
	err error
}

// pump hands the answers of one command to the caller, one at a time:
// the client library routes each answer to the command that asked for
// its UID, and a server may send the tagged end of one command after
// the data of the next, so the caller waits on all commands at once.
func (mr *MailboxReader) pump(b *fetchBatch) {
	for {
		msg := b.cmd.Next()
		if msg == nil {
			mr.arrivals <- arrival{b: b, err: b.cmd.Close()}
			return
		}
		mr.arrivals <- arrival{b: b, msg: msg}
		<-b.ack
	}
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

// release lets the pump holding the current answer go on (the library
// drops whatever of it was not read).
func (mr *MailboxReader) release() {
	mr.body, mr.pend = nil, nil
	if mr.held != nil {
		mr.held.ack <- struct{}{}
		mr.held = nil
	}
}

// done releases the message Next returned (not one PeekID looked at).
func (mr *MailboxReader) done() {
	if mr.pend == nil {
		mr.release()
	}
}

// issue sends UID FETCH commands until fetch-ahead batches are asked for
// beyond the one being read, starting at the first message neither asked
// for nor passed over. The window moves with the caller, not with the
// commands' tagged ends, which a server may send late (Dovecot sends
// several at once after the data of later commands); the commands not
// answered in full are bounded all the same.
func (mr *MailboxReader) issue() {
	if mr.issued < mr.next {
		mr.issued = mr.next
	}
	limit := 2 * (mr.cfg.ahead + 1)
	if mr.arrivals == nil {
		mr.arrivals = make(chan arrival, limit)
	}
	unread := 0 // batches not read to their end
	for _, b := range mr.batches {
		if b.end > mr.next || mr.cfg.ahead == 0 {
			unread++ // (without fetch-ahead, until answered in full)
		}
	}
	for ; mr.issued < len(mr.list) && unread <= mr.cfg.ahead && len(mr.batches) < limit; unread++ {
		b := &fetchBatch{first: mr.issued, ack: make(chan struct{})}
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
		go mr.pump(b)
	}
}

// align makes list[next] the message whose body the server sends next
// (pend holds it), passing over the messages the answers showed missing,
// or moves next to the end. With fetch it sends the commands that are
// due; without, it stops at the first message not asked for yet (PeekID
// and Skip fetch nothing themselves).
func (mr *MailboxReader) align(fetch bool) error {
	for {
		if mr.err != nil {
			return mr.err
		}
		for mr.next < len(mr.list) && mr.state[mr.next] >= fetchMissing {
			mr.next++
		}
		if fetch {
			mr.issue()
		}
		if mr.pend != nil || mr.next >= len(mr.list) || (mr.next >= mr.issued && !fetch) {
			return nil
		}
		// The message was asked for, or (the window being full) waits
		// for the end of an earlier command.
		if err := mr.take(<-mr.arrivals); err != nil {
			mr.err = err
			return err
		}
	}
}

// head reads an answer up to its body (the UID comes before it: the
// client library relies on that to give the answer to this command) and
// returns the index of its message in list (-1 when it names none) and
// the body (nil for an answer without one, such as a flag change another
// client made), which Read then streams.
func (mr *MailboxReader) head(msg *imapclient.FetchMessageData) (int, io.Reader) {
	var uid imapv2.UID
	var body io.Reader
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
	i := sort.Search(len(mr.list), func(k int) bool { return mr.list[k].uid >= uid })
	if uid == 0 || i >= len(mr.list) || mr.list[i].uid != uid {
		return -1, body
	}
	return i, body
}

// take handles one answer: the body of the message due, a body to drop,
// or the end of a command.
func (mr *MailboxReader) take(a arrival) error {
	if a.msg == nil {
		return mr.complete(a.b, a.err)
	}
	i, body := mr.head(a.msg)
	if body == nil || i < mr.next || i < a.b.first || i >= a.b.end {
		// Not a body, or one passed over: dropped.
		mr.dropped(i, body)
		a.b.ack <- struct{}{}
		return nil
	}
	// Servers answer in sequence order, which is UID order, and the
	// connection carries nothing else until this body is read: what
	// comes before it and has not come will not come in order.
	for ; mr.next < i; mr.next++ {
		mr.state[mr.next] = fetchMissing
	}
	mr.state[i] = fetchArrived
	mr.pend, mr.held = body, a.b
	return nil
}

// dropped records that the body of list[i] came and was not used.
func (mr *MailboxReader) dropped(i int, body io.Reader) {
	if i < 0 || body == nil {
		return
	}
	switch mr.state[i] {
	case fetchPending:
		mr.state[i] = fetchArrived
	case fetchMissing:
		mr.state[i] = fetchLate
	}
}

// complete handles the end of a command: the messages it did not send are
// reported as skips, or its failure ends the mailbox.
func (mr *MailboxReader) complete(b *fetchBatch, err error) error {
	for k, x := range mr.batches {
		if x == b {
			mr.batches = append(mr.batches[:k], mr.batches[k+1:]...)
			break
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
	default:
		return connErr(fmt.Sprintf("UID FETCH %s in %s", b.set, mr.name), err)
	}
	n := 0
	for i := b.first; i < b.end; i++ {
		c, w := code, why
		switch {
		case mr.state[i] == fetchPending && i >= mr.next, mr.state[i] == fetchMissing:
			mr.state[i] = fetchMissing
		case mr.state[i] == fetchLate:
			c, w = "imap.fetch-order", "the server sent it out of UID order, after later messages; run the same command again to fetch it"
		default:
			continue
		}
		n++
		loc := mr.location(i)
		mr.r.opts.Emit(mailconv.Event{Kind: mailconv.EventSkip, Code: c, Mailbox: mr.path, Message: mr.id(i),
			Location: &loc, Detail: w})
	}
	if n == 0 && err != nil {
		mr.r.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: code, Mailbox: mr.path,
			Detail: fmt.Sprintf("UID FETCH %s in %s: every message came, but %s", b.set, mr.name, serverText(ie))})
	}
	return nil
}

// drain reads and drops every answer still due, until no command is in
// flight; messages the commands did not send are reported.
func (mr *MailboxReader) drain() error {
	mr.release()
	var first error
	for len(mr.batches) > 0 {
		a := <-mr.arrivals
		if a.msg != nil {
			mr.dropped(mr.head(a.msg))
			a.b.ack <- struct{}{}
			continue
		}
		if err := mr.complete(a.b, a.err); err != nil && first == nil {
			first = err
		}
	}
	return first
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
	n := mr.issued - mr.next
	if err := mr.drain(); err != nil {
		mr.err = err
	}
	// What was asked for and not used is asked for again.
	for i := mr.next; i < mr.issued; i++ {
		if mr.state[i] == fetchArrived {
			mr.state[i] = fetchPending
		}
	}
	mr.issued = mr.next
	mr.r.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.fetch-parked", Mailbox: mr.path,
		Detail: fmt.Sprintf("nothing read for %v: the answers for %d requested messages were dropped, to be asked for again", mr.cfg.park, n)})
}

// Next implements mailconv.MailboxReader.
func (mr *MailboxReader) Next() (*mailconv.Message, error) {
	mr.enter()
	defer mr.leave()
	mr.done()
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
	mr.done()
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
	mr.done()
	if err := mr.align(false); err != nil {
		return err
	}
	if mr.next >= len(mr.list) {
		return io.EOF
	}
	mr.release()
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
		mr.release()
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
	err := mr.drain()
	if mr.ctx.Err() != nil || mr.err != nil {
		return nil // already reported
	}
	return err
}

var _ mailconv.MailboxReader = (*MailboxReader)(nil)

var _ mailconv.IDSkipper = (*MailboxReader)(nil)
