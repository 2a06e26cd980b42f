package mh

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/mailconv/mailconv"
)

// DefaultMaxSequencesBytes is the default of ParamMaxSequences: the largest
// .mh_sequences file read. nmh keeps it to a few lines; a larger one is
// damage and is reported instead of read.
const DefaultMaxSequencesBytes = 1 << 20

// MaxMessageNumber is the largest message number the reader accepts in a
// file name or a sequence (nmh stores numbers as C ints).
const MaxMessageNumber = 1<<31 - 1

// Range is an inclusive run of message numbers, "5-9" in .mh_sequences.
type Range struct{ Lo, Hi uint32 }

// Sequence is a named set of message numbers, kept as sorted, merged
// ranges: "1-1000000" costs one Range, never a million entries.
type Sequence []Range

// Has reports whether message number n is in s.
func (s Sequence) Has(n uint32) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].Hi >= n })
	return i < len(s) && s[i].Lo <= n
}

// Len returns how many numbers s holds.
func (s Sequence) Len() int64 {
	var n int64
	for _, r := range s {
		n += int64(r.Hi) - int64(r.Lo) + 1
	}
	return n
}

// Sequences maps sequence names, as written, to their members.
type Sequences map[string]Sequence

// ParseSequences reads an .mh_sequences file (docs/formats/mh.md): lines "name: 1 3-5 9", a line
// starting with white space continuing the one before (as nmh folds long
// lines). At most max bytes are read (DefaultMaxSequencesBytes when max is
// 0); a larger file gives a *mailconv.ParseError wrapping a
// *mailconv.LimitError and no sequences. Lines or items that cannot be read
// are returned as problems (each a *mailconv.ParseError wrapping
// mailconv.ErrFormat, with the byte offset of the line) and the rest of the
// file is still used. file names the file in errors.
func ParseSequences(r io.Reader, file string, max int64) (Sequences, []error, error) {
	if max <= 0 {
		max = DefaultMaxSequencesBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, nil, &mailconv.ParseError{File: file, Offset: -1, Err: fmt.Errorf("mh: reading sequences: %w", err)}
	}
	if int64(len(data)) > max {
		return nil, nil, &mailconv.ParseError{File: file, Offset: max, Err: fmt.Errorf("mh: sequences file: %w",
			&mailconv.LimitError{Name: ParamMaxSequences, Limit: max})}
	}
	seqs := Sequences{}
	var problems []error
	bad := func(off int64, format string, args ...any) {
		problems = append(problems, &mailconv.ParseError{File: file, Offset: off,
			Err: fmt.Errorf("mh: %s: %w", fmt.Sprintf(format, args...), mailconv.ErrFormat)})
	}
	// Join continuation lines first, remembering where each logical line
	// starts.
	type line struct {
		off  int64
		text []byte
	}
	var lines []line
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), len(data)+1)
	var off int64
	for sc.Scan() {
		b := sc.Bytes()
		start := off
		off += int64(len(b)) + 1
		if len(b) > 0 && (b[0] == ' ' || b[0] == '\t') && len(lines) > 0 {
			last := &lines[len(lines)-1]
			last.text = append(append(last.text, ' '), b...)
			continue
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		lines = append(lines, line{off: start, text: append([]byte(nil), b...)})
	}
	for _, l := range lines {
		name, items, ok := bytes.Cut(l.text, []byte(":"))
		name = bytes.TrimSpace(name)
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			bad(l.off, "line %q is not \"name: numbers\"", clip(l.text))
			continue
		}
		var seq Sequence
		for _, it := range bytes.Fields(items) {
			r, ok := parseRange(it)
			if !ok {
				bad(l.off, "sequence %q: item %q is not a message number or range", name, clip(it))
				continue
			}
			seq = append(seq, r)
		}
		n := string(name)
		seqs[n] = merge(append(seqs[n], seq...))
	}
	return seqs, problems, nil
}

func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

// parseRange reads "7" or "3-9".
func parseRange(b []byte) (Range, bool) {
	lo, hi, isRange := bytes.Cut(b, []byte("-"))
	l, ok := parseNumber(lo)
	if !ok {
		return Range{}, false
	}
	if !isRange {
		return Range{l, l}, true
	}
	h, ok := parseNumber(hi)
	if !ok || h < l {
		return Range{}, false
	}
	return Range{l, h}, true
}

// parseNumber reads a message number: decimal digits, 1..MaxMessageNumber.
func parseNumber(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil || n == 0 || n > MaxMessageNumber {
		return 0, false
	}
	return uint32(n), true
}

// merge sorts ranges and joins those that overlap or touch.
func merge(s Sequence) Sequence {
	if len(s) < 2 {
		return s
	}
	sort.Slice(s, func(i, j int) bool { return s[i].Lo < s[j].Lo })
	out := s[:1]
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		if uint64(r.Lo) <= uint64(last.Hi)+1 {
			if r.Hi > last.Hi {
				last.Hi = r.Hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}
