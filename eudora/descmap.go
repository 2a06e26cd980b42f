package eudora

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mime"
)

// DescmapEntry is one line of a descmap.pce: a child of the directory the
// file sits in (docs/formats/eudora.md §1.3).
type DescmapEntry struct {
	// Line is the 1-based line number, Offset the byte offset of the line.
	Line   int
	Offset int64
	// Name is the display name, decoded from Windows-1252.
	Name string
	// File is the file name (a .mbx file or a .fol directory), decoded
	// from Windows-1252.
	File string
	// Type is 'S' (system mailbox), 'M' (mailbox) or 'F' (folder).
	Type byte
	// Unread is 'U', 'Y', 'N', or 0 when the fourth field is missing.
	Unread byte
}

// DescmapProblem is a descmap line that was skipped, and why.
type DescmapProblem struct {
	Line   int
	Offset int64
	Reason string
}

// String formats the problem for a report.
func (p DescmapProblem) String() string {
	return fmt.Sprintf("line %d (offset %d): %s", p.Line, p.Offset, p.Reason)
}

// ParseDescmap reads a descmap.pce. Lines are "Name,File,Type[,Unread]"
// with CRLF, LF or CR line ends. Because Eudora allows commas in file names
// but not in display names, the name is taken from the left, the type (and
// unread mark) from the right and the file name is what lies between. Lines
// that cannot be read — too long (Limits.MaxDescmapLine), too few fields, a
// type other than S/M/F, a file name with a path separator or "..", NUL
// bytes — are returned as problems and skipped; only an I/O error or a file
// larger than Limits.MaxDescmapBytes is an error.
func ParseDescmap(r io.Reader, limits Limits) ([]DescmapEntry, []DescmapProblem, error) {
	lim := limits.withDefaults()
	br := bufio.NewReaderSize(io.LimitReader(r, lim.MaxDescmapBytes+1), 4096)
	var (
		entries  []DescmapEntry
		problems []DescmapProblem
		off      int64
		lineNo   int
		line     []byte
		tooLong  bool
		lineOff  int64
		pendCR   bool
	)
	finish := func() {
		lineNo++
		switch {
		case tooLong:
			problems = append(problems, DescmapProblem{lineNo, lineOff, fmt.Sprintf("line longer than %d bytes", lim.MaxDescmapLine)})
		default:
			if e, why := parseDescmapLine(line); why != "" {
				if why != "empty" {
					problems = append(problems, DescmapProblem{lineNo, lineOff, why})
				}
			} else {
				e.Line, e.Offset = lineNo, lineOff
				entries = append(entries, e)
			}
		}
		line, tooLong = line[:0], false
	}
	started := false
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return entries, problems, err
		}
		if off >= lim.MaxDescmapBytes {
			return entries, problems, &mailconv.LimitError{Name: "MaxDescmapBytes", Limit: lim.MaxDescmapBytes}
		}
		off++
		if pendCR {
			pendCR = false
			if c == '\n' {
				continue
			}
		}
		if c == '\r' || c == '\n' {
			if !started {
				lineOff = off - 1
			}
			finish()
			started = false
			pendCR = c == '\r'
			continue
		}
		if !started {
			started, lineOff = true, off-1
		}
		if len(line) >= lim.MaxDescmapLine {
			tooLong = true
			continue
		}
		line = append(line, c)
	}
	if started || len(line) > 0 || tooLong {
		finish()
	}
	return entries, problems, nil
}

// parseDescmapLine parses one line; why is "" on success, "empty" for a
// blank line, else the reason the line is skipped.
func parseDescmapLine(line []byte) (DescmapEntry, string) {
	if len(bytes.TrimSpace(line)) == 0 {
		return DescmapEntry{}, "empty"
	}
	if bytes.IndexByte(line, 0) >= 0 {
		return DescmapEntry{}, "NUL byte in line"
	}
	f := bytes.Split(line, []byte{','})
	if len(f) < 3 {
		return DescmapEntry{}, fmt.Sprintf("%d fields, need at least 3", len(f))
	}
	isType := func(b []byte) bool {
		b = bytes.TrimSpace(b)
		return len(b) == 1 && strings.IndexByte("SMFsmf", b[0]) >= 0
	}
	isUnread := func(b []byte) bool {
		b = bytes.TrimSpace(b)
		return len(b) == 0 || (len(b) == 1 && strings.IndexByte("UYNuyn", b[0]) >= 0)
	}
	var e DescmapEntry
	var file []byte
	n := len(f)
	switch {
	case n >= 4 && isType(f[n-2]) && isUnread(f[n-1]):
		e.Type = upper(bytes.TrimSpace(f[n-2])[0])
		if u := bytes.TrimSpace(f[n-1]); len(u) == 1 {
			e.Unread = upper(u[0])
		}
		file = bytes.Join(f[1:n-2], []byte{','})
	case isType(f[n-1]):
		e.Type = upper(bytes.TrimSpace(f[n-1])[0])
		file = bytes.Join(f[1:n-1], []byte{','})
	default:
		return DescmapEntry{}, fmt.Sprintf("no type S, M or F in %q", truncateForReport(line))
	}
	e.Name = decodeLegacy(f[0], mime.Windows)
	e.File = decodeLegacy(file, mime.Windows)
	if !plainName(e.File) {
		return DescmapEntry{}, fmt.Sprintf("file name %q is not a plain name in this directory", e.File)
	}
	return e, ""
}

// plainName reports whether name names an entry of a directory: not
// empty, not "." or "..", no path separator, drive colon or NUL.
func plainName(name string) bool {
	if name == "" || name == "." || name == ".." || strings.TrimSpace(name) == "" {
		return false
	}
	return !strings.ContainsAny(name, "/\\\x00:")
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func truncateForReport(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
