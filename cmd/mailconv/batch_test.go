package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv/batch"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/storegen"
)

// batchSetup is a batch of n accounts: varied generated sources (mbox
// trees from storegen, Windows Eudora stores from eudoratest) and a Dovecot
// with one user per account.
type batchSetup struct {
	srv     *dovecotserver.Server
	dir     string // temporary directory of the jobs file, password file, sources
	jobs    string // the jobs file
	pwFile  string
	ids     []string
	sources map[string]string // id -> source address
}

const batchAccounts = 20

// newBatchSources writes the sources of the accounts (the same bytes for
// the same n: seeds are the account numbers).
func newBatchSources(t *testing.T, dir string, n int) (ids []string, sources map[string]string) {
	sources = map[string]string{}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("u%02d", i)
		ids = append(ids, id)
		src := filepath.Join(dir, "src", id)
		require.NoError(t, os.MkdirAll(src, 0o755))
		switch i % 3 {
		case 0: // a Eudora store
			_, err := eudoratest.Generate(src, eudoratest.GenOptions{Size: 12 << 10, Seed: uint64(i), MaxAttachment: 2 << 10})
			require.NoError(t, err)
			sources[id] = "eudora:" + src
		default: // an mbox tree of one or two mailboxes
			for k, name := range []string{"Inbox", "Archive"}[:1+i%2] {
				f, err := os.Create(filepath.Join(src, name))
				require.NoError(t, err)
				_, err = storegen.WriteMbox(f, storegen.MboxOptions{Size: int64(6+2*k) << 10, Seed: int64(100*i + k), MaxAttachment: 2 << 10, Keywords: i%2 == 0})
				require.NoError(t, err)
				require.NoError(t, f.Close())
			}
			sources[id] = "mbox:" + src
		}
	}
	return ids, sources
}

// startBatch makes the sources of batchAccounts accounts and a Dovecot
// for them.
func startBatch(t *testing.T) *batchSetup {
	dovecotserver.Require(t)
	dir := t.TempDir()
	ids, sources := newBatchSources(t, dir, batchAccounts)
	return newBatchSetup(t, dir, ids, sources)
}

func newBatchSetup(t *testing.T, dir string, ids []string, sources map[string]string) *batchSetup {
	srv := dovecotserver.Start(t, dovecotserver.Config{Users: ids})
	s := &batchSetup{srv: srv, dir: dir, ids: ids, sources: sources, pwFile: filepath.Join(t.TempDir(), "pw")}
	require.NoError(t, os.WriteFile(s.pwFile, []byte(srv.Password+"\n"), 0o600))
	s.jobs = filepath.Join(t.TempDir(), "jobs.csv")
	s.writeJobs(t, nil)
	return s
}

// writeJobs writes the jobs file; edit may change a row's fields (src,
// password file).
func (s *batchSetup) writeJobs(t *testing.T, edit func(id string, src, pw *string)) {
	var b strings.Builder
	b.WriteString("id,src,dst,dst_password_file,opts\n")
	for _, id := range s.ids {
		src, pw := s.sources[id], s.pwFile
		if edit != nil {
			edit(id, &src, &pw)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,--allow-plaintext\n", id, src, s.dst(id), pw)
	}
	require.NoError(t, os.WriteFile(s.jobs, []byte(b.String()), 0o644))
}

func (s *batchSetup) dst(id string) string { return "imap://" + id + "@" + s.srv.IMAPAddr }

// batchCmd runs the built binary.
func batchCmd(t *testing.T, args ...string) (int, string, string) {
	cmd := exec.Command(binary(t), args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, out.String(), errb.String()
}

func readSummary(t *testing.T, path string) *batch.Summary {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var s batch.Summary
	require.NoError(t, json.Unmarshal(b, &s))
	return &s
}

// verifyAccounts runs mailconv verify on every account and checks it
// against the summary: nothing missing, nothing twice, and the summary's
// counts are verify's.
func (s *batchSetup) verifyAccounts(t *testing.T, sum *batch.Summary, stateDir string) {
	rows := map[string]batch.Row{}
	for _, r := range sum.Rows {
		rows[r.ID] = r
	}
	require.Len(t, sum.Rows, len(s.ids))
	for _, id := range s.ids {
		_, p, _ := strings.Cut(s.sources[id], ":")
		v := runVerifyJSON(t, p, s.dst(id), "--allow-plaintext", "--password-file", s.pwFile,
			"--journal", batch.FilesOf(stateDir, id).Journal)
		assert.Equal(t, exitOK, v.code, "%s: %s", id, v.text)
		assert.Zero(t, v.res.Totals.Missing, id)
		assert.Zero(t, v.res.Totals.Duplicates, id)
		assert.Zero(t, v.res.Totals.Extra, id)
		r := rows[id]
		assert.Equal(t, batch.StateDone, r.State, id)
		assert.Equal(t, v.res.Totals.SourceMessages, r.Read, "%s: messages read", id)
		assert.Equal(t, v.res.Totals.Matched, r.Written, "%s: messages written", id)
		assert.Equal(t, v.res.Totals.DestMessages, r.Written, id)
	}
}

// comparable drops what differs between two runs of the same batch.
func comparable(s *batch.Summary) []batch.Row {
	out := make([]batch.Row, len(s.Rows))
	for i, r := range s.Rows {
		r.Duration, r.Finished, r.Attempts, r.Dst, r.WrittenNow, r.Unchanged, r.Reused = 0, time.Time{}, 0, "", 0, 0, false
		out[i] = r
	}
	return out
}

// Acceptance 1 and 4 of issue 16: 20 accounts to a Dovecot with 20 users
// at --parallel 4, each verified, the summary's counts those of verify;
// then the same batch as four shards (four processes, and through GNU
// parallel) into servers of their own: the same destination state (each
// verified against the same sources) and a merged summary equal to the
// single process's.
func TestBatchTwentyAccountsAndShards(t *testing.T) {
	s := startBatch(t)
	state := filepath.Join(t.TempDir(), "state")
	sumFile := filepath.Join(t.TempDir(), "summary.json")
	code, out, stderr := batchCmd(t, "batch", "--parallel", "4", "--progress", "never", "--state", state, "--summary", sumFile, s.jobs)
	require.Contains(t, []int{exitOK, exitLossy}, code, out+stderr)
	single := readSummary(t, sumFile)
	s.verifyAccounts(t, single, state)
	assert.Equal(t, strings.Count(stderr, " start "), batchAccounts, "one line per job event: %s", stderr)
	assert.Contains(t, out, "TOTAL")

	// the summary as CSV has the same rows
	csvFile := filepath.Join(t.TempDir(), "summary.csv")
	code, _, stderr = batchCmd(t, "batch", "report", "--summary", csvFile, state)
	require.Equal(t, single.ExitCode(), code, stderr)
	b, err := os.ReadFile(csvFile)
	require.NoError(t, err)
	assert.Equal(t, batchAccounts+1, strings.Count(string(b), "\n"))

	shards := func(t *testing.T, viaParallel bool) {
		s2 := newBatchSetup(t, s.dir, s.ids, s.sources)
		base := t.TempDir()
		var dirs []string
		for i := range 4 {
			dirs = append(dirs, filepath.Join(base, fmt.Sprint("shard", i)))
		}
		if viaParallel {
			cmd := exec.Command("parallel", "-j4", binary(t), "batch", "--progress", "never", "--shard", "{}/4",
				"--state", filepath.Join(base, "shard{}"), s2.jobs, ":::", "0", "1", "2", "3")
			outb, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != single.ExitCode() {
				require.NoError(t, err, string(outb))
			}
		} else {
			var cmds []*exec.Cmd
			for i := range 4 {
				c := exec.Command(binary(t), "batch", "--progress", "never", "--shard", fmt.Sprintf("%d/4", i), "--state", dirs[i], s2.jobs)
				require.NoError(t, c.Start())
				cmds = append(cmds, c)
			}
			for _, c := range cmds {
				err := c.Wait()
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != single.ExitCode() {
					require.NoError(t, err)
				}
			}
		}
		for i, d := range dirs {
			names, err := filepath.Glob(filepath.Join(d, "*.state.json"))
			require.NoError(t, err)
			assert.Len(t, names, batchAccounts/4, "shard %d runs its quarter", i)
		}
		merged := filepath.Join(t.TempDir(), "merged.json")
		code, _, stderr := batchCmd(t, append([]string{"batch", "report", "--summary", merged}, dirs...)...)
		require.Equal(t, single.ExitCode(), code, stderr)
		m := readSummary(t, merged)
		for _, id := range s.ids {
			_, p, _ := strings.Cut(s.sources[id], ":")
			var d string
			for _, sd := range dirs {
				if _, err := os.Stat(batch.FilesOf(sd, id).Journal); err == nil {
					d = sd
				}
			}
			v := runVerifyJSON(t, p, s2.dst(id), "--allow-plaintext", "--password-file", s2.pwFile, "--journal", batch.FilesOf(d, id).Journal)
			assert.Equal(t, exitOK, v.code, "%s: %s", id, v.text)
		}
		assert.Equal(t, comparable(single), comparable(m))
	}
	t.Run("four processes", func(t *testing.T) { shards(t, false) })
	t.Run("GNU parallel", func(t *testing.T) {
		if _, err := exec.LookPath("parallel"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("GNU parallel is required in CI (.ci/run installs it)")
			}
			t.Skip("GNU parallel is not installed")
		}
		shards(t, true)
	})
}

// Acceptance 2: the batch killed (SIGKILL) twice at random points and run
// again gives the same result; jobs finished before the last run are not
// read again (their reports are not rewritten, the run says "skipped").
func TestBatchKilledTwice(t *testing.T) {
	s := startBatch(t)
	state := filepath.Join(t.TempDir(), "state")
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for kill := 0; kill < 2; kill++ {
		cmd := exec.Command(binary(t), "batch", "--parallel", "4", "--progress", "never", "--state", state, s.jobs)
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(300+rng.Intn(1500)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		cmd.Wait()
	}
	// the jobs finished before the last run, and when their reports were written
	finished := map[string]time.Time{}
	for _, id := range s.ids {
		f := batch.FilesOf(state, id)
		if r, err := os.ReadFile(f.State); err == nil && strings.Contains(string(r), `"state": "done"`) {
			fi, err := os.Stat(f.Report)
			require.NoError(t, err)
			finished[id] = fi.ModTime()
		}
	}
	t.Logf("%d of %d jobs finished before the last run", len(finished), len(s.ids))
	sumFile := filepath.Join(t.TempDir(), "summary.json")
	code, out, stderr := batchCmd(t, "batch", "--parallel", "4", "--progress", "never", "--state", state, "--summary", sumFile, s.jobs)
	require.Contains(t, []int{exitOK, exitLossy}, code, out+stderr)
	sum := readSummary(t, sumFile)
	s.verifyAccounts(t, sum, state)
	for id, mt := range finished {
		assert.Contains(t, stderr, " skipped "+id+":", "a finished job is passed over")
		assert.NotContains(t, stderr, " start "+id+" ", "a finished job is not run again")
		fi, err := os.Stat(batch.FilesOf(state, id).Report)
		require.NoError(t, err)
		assert.Equal(t, mt, fi.ModTime(), "%s's report is not rewritten", id)
	}
	// a source that changed since (a mailbox file added) is run again,
	// incrementally
	_, p, _ := strings.Cut(s.sources[s.ids[0]], ":")
	require.NoError(t, os.WriteFile(filepath.Join(p, "Later"), []byte("From new@example.org Mon Jan  1 10:00:00 2024\nSubject: arrived since\n\nhello\n"), 0o644))
	code, out, stderr = batchCmd(t, "batch", "--progress", "never", "--state", state, "--summary", sumFile, s.jobs)
	require.Contains(t, []int{exitOK, exitLossy}, code, out+stderr)
	sum = readSummary(t, sumFile)
	assert.Contains(t, stderr, " start "+s.ids[0]+" ")
	assert.Equal(t, 1, sum.Rows[0].WrittenNow)
	assert.Equal(t, batchAccounts-1, strings.Count(stderr, " skipped "))
	s.verifyAccounts(t, sum, state)
}

// Acceptance 3: one account's password is wrong and one source is
// missing: those two rows fail with clear errors, the other 18 complete,
// exit 1.
func TestBatchFailuresStayInTheirRow(t *testing.T) {
	s := startBatch(t)
	wrong := filepath.Join(t.TempDir(), "wrong")
	require.NoError(t, os.WriteFile(wrong, []byte("not-the-password\n"), 0o600))
	s.writeJobs(t, func(id string, src, pw *string) {
		switch id {
		case "u05":
			*pw = wrong
		case "u09":
			*src = "mbox:" + filepath.Join(s.dir, "no-such-store")
		}
	})
	state := filepath.Join(t.TempDir(), "state")
	sumFile := filepath.Join(t.TempDir(), "summary.json")
	start := time.Now()
	code, out, stderr := batchCmd(t, "batch", "--parallel", "4", "--progress", "never", "--retry-delay", "10ms", "--state", state, "--summary", sumFile, s.jobs)
	require.Equal(t, exitFailure, code, out+stderr)
	sum := readSummary(t, sumFile)
	require.Len(t, sum.Rows, batchAccounts)
	c := sum.Count()
	assert.Equal(t, batchAccounts-2, c[batch.StateDone])
	assert.Equal(t, 2, c[batch.StateFailed])
	for _, r := range sum.Rows {
		switch r.ID {
		case "u05":
			assert.Equal(t, batch.StateFailed, r.State)
			assert.Regexp(t, `(?i)auth|login|password`, r.Error)
			assert.Equal(t, 1, r.Attempts, "a wrong password is not retried")
		case "u09":
			assert.Equal(t, batch.StateFailed, r.State)
			assert.Contains(t, r.Error, "no-such-store")
			assert.Equal(t, 1, r.Attempts, "a missing source is not retried")
		default:
			assert.Equal(t, batch.StateDone, r.State, r.ID)
		}
	}
	assert.Contains(t, out, "u05")
	assert.Contains(t, stderr, "failed u05: ")
	assert.Contains(t, stderr, "failed u09: ")
	t.Logf("batch with two failures took %s", time.Since(start))
}
