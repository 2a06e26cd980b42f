package mailconv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Format describes a store format to the registry. A format package
// registers itself from its init function, as image and database/sql drivers
// do; the core never imports a format package. Programs pull formats in with
// blank imports:
//
//	import _ "github.com/mailconv/mailconv/mbox"
type Format struct {
	// Name is the prefix used on the command line ("mbox", "maildir").
	Name string
	// Description is one line for help output.
	Description string
	// Detect tells how sure the format is that path holds one of its
	// stores: 0 for no, 100 for certain. It must be cheap (a few bytes, a
	// directory listing) and must not modify anything.
	Detect func(path string) int
	// Open opens a store for reading. Nil when the format cannot be read.
	Open func(ctx context.Context, path string, opts *Options) (Reader, error)
	// Create creates a store for writing. The path must not exist or be an
	// empty directory. Nil when the format cannot be written.
	Create func(ctx context.Context, path string, opts *Options) (Writer, error)
	// Capabilities tells what a store created at path with opts could
	// hold, without creating anything (a network format may connect to
	// probe the server). inspect --to uses it to plan names. Nil when the
	// format cannot be written.
	Capabilities func(ctx context.Context, path string, opts *Options) (Capabilities, error)
	// Plan, if set, is what planners (inspect --to) use instead of
	// Capabilities: it looks at the destination the way Create would,
	// without creating anything, and describes it (see DestinationPlan).
	// The caller closes the result. Formats whose mailbox names follow
	// from the paths alone leave it nil.
	Plan func(ctx context.Context, path string, opts *Options) (DestinationPlan, error)
	// Params documents the keys accepted in Options.Params.
	Params []Param
}

// DestinationPlan is what Format.Plan finds out about a destination
// without writing to it.
type DestinationPlan struct {
	// Capabilities tells what the destination can hold.
	Capabilities Capabilities
	// Placer names each mailbox as the destination will (nil when the
	// names follow from the paths alone).
	Placer Placer
	// Release frees what the plan holds (a server connection); nil when
	// it holds nothing. Call Close rather than Release.
	Release func() error
}

// Close releases what p holds; it is safe on a plan without Release.
func (p DestinationPlan) Close() error {
	if p.Release == nil {
		return nil
	}
	return p.Release()
}

// Param documents one format-specific option.
type Param struct {
	Name string
	// Read and Write tell whether the option applies when reading and when
	// writing.
	Read, Write bool
	Doc         string
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Format{}
)

// RegisterFormat makes a format available by name. It panics if the name is
// empty or already registered.
func RegisterFormat(f Format) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if f.Name == "" {
		panic("mailconv: RegisterFormat with empty name")
	}
	if _, dup := registry[f.Name]; dup {
		panic("mailconv: RegisterFormat called twice for " + f.Name)
	}
	registry[f.Name] = f
}

// LookupFormat returns the format registered under name.
func LookupFormat(name string) (Format, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	f, ok := registry[name]
	return f, ok
}

// Formats returns the registered formats sorted by name.
func Formats() []Format {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Format, 0, len(registry))
	for _, f := range registry {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DetectFormat returns the readable format most sure that path holds one of
// its stores. Ties go to the format registered under the smaller name, so
// that the answer is deterministic.
func DetectFormat(path string) (Format, error) {
	best, bestScore := Format{}, 0
	for _, f := range Formats() {
		if f.Detect == nil || f.Open == nil {
			continue
		}
		if s := f.Detect(path); s > bestScore {
			best, bestScore = f, s
		}
	}
	if bestScore == 0 {
		return Format{}, fmt.Errorf("%s: %w: no registered format recognises it", path, ErrUnknownFormat)
	}
	return best, nil
}

// DetectBelow looks one level below dir for a store, for the error message
// of a user who named the folder above one: it returns the first
// subdirectory (in name order, among dir's first 100 entries) that
// DetectFormat recognises, and its format. With only set, a subdirectory
// counts only when it is detected as that format.
func DetectBelow(dir, only string) (sub string, f Format, ok bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", Format{}, false
	}
	for i, e := range ents {
		if i == 100 {
			break
		}
		if !e.IsDir() {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		if f, err := DetectFormat(sub); err == nil && (only == "" || f.Name == only) {
			return sub, f, true
		}
	}
	return "", Format{}, false
}

// CheckParams returns an error naming the first key of params that f does
// not document for the given direction.
func CheckParams(f Format, params map[string]string, write bool) error {
	for k := range params {
		ok := false
		for _, p := range f.Params {
			if p.Name == k && ((write && p.Write) || (!write && p.Read)) {
				ok = true
				break
			}
		}
		if !ok {
			dir := "reading"
			if write {
				dir = "writing"
			}
			return fmt.Errorf("format %s has no option %q for %s", f.Name, k, dir)
		}
	}
	return nil
}
