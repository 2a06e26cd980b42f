package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailconv/mailconv/batch"
	"github.com/mailconv/mailconv/migrate"
)

func init() {
	commands["batch"] = command{
		summary: "convert many accounts from a jobs file: mailconv batch [options] JOBS.csv",
		run:     runBatch,
	}
}

const batchSynopsis = `[options] JOBS.csv
       mailconv batch report [--summary FILE] [--jobs JOBS.csv] STATEDIR...

JOBS.csv has a header row and one account per line: id,src,dst and, optionally,
src_password_file,dst_password_file,src_token_file,dst_token_file,opts
(opts: extra convert options, shell-quoted). See docs/batch.md.`

func runBatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "report" {
		return runBatchReport(args[1:], stdout, stderr)
	}
	fs := newFlagSet("batch", batchSynopsis, stderr)
	parallel := fs.Int("parallel", batch.DefaultParallel, "jobs run at once")
	stateDir := pathFlag(fs, "state", "`DIR` for each job's journal, report and state (default: JOBS.csv's name + .mailconv-batch, beside it)")
	summaryFile := pathFlag(fs, "summary", "write the summary to `FILE` (CSV when it ends in .csv, else JSON)")
	shard := fs.String("shard", "", "run only the share of task `I/N` (I from 0): the jobs whose row index (0 for the first row) is I modulo N")
	only := fs.String("only", "", "run only the job of this `ID`")
	retries := fs.Int("retries", batch.DefaultRetries, "runs again of a job after a transient failure (network, server busy)")
	retryDelay := fs.Duration("retry-delay", batch.DefaultBackoff, "wait before the first retry, doubled for each next one")
	progress := fs.String("progress", "auto", "a live table on stderr: auto (when stderr is a terminal), always or never (one line per job event)")
	durable := fs.Bool("durable", false, "convert with --durable")
	quiet := fs.Bool("quiet", false, "print no job events, only the summary and errors")
	argv, err := parseArgs(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(argv) != 1 {
		fs.Usage()
		return exitUsage
	}
	if *shard != "" && *only != "" {
		return exitFor(usageError{errors.New("--shard and --only do not go together")}, stderr)
	}
	var sh batch.Shard
	if *shard != "" {
		if sh, err = batch.ParseShard(*shard); err != nil {
			return exitFor(usageError{err}, stderr)
		}
	}
	if *parallel < 1 {
		return exitFor(usageError{fmt.Errorf("--parallel %d: want at least 1", *parallel)}, stderr)
	}
	jobs, err := readJobs(argv[0])
	if err != nil {
		return exitFor(err, stderr)
	}
	mine, err := batch.Select(jobs, sh, *only)
	if err != nil {
		return exitFor(usageError{err}, stderr)
	}
	dir := *stateDir
	if dir == "" {
		dir = strings.TrimSuffix(argv[0], filepath.Ext(argv[0])) + ".mailconv-batch"
	}
	dir = absPath(dir)

	ui := newBatchUI(stderr, *progress, *quiet)
	opts := batch.Options{Parallel: *parallel, StateDir: dir, Retries: *retries, Backoff: *retryDelay,
		Run: convertJob(*durable), Fingerprint: sourceFingerprint, Events: ui.event}
	if *retries == 0 {
		opts.Retries = -1
	}
	ui.start(len(mine))
	sum, err := batch.Run(ctx, mine, opts)
	ui.stop()
	if sum == nil {
		return exitFor(err, stderr)
	}
	sum.WriteTable(stdout)
	if *summaryFile != "" {
		if werr := sum.WriteFile(*summaryFile); werr != nil {
			fmt.Fprintln(stderr, "mailconv:", werr)
			return exitFailure
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailconv: batch interrupted; run the same command again to continue (state in %s)\n", dir)
		return exitInterrupted
	}
	return sum.ExitCode()
}

// readJobs reads and checks a jobs file: the CSV, then each row's convert
// options, so that every bad row is reported, with its line, before
// anything runs.
func readJobs(path string) ([]batch.Job, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("jobs file: %w", err)}
	}
	defer f.Close()
	jobs, err := batch.ParseJobs(f, path)
	if err != nil {
		return nil, usageError{err}
	}
	var bad []*batch.RowError
	for _, j := range jobs {
		if err := checkJobOptions(j); err != nil {
			bad = append(bad, &batch.RowError{File: path, Line: j.Line, Err: err})
		}
	}
	if len(bad) > 0 {
		return nil, usageError{&batch.JobsError{Rows: bad}}
	}
	return jobs, nil
}

// checkJobOptions parses a job's opts as convert would.
func checkJobOptions(j batch.Job) error {
	if len(j.Opts) == 0 {
		return nil
	}
	var errb bytes.Buffer
	h := &convertHooks{parseOnly: true}
	if convertMain(context.Background(), j.Opts, io.Discard, &errb, h) != exitOK || h.flags == nil {
		msg := strings.TrimSpace(errb.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("opts: %s", msg)
	}
	if len(h.argv) > 0 {
		return fmt.Errorf("opts: %q is not an option (src and dst have their own columns)", h.argv[0])
	}
	for _, name := range []string{"journal", "report", "progress", "quiet", "dry-run", "password-file"} {
		if flagSet(h.flags, name) {
			return fmt.Errorf("opts: --%s is set by batch (or by a column), not in opts", name)
		}
	}
	return nil
}

// convertJob returns the batch's RunFunc: convert, in-process, with the
// job's journal and report in the state directory.
func convertJob(durable bool) batch.RunFunc {
	return func(ctx context.Context, job batch.Job, files batch.Files, progress func(migrate.Progress)) (batch.Result, error) {
		h := &convertHooks{readParams: map[string]string{}, writeParams: map[string]string{}, progress: progress}
		for _, p := range []struct {
			params      map[string]string
			name, value string
		}{
			{h.readParams, "password-file", job.SrcPasswordFile}, {h.writeParams, "password-file", job.DstPasswordFile},
			{h.readParams, "oauth2-token-file", job.SrcTokenFile}, {h.writeParams, "oauth2-token-file", job.DstTokenFile},
		} {
			if p.value != "" {
				p.params[p.name] = absPath(expandPath(p.value))
			}
		}
		args := []string{"--quiet", "--progress", "never", "--journal", files.Journal, "--report", files.Report}
		if durable {
			args = append(args, "--durable")
		}
		args = append(append(args, job.Opts...), "--", job.Src, job.Dst)
		var errb bytes.Buffer
		code := convertMain(ctx, args, io.Discard, &errb, h)
		res := batch.Result{Report: h.report, Recorded: h.recorded}
		if code == exitOK || code == exitLossy {
			return res, nil
		}
		err := h.err
		if err == nil {
			err = errors.New(strings.TrimSpace(strings.TrimPrefix(errb.String(), "mailconv: ")))
		}
		return res, err
	}
}

// sourceFingerprint fingerprints a local source tree ("" for a network
// source).
func sourceFingerprint(j batch.Job) string {
	_, p, err := parseAddress(j.Src, false)
	if err != nil || strings.HasPrefix(p, "//") {
		return ""
	}
	return batch.TreeFingerprint(absPath(p))
}

func runBatchReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("batch report", "[--summary FILE] [--jobs JOBS.csv] STATEDIR...", stderr)
	summaryFile := pathFlag(fs, "summary", "write the merged summary to `FILE` (CSV when it ends in .csv, else JSON)")
	jobsFile := pathFlag(fs, "jobs", "the jobs file: jobs no directory has a state for are listed as pending")
	dirs, err := parseArgs(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(dirs) == 0 {
		fs.Usage()
		return exitUsage
	}
	var jobs []batch.Job
	if *jobsFile != "" {
		if jobs, err = readJobs(*jobsFile); err != nil {
			return exitFor(err, stderr)
		}
	}
	sum, err := batch.Merge(jobs, dirs...)
	if err != nil {
		return exitFor(err, stderr)
	}
	sum.WriteTable(stdout)
	if *summaryFile != "" {
		if err := sum.WriteFile(*summaryFile); err != nil {
			return exitFor(err, stderr)
		}
	}
	return sum.ExitCode()
}

// batchUI shows the batch on stderr: a live table on a terminal, else one
// line per job event.
type batchUI struct {
	w     io.Writer
	live  bool
	quiet bool
	mu    sync.Mutex
	rows  map[string]*liveRow
	total int
	done  map[string]int // jobs ended, by state
	lines int            // lines the last redraw wrote
	stopc chan struct{}
	wg    sync.WaitGroup
}

type liveRow struct {
	id      string
	state   string
	msgs    int
	bytes   int64
	total   int64
	started time.Time
}

func newBatchUI(w io.Writer, progress string, quiet bool) *batchUI {
	live := progress == "always" || progress == "auto" && !quiet && isTerminal(w)
	return &batchUI{w: w, live: live, quiet: quiet, rows: map[string]*liveRow{}, done: map[string]int{}}
}

func (u *batchUI) start(n int) {
	u.total = n
	if !u.live {
		return
	}
	u.stopc = make(chan struct{})
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				u.redraw()
			case <-u.stopc:
				u.redraw()
				return
			}
		}
	}()
}

func (u *batchUI) stop() {
	if u.stopc != nil {
		close(u.stopc)
		u.wg.Wait()
	}
}

func (u *batchUI) event(e batch.Event) {
	u.mu.Lock()
	defer u.mu.Unlock()
	id := e.Job.ID
	switch e.Type {
	case batch.EventStart:
		u.rows[id] = &liveRow{id: id, state: "running", started: e.Time}
	case batch.EventProgress:
		if r := u.rows[id]; r != nil {
			r.msgs, r.bytes, r.total = e.Progress.Messages, e.Progress.Bytes, e.Progress.TotalBytes
		}
		return // never a line of its own
	case batch.EventRetry:
		if r := u.rows[id]; r != nil {
			r.state = "retrying"
		}
	default:
		delete(u.rows, id)
		if e.Row != nil {
			u.done[e.Row.State]++
		}
	}
	if u.live || u.quiet {
		return
	}
	line := fmt.Sprintf("%s %s %s", e.Time.UTC().Format(time.RFC3339), e.Type, id)
	switch e.Type {
	case batch.EventStart:
		line += fmt.Sprintf(" attempt %d: %s -> %s", e.Attempt, e.Job.Src, e.Job.Dst)
	case batch.EventRetry:
		line += fmt.Sprintf(" after attempt %d, again in %s: %v", e.Attempt, e.Wait, e.Err)
	case batch.EventFailed, batch.EventInterrupted:
		line += ": " + oneLineErr(e.Row.Error)
	case batch.EventDone, batch.EventSkipped:
		r := e.Row
		line += fmt.Sprintf(": %d read, %d written in all, %d unchanged, %d updated, %d skip(s), %d loss(es)", r.Read, r.Written, r.Unchanged, r.Updated, r.Skips, r.Losses)
		if e.Type == batch.EventSkipped {
			line += " (finished earlier, source unchanged)"
		}
	}
	fmt.Fprintln(u.w, line)
}

func oneLineErr(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

// redraw writes the table of running jobs over the previous one.
func (u *batchUI) redraw() {
	u.mu.Lock()
	defer u.mu.Unlock()
	var b strings.Builder
	if u.lines > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", u.lines)
	}
	ended := 0
	for _, n := range u.done {
		ended += n
	}
	lines := []string{fmt.Sprintf("%d/%d jobs ended (%d done, %d failed), %d running", ended, u.total, u.done[batch.StateDone], u.done[batch.StateFailed], len(u.rows)),
		fmt.Sprintf("%-24s %-9s %9s %9s %9s %8s", "ACCOUNT", "STATE", "MESSAGES", "MB", "MB/s", "ETA")}
	ids := make([]string, 0, len(u.rows))
	for id := range u.rows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	now := time.Now()
	for _, id := range ids {
		r := u.rows[id]
		secs := now.Sub(r.started).Seconds()
		rate := 0.0
		if secs > 0 {
			rate = float64(r.bytes) / secs
		}
		eta := "-"
		if r.total > r.bytes && rate > 0 {
			eta = (time.Duration(float64(r.total-r.bytes)/rate) * time.Second).Round(time.Second).String()
		}
		lines = append(lines, fmt.Sprintf("%-24.24s %-9s %9d %9.1f %9.2f %8s", r.id, r.state, r.msgs, float64(r.bytes)/(1<<20), rate/(1<<20), eta))
	}
	for _, l := range lines {
		b.WriteString("\x1b[2K" + l + "\n")
	}
	for i := len(lines); i < u.lines; i++ {
		b.WriteString("\x1b[2K\n")
	}
	u.lines = max(len(lines), u.lines)
	io.WriteString(u.w, b.String())
}
