package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
	"github.com/mailconv/mailconv/migrate"
)

func testJobs(n int) []Job {
	var jobs []Job
	for i := range n {
		jobs = append(jobs, Job{ID: fmt.Sprintf("j%02d", i), Src: "mbox:/s", Dst: "maildir:/d", Index: i})
	}
	return jobs
}

func okResult(n int) Result {
	rep := &migrate.Report{}
	rep.Totals.MessagesRead, rep.Totals.MessagesWritten = n, n
	return Result{Report: rep, Recorded: n}
}

func TestRunParallelBound(t *testing.T) {
	var running, peak atomic.Int32
	sum, err := Run(context.Background(), testJobs(12), Options{StateDir: t.TempDir(), Parallel: 3,
		Run: func(ctx context.Context, j Job, f Files, p func(migrate.Progress)) (Result, error) {
			n := running.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			return okResult(2), nil
		}})
	require.NoError(t, err)
	assert.LessOrEqual(t, peak.Load(), int32(3))
	assert.Len(t, sum.Rows, 12)
	assert.Equal(t, 0, sum.ExitCode())
}

// Transient failures are retried with growing waits, a bounded number of
// times; others are not; one job's failure does not stop the others.
func TestRunRetries(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	var waits []time.Duration
	transient := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	sum, err := Run(context.Background(), testJobs(4), Options{StateDir: t.TempDir(), Retries: 2, Backoff: time.Millisecond,
		Events: func(e Event) {
			if e.Type == EventRetry {
				mu.Lock()
				waits = append(waits, e.Wait)
				mu.Unlock()
			}
		},
		Run: func(ctx context.Context, j Job, f Files, p func(migrate.Progress)) (Result, error) {
			mu.Lock()
			calls[j.ID]++
			n := calls[j.ID]
			mu.Unlock()
			switch j.ID {
			case "j00": // recovers on the second run
				if n == 1 {
					return Result{}, fmt.Errorf("logging in: %w", transient)
				}
			case "j01": // never recovers
				return Result{}, fmt.Errorf("server busy: %w", ErrTransient)
			case "j02": // not transient
				return Result{}, fmt.Errorf("opening /x: %w", os.ErrNotExist)
			}
			return okResult(1), nil
		}})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"j00": 2, "j01": 3, "j02": 1, "j03": 1}, calls)
	st := map[string]Row{}
	for _, r := range sum.Rows {
		st[r.ID] = r
	}
	assert.Equal(t, StateDone, st["j00"].State)
	assert.Equal(t, 1, st["j00"].Backoffs)
	assert.Equal(t, StateFailed, st["j01"].State)
	assert.Equal(t, 2, st["j01"].Backoffs)
	assert.Contains(t, st["j01"].Error, "server busy")
	assert.Equal(t, StateFailed, st["j02"].State)
	assert.Equal(t, StateDone, st["j03"].State)
	assert.Equal(t, 1, sum.ExitCode())
	assert.ElementsMatch(t, []time.Duration{time.Millisecond, time.Millisecond, 2 * time.Millisecond}, waits)
}

func TestIsTransient(t *testing.T) {
	assert.True(t, IsTransient(fmt.Errorf("x: %w", &net.OpError{Op: "read", Err: errors.New("reset")})))
	assert.True(t, IsTransient(fmt.Errorf("x: %w", ErrTransient)))
	assert.True(t, IsTransient(fmt.Errorf("FETCH: %w lost: EOF", netaddr.ErrConnection)))
	assert.False(t, IsTransient(fmt.Errorf("LOGIN: %w", netaddr.ErrAuth)))
	assert.False(t, IsTransient(&os.PathError{Op: "stat", Path: "/x", Err: os.ErrNotExist}))
	assert.False(t, IsTransient(errors.New("authentication failed")))
	assert.False(t, IsTransient(context.Canceled))
	assert.False(t, IsTransient(nil))
}

// A finished job whose source is unchanged is passed over; one whose
// source changed runs again; one that failed runs again.
func TestRunSkipsFinished(t *testing.T) {
	dir := t.TempDir()
	fp := map[string]string{"j00": "A", "j01": "A", "j02": "A"}
	var ran []string
	var mu sync.Mutex
	failed := false
	opts := Options{StateDir: dir, Parallel: 1, Retries: -1,
		Fingerprint: func(j Job) string { return fp[j.ID] },
		Run: func(ctx context.Context, j Job, f Files, p func(migrate.Progress)) (Result, error) {
			mu.Lock()
			ran = append(ran, j.ID)
			mu.Unlock()
			if j.ID == "j02" && !failed {
				failed = true
				return Result{}, errors.New("boom")
			}
			return okResult(3), nil
		}}
	_, err := Run(context.Background(), testJobs(3), opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"j00", "j01", "j02"}, ran)
	ran = nil
	fp["j01"] = "B"
	sum, err := Run(context.Background(), testJobs(3), opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"j01", "j02"}, ran)
	assert.True(t, sum.Rows[0].Reused)
	assert.Equal(t, 3, sum.Rows[0].Written, "a passed-over job keeps its counts")
	assert.Equal(t, StateDone, sum.Rows[2].State)
}

// Cancelling stops the running jobs (interrupted) and starts no other
// (pending); Run returns the context's error.
func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	sum, err := func() (*Summary, error) {
		go func() { <-started; cancel() }()
		return Run(ctx, testJobs(5), Options{StateDir: t.TempDir(), Parallel: 1,
			Run: func(ctx context.Context, j Job, f Files, p func(migrate.Progress)) (Result, error) {
				close(started)
				<-ctx.Done()
				return Result{}, fmt.Errorf("stopped after the message in hand: %w", context.Canceled)
			}})
	}()
	require.ErrorIs(t, err, context.Canceled)
	c := sum.Count()
	assert.Equal(t, 1, c[StateInterrupted])
	assert.Equal(t, 4, c[StatePending])
	assert.Equal(t, 1, sum.ExitCode())
}

func TestMergeAndOutputs(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	old := Row{ID: "x", State: StateFailed, Error: "first", Finished: time.Unix(100, 0).UTC()}
	newer := Row{ID: "x", State: StateDone, Read: 4, Written: 4, Skips: 1, Finished: time.Unix(200, 0).UTC()}
	require.NoError(t, writeRow(FilesOf(a, "x").State, &old))
	require.NoError(t, writeRow(FilesOf(b, "x").State, &newer))
	require.NoError(t, writeRow(FilesOf(b, "y").State, &Row{ID: "y", State: StateDone, Read: 1, Written: 1}))
	s, err := Merge([]Job{{ID: "x"}, {ID: "y"}, {ID: "z"}}, a, b)
	require.NoError(t, err)
	require.Len(t, s.Rows, 3)
	assert.Equal(t, StateDone, s.Rows[0].State, "the latest run of x wins")
	assert.Equal(t, StatePending, s.Rows[2].State)
	assert.Equal(t, 1, s.ExitCode())
	s.Rows = s.Rows[:2]
	assert.Equal(t, 3, s.ExitCode(), "done with a skip")

	csvPath := filepath.Join(t.TempDir(), "s.CSV")
	require.NoError(t, s.WriteFile(csvPath))
	b1, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b1)), "\n")
	assert.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[1], "x,done,4,4,"), lines[1])
	var tb bytes.Buffer
	require.NoError(t, s.WriteTable(&tb))
	assert.Contains(t, tb.String(), "TOTAL")

	require.NoError(t, os.WriteFile(filepath.Join(a, "bad.state.json"), []byte("{"), 0o644))
	_, err = Merge(nil, a)
	assert.ErrorIs(t, err, mailconv.ErrFormat)
	assert.Contains(t, err.Error(), "bad.state.json")
	_, err = Merge(nil, filepath.Join(a, "missing"))
	assert.Error(t, err)
}

func TestTreeFingerprint(t *testing.T) {
	d := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(d, "Inbox"), []byte("x"), 0o644))
	a := TreeFingerprint(d)
	require.NotEmpty(t, a)
	assert.Equal(t, a, TreeFingerprint(d))
	require.NoError(t, os.WriteFile(filepath.Join(d, "Later"), []byte("y"), 0o644))
	assert.NotEqual(t, a, TreeFingerprint(d))
	assert.Empty(t, TreeFingerprint(filepath.Join(d, "missing")))
}
