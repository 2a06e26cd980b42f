package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// optList collects repeated --opt key=value flags.
type optList map[string]string

func (o optList) String() string {
	keys := make([]string, 0, len(o))
	for k, v := range o {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (o optList) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		v = "true"
	}
	if k == "" {
		return errors.New("want key=value")
	}
	o[k] = v
	return nil
}

// usageError marks errors that come from the command line (exit code 2).
type usageError struct{ error }

// store is one side of a conversion, resolved from a FORMAT:PATH address.
type store struct {
	format mailconv.Format
	path   string
}

// resolveSource finds the format of a source address, detecting it when the
// address has no prefix.
func resolveSource(addr string) (store, error) {
	name, path, err := parseAddress(addr, false)
	if err != nil {
		return store{}, err
	}
	path = absPath(path)
	if name == "" {
		if _, err := os.Stat(path); err != nil {
			return store{}, err
		}
		f, err := mailconv.DetectFormat(path)
		if err != nil {
			return store{}, usageError{fmt.Errorf("%w (give the format as FORMAT:PATH; formats: %s)%s", err, formatNames(false), storeBelow(path))}
		}
		return store{f, path}, nil
	}
	f, _ := mailconv.LookupFormat(name)
	return store{f, path}, nil
}

// parseAddress reads a command-line address with mailconv.ParseAddress
// ("~" is the user's home directory); an unknown format is a usage error.
func parseAddress(addr string, write bool) (name, path string, err error) {
	home, _ := os.UserHomeDir()
	name, path, err = mailconv.ParseAddress(addr, mailconv.AddressOptions{Home: home, Write: write})
	if err != nil {
		return "", "", usageError{err}
	}
	return name, path, nil
}

// expandPath expands a leading "~" or "~/" of a path the command line
// takes (the shell does not after "--report=" or "mbox:").
func expandPath(p string) string {
	home, _ := os.UserHomeDir()
	return mailconv.ExpandHome(p, home)
}

// storeBelow names, for an error message, a subdirectory of dir that a
// registered format recognises (the user gave the folder above a store),
// or returns "".
func storeBelow(dir string) string {
	if sub, f, ok := mailconv.DetectBelow(dir, ""); ok {
		return fmt.Sprintf("; %s looks like a %s store", sub, f.Name)
	}
	return ""
}

// resolveDestination requires a FORMAT: prefix naming a writable format.
func resolveDestination(addr string) (store, error) {
	name, path, err := parseAddress(addr, true)
	if err != nil {
		return store{}, err
	}
	path = absPath(path)
	if name == "" {
		return store{}, usageError{fmt.Errorf("destination %q needs a format prefix, one of: %s", addr, formatNames(true))}
	}
	f, _ := mailconv.LookupFormat(name)
	return store{f, path}, nil
}

// formatNames lists the formats that can be read, or written, as prefixes.
func formatNames(write bool) string {
	var names []string
	for _, f := range mailconv.Formats() {
		if (write && f.Create == nil) || (!write && f.Open == nil) {
			continue
		}
		names = append(names, f.Name+":")
	}
	return strings.Join(names, " ")
}

// splitParams hands each --opt to the side that declares it.
func splitParams(opts optList, src store, dst *store) (read, write map[string]string, err error) {
	read, write = map[string]string{}, map[string]string{}
	for k, v := range opts {
		used := false
		for _, p := range src.format.Params {
			if p.Name == k && p.Read {
				read[k] = v
				used = true
			}
		}
		if dst != nil {
			for _, p := range dst.format.Params {
				if p.Name == k && p.Write {
					write[k] = v
					used = true
				}
			}
		}
		if !used {
			return nil, nil, usageError{fmt.Errorf("option %q is not known to the formats in use (see 'mailconv formats')", k)}
		}
	}
	return read, write, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// exitFor maps an error to an exit code and prints it.
func exitFor(err error, stderr io.Writer) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, mailconv.ErrBadOption) {
		fmt.Fprintln(stderr, "mailconv:", err)
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "mailconv: interrupted")
		return exitInterrupted
	}
	fmt.Fprintln(stderr, "mailconv:", err)
	return exitFailure
}

// newFlagSet returns a FlagSet that prints usage to stderr and never exits.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: mailconv %s %s\n\nOptions:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments (the flag package alone stops at the first
// positional one). A "--" ends flag parsing.
// parseExit is the exit code of a command whose flags did not parse: 0
// after -h (the flag package printed the usage), else a usage error.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// defaultJournal returns the journal file of a destination: beside a local
// destination, or in the user's cache directory for a network one.
func defaultJournal(dst store) string {
	if strings.HasPrefix(dst.path, "//") {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		safe := strings.Map(func(r rune) rune {
			if r == '/' || r == ':' || r == '@' || r == '\\' {
				return '_'
			}
			return r
		}, dst.format.Name+dst.path)
		return filepath.Join(dir, "mailconv", safe+".mailconv-journal")
	}
	return migrate.JournalPath(dst.path)
}

// openJournal opens the journal of dst and checks it against the
// destination: a journal that records messages for a destination that is
// gone would make the run skip them.
//
// existed tells whether the journal was there before: an earlier run began
// writing the destination, which is then continued.
func openJournal(path string, dst store, durable bool) (j *migrate.Journal, existed bool, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, fmt.Errorf("journal: %w", err)
	}
	existed = fileExists(path)
	j, err = migrate.OpenJournal(path, durable)
	if err != nil {
		return nil, false, err
	}
	if existed && !j.Empty() && !strings.HasPrefix(dst.path, "//") && !fileExists(dst.path) {
		j.Close()
		return nil, false, usageError{fmt.Errorf("journal %s records %d message(s) written to %s, which does not exist: remove the journal to start over", path, j.Messages(), dst.path)}
	}
	return j, existed, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// absPath makes a local path absolute, so that a journal names the same
// store whatever the working directory; network addresses ("//host") are
// left alone.
func absPath(p string) string {
	if p == "" || strings.HasPrefix(p, "//") {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// output is a path a command writes, named for error messages.
type output struct{ what, path string }

// checkOutputs refuses outputs that are the source or lie inside it (and
// directories that hold the source): writing there would modify the source,
// which is never done, and a later read of the source would take our own
// output for mail. Paths are compared absolute, with the symbolic links of
// their existing parts resolved. Empty paths and network addresses
// ("//host/...") are ignored.
func checkOutputs(src string, outs ...output) error {
	if src == "" || strings.HasPrefix(src, "//") {
		return nil
	}
	s := realPath(src)
	for _, o := range outs {
		if o.path == "" || strings.HasPrefix(o.path, "//") {
			continue
		}
		p := realPath(o.path)
		switch {
		case p == s:
			return usageError{fmt.Errorf("the %s %s is the source: the source is never written to; choose a place outside it", o.what, o.path)}
		case within(p, s):
			return usageError{fmt.Errorf("the %s %s is inside the source %s: the source is never written to; choose a place outside it", o.what, o.path, src)}
		case within(s, p):
			return usageError{fmt.Errorf("the source %s is inside the %s %s: choose a place that does not hold the source", src, o.what, o.path)}
		}
	}
	return nil
}

// realPath returns p absolute, with symbolic links resolved in the longest
// part of it that exists.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	for q := abs; ; q = filepath.Dir(q) {
		if r, err := filepath.EvalSymlinks(q); err == nil {
			rest, _ := filepath.Rel(q, abs)
			return filepath.Join(r, rest)
		}
		if q == filepath.Dir(q) {
			return abs
		}
	}
}

// within reports whether p is dir or lies below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// homePath is a flag.Value holding a path, with a leading "~" or "~/"
// expanded as the shell would (it does not after "--report=").
type homePath struct{ p *string }

func (h homePath) String() string {
	if h.p == nil {
		return ""
	}
	return *h.p
}

func (h homePath) Set(s string) error { *h.p = expandPath(s); return nil }

// pathFlag defines a flag whose value is a path ("~" expanded).
func pathFlag(fs *flag.FlagSet, name, usage string) *string {
	p := new(string)
	fs.Var(homePath{p}, name, usage)
	return p
}
