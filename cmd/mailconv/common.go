package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/mailconv/mailconv"
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
	name, path := mailconv.SplitAddress(addr)
	if name == "" {
		if _, err := os.Stat(path); err != nil {
			return store{}, err
		}
		f, err := mailconv.DetectFormat(path)
		if err != nil {
			return store{}, usageError{fmt.Errorf("%w (give the format as FORMAT:PATH; formats: %s)", err, formatNames())}
		}
		return store{f, path}, nil
	}
	f, _ := mailconv.LookupFormat(name)
	if f.Open == nil {
		return store{}, usageError{fmt.Errorf("format %s cannot be read", name)}
	}
	return store{f, path}, nil
}

// resolveDestination requires a FORMAT: prefix.
func resolveDestination(addr string) (store, error) {
	name, path := mailconv.SplitAddress(addr)
	if name == "" {
		return store{}, usageError{fmt.Errorf("destination %q needs a format prefix, one of: %s", addr, formatNames())}
	}
	f, _ := mailconv.LookupFormat(name)
	if f.Create == nil {
		return store{}, usageError{fmt.Errorf("format %s cannot be written", name)}
	}
	return store{f, path}, nil
}

func formatNames() string {
	var names []string
	for _, f := range mailconv.Formats() {
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
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "mailconv:", err)
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "mailconv: interrupted")
		return exitFailure
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
