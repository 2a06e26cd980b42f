package batch

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Job is one line of a jobs file: one account to convert.
type Job struct {
	// ID names the job; it is unique in its file and names the job's
	// files in the state directory (letters, digits, '.', '_', '-').
	ID string `json:"id"`
	// Src and Dst are FORMAT:PATH addresses, as for mailconv convert.
	Src string `json:"src"`
	Dst string `json:"dst"`
	// SrcPasswordFile and DstPasswordFile hold each side's password.
	SrcPasswordFile string `json:"src_password_file,omitempty"`
	DstPasswordFile string `json:"dst_password_file,omitempty"`
	// SrcTokenFile and DstTokenFile are each side's OAuth2 token file.
	SrcTokenFile string `json:"src_token_file,omitempty"`
	DstTokenFile string `json:"dst_token_file,omitempty"`
	// Opts are extra convert options, split as a POSIX shell would.
	Opts []string `json:"opts,omitempty"`
	// Index is the job's place in its file (0 for the first job), Line
	// its line number.
	Index int `json:"-"`
	Line  int `json:"-"`
}

// Columns are the columns a jobs file may have; id, src and dst are
// required.
var Columns = []string{"id", "src", "dst", "src_password_file", "dst_password_file", "src_token_file", "dst_token_file", "opts"}

// ErrJobs is matched (errors.Is) by the error of a jobs file with bad rows.
var ErrJobs = errors.New("bad jobs file")

// RowError is a problem with one line of a jobs file.
type RowError struct {
	File string
	Line int
	Err  error
}

// Error formats the error as "file:line: cause".
func (e *RowError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the cause.
func (e *RowError) Unwrap() error { return e.Err }

// JobsError lists every bad row of a jobs file.
type JobsError struct {
	Rows []*RowError
}

// Error lists the rows, one per line.
func (e *JobsError) Error() string {
	s := make([]string, len(e.Rows))
	for i, r := range e.Rows {
		s[i] = r.Error()
	}
	return strings.Join(s, "\n")
}

// Is makes a JobsError match ErrJobs.
func (e *JobsError) Is(target error) bool { return target == ErrJobs }

// MaxJobs bounds the rows of a jobs file.
const MaxJobs = 1 << 20

// ParseJobs reads a jobs file: CSV (RFC 4180) with a header row naming
// its columns (see Columns), in any order. Every bad row is reported, with
// its line number, in one *JobsError, before anything runs; name is the
// file name used in the errors.
func ParseJobs(r io.Reader, name string) ([]Job, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &JobsError{[]*RowError{{name, 1, errors.New("empty file: a header row (id,src,dst,...) is required")}}}
	}
	if err != nil {
		return nil, &JobsError{[]*RowError{{name, lineOf(err, 1), err}}}
	}
	col := map[string]int{}
	var bad []*RowError
	hline, _ := cr.FieldPos(0)
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		known := false
		for _, c := range Columns {
			known = known || c == h
		}
		switch {
		case !known:
			bad = append(bad, &RowError{name, hline, fmt.Errorf("unknown column %q (columns: %s)", h, strings.Join(Columns, ", "))})
		case col[h] != 0:
			bad = append(bad, &RowError{name, hline, fmt.Errorf("column %q given twice", h)})
		default:
			col[h] = i + 1
		}
	}
	for _, c := range Columns[:3] {
		if col[c] == 0 {
			bad = append(bad, &RowError{name, hline, fmt.Errorf("the header has no %q column (required: id, src, dst)", c)})
		}
	}
	if len(bad) > 0 {
		return nil, &JobsError{bad}
	}
	var jobs []Job
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			bad = append(bad, &RowError{name, lineOf(err, 0), err})
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				continue
			}
			break // the rest cannot be framed
		}
		line, _ := cr.FieldPos(0)
		if len(jobs) >= MaxJobs {
			bad = append(bad, &RowError{name, line, fmt.Errorf("more than %d jobs", MaxJobs)})
			break
		}
		get := func(c string) string {
			if i := col[c]; i > 0 && i <= len(rec) {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}
		if len(rec) != len(header) {
			bad = append(bad, &RowError{name, line, fmt.Errorf("%d field(s), the header has %d", len(rec), len(header))})
			continue
		}
		j := Job{ID: get("id"), Src: get("src"), Dst: get("dst"),
			SrcPasswordFile: get("src_password_file"), DstPasswordFile: get("dst_password_file"),
			SrcTokenFile: get("src_token_file"), DstTokenFile: get("dst_token_file"),
			Index: len(jobs), Line: line}
		var errs []string
		if err := checkID(j.ID); err != nil {
			errs = append(errs, err.Error())
		} else if first, dup := seen[j.ID]; dup {
			errs = append(errs, fmt.Sprintf("id %q is already the id of line %d", j.ID, first))
		} else {
			seen[j.ID] = line
		}
		if j.Src == "" {
			errs = append(errs, "src is empty")
		}
		if j.Dst == "" {
			errs = append(errs, "dst is empty")
		}
		if o := get("opts"); o != "" {
			if j.Opts, err = SplitShell(o); err != nil {
				errs = append(errs, "opts: "+err.Error())
			}
		}
		if len(errs) > 0 {
			bad = append(bad, &RowError{name, line, errors.New(strings.Join(errs, "; "))})
			continue
		}
		jobs = append(jobs, j)
	}
	if len(bad) > 0 {
		return nil, &JobsError{bad}
	}
	if len(jobs) == 0 {
		return nil, &JobsError{[]*RowError{{name, hline, errors.New("no job: the file has a header and no row")}}}
	}
	return jobs, nil
}

func lineOf(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return def
}

// checkID accepts IDs that are safe as file names on every system.
func checkID(id string) error {
	if id == "" {
		return errors.New("id is empty")
	}
	if len(id) > 128 {
		return fmt.Errorf("id %.20q... is longer than 128 characters", id)
	}
	if id[0] == '.' || id[0] == '-' {
		return fmt.Errorf("id %q starts with %q", id, id[0])
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '@') {
			return fmt.Errorf("id %q holds %q: use letters, digits, '.', '_', '-' and '@'", id, r)
		}
	}
	return nil
}

// SplitShell splits s into words as a POSIX shell does, for the opts
// column: blanks separate words; single quotes keep everything literally;
// double quotes keep everything but a backslash before \, ", $ and `; a
// backslash outside quotes keeps the next character. Nothing is expanded.
func SplitShell(s string) ([]string, error) {
	var out []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' at character %d", i+1)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`", s[i+1]) >= 0 {
					i++
				}
				w.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New(`unterminated "`)
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("a backslash ends the text")
			}
			i++
			w.WriteByte(s[i])
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, w.String())
	}
	return out, nil
}

// Shard is the share of a batch's jobs one process runs: task I (from 0)
// of N runs the jobs whose Index is I modulo N.
type Shard struct{ I, N int }

// ParseShard reads "I/N" (0 <= I < N).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 0 <= I < N (task I of N, counted from 0)", s)
	}
	return Shard{i, n}, nil
}

// Owns tells whether the shard runs job j. The zero Shard owns every job.
func (s Shard) Owns(j Job) bool { return s.N <= 1 || j.Index%s.N == s.I }

// Select returns the jobs the shard owns, or, when only is not empty, the
// job of that ID (an error when there is none).
func Select(jobs []Job, s Shard, only string) ([]Job, error) {
	var out []Job
	for _, j := range jobs {
		if only != "" {
			if j.ID == only {
				return []Job{j}, nil
			}
			continue
		}
		if s.Owns(j) {
			out = append(out, j)
		}
	}
	if only != "" {
		return nil, fmt.Errorf("no job has the id %q", only)
	}
	return out, nil
}
