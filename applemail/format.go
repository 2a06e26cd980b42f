package applemail

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/formatreg"
	"github.com/mailconv/mailconv/internal/storeroot"
)

// FormatName is the name the package registers.
const FormatName = "applemail"

// Parameter names accepted in mailconv.Options.Params.
const (
	// ParamMaxPlist bounds the trailing property list read from each emlx
	// file (default DefaultMaxPlist).
	ParamMaxPlist = "max-plist"
	// ParamMaxDepth bounds the folder nesting followed (default
	// DefaultMaxDepth).
	ParamMaxDepth = "max-depth"
)

// DefaultMaxPlist is the default of ParamMaxPlist.
const DefaultMaxPlist = 1 << 20

// DefaultMaxDepth is the default of ParamMaxDepth.
const DefaultMaxDepth = 64

func init() {
	mailconv.RegisterFormat(mailconv.Format{
		Name:        FormatName,
		Description: "Apple Mail stores (~/Library/Mail/V2…V10, .mbox/.imapmbox with .emlx) and exported Name.mbox bundles, read-only",
		Detect:      Detect,
		Open:        formatreg.Reader(Open),
		Params: []mailconv.Param{
			{Name: ParamMaxPlist, Read: true, Doc: "largest emlx property list read (default 1048576)"},
			{Name: ParamMaxDepth, Read: true, Doc: "folder nesting followed (default 64)"},
		},
	})
}

type config struct {
	maxPlist int64
	maxDepth int
}

func parseParams(p map[string]string) (config, error) {
	c := config{maxPlist: DefaultMaxPlist, maxDepth: DefaultMaxDepth}
	for k, v := range p {
		n, err := strconv.ParseInt(v, 10, 64)
		switch k {
		case ParamMaxPlist:
			if err != nil || n <= 0 {
				return c, fmt.Errorf("applemail: %s=%q: want a positive byte count", k, v)
			}
			c.maxPlist = n
		case ParamMaxDepth:
			if err != nil || n <= 0 || n > 1<<20 {
				return c, fmt.Errorf("applemail: %s=%q: want a positive number of levels", k, v)
			}
			c.maxDepth = int(n)
		default:
			return c, fmt.Errorf("applemail: unknown option %q: %w", k, mailconv.ErrUnsupported)
		}
	}
	return c, nil
}

// mailboxExt returns the name without ".mbox" or ".imapmbox", and whether
// it had one of them.
func mailboxExt(name string) (string, bool) {
	l := strings.ToLower(name)
	for _, ext := range []string{".mbox", ".imapmbox"} {
		if len(l) > len(ext) && strings.HasSuffix(l, ext) {
			return name[:len(name)-len(ext)], true
		}
	}
	return name, false
}

// versionDir returns N for a directory name "VN" (Apple Mail's V2…V10), or
// -1.
func versionDir(name string) int {
	if len(name) < 2 || name[0] != 'V' {
		return -1
	}
	n, err := strconv.Atoi(name[1:])
	if err != nil || n < 2 || n > 99 {
		return -1
	}
	return n
}

// Detect tells how sure it is that path is an Apple Mail store: 100 for
// ~/Library/Mail or one of its VN directories (they hold MailData), 95 for
// a .mbox/.imapmbox mailbox holding emlx messages, 85 for a directory
// holding Messages/ directly, 80 for an exported Name.mbox bundle (an mbox
// file inside; the mbox format gives such a directory 40), 70 for a
// directory of mailboxes, 60 for one whose sub-directories (accounts, a VN
// tree copied without MailData) hold mailboxes. A directory with
// Thunderbird's .msf index files or .sbd folders is left to the mbox
// format.
func Detect(path string) int {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return 0
	}
	base := filepath.Base(filepath.Clean(path))
	if versionDir(base) > 0 && isDir(filepath.Join(path, "MailData")) {
		return 100
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return 0
	}
	if len(entries) > 1000 {
		entries = entries[:1000]
	}
	boxes := 0
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".msf") || strings.HasSuffix(n, ".sbd") {
			return 0
		}
		if versionDir(n) > 0 && isDir(filepath.Join(path, n, "MailData")) {
			return 100
		}
		if _, ok := mailboxExt(n); ok && isDir(filepath.Join(path, n)) {
			boxes++
		}
	}
	if _, ok := mailboxExt(base); ok {
		if isDir(filepath.Join(path, "Messages")) || hasDataDir(path) {
			return 95
		}
		if isFile(filepath.Join(path, "mbox")) {
			return 80
		}
		if boxes > 0 {
			return 70
		}
		return 0
	}
	if isDir(filepath.Join(path, "Messages")) && hasEmlx(filepath.Join(path, "Messages")) {
		return 85
	}
	if boxes > 0 {
		return 70
	}
	// A VN tree copied without MailData, or ~/Library/Mail around one: the
	// mailboxes are one or two levels down (account directories).
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && mailboxesBelow(filepath.Join(path, e.Name()), 1) {
			return 60
		}
	}
	return 0
}

// mailboxesBelow tells whether dir, or a directory up to depth levels
// below it, holds an Apple mailbox directory with a Messages directory or
// an mbox file in it.
func mailboxesBelow(dir string, depth int) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	if len(entries) > 200 {
		entries = entries[:200]
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".msf") || strings.HasSuffix(n, ".sbd") {
			return false // a Thunderbird folder, even if it holds a bundle
		}
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		p := filepath.Join(dir, n)
		if _, ok := mailboxExt(n); ok && (isDir(filepath.Join(p, "Messages")) || hasDataDir(p) || isFile(filepath.Join(p, "mbox"))) {
			return true
		}
		if depth > 0 && mailboxesBelow(p, depth-1) {
			return true
		}
	}
	return false
}

// hasDataDir tells whether a mailbox directory holds Apple Mail 3+'s
// <UUID>/Data/ message tree.
func hasDataDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for i, e := range entries {
		if i > 100 {
			break
		}
		if e.IsDir() && isDir(filepath.Join(dir, e.Name(), "Data")) {
			return true
		}
	}
	return false
}

func hasEmlx(dir string) bool {
	d, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer d.Close()
	names, _ := d.Readdirnames(100)
	for _, n := range names {
		if strings.HasSuffix(n, ".emlx") {
			return true
		}
	}
	return false
}

func isDir(p string) bool  { return storeroot.IsDir(p) }
func isFile(p string) bool { return storeroot.IsFile(p) }
