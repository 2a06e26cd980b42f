package migrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/mailconv/mailconv"
)

// This file holds Convert's path with several connections
// (ConvertOptions.Connections): mailboxes are handed out, in the plan's
// order, to workers that each write through a session of their own to the
// destination (a Writer from mailconv.Forker) and keep scratch of their own
// (spool, digester, hash pipe: a converter each). One mailbox is converted
// by one worker, so its messages reach the destination in the source's
// order. What the workers share is safe for concurrent use: the Report and
// the Journal lock themselves (a message is journaled only after its
// writer committed it, as on the sequential path), Progress goes through
// parallelRun's lock, and the writers share their limits (see Forker).

// connections returns how many of the plan's mailboxes Convert converts
// at once: 1 unless ConvertOptions.Connections asks for more, the plan has
// more than one mailbox, and both the writer (mailconv.Forker) and the
// reader (mailconv.ConcurrentOpener) allow it.
func (c *converter) connections(plan []*mailconv.Mailbox) int {
	n := min(c.opts.Connections, len(plan))
	if n <= 1 {
		return 1
	}
	if _, ok := c.w.(mailconv.Forker); !ok || c.caps.OneMailbox || isSingleFile(c.w) {
		return 1
	}
	if co, ok := c.r.(mailconv.ConcurrentOpener); !ok || !co.ConcurrentOpen() {
		c.rep.Add(mailconv.Event{Kind: mailconv.EventInfo, Code: "migrate.connections",
			Detail: fmt.Sprintf("one mailbox at a time instead of %d: the source cannot be read in several places at once", n)})
		return 1
	}
	return n
}

// parallelRun is the state the workers of one Convert call share.
type parallelRun struct {
	main *converter // its prog is the aggregate Progress
	mu   sync.Mutex // guards main.prog and the calls of Progress

	errMu  sync.Mutex
	err    error                   // the first error (a stop only when nothing else failed)
	failed chan struct{}           // closed at the first error
	cancel context.CancelCauseFunc // stops the other workers at once
	// halt is the workers' ConvertOptions.Stop: closed when the caller's
	// Stop is, or when a worker ran out of the day's budget, so that each
	// worker finishes the message in hand.
	halt     chan struct{}
	haltOnce sync.Once
}

// worker is what a worker's converter knows of the run: the run, and the
// job in hand.
type worker struct {
	run *parallelRun
	job *job
}

// job is one destination mailbox of the plan. Its dependencies are
// channels of earlier jobs it must wait for: the creation of its parents
// (a server creates a mailbox's parents implicitly, with attributes of its
// choosing) and the end of an earlier job writing the same mailbox (its
// messages would otherwise interleave).
type job struct {
	dmb, src *mailconv.Mailbox
	created  chan struct{} // closed once dmb was created (or will not be)
	done     chan struct{}
	once     sync.Once
	deps     []chan struct{}
}

func (j *job) began() { j.once.Do(func() { close(j.created) }) }

func (w *worker) began() {
	if w.job != nil {
		w.job.began()
	}
}

func (w *worker) progress(mb mailconv.Path, size int64) {
	r := w.run
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &r.main.prog
	p.Mailbox = mb
	p.Messages++
	p.Bytes += size
	if f := r.main.opts.Progress; f != nil {
		f(*p)
	}
}

func (w *worker) mailboxDone() {
	r := w.run
	r.mu.Lock()
	r.main.prog.MailboxesDone++
	r.mu.Unlock()
}

func (r *parallelRun) stopAll() { r.haltOnce.Do(func() { close(r.halt) }) }

// isStop tells whether err is a worker stopping after the message in hand
// (see halt).
func (r *parallelRun) isStop(err error) bool {
	select {
	case <-r.halt:
		return errors.Is(err, context.Canceled) && r.main.ctx.Err() == nil
	default:
		return false
	}
}

// fail records err, the first error but a stop winning. A stop, or the
// day's budget spent (mailconv.ErrBudget), lets the other workers finish
// the message in hand; any other error cancels them at once.
func (r *parallelRun) fail(err error) {
	stop := r.isStop(err)
	r.errMu.Lock()
	first := r.err == nil
	if first || (r.isStop(r.err) && !stop) {
		r.err = err
	}
	if first {
		close(r.failed)
	}
	r.errMu.Unlock()
	if stop || errors.Is(err, mailconv.ErrBudget) {
		r.stopAll()
	} else {
		r.cancel(err)
	}
}

// parallel converts the mailboxes of the plan with up to n workers: the
// writer itself and n-1 forks of it. Forks that cannot be opened leave
// fewer workers (with a warning); the forks are closed at the end, their
// errors returned.
func (c *converter) parallel(plan []*mailconv.Mailbox, bySrc map[string]*mailconv.Mailbox, n int) error {
	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	run := &parallelRun{main: c, failed: make(chan struct{}), cancel: cancel, halt: make(chan struct{})}
	if c.opts.Stop != nil {
		finished := make(chan struct{})
		defer close(finished)
		go func() {
			select {
			case <-c.opts.Stop:
				run.stopAll()
			case <-finished:
			}
		}()
	}
	jobs := c.planJobs(plan, bySrc)
	writers := []mailconv.Writer{c.w}
	for len(writers) < n {
		fw, err := c.w.(mailconv.Forker).Fork(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return closeForks(writers[1:], err)
			}
			c.rep.Add(mailconv.Event{Kind: mailconv.EventWarning, Code: "migrate.connections",
				Detail: fmt.Sprintf("%d connection(s) instead of %d: opening one more failed: %v", len(writers), n, err)})
			break
		}
		writers = append(writers, fw)
	}
	c.rep.mu.Lock()
	from := len(c.rep.Mailboxes)
	c.rep.mu.Unlock()

	ch := make(chan *job)
	var wg sync.WaitGroup
	wopts := c.opts
	wopts.Stop = run.halt
	for _, w := range writers {
		wc := &converter{ctx: ctx, r: c.r, w: w, caps: c.caps, rep: c.rep, opts: wopts, files: c.files,
			par: &worker{run: run}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer wc.close()
			for jb := range ch {
				wc.par.job = jb
				err := wc.entry(jb.dmb, jb.src)
				jb.began()
				close(jb.done)
				if err != nil {
					run.fail(err)
					return
				}
			}
		}()
	}
	if err := run.dispatch(ctx, jobs, ch); err != nil {
		run.fail(err)
	}
	wg.Wait()
	c.rep.orderMailboxes(from, plan, bySrc)
	return closeForks(writers[1:], run.err)
}

// dispatch hands the jobs out in order, each once its dependencies are
// met, until all are handed out or the run stops; it closes ch.
func (r *parallelRun) dispatch(ctx context.Context, jobs []*job, ch chan<- *job) error {
	defer close(ch)
	for _, jb := range jobs {
		if err := r.main.stopped(); err != nil {
			return err
		}
		for _, d := range jb.deps {
			select {
			case <-d:
			case <-ctx.Done():
				return nil // a worker failed: its error is the run's
			case <-r.failed:
				return nil
			case <-r.halt:
				return r.main.stopped()
			}
		}
		select {
		case ch <- jb:
		case <-ctx.Done():
			return nil
		case <-r.failed:
			return nil
		case <-r.halt:
			return r.main.stopped()
		}
	}
	return nil
}

// planJobs makes the jobs of the plan, in its order, with their
// dependencies.
func (c *converter) planJobs(plan []*mailconv.Mailbox, bySrc map[string]*mailconv.Mailbox) []*job {
	placer, _ := c.w.(mailconv.Placer)
	jobs := make([]*job, len(plan))
	byPath := make(map[string]*job, len(plan))
	byName := make(map[string]*job, len(plan))
	for i, dmb := range plan {
		jb := &job{dmb: dmb, src: bySrc[pathKey(dmb.Path)], created: make(chan struct{}), done: make(chan struct{})}
		k := pathKey(dmb.Path)
		if prev := byPath[k]; prev != nil {
			jb.deps = append(jb.deps, prev.done)
		}
		byPath[k] = jb
		if placer != nil {
			// Two paths the destination places on one mailbox (a
			// special-use target) are written one after the other.
			name, _ := placer.Place(dmb)
			if prev := byName[name]; prev != nil {
				jb.deps = append(jb.deps, prev.done)
			}
			byName[name] = jb
		}
		for p := dmb.Path.Parent(); len(p) > 0; p = p.Parent() {
			if a := byPath[pathKey(p)]; a != nil && a != jb {
				jb.deps = append(jb.deps, a.created)
			}
		}
		jobs[i] = jb
	}
	return jobs
}

// closeForks closes the writers Fork returned and adds their errors to
// err.
func closeForks(forks []mailconv.Writer, err error) error {
	for _, w := range forks {
		if cerr := w.Close(); cerr != nil {
			cerr = fmt.Errorf("closing a session of the destination: %w", cerr)
			if err == nil {
				err = cerr
			} else {
				err = fmt.Errorf("%w (and %w)", err, cerr)
			}
		}
	}
	return err
}

// orderMailboxes puts the entries of the mailboxes from index from on in
// the plan's order (workers add them as they begin), the order the
// sequential path gives.
func (r *Report) orderMailboxes(from int, plan []*mailconv.Mailbox, bySrc map[string]*mailconv.Mailbox) {
	key := func(p mailconv.Path, file string) string { return pathKey(p) + "\x01" + file }
	ranks := map[string][]int{}
	for i, dmb := range plan {
		if src := bySrc[pathKey(dmb.Path)]; src != nil {
			k := key(src.Path, src.Source)
			ranks[k] = append(ranks[k], i)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	tail := r.Mailboxes[from:]
	rank := make(map[*MailboxReport]int, len(tail))
	for i, mr := range tail {
		k := key(mr.Source, mr.SourceFile)
		if rs := ranks[k]; len(rs) > 0 {
			rank[mr], ranks[k] = rs[0], rs[1:]
		} else {
			rank[mr] = len(plan) + i
		}
	}
	sort.SliceStable(tail, func(i, j int) bool { return rank[tail[i]] < rank[tail[j]] })
}
