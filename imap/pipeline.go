package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"github.com/mailconv/mailconv"
)

// ParamPipeline is how many messages may be in flight on the upload connection
// (default DefaultPipeline; 1 sends one at a time).
const ParamPipeline = "pipeline"

// DefaultPipeline is the default of the parameter pipeline: enough
// messages in flight to cover a 200 ms round trip at over two thousand
// messages a second, so that the server's pace, not the network's, sets
// the rate (imap/README.md has the measurements).
const DefaultPipeline = 512

// ParamMultiAppend is how many pipelined messages go in one APPEND at
// most when the server announces MULTIAPPEND (default DefaultMultiAppend;
// 1: one per APPEND).
const ParamMultiAppend = "multiappend"

// DefaultMultiAppend is the default of the parameter multiappend.
const DefaultMultiAppend = 4

// maxBatchBytes bounds the octets of one MULTIAPPEND command (RFC 3502):
// it is all-or-nothing, so a refusal costs at most this much sent again
// one message at a time.
const maxBatchBytes = 4 << 20

// upAfter is how many messages must be waiting to be pipelined before a
// Writer makes the upload connection: a second login costs a few round
// trips (TLS, greeting, authentication) and a session on the server, more
// than a few messages sent one by one cost; those of a smaller mailbox
// (while the connection does not exist) go one at a time.
const upAfter = 8

// maxInflightBytes bounds the octets of the messages in flight (each is
// held in memory until the server answers, to be sent again if needed):
// 32 MiB cover a 200 ms round trip at 160 MB/s.
const maxInflightBytes = 32 << 20

// flight is a message given to Submit, from its APPEND to the delivery of
// its outcome.
type flight struct {
	p     *prepared
	b     *batch // the APPEND it goes in; nil once answered (or never sent)
	done  func(mailconv.Outcome)
	out   mailconv.Outcome
	ready bool
}

// batch is one APPEND command on the upload connection: one message, or
// up to the parameter multiappend with MULTIAPPEND. It collects messages until it is full
// or an answer is needed, then goes out without waiting.
type batch struct {
	flights []*flight
	bytes   int64
	up      *upConn // the connection it was sent on; nil: not sent yet
	tag     string
	done    bool                 // answered (or failed)
	data    []*imapv2.AppendData // on OK, per message (nil without APPENDUID)
	err     error                // NO/BAD (*imapv2.Error), a lost connection, or errNotSent
}

// pipelining tells whether APPENDs may be sent without waiting: the
// server must announce UIDPLUS (a message out of order after a refusal is
// found and removed by its UID) and LITERAL+ or LITERAL- (else each
// literal waits for the server anyway).
func (w *Writer) pipelining() bool {
	return w.pipeline > 1 && w.info.UIDPlus && (w.info.LiteralPlus || w.info.LiteralMinus) && !w.noUpload
}

// Submit implements mailconv.Pipeliner: the message is normalized and its
// APPEND sent; up to the parameter pipeline APPENDs (and 32 MiB) are in
// flight before the oldest answer is waited for. A message refused in the
// middle of a window is handled as WriteMessage would (back-off, repair,
// skip), and the messages after it that the server accepted meanwhile are
// removed (UID EXPUNGE of their APPENDUID) and sent again after it, so
// that the mailbox keeps the source's order. The outcome of each message
// reaches done in order, from a later Submit or from Drain.
func (mw *MailboxWriter) Submit(ctx context.Context, m *mailconv.Message, body io.Reader, done func(mailconv.Outcome)) (err error) {
	w := mw.w
	mw.deliver()
	f := &flight{done: done}
	mw.queue = append(mw.queue, f)
	defer func() {
		if err != nil && !f.ready && f.b == nil {
			// Not sent: no outcome will come.
			for i, g := range mw.queue {
				if g == f {
					mw.queue = append(mw.queue[:i], mw.queue[i+1:]...)
					break
				}
			}
		}
	}()
	mw.lastRef, mw.lastExisted = "", false
	p, err := mw.prepare(ctx, m, body)
	var skip *mailconv.SkipError
	switch {
	case errors.As(err, &skip):
		f.out, f.ready = mailconv.Outcome{Err: err}, true
		return nil
	case err != nil:
		return err
	case p == nil:
		f.out, f.ready = mailconv.Outcome{Ref: mw.lastRef, Existed: true}, true
		return nil
	}
	f.p = p
	select {
	case <-w.c.Closed():
		// Settle what was in flight on the lost connection first.
		if err := mw.settle(ctx); err != nil {
			return err
		}
	default:
	}
	if !w.pipelining() || p.norm.Size > w.spool.limit || p.norm.Size > maxInflightBytes/2 {
		if err := mw.settle(ctx); err != nil {
			return err
		}
		if err := mw.allow(ctx, p.norm.Size); err != nil {
			return err
		}
		err := mw.send(ctx, p)
		f.out, f.ready = mailconv.Outcome{Err: err, Ref: mw.lastRef, Existed: mw.lastExisted}, true
		return nil
	}
	if err := mw.allow(ctx, p.norm.Size); err != nil {
		return err
	}
	p.data = make([]byte, p.norm.Size)
	if _, err := io.ReadFull(w.spool.reader(), p.data); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	mw.inflightBytes += p.norm.Size
	if err := mw.enqueue(ctx, f); err != nil {
		return err
	}
	for mw.inflight > w.window || mw.inflightBytes > maxInflightBytes {
		if err := mw.answerOldest(ctx); err != nil {
			return err
		}
	}
	if len(mw.pending) >= checkBatch {
		// The read-back goes on go-imap's connection while the window
		// stays in flight on the upload connection.
		return mw.checkPendingRetry(ctx)
	}
	return nil
}

// Drain implements mailconv.Pipeliner.
func (mw *MailboxWriter) Drain(ctx context.Context) error {
	err := mw.settle(ctx)
	mw.deliver()
	if err == nil && len(mw.queue) > 0 {
		err = fmt.Errorf("imap: %d pipelined message(s) without an outcome", len(mw.queue))
	}
	mw.queue = nil
	return err
}

// deliver hands the outcomes at the head of the queue that are known to
// their done, in order.
func (mw *MailboxWriter) deliver() {
	for len(mw.queue) > 0 && mw.queue[0].ready {
		f := mw.queue[0]
		mw.queue = mw.queue[1:]
		f.done(f.out)
	}
}

// settle waits for every APPEND in flight. The batch still collecting
// goes out first, so that its answer comes with the others' (one round
// trip, not a second one after them).
func (mw *MailboxWriter) settle(ctx context.Context) error {
	if mw.collecting != nil {
		if err := mw.sendNow(ctx, mw.collecting); err != nil {
			return err
		}
	}
	for mw.inflight > 0 {
		if err := mw.answerOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// enqueue adds a pipelined message to the batch being collected; a full
// batch (one message without MULTIAPPEND) goes out, once the upload
// connection is worth making (upAfter).
func (mw *MailboxWriter) enqueue(ctx context.Context, f *flight) error {
	w := mw.w
	b := mw.collecting
	if b != nil && b.bytes+f.p.norm.Size > maxBatchBytes {
		mw.unsent = append(mw.unsent, b)
		b = nil
	}
	if b == nil {
		b = &batch{}
		mw.collecting = b
	}
	b.flights = append(b.flights, f)
	b.bytes += f.p.norm.Size
	f.b = b
	mw.inflight++
	if len(b.flights) >= w.batchMax() {
		mw.unsent = append(mw.unsent, b)
		mw.collecting = nil
	}
	if !w.upWanted {
		n := 0
		for _, u := range mw.unsent {
			n += len(u.flights)
		}
		if mw.collecting != nil {
			n += len(mw.collecting.flights)
		}
		if n < upAfter {
			return nil
		}
		w.upWanted = true
	}
	return mw.flush(ctx)
}

// batchMax is how many messages go in one APPEND.
func (w *Writer) batchMax() int {
	if w.info.MultiAppend && !w.noMulti {
		return w.multi
	}
	return 1
}

// flush sends the full batches on the upload connection (made first when
// there is none).
func (mw *MailboxWriter) flush(ctx context.Context) error {
	for len(mw.unsent) > 0 {
		b := mw.unsent[0]
		mw.unsent = mw.unsent[1:]
		if err := mw.sendBatch(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// sendBatch sends one batch. When no upload connection can be made, its
// messages are marked errNotSent: they go one at a time on go-imap's
// connection.
func (mw *MailboxWriter) sendBatch(ctx context.Context, b *batch) error {
	w := mw.w
	up, err := w.upload(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b.done, b.err = true, errNotSent
		return nil
	}
	items := make([]appendItem, len(b.flights))
	for i, f := range b.flights {
		items[i] = appendItem{flags: f.p.flags, date: f.p.date, data: f.p.data}
	}
	// Not cut when ctx ends: what is in flight is answered (each read and
	// write has the command timeout), so that the journal learns of it.
	tag, refused, err := up.appendMsgs(mw.name, items)
	b.up, b.tag = up, tag
	switch {
	case refused != nil:
		b.done, b.err = true, refused.imapErr()
	case err != nil:
		b.done, b.err = true, err
	}
	return nil
}

// sendNow sends b, which an answer is needed from, and the batches before
// it. Before the upload connection is worth making (fewer than upAfter
// messages so far), b's messages are marked errNotSent instead: they go
// one at a time on go-imap's connection.
func (mw *MailboxWriter) sendNow(ctx context.Context, b *batch) error {
	if mw.collecting == b {
		mw.unsent = append(mw.unsent, b)
		mw.collecting = nil
	}
	if !mw.w.upWanted {
		for i, u := range mw.unsent {
			if u == b {
				mw.unsent = append(mw.unsent[:i:i], mw.unsent[i+1:]...)
				break
			}
		}
		b.done, b.err = true, errNotSent
		return nil
	}
	for len(mw.unsent) > 0 && b.up == nil && !b.done {
		u := mw.unsent[0]
		mw.unsent = mw.unsent[1:]
		if err := mw.sendBatch(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

// upAfterBytes is the size of a mailbox from which it is taken to hold
// enough messages to pipeline when its reader does not count them.
const upAfterBytes = 1 << 20

// dialed is the outcome of a background dial of the upload connection,
// with the events it would have emitted (kept for the caller's goroutine).
type dialed struct {
	up     *upConn
	err    error
	events []mailconv.Event
}

// startUpload starts making the upload connection in the background (a
// mailbox large enough to pipeline is being opened: the login overlaps
// the mailbox's CREATE and STATUS).
func (w *Writer) startUpload(ctx context.Context) {
	if !w.pipelining() || w.up != nil || w.dialing != nil {
		return
	}
	w.upWanted = true
	ch := make(chan dialed, 1)
	w.dialing = ch
	cc := *w.cc
	var d dialed
	cc.events = func(e mailconv.Event) { d.events = append(d.events, e) }
	go func() {
		d.up, d.err = dialUpload(ctx, &cc)
		ch <- d
	}()
}

// dialedUpload waits for a background dial, when one was started, and
// takes its connection (or, failed, leaves none).
func (w *Writer) dialedUpload() error {
	if w.dialing == nil {
		return nil
	}
	d := <-w.dialing
	w.dialing = nil
	for _, e := range d.events {
		w.opts.Emit(e)
	}
	if d.err != nil {
		return d.err
	}
	if w.closed || w.up != nil {
		d.up.close()
		return nil
	}
	w.up = d.up
	return nil
}

// upload returns the upload connection, made when there is none or the
// last one broke. One idle for a while is checked with NOOP first.
func (w *Writer) upload(ctx context.Context) (*upConn, error) {
	if err := w.dialedUpload(); err != nil {
		return nil, w.noUploadFor(err)
	}
	if w.up != nil && w.up.err == nil && time.Since(w.up.used) > upIdle {
		stop := context.AfterFunc(ctx, func() { w.up.conn.Close() })
		_, err := w.up.run("NOOP")
		stop()
		if err != nil {
			w.up.fail(err)
		}
	}
	if w.up != nil && w.up.err == nil {
		return w.up, nil
	}
	if w.up != nil {
		w.upBye = w.up.bye
	}
	up, err := dialUpload(ctx, w.cc)
	if err != nil {
		return nil, w.noUploadFor(err)
	}
	w.up = up
	return up, nil
}

// noUploadFor handles a failed dial of the upload connection: after a
// network error it is tried again for the next batch; otherwise (login
// refused, too many sessions) messages go one at a time from now on.
func (w *Writer) noUploadFor(err error) error {
	if errors.Is(err, ErrConnection) {
		return err
	}
	w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.upload-connection",
		Detail: fmt.Sprintf("no second connection for pipelined APPENDs (%v): sending one at a time", err)})
	w.noUpload = true
	return err
}

// upIdle is how long the upload connection may be idle before it is
// checked with NOOP (servers log idle sessions out after 30 minutes or
// less).
const upIdle = 5 * time.Minute

// result waits for the answer of f's batch (sending it first when it has
// not gone yet) and returns f's part of it, and the batch.
func (mw *MailboxWriter) result(ctx context.Context, f *flight) (*imapv2.AppendData, *batch, error) {
	b := f.b
	f.b = nil
	mw.inflight--
	mw.inflightBytes -= f.p.norm.Size
	if b.up == nil && !b.done {
		if err := mw.sendNow(ctx, b); err != nil {
			return nil, b, err
		}
		if b.up == nil && !b.done {
			b.done, b.err = true, errNotSent
		}
	}
	if !b.done {
		r, err := b.up.wait(b.tag)
		b.done = true
		switch {
		case err != nil:
			b.err = err
		case r.typ != "OK":
			b.err = r.imapErr()
		default:
			b.data = make([]*imapv2.AppendData, len(b.flights))
			if r.code == "APPENDUID" {
				if uv, uids, ok := parseAppendUID(r.args, len(b.flights)); ok {
					for i, u := range uids {
						b.data[i] = &imapv2.AppendData{UIDValidity: uv, UID: u}
					}
				}
			}
		}
	}
	if b.err != nil {
		return nil, b, b.err
	}
	for i, g := range b.flights {
		if g == f {
			return b.data[i], b, nil
		}
	}
	return nil, b, nil
}

// answerOldest waits for the oldest APPEND in flight. Accepted, the
// message is done. Otherwise every APPEND in flight is waited for, and
// from the first one not accepted on, each is sent again one at a time
// (WriteMessage's handling) after the ones the server took out of order
// are removed.
func (mw *MailboxWriter) answerOldest(ctx context.Context) error {
	var first *flight
	for _, f := range mw.queue {
		if f.b != nil {
			first = f
			break
		}
	}
	if first == nil {
		return nil
	}
	data, b, err := mw.result(ctx, first)
	if err == nil && data != nil && data.UID != 0 {
		mw.accepted(first, data)
		return nil
	}
	// Everything still in flight, in order, with its answer.
	answers := []answer{{first, data, errOr(err), b}}
	for _, f := range mw.queue {
		if f.b != nil {
			d, n, e := mw.result(ctx, f)
			answers = append(answers, answer{f, d, e, n})
		}
	}
	w := mw.w
	// The messages whose answers were lost with the connection (or came
	// without a UID) may have arrived: the connection they were lost on
	// is made again (the client library may not have noticed yet that it
	// is gone), and all of them are looked for at once.
	var lostFlights []*flight
	for _, a := range answers {
		if a.lost() {
			lostFlights = append(lostFlights, a.f)
		}
	}
	var found map[*flight]imapv2.UID
	if len(lostFlights) > 0 {
		if err := w.reconnect(ctx); err != nil {
			return lostInFlight(err)
		}
		var err error
		found, err = mw.lookupLost(ctx, lostFlights)
		if errors.Is(err, ErrConnection) && ctx.Err() == nil {
			if err := w.reconnect(ctx); err != nil {
				return lostInFlight(err)
			}
			found, err = mw.lookupLost(ctx, lostFlights)
		}
		if err != nil {
			return err
		}
		// A connection lost with a window in flight (a server dropping
		// sessions under load, Microsoft's throttling BYE) gets fewer
		// in flight, as a refusal asking to slow down does.
		mw.shrinkWindow("the connection broke with APPENDs in flight")
	}
	var out []imapv2.UID // taken after an earlier message was not: out of order
	var again []*flight
	var slow *imapv2.Error // the first answer asking to slow down
	broken := false
	refusedBatches := map[*batch]bool{} // MULTIAPPENDs refused as a whole
	for _, a := range answers {
		var uid imapv2.UID
		lost := false
		switch ie := a.refused(); {
		case a.taken():
			uid = a.data.UID
		case errors.Is(a.err, errNotSent):
		case ie != nil:
			if slow == nil && throttled(ie) {
				slow = ie
			}
			if len(a.b.flights) > 1 && !throttled(ie) && ie.Code != imapv2.ResponseCodeOverQuota {
				refusedBatches[a.b] = true
			}
		default: // a.lost()
			// Lost with the connection: found above, or not arrived.
			uid, lost = found[a.f], true
		}
		switch {
		case uid != 0 && !broken:
			if lost {
				w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.append-interrupted", Mailbox: mw.path,
					Detail: fmt.Sprintf("the connection broke with APPENDs in flight; UID %d had been committed: kept, not sent again", uid)})
			}
			mw.accepted(a.f, &imapv2.AppendData{UID: uid, UIDValidity: mw.uidValidity})
		case uid != 0:
			out = append(out, uid)
			again = append(again, a.f)
		default:
			broken = true
			again = append(again, a.f)
		}
	}
	if len(out) > 0 {
		if err := mw.remove(ctx, out); err != nil {
			return err
		}
	}
	// A server that asked to slow down is given the pause before the
	// messages go again, and fewer in flight from now on: the messages
	// it takes after refusing one are sent twice (removed and sent again
	// in order), so a full window against a throttling server would
	// cost up to 32 MiB each time. The window grows back by one message
	// per accepted one (doubling each round trip, as TCP's slow start).
	if slow != nil {
		mw.shrinkWindow("the server asked to slow down")
		if err := w.thr.backoff(ctx, 0, backoffHint(slow.Text), mw.path, "APPEND refused: "+serverText(slow)); err != nil {
			return err
		}
	}
	if len(refusedBatches) > 0 {
		// Refused as a whole: the server may take the messages one by
		// one (they go so below). After a second such refusal batches
		// stop.
		w.multiRefused += len(refusedBatches)
		if w.multiRefused >= 2 && !w.noMulti {
			w.noMulti = true
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.multiappend-off", Mailbox: mw.path,
				Detail: "the server refused MULTIAPPEND batches twice: sending one message per APPEND from now on"})
		}
	}
	for _, f := range again {
		mw.lastRef, mw.lastExisted = "", false
		err := mw.send(ctx, f.p)
		f.out, f.ready = mailconv.Outcome{Err: err, Ref: mw.lastRef, Existed: mw.lastExisted}, true
		f.p.data = nil
		if err != nil {
			var skip *mailconv.SkipError
			if !errors.As(err, &skip) {
				return err
			}
		}
	}
	return nil
}

// answer is a pipelined message's answer, as answerOldest settles it.
type answer struct {
	f    *flight
	data *imapv2.AppendData
	err  error
	b    *batch // the APPEND the answer was for
}

// taken tells whether the server accepted the message, with its UID.
func (a answer) taken() bool { return a.err == nil && a.data != nil && a.data.UID != 0 }

// refused returns the server's NO or BAD for the message, or nil.
func (a answer) refused() *imapv2.Error {
	var ie *imapv2.Error
	if errors.As(a.err, &ie) {
		return ie
	}
	return nil
}

// lost tells whether the answer was lost with the connection (or came
// without a UID): the message may have arrived.
func (a answer) lost() bool {
	return !a.taken() && !errors.Is(a.err, errNotSent) && a.refused() == nil
}

// shrinkWindow halves the window of messages in flight, for the reason
// given (reported as imap.window).
func (mw *MailboxWriter) shrinkWindow(why string) {
	w := mw.w
	if w.window <= 1 {
		return
	}
	w.window = max(w.window/2, 1)
	w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.window", Mailbox: mw.path,
		Detail: fmt.Sprintf("%s: at most %d message(s) in flight from now on, one more per message the server accepts (up to %d)", why, w.window, w.pipeline)})
}

// lostInFlight words a failed reconnection with APPENDs in flight.
func lostInFlight(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("the connection was lost with APPENDs in flight and reconnecting failed: %w; nothing was lost, run the same command again to resume", err)
}

func errOr(err error) error {
	if err == nil {
		return errors.New("APPEND answered without APPENDUID")
	}
	return err
}

// accepted records a pipelined APPEND the server took.
func (mw *MailboxWriter) accepted(f *flight, data *imapv2.AppendData) {
	w := mw.w
	p := f.p
	w.stats.Messages++
	w.stats.Bytes += p.norm.Size
	uv := data.UIDValidity
	if uv == 0 {
		uv = mw.uidValidity
	}
	ref := fmt.Sprintf("%d:%d", uv, data.UID)
	mw.lastUID = data.UID
	if w.window < w.pipeline {
		w.window++
	}
	var err error
	if w.budget != nil {
		err = w.budget.Spend(p.norm.Size)
	}
	if err == nil && w.check {
		mw.pending = append(mw.pending, appended{uid: data.UID, id: p.m.ID, loc: p.loc, flags: p.flags, date: p.date, size: p.norm.Size})
	}
	f.out, f.ready = mailconv.Outcome{Err: err, Ref: ref}, true
	p.data = nil
}

// remove deletes messages this run appended out of order (their UIDs come
// from APPENDUID or are at least the UIDNEXT of when the mailbox was
// opened): they are sent again in order.
func (mw *MailboxWriter) remove(ctx context.Context, uids []imapv2.UID) error {
	w := mw.w
	if err := w.ensureConn(ctx); err != nil {
		return lostInFlight(err)
	}
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	if _, err := w.c.Select(mw.name, nil).Wait(); err != nil {
		return connErr("SELECT "+mw.name, err)
	}
	var set imapv2.UIDSet
	for _, u := range uids {
		set.AddNum(u)
	}
	if err := w.c.Store(set, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
		return connErr("STORE "+mw.name, err)
	}
	if err := w.c.UIDExpunge(set).Close(); err != nil {
		return connErr("UID EXPUNGE "+mw.name, err)
	}
	w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.reordered", Mailbox: mw.path,
		Detail: fmt.Sprintf("%d message(s) the server took after refusing an earlier one were removed (UIDs %v) and are sent again in order", len(uids), set.String())})
	return nil
}

var _ mailconv.Pipeliner = (*MailboxWriter)(nil)
