package imap

import (
	"context"
	"errors"
	"fmt"
	"io"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
)

// ParamPipeline is how many APPENDs may be in flight on the connection
// (default DefaultPipeline; 1 sends one at a time).
const ParamPipeline = "pipeline"

// DefaultPipeline is the default of the parameter pipeline.
const DefaultPipeline = 32

// maxInflightBytes bounds the octets of the messages in flight (each is
// held in memory until the server answers, to be sent again if needed).
const maxInflightBytes = 16 << 20

// flight is a message given to Submit, from its APPEND to the delivery of
// its outcome.
type flight struct {
	p     *prepared
	cmd   *imapclient.AppendCommand // nil once answered (or never sent)
	done  func(mailconv.Outcome)
	out   mailconv.Outcome
	ready bool
}

// pipelining tells whether APPENDs may be sent without waiting: the
// server must announce UIDPLUS (a message out of order after a refusal is
// found and removed by its UID) and LITERAL+ (else each literal waits for
// the server anyway).
func (w *Writer) pipelining() bool {
	return w.pipeline > 1 && w.info.UIDPlus && w.info.LiteralPlus
}

// Submit implements mailconv.Pipeliner: the message is normalized and its
// APPEND sent; up to the parameter pipeline APPENDs (and 16 MiB) are in
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
		if err != nil && !f.ready && f.cmd == nil {
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
	f.cmd = w.appendAsync(mw.name, p)
	mw.inflightBytes += p.norm.Size
	for mw.inFlight() > w.pipeline || mw.inflightBytes > maxInflightBytes {
		if err := mw.answerOldest(ctx); err != nil {
			return err
		}
	}
	if len(mw.pending) >= checkBatch {
		if err := mw.settle(ctx); err != nil {
			return err
		}
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

func (mw *MailboxWriter) inFlight() int {
	n := 0
	for _, f := range mw.queue {
		if f.cmd != nil {
			n++
		}
	}
	return n
}

// settle waits for every APPEND in flight.
func (mw *MailboxWriter) settle(ctx context.Context) error {
	for mw.inFlight() > 0 {
		if err := mw.answerOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// appendAsync sends an APPEND without waiting for its answer.
func (w *Writer) appendAsync(name string, p *prepared) *imapclient.AppendCommand {
	opts := &imapv2.AppendOptions{Flags: p.flags}
	if !p.date.IsZero() {
		opts.Time = p.date
	}
	cmd := w.c.Append(name, p.norm.Size, opts)
	cmd.Write(p.data) // an error shows in Wait
	cmd.Close()
	return cmd
}

// answerOldest waits for the oldest APPEND in flight. Accepted, the
// message is done. Otherwise every APPEND in flight is waited for, and
// from the first one not accepted on, each is sent again one at a time
// (WriteMessage's handling) after the ones the server took out of order
// are removed.
func (mw *MailboxWriter) answerOldest(ctx context.Context) error {
	var first *flight
	for _, f := range mw.queue {
		if f.cmd != nil {
			first = f
			break
		}
	}
	if first == nil {
		return nil
	}
	data, err := first.cmd.Wait()
	first.cmd = nil
	mw.inflightBytes -= first.p.norm.Size
	if err == nil && data != nil && data.UID != 0 {
		mw.accepted(first, data)
		return nil
	}
	// Everything still in flight, in order, with its answer.
	type answer struct {
		f    *flight
		data *imapv2.AppendData
		err  error
	}
	answers := []answer{{first, data, errOr(err)}}
	for _, f := range mw.queue {
		if f.cmd != nil {
			d, e := f.cmd.Wait()
			f.cmd = nil
			mw.inflightBytes -= f.p.norm.Size
			answers = append(answers, answer{f, d, e})
		}
	}
	w := mw.w
	var out []imapv2.UID // taken after an earlier message was not: out of order
	var again []*flight
	var slow *imapv2.Error // the first answer asking to slow down
	broken, reconnected := false, false
	for _, a := range answers {
		var uid imapv2.UID
		lost := false
		var ie *imapv2.Error
		switch {
		case a.err == nil && a.data != nil && a.data.UID != 0:
			uid = a.data.UID
		case errors.As(a.err, &ie):
			if slow == nil && throttled(ie) {
				slow = ie
			}
		default:
			// Lost with the connection (or answered without a UID): it
			// may have arrived. The connection the answer was lost on is
			// made again once (the client library may not have noticed
			// yet that it is gone), then searched.
			if !reconnected {
				if err := w.reconnect(ctx); err != nil {
					return lostInFlight(err)
				}
				reconnected = true
			}
			u, err := mw.lookup(ctx, a.f.p.msgID, a.f.p.norm, nil)
			if errors.Is(err, ErrConnection) && ctx.Err() == nil {
				if err := w.reconnect(ctx); err != nil {
					return lostInFlight(err)
				}
				u, err = mw.lookup(ctx, a.f.p.msgID, a.f.p.norm, nil)
			}
			if err != nil {
				return err
			}
			uid, lost = u, true
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
	// messages go again.
	if slow != nil {
		if err := w.thr.backoff(ctx, 0, backoffHint(slow.Text), mw.path, "APPEND refused: "+serverText(slow)); err != nil {
			return err
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
