package batch

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one job's line of a batch summary, and the content of its state
// file.
type Row struct {
	ID    string `json:"id"`
	Src   string `json:"src"`
	Dst   string `json:"dst"`
	State string `json:"state"` // StateDone, StateFailed, StateInterrupted, StatePending
	// Read is the messages the last run read (those found already
	// converted included); Written the messages the job's journal records
	// as written to the destination over every run; WrittenNow those the
	// last run wrote; Unchanged those it found already converted;
	// Updated those whose state it updated.
	Read       int   `json:"messages_read"`
	Written    int   `json:"messages_written"`
	WrittenNow int   `json:"messages_written_last_run"`
	Unchanged  int   `json:"messages_unchanged"`
	Updated    int   `json:"messages_updated"`
	Bytes      int64 `json:"bytes"`
	Skips      int   `json:"skips"`
	Losses     int   `json:"losses"`
	// Backoffs counts the waits: the batch's retries after transient
	// failures and the writers' throttling back-offs.
	Backoffs int     `json:"backoffs"`
	Attempts int     `json:"attempts"`
	Duration float64 `json:"duration_seconds"`
	Error    string  `json:"error,omitempty"`
	// Finished is when the last run ended.
	Finished time.Time `json:"finished,omitzero"`
	// SourceFingerprint is the source's TreeFingerprint when the run
	// started ("" for a network source).
	SourceFingerprint string `json:"source_fingerprint,omitempty"`
	// Reused is set in a summary for a job passed over because it
	// finished earlier and its source did not change (not stored).
	Reused bool `json:"reused,omitempty"`
}

// Summary is the outcome of a batch, one row per job, sorted by ID.
type Summary struct {
	Rows []Row `json:"jobs"`
}

func (s *Summary) sort() {
	sort.Slice(s.Rows, func(i, j int) bool { return s.Rows[i].ID < s.Rows[j].ID })
}

// ExitCode is the mailconv exit code of the batch: 1 when a job failed or
// did not finish, 3 when every job is done and some recorded skips or
// losses, 0 otherwise.
func (s *Summary) ExitCode() int {
	code := 0
	for _, r := range s.Rows {
		switch {
		case r.State != StateDone:
			return 1
		case r.Skips > 0 || r.Losses > 0:
			code = 3
		}
	}
	return code
}

// Count returns how many rows are in each state.
func (s *Summary) Count() map[string]int {
	out := map[string]int{}
	for _, r := range s.Rows {
		out[r.State]++
	}
	return out
}

// WriteJSON writes the summary as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// csvHeader are the columns of WriteCSV.
var csvHeader = []string{"id", "state", "messages_read", "messages_written", "messages_written_last_run", "messages_unchanged",
	"messages_updated", "bytes", "skips", "losses", "backoffs", "attempts", "duration_seconds", "error", "src", "dst"}

// WriteCSV writes the summary as CSV with a header row.
func (s *Summary) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, r := range s.Rows {
		i := strconv.Itoa
		cw.Write([]string{r.ID, r.State, i(r.Read), i(r.Written), i(r.WrittenNow), i(r.Unchanged), i(r.Updated),
			strconv.FormatInt(r.Bytes, 10), i(r.Skips), i(r.Losses), i(r.Backoffs), i(r.Attempts),
			strconv.FormatFloat(r.Duration, 'f', 3, 64), r.Error, r.Src, r.Dst})
	}
	cw.Flush()
	return cw.Error()
}

// WriteFile writes the summary to path, as CSV when its name ends in
// ".csv", else as JSON.
func (s *Summary) WriteFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		err = s.WriteCSV(f)
	} else {
		err = s.WriteJSON(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("summary %s: %w", path, err)
	}
	return nil
}

// WriteTable writes the summary as an aligned table for people, with a
// line of totals.
func (s *Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tSTATE\tREAD\tWRITTEN\tUNCHANGED\tUPDATED\tMB\tSKIPS\tLOSSES\tBACKOFFS\tTIME\tERROR")
	var t Row
	for _, r := range s.Rows {
		state := r.State
		if r.Reused {
			state += " (earlier)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.1f\t%d\t%d\t%d\t%.1fs\t%s\n", r.ID, state, r.Read, r.Written, r.Unchanged, r.Updated,
			float64(r.Bytes)/(1<<20), r.Skips, r.Losses, r.Backoffs, r.Duration, oneLine(r.Error))
		t.Read, t.Written, t.Unchanged, t.Updated = t.Read+r.Read, t.Written+r.Written, t.Unchanged+r.Unchanged, t.Updated+r.Updated
		t.Bytes, t.Skips, t.Losses, t.Backoffs = t.Bytes+r.Bytes, t.Skips+r.Skips, t.Losses+r.Losses, t.Backoffs+r.Backoffs
	}
	c := s.Count()
	fmt.Fprintf(tw, "TOTAL\t%d done, %d failed\t%d\t%d\t%d\t%d\t%.1f\t%d\t%d\t%d\t\t\n", c[StateDone], len(s.Rows)-c[StateDone],
		t.Read, t.Written, t.Unchanged, t.Updated, float64(t.Bytes)/(1<<20), t.Skips, t.Losses, t.Backoffs)
	return tw.Flush()
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// Merge reads the job states of one or more state directories (of the
// shards of one batch, or one directory they share) into one summary. A
// job found in several is taken from its latest run. jobs, if given, adds
// a pending row for each job no directory has a state for.
func Merge(jobs []Job, dirs ...string) (*Summary, error) {
	byID := map[string]Row{}
	var errs []error
	for _, d := range dirs {
		names, err := filepath.Glob(filepath.Join(d, "*.state.json"))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(d); err != nil {
			errs = append(errs, fmt.Errorf("state directory: %w", err))
			continue
		}
		for _, n := range names {
			r, err := readRow(n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if old, ok := byID[r.ID]; !ok || r.Finished.After(old.Finished) {
				byID[r.ID] = *r
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, j := range jobs {
		if _, ok := byID[j.ID]; !ok {
			byID[j.ID] = Row{ID: j.ID, Src: j.Src, Dst: j.Dst, State: StatePending}
		}
	}
	s := &Summary{}
	for _, r := range byID {
		s.Rows = append(s.Rows, r)
	}
	s.sort()
	return s, nil
}
