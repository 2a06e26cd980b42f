package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
	"github.com/mailconv/mailconv/migrate"
)

// Files are the paths of one job's files in the state directory.
type Files struct {
	Journal string // the conversion's journal
	Report  string // the JSON report of the last run
	State   string // the job's row (Row as JSON)
}

// FilesOf returns the files of the job id in the state directory dir.
func FilesOf(dir, id string) Files {
	b := filepath.Join(dir, id)
	return Files{Journal: b + ".journal", Report: b + ".report.json", State: b + ".state.json"}
}

// Result is what a RunFunc returns about one run of a job.
type Result struct {
	// Report is the conversion's report (nil when the conversion did not
	// start: a source that is not there, a bad option).
	Report *migrate.Report
	// Recorded is how many messages the job's journal records as written
	// to the destination, over every run.
	Recorded int
}

// RunFunc converts one job, with its journal and report at files, and
// calls progress as it goes (progress may be called from the RunFunc's
// goroutine only). It must stop soon when ctx is cancelled (after the
// message in hand) and return an error matching context.Canceled.
type RunFunc func(ctx context.Context, job Job, files Files, progress func(migrate.Progress)) (Result, error)

// Options tune Run.
type Options struct {
	// Parallel is the number of jobs run at once; 0 means DefaultParallel.
	Parallel int
	// StateDir holds the jobs' files (created if needed).
	StateDir string
	// Retries is how many times a job whose run failed with a transient
	// error (IsTransient) is run again; negative means none, 0 means
	// DefaultRetries.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next
	// one (up to MaxBackoff); 0 means DefaultBackoff.
	Backoff time.Duration
	// Run converts one job. Required.
	Run RunFunc
	// Fingerprint, if set, returns a fingerprint of a job's source (""
	// when it cannot tell, a network source). A job that finished in an
	// earlier run is passed over when its source has the fingerprint it
	// had then (or when neither run could tell); else it is run again,
	// incrementally (its journal skips what is already converted).
	Fingerprint func(Job) string
	// Events, if set, receives what happens, from the jobs' goroutines:
	// it must be safe for concurrent use.
	Events func(Event)
}

// Defaults of Options.
const (
	// DefaultParallel: migrations are bound by the server and the
	// network, not by CPU. Four sessions keep a server busy while
	// staying under the per-client connection limits of common IMAP
	// servers and providers (Dovecot's mail_max_userip_connections is
	// 10, per user and address) and leave room on a small machine
	// (each job holds about 2 MiB of buffers).
	DefaultParallel = 4
	DefaultRetries  = 3
	DefaultBackoff  = 5 * time.Second
	MaxBackoff      = 5 * time.Minute
)

// EventType says what an Event is about.
type EventType string

// The event types.
const (
	EventStart       EventType = "start"       // a run of the job begins
	EventProgress    EventType = "progress"    // a message was converted
	EventRetry       EventType = "retry"       // a transient failure: the job runs again after a wait
	EventDone        EventType = "done"        // the job finished (see Row.State)
	EventFailed      EventType = "failed"      // the job failed
	EventInterrupted EventType = "interrupted" // the batch was stopped: the job will continue
	EventSkipped     EventType = "skipped"     // finished in an earlier run, source unchanged
)

// Event is one thing that happened to a job.
type Event struct {
	Time     time.Time
	Type     EventType
	Job      Job
	Attempt  int              // 1 for the first run
	Wait     time.Duration    // EventRetry: the wait before the next run
	Err      error            // EventRetry, EventFailed
	Row      *Row             // EventDone, EventFailed, EventInterrupted, EventSkipped
	Progress migrate.Progress // EventProgress
}

// Job states in a Row.
const (
	StateDone        = "done"
	StateFailed      = "failed"
	StateInterrupted = "interrupted"
	StatePending     = "pending" // not run (a Merge of a shard that did not run it)
)

// ErrTransient marks errors a RunFunc knows to be transient (server busy,
// throttled): wrap it, and Run retries the job.
var ErrTransient = errors.New("transient failure")

// IsTransient tells whether a job's error is worth a retry: a network
// failure (timeout, connection refused, reset or dropped; the imap and
// pop3 packages' ErrConnection) or an error wrapping ErrTransient. A missing source, a wrong password, a bad option
// are not.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return false
	}
	if errors.Is(err, ErrTransient) || errors.Is(err, netaddr.ErrConnection) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// A socket's failures (refused, reset, unreachable, timed out) come
	// as a *net.OpError. Not any net.Error: an errno is one, ENOENT
	// included.
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &de) && (de.IsTemporary || de.IsTimeout)
}

// Run runs jobs, Options.Parallel at a time, each with its files in
// Options.StateDir, and returns their rows (sorted by ID). One job's
// failure never stops the others. When ctx is cancelled, running jobs stop
// after the message in hand, jobs not started are left (state pending),
// and Run returns ctx's error with the summary so far.
func Run(ctx context.Context, jobs []Job, opts Options) (*Summary, error) {
	if opts.Run == nil {
		return nil, errors.New("batch: Options.Run is required")
	}
	if err := os.MkdirAll(opts.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("batch: state directory: %w", err)
	}
	par := opts.Parallel
	if par <= 0 {
		par = DefaultParallel
	}
	rows := make([]Row, len(jobs))
	started := make([]bool, len(jobs)) // each index is written by one worker
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(par, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					continue // (select below may still hand one over)
				}
				started[i] = true
				rows[i] = runJob(ctx, jobs[i], opts)
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for i, j := range jobs {
		if !started[i] {
			rows[i] = Row{ID: j.ID, Src: j.Src, Dst: j.Dst, State: StatePending}
			if prev, err := readRow(FilesOf(opts.StateDir, j.ID).State); err == nil {
				rows[i] = *prev
			}
		}
	}
	s := &Summary{Rows: rows}
	s.sort()
	return s, ctx.Err()
}

// runJob runs one job to its end: done, failed or interrupted.
func runJob(ctx context.Context, job Job, opts Options) Row {
	files := FilesOf(opts.StateDir, job.ID)
	emit := func(e Event) {
		if opts.Events != nil {
			e.Time, e.Job = time.Now(), job
			opts.Events(e)
		}
	}
	fp := ""
	if opts.Fingerprint != nil {
		fp = opts.Fingerprint(job)
	}
	prev, _ := readRow(files.State)
	if prev != nil && prev.State == StateDone && prev.SourceFingerprint == fp && prev.Src == job.Src && prev.Dst == job.Dst {
		r := *prev
		r.Reused = true
		emit(Event{Type: EventSkipped, Row: &r})
		return r
	}
	retries := opts.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	wait := opts.Backoff
	if wait <= 0 {
		wait = DefaultBackoff
	}
	row := Row{ID: job.ID, Src: job.Src, Dst: job.Dst, SourceFingerprint: fp}
	start := time.Now()
	var res Result
	var err error
	for attempt := 1; ; attempt++ {
		row.Attempts = attempt
		emit(Event{Type: EventStart, Attempt: attempt})
		res, err = opts.Run(ctx, job, files, func(p migrate.Progress) {
			emit(Event{Type: EventProgress, Attempt: attempt, Progress: p})
		})
		if err == nil || !IsTransient(err) || attempt > retries || ctx.Err() != nil {
			break
		}
		row.Backoffs++
		emit(Event{Type: EventRetry, Attempt: attempt, Wait: wait, Err: err})
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		if ctx.Err() != nil {
			break
		}
		wait = min(2*wait, MaxBackoff)
	}
	row.Duration = time.Since(start).Round(time.Millisecond).Seconds()
	row.Finished = time.Now().UTC()
	row.fill(res)
	switch {
	case err == nil:
		row.State = StateDone
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		row.State, row.Error = StateInterrupted, err.Error()
	default:
		row.State, row.Error = StateFailed, err.Error()
	}
	if werr := writeRow(files.State, &row); werr != nil && row.State == StateDone {
		row.State, row.Error = StateFailed, werr.Error()
	}
	switch row.State {
	case StateDone:
		emit(Event{Type: EventDone, Attempt: row.Attempts, Row: &row})
	case StateFailed:
		emit(Event{Type: EventFailed, Attempt: row.Attempts, Err: err, Row: &row})
	default:
		emit(Event{Type: EventInterrupted, Attempt: row.Attempts, Err: err, Row: &row})
	}
	return row
}

// fill copies the counts of a run's result into the row.
func (r *Row) fill(res Result) {
	r.Written = res.Recorded
	rep := res.Report
	if rep == nil {
		return
	}
	t := rep.Totals
	r.Read, r.WrittenNow, r.Unchanged, r.Updated = t.MessagesRead, t.MessagesWritten, t.MessagesUnchanged, t.MessagesUpdated
	r.Bytes, r.Skips, r.Losses = t.BytesRead, t.Skips, t.Losses
	r.Backoffs += rep.Codes["imap.backoff"]
}

func readRow(path string) (*Row, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Row
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, mailconv.ErrFormat, err)
	}
	return &r, nil
}

// writeRow replaces the file atomically (a temporary file renamed over
// it), so that a kill leaves the old row or the new one.
func writeRow(path string, r *Row) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}

// TreeFingerprint fingerprints a local file or directory tree by the
// names, sizes, modification times and modes of everything in it (nothing
// is opened). It returns "" when path cannot be read.
func TreeFingerprint(path string) string {
	h := sha256.New()
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(path, p)
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%o\n", rel, fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		return nil
	})
	if err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
