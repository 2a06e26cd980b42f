package maildir

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/formatreg"
	"github.com/mailconv/mailconv/internal/safeopen"
)

// Parameter names accepted in mailconv.Options.Params.
const (
	// ParamLayout selects the folder layout: "maildir++" (default) or
	// "fs". When reading, the default is the layout recorded by mailconv or
	// detected from the tree.
	ParamLayout = "layout"
	// ParamNames selects the folder name encoding: "mutf7" (default for
	// writing) or "utf8"; when reading also "auto" (the default).
	ParamNames = "names"
	// ParamUnescape (reading) tells whether "%xx" escapes in folder names
	// are decoded: "true" or "false". The default is true for a tree that
	// mailconv wrote and false otherwise.
	ParamUnescape = "unescape"
	// ParamDate (reading) orders the sources of the internal date:
	// "mtime" (default: file time, then Received:, then Date:),
	// "received" (Received:, then Date:, then file time) or "header"
	// (Date:, then Received:, then file time).
	ParamDate = "date"
	// ParamMaxHeader (reading) bounds the bytes scanned for Received:
	// and Date: headers when the date comes from them (default
	// DefaultMaxHeaderBytes).
	ParamMaxHeader = "max-header"
	// ParamMaxDepth (reading, fs layout) bounds the folder nesting
	// followed (default DefaultMaxDepth).
	ParamMaxDepth = "max-depth"
	// ParamInfoSeparator (writing) is the character before "2,<flags>":
	// ":" (default) or ";" for file systems that cannot hold ':'.
	ParamInfoSeparator = "info-separator"
	// ParamTargetOS (writing) is the system whose file-name rules the
	// tree follows: "windows", "macos" or "linux" (default: the running
	// system). On Windows names that Windows refuses are escaped and the
	// info separator defaults to "!".
	ParamTargetOS = "target-os"
)

// DefaultMaxHeaderBytes is the default for ParamMaxHeader.
const DefaultMaxHeaderBytes = 256 << 10

// markerFile is the file the writer leaves in the root to record how names
// were stored. It is not a directory, so Maildir++ readers ignore it.
const markerFile = ".mailconv"

// FormatName is the name the package registers.
const FormatName = "maildir"

func init() {
	mailconv.RegisterFormat(mailconv.Format{
		Name:        FormatName,
		Description: "Maildir / Maildir++ directory tree (Dovecot, Courier, mutt)",
		Detect:      Detect,
		Open:        formatreg.Reader(Open),
		Create:      formatreg.Writer(Create),
		Capabilities: func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.Capabilities, error) {
			var params map[string]string
			if opts != nil {
				params = opts.Params
			}
			cfg, err := parseWriteParams(params)
			if err != nil {
				return mailconv.Capabilities{}, err
			}
			return (&Writer{cfg: cfg}).Capabilities(), nil
		},
		Params: []mailconv.Param{
			{Name: ParamLayout, Read: true, Write: true, Doc: "folder layout: maildir++ (default) or fs"},
			{Name: ParamNames, Read: true, Write: true, Doc: "folder name encoding: mutf7 (default) or utf8; auto when reading"},
			{Name: ParamUnescape, Read: true, Doc: "decode %xx escapes in folder names (default: only in trees written by mailconv)"},
			{Name: ParamDate, Read: true, Doc: "internal date source order: mtime (default), received or header"},
			{Name: ParamMaxHeader, Read: true, Doc: "bytes of header scanned for Received:/Date: (default 262144)"},
			{Name: ParamMaxDepth, Read: true, Doc: "fs layout: folder nesting followed (default 64)"},
			{Name: ParamInfoSeparator, Write: true, Doc: "info separator before 2,<flags>: ':' (default), ';' or '!' (default on Windows)"},
			{Name: ParamTargetOS, Write: true, Doc: "file-name rules of the tree: windows, macos or linux (default: the running system)"},
		},
	})
}

// Detect tells how sure it is that path is a maildir: 100 for a tree
// written by mailconv, 90 for a directory with cur/ and new/, 60 for a
// directory holding Maildir++ folders only.
func Detect(path string) int {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return 0
	}
	if _, err := os.Stat(filepath.Join(path, markerFile)); err == nil {
		return 100
	}
	if isDir(filepath.Join(path, "cur")) && isDir(filepath.Join(path, "new")) {
		return 90
	}
	d, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer d.Close()
	names, _ := d.Readdirnames(256)
	for _, n := range names {
		if len(n) > 1 && n[0] == '.' && n != ".." && isDir(filepath.Join(path, n, "cur")) {
			return 60
		}
	}
	return 0
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// marker is the content of the marker file.
type marker struct {
	layout Layout
	names  NameEncoding
	escape bool
}

func (m marker) encode() []byte {
	return []byte("# Written by mailconv: how folder names are stored in this maildir.\n" +
		"layout=" + m.layout.String() + "\n" +
		"names=" + m.names.String() + "\n" +
		"escape=" + string(escapeChar) + "\n")
}

// readMarker parses a marker file; ok is false when there is none or it
// cannot be understood.
func readMarker(root *os.Root) (m marker, ok bool) {
	f, _, err := safeopen.File(root, markerFile)
	if err != nil {
		return m, false
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 4096))
	seen := 0
	for sc.Scan() {
		k, v, found := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !found || strings.HasPrefix(k, "#") {
			continue
		}
		switch k {
		case "layout":
			if l, err := parseLayout(v); err == nil {
				m.layout = l
				seen++
			}
		case "names":
			if e, err := parseNames(v); err == nil && e != NamesAuto {
				m.names = e
				seen++
			}
		case "escape":
			m.escape = v == string(escapeChar)
		}
	}
	return m, seen == 2
}

// readConfig is the reader's parsed parameters.
type readConfig struct {
	layout      Layout
	layoutSet   bool
	names       NameEncoding
	unescape    bool
	unescapeSet bool
	date        string
	maxHeader   int64
	maxDepth    int
}

// parseReadParams reads the reading options; an error is an
// *mailconv.OptionError.
func parseReadParams(p map[string]string) (readConfig, error) {
	c, err := readParams(p)
	return c, mailconv.BadOption(err)
}

func readParams(p map[string]string) (readConfig, error) {
	c := readConfig{names: NamesAuto, date: "mtime", maxHeader: DefaultMaxHeaderBytes, maxDepth: DefaultMaxDepth}
	var err error
	if v, ok := p[ParamLayout]; ok {
		if c.layout, err = parseLayout(v); err != nil {
			return c, err
		}
		c.layoutSet = true
	}
	if v, ok := p[ParamNames]; ok {
		if c.names, err = parseNames(v); err != nil {
			return c, err
		}
	}
	if v, ok := p[ParamUnescape]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("maildir: %s=%q: %w", ParamUnescape, v, err)
		}
		c.unescape, c.unescapeSet = b, true
	}
	if v, ok := p[ParamDate]; ok {
		switch v {
		case "mtime", "received", "header":
			c.date = v
		default:
			return c, fmt.Errorf("maildir: %s=%q: want mtime, received or header: %w", ParamDate, v, mailconv.ErrUnsupported)
		}
	}
	if v, ok := p[ParamMaxHeader]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("maildir: %s=%q: want a positive byte count", ParamMaxHeader, v)
		}
		c.maxHeader = n
	}
	if v, ok := p[ParamMaxDepth]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("maildir: %s=%q: want a positive number of levels", ParamMaxDepth, v)
		}
		c.maxDepth = n
	}
	return c, nil
}

// writeConfig is the writer's parsed parameters.
type writeConfig struct {
	layout  Layout
	names   NameEncoding
	infoSep byte
	goos    string // file-name rules: a runtime.GOOS value
}

// parseWriteParams reads the writing options; an error is an
// *mailconv.OptionError.
func parseWriteParams(p map[string]string) (writeConfig, error) {
	c, err := writeParams(p)
	return c, mailconv.BadOption(err)
}

func writeParams(p map[string]string) (writeConfig, error) {
	c := writeConfig{names: NamesMUTF7}
	var err error
	if c.goos, err = mailconv.ParseTargetOS(p[ParamTargetOS], runtime.GOOS); err != nil {
		return c, fmt.Errorf("maildir: %w", err)
	}
	c.infoSep = defaultInfoSep(c.goos)
	if v, ok := p[ParamLayout]; ok {
		if c.layout, err = parseLayout(v); err != nil {
			return c, err
		}
	}
	if v, ok := p[ParamNames]; ok {
		if c.names, err = parseNames(v); err != nil {
			return c, err
		}
		if c.names == NamesAuto {
			return c, fmt.Errorf("maildir: %s=auto is for reading only: %w", ParamNames, mailconv.ErrUnsupported)
		}
	}
	if v, ok := p[ParamInfoSeparator]; ok {
		if v != ":" && v != ";" && v != "!" {
			return c, fmt.Errorf("maildir: %s=%q: want ':', ';' or '!': %w", ParamInfoSeparator, v, mailconv.ErrUnsupported)
		}
		c.infoSep = v[0]
		if c.infoSep == ':' && c.goos == "windows" {
			// NTFS would take "name:2,S" as stream "2,S" of file "name".
			return c, fmt.Errorf("maildir: %s=':' cannot be written on Windows: %w", ParamInfoSeparator, mailconv.ErrUnsupported)
		}
	}
	return c, nil
}

// defaultInfoSep returns the info separator for a tree written under the
// file-name rules of goos: '!' on Windows, which refuses ':' in file names
// (docs/formats/windows-macos.md; this package's reader accepts ':', ';'
// and '!'), ':' elsewhere as the maildir specification has it.
func defaultInfoSep(goos string) byte {
	if goos == "windows" {
		return '!'
	}
	return ':'
}
