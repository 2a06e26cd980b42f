package fuzz_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/addressbook"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/filters"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/mime"
)

// The corpus sweep (issue 7): every file under testdata/ (the sample stores
// and the fixtures copy; $MAILCONV_FIXTURES adds another tree) goes
// through every parser that could claim it, and every directory through
// every registered format whose Detect claims it, asserting no panic, no
// goroutine left behind, and bounded memory.
//
// Parsers plug in by appending to sweepFileClaimers from an init function in
// their own file of this package (see fileClaimer); formats plug in by
// registering themselves (a blank import here or in their fuzz file): the
// sweep opens every path that a registered format's Detect claims.

// fileClaimer is one parser the sweep runs over every fixture file. Run
// reads the file's bytes (data) as its format, to the end; errors are
// expected (most files are not of its format) and ignored, panics are not.
type fileClaimer struct {
	name string
	run  func(ctx context.Context, path string, data []byte)
}

var sweepFileClaimers = []fileClaimer{
	{"mbox reader (each variant and separator policy)", sweepMbox},
	{"mime rebuild", sweepRebuild},
	{"eudora nicknames", func(ctx context.Context, path string, data []byte) {
		for _, p := range []mime.Platform{mime.Windows, mime.Mac} {
			addressbook.ReadNicknames(ctx, bytes.NewReader(data), filepath.Base(path), &addressbook.Options{Platform: &p})
		}
	}},
	{"ldif", func(ctx context.Context, _ string, data []byte) {
		addressbook.ReadLDIF(ctx, bytes.NewReader(data), nil)
	}},
	{"vcard", func(ctx context.Context, _ string, data []byte) {
		addressbook.ReadVCard(ctx, bytes.NewReader(data), nil)
	}},
	{"eudora filters", func(ctx context.Context, path string, data []byte) {
		filters.Parse(ctx, bytes.NewReader(data), filepath.Base(path), nil)
	}},
	{"eudora toc (both byte orders)", func(_ context.Context, path string, data []byte) {
		for _, p := range []mime.Platform{mime.Windows, mime.Mac} {
			eudora.ParseTOC(bytes.NewReader(data), int64(len(data)), p, path, eudora.TOCOptions{Text: true})
		}
	}},
	{"eudora descmap", func(_ context.Context, _ string, data []byte) {
		eudora.ParseDescmap(bytes.NewReader(data), eudora.Limits{})
	}},
	{"eudora separator lines", func(_ context.Context, _ string, data []byte) {
		for _, line := range bytes.Split(data, []byte("\n")) {
			for _, p := range []mime.Platform{mime.Windows, mime.Mac} {
				eudora.ParseSeparator(bytes.TrimRight(line, "\r"), p)
			}
		}
	}},
}

func sweepMbox(_ context.Context, path string, data []byte) {
	type combo struct {
		v   mbox.Variant
		sep mbox.SeparatorPolicy
	}
	combos := []combo{{mbox.VariantAuto, mbox.SeparatorsStrict}, {mbox.VariantAuto, mbox.SeparatorsLenient}}
	for _, v := range []mbox.Variant{mbox.VariantAuto, mbox.MboxO, mbox.MboxRD, mbox.MboxCL, mbox.MboxCL2} {
		combos = append(combos, combo{v, mbox.SeparatorsAuto})
	}
	for _, c := range combos {
		// through an io.ReaderAt (Content-Length checks, detection) and
		// as a plain stream
		for _, src := range []io.Reader{bytes.NewReader(data), io.MultiReader(bytes.NewReader(data))} {
			rd, err := mbox.NewReader(src, mbox.ReaderOptions{Name: path, Variant: c.v, Separators: c.sep, Events: func(mailconv.Event) {}})
			if err != nil {
				continue
			}
			for {
				if _, err := rd.Next(); err != nil {
					break
				}
				if _, err := io.Copy(io.Discard, rd); err != nil {
					break
				}
			}
		}
	}
}

// sweepRebuild treats the file as a Eudora message body, with its own
// directory as the attachment folder.
func sweepRebuild(ctx context.Context, path string, data []byte) {
	for _, p := range []mime.Platform{mime.Windows, mime.Mac} {
		for _, comp := range []bool{false, true} {
			res, err := mime.Rebuild(ctx, bytes.NewReader(data), mime.RebuildOptions{Platform: p, Composition: comp,
				Resolver: dirResolver(filepath.Dir(path))})
			if err != nil {
				continue
			}
			io.Copy(io.Discard, res)
			res.Close()
		}
	}
}

// dirResolver opens referenced files by base name in one directory.
type dirResolver string

func (d dirResolver) Open(ref mime.Ref) (io.ReadCloser, int64, error) {
	if !fs.ValidPath(ref.Name) || strings.Contains(ref.Name, "/") {
		return nil, 0, fs.ErrNotExist
	}
	f, err := os.Open(filepath.Join(string(d), ref.Name))
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fs.ErrNotExist
	}
	return f, st.Size(), nil
}

// sweepStore reads every message of every mailbox of a store.
func sweepStore(ctx context.Context, f mailconv.Format, path string) {
	r, err := f.Open(ctx, path, &mailconv.Options{Events: func(mailconv.Event) {}})
	if err != nil {
		return
	}
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		return
	}
	for _, mb := range mbs {
		if mb.NoSelect {
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			continue
		}
		for {
			if _, err := mr.Next(); err != nil {
				break
			}
			if _, err := io.Copy(io.Discard, mr); err != nil {
				break
			}
		}
		mr.Close()
	}
}

// fixturesDir returns MAILCONV_FIXTURES, an extra directory of fixtures to
// sweep besides the repository's testdata (which holds a byte-for-byte copy
// of the project's shared fixtures, each folder with its ORIGIN.md and
// licence, under testdata/fixtures).
func fixturesDir(t *testing.T) string {
	d := os.Getenv("MAILCONV_FIXTURES")
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		t.Fatalf("MAILCONV_FIXTURES=%q is not a directory", d)
	}
	return d
}

// heapPeak samples the live heap every millisecond while it runs.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-tk.C:
				if v := heapNow(); v > h.peak.Load() {
					h.peak.Store(v)
				}
			}
		}
	}()
	return h
}

func (h *heapPeak) reset() {
	h.peak.Store(heapNow())
}

func (h *heapPeak) close() {
	close(h.stop)
	h.wg.Wait()
}

// Memory bounds of one parser over one file: the peak live heap and the
// bytes allocated in all may exceed what they were before by at most this
// much plus a multiple of the file size (a few parsers hold a whole file
// within their documented limits; a parser that allocates in proportion to
// the square of its input, or holds many copies, fails).
const (
	sweepHeapSlack  = 48 << 20
	sweepHeapFactor = 8
	sweepAllocSlack = 256 << 20
	sweepAllocPer   = 400 // bytes allocated per input byte (all variants together)
)

// withChecks runs f and reports through errorf if f panics, leaves
// goroutines behind or uses more memory than the bounds allow.
func withChecks(errorf func(string, ...any), hp *heapPeak, what, path string, size int, f func()) {
	// No runtime.GC here: thousands of forced collections would dominate
	// the run. The baseline then includes garbage awaiting collection,
	// which the slack absorbs; a parser that holds much more still shows.
	before := goroutineIDs()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	alloc0 := ms.TotalAlloc
	hp.reset()
	base := hp.peak.Load()
	func() {
		defer func() {
			if r := recover(); r != nil {
				errorf("%s panicked on %s: %v\n%s", what, path, r, debug.Stack())
			}
		}()
		f()
	}()
	if v := heapNow(); v > hp.peak.Load() {
		hp.peak.Store(v)
	}
	peak := hp.peak.Load()
	runtime.ReadMemStats(&ms)
	if grown := int64(peak) - int64(base); grown > int64(sweepHeapSlack+sweepHeapFactor*size) {
		errorf("%s on %s (%d bytes): live heap grew by %d bytes", what, path, size, grown)
	}
	if a := ms.TotalAlloc - alloc0; a > uint64(sweepAllocSlack+sweepAllocPer*size) {
		errorf("%s on %s (%d bytes): allocated %d bytes", what, path, size, a)
	}
	deadline := time.Now().Add(2 * time.Second)
	var left []string
	for {
		left = left[:0]
		for id, stack := range goroutines() {
			if !before[id] {
				left = append(left, stack)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(left) > 0 {
		errorf("%s on %s left %d goroutine(s) behind:\n%s", what, path, len(left), strings.Join(left, "\n\n"))
	}
}

var stackBuf = make([]byte, 1<<20) // used by the test goroutine only

// goroutines returns the stacks of the running goroutines by id.
func goroutines() map[string]string {
	buf := stackBuf[:runtime.Stack(stackBuf, true)]
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if f := strings.Fields(g); len(f) > 1 && f[0] == "goroutine" {
			out[f[1]] = g
		}
	}
	return out
}

func goroutineIDs() map[string]bool {
	ids := map[string]bool{}
	for id := range goroutines() {
		ids[id] = true
	}
	return ids
}

func TestCorpusSweep(t *testing.T) {
	// the shared fixtures, and the project's own sample stores
	tops := []string{"../testdata"} // the sample stores and the fixtures copy
	if d := os.Getenv("MAILCONV_FIXTURES"); d != "" {
		tops = append(tops, fixturesDir(t))
	}
	var files, dirs []string
	for _, top := range tops {
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
				dirs = append(dirs, p)
			case d.Type().IsRegular():
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no files under %v", tops)
	}
	sort.Strings(files)
	ctx := context.Background()
	hp := startHeapPeak()
	defer hp.close()
	formats := mailconv.Formats()
	claims := map[string]int{}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel := p
		for _, c := range sweepFileClaimers {
			withChecks(t.Errorf, hp, c.name, rel, len(data), func() { c.run(ctx, p, data) })
		}
		for _, f := range formats {
			if f.Open == nil || f.Detect == nil || f.Detect(p) <= 0 {
				continue
			}
			claims[f.Name]++
			withChecks(t.Errorf, hp, "format "+f.Name, rel, len(data), func() { sweepStore(ctx, f, p) })
		}
	}
	for _, d := range dirs {
		rel := d
		for _, f := range formats {
			if f.Open == nil || f.Detect == nil || f.Detect(d) <= 0 {
				continue
			}
			claims[f.Name]++
			size := dirSize(d)
			withChecks(t.Errorf, hp, "format "+f.Name, rel+"/", size, func() { sweepStore(ctx, f, d) })
		}
	}
	var names []string
	for _, f := range formats {
		names = append(names, fmt.Sprintf("%s:%d", f.Name, claims[f.Name]))
	}
	t.Logf("%d files and %d directories; %d file parsers; stores claimed by format: %s", len(files), len(dirs), len(sweepFileClaimers), strings.Join(names, " "))
	if claims["mbox"] == 0 {
		t.Error("no fixture was claimed by the mbox format: the sweep is not reaching the readers")
	}
}

func dirSize(d string) int {
	n := 0
	filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if info, err := e.Info(); err == nil {
				n += int(info.Size())
			}
		}
		return nil
	})
	return n
}

// TestSweepChecksCatch shows that the sweep's checks see a panic, a
// goroutine left behind and a memory blow-up.
func TestSweepChecksCatch(t *testing.T) {
	hp := startHeapPeak()
	defer hp.close()
	var got []string
	errorf := func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }
	withChecks(errorf, hp, "fine", "f", 10, func() { _ = make([]byte, 1000) })
	if len(got) != 0 {
		t.Fatalf("a well-behaved parser was reported: %v", got)
	}
	withChecks(errorf, hp, "panics", "f", 10, func() { panic("boom") })
	stop := make(chan struct{})
	withChecks(errorf, hp, "leaks", "f", 10, func() { go func() { <-stop }() })
	close(stop)
	var keep [][]byte
	withChecks(errorf, hp, "hoards", "f", 10, func() {
		for i := 0; i < 80; i++ {
			keep = append(keep, make([]byte, 1<<20))
			time.Sleep(100 * time.Microsecond)
		}
	})
	keep = nil
	withChecks(errorf, hp, "churns", "f", 10, func() {
		for i := 0; i < 300; i++ {
			_ = append([]byte(nil), make([]byte, 1<<20)...)
			if i%20 == 0 {
				runtime.GC() // garbage, not live: keep the heap small
			}
		}
	})
	want := []string{"panics panicked", "leaks on f left 1 goroutine", "hoards on f (10 bytes): live heap grew", "churns on f (10 bytes): allocated"}
	if len(got) != len(want) {
		t.Fatalf("got %d reports, want %d: %q", len(got), len(want), got)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("report %d: %.80q, want prefix %q", i, got[i], w)
		}
	}
}
