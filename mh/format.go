package mh

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
const FormatName = "mh"

// Parameter names accepted in mailconv.Options.Params.
const (
	// ParamDate orders the sources of the internal date, as for maildir:
	// "mtime" (default: file time, then Received:, then Date:),
	// "received" (Received:, then Date:, then file time) or "header"
	// (Date:, then Received:, then file time).
	ParamDate = "date"
	// ParamMaxHeader bounds the header bytes scanned for Received:/Date:
	// and for the check that a file is mail (default DefaultMaxHeaderBytes).
	ParamMaxHeader = "max-header"
	// ParamMaxDepth bounds the folder nesting followed (default
	// DefaultMaxDepth).
	ParamMaxDepth = "max-depth"
	// ParamMaxSequences bounds the .mh_sequences file read (default
	// DefaultMaxSequencesBytes).
	ParamMaxSequences = "max-sequences"
	// ParamMaxMarks bounds the Claws/Sylpheed mark file read (default
	// DefaultMaxMarksBytes).
	ParamMaxMarks = "max-marks"
)

// DefaultMaxHeaderBytes is the default of ParamMaxHeader.
const DefaultMaxHeaderBytes = 256 << 10

// DefaultMaxDepth is the default of ParamMaxDepth.
const DefaultMaxDepth = 64

func init() {
	mailconv.RegisterFormat(mailconv.Format{
		Name:        FormatName,
		Description: "MH folders (nmh, Claws Mail, Sylpheed, Evolution's old stores), read-only",
		Detect:      Detect,
		Open:        formatreg.Reader(Open),
		Params: []mailconv.Param{
			{Name: ParamDate, Read: true, Doc: "internal date source order: mtime (default), received or header"},
			{Name: ParamMaxHeader, Read: true, Doc: "bytes of header scanned for Received:/Date: (default 262144)"},
			{Name: ParamMaxDepth, Read: true, Doc: "folder nesting followed (default 64)"},
			{Name: ParamMaxSequences, Read: true, Doc: "largest .mh_sequences file read (default 1048576)"},
			{Name: ParamMaxMarks, Read: true, Doc: "largest .claws_mark/.sylpheed_mark file read (default 16777216)"},
		},
	})
}

// config is the reader's parsed parameters.
type config struct {
	date         string
	maxHeader    int64
	maxDepth     int
	maxSequences int64
	maxMarks     int64
}

func parseParams(p map[string]string) (config, error) {
	c := config{date: "mtime", maxHeader: DefaultMaxHeaderBytes, maxDepth: DefaultMaxDepth,
		maxSequences: DefaultMaxSequencesBytes, maxMarks: DefaultMaxMarksBytes}
	for k, v := range p {
		switch k {
		case ParamDate:
			switch v {
			case "mtime", "received", "header":
				c.date = v
			default:
				return c, fmt.Errorf("mh: %s=%q: want mtime, received or header: %w", k, v, mailconv.ErrUnsupported)
			}
		case ParamMaxHeader, ParamMaxSequences, ParamMaxMarks, ParamMaxDepth:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || (k == ParamMaxDepth && n > 1<<20) {
				return c, fmt.Errorf("mh: %s=%q: want a positive number", k, v)
			}
			switch k {
			case ParamMaxHeader:
				c.maxHeader = n
			case ParamMaxSequences:
				c.maxSequences = n
			case ParamMaxMarks:
				c.maxMarks = n
			default:
				c.maxDepth = int(n)
			}
		default:
			return c, fmt.Errorf("mh: unknown option %q: %w", k, mailconv.ErrUnsupported)
		}
	}
	return c, nil
}

// isMessageName tells whether a file name is an MH message number.
func isMessageName(n string) bool {
	_, ok := parseNumber([]byte(n))
	return ok && n[0] != '0'
}

// Detect tells how sure it is that path is an MH store: 95 for a folder
// with .mh_sequences or a Claws/Sylpheed mark file, 90 for an nmh mail root
// (a "context" file beside folders), 80 for a directory whose sub-folders
// carry those files, 55 for a folder holding only numbered files, 50 for a
// directory of such folders. A directory holding cur/ and new/ (a
// maildir), other files (mbox files, .eml, .msf indexes) or Thunderbird
// .sbd folders is never claimed on numbered files alone.
func Detect(path string) int {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return 0
	}
	score := folderScore(path)
	if score >= 90 {
		return score
	}
	child := hasMHChild(path)
	if isFile(filepath.Join(path, "context")) || isFile(filepath.Join(path, ".mh_profile")) {
		if score > 0 || child > 0 {
			return 90
		}
	}
	if !onlyFolders(path) {
		return score
	}
	switch {
	case child >= 90:
		return 80
	case child > 0 && score == 0:
		return 50
	}
	return score
}

// onlyFolders tells whether dir holds nothing but sub-directories (and
// hidden files), none of them a Thunderbird ".sbd" folder.
func onlyFolders(dir string) bool {
	d, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer d.Close()
	names, _ := d.Readdirnames(512)
	for _, n := range names {
		if strings.HasPrefix(n, ".") {
			continue
		}
		if strings.HasSuffix(n, ".sbd") || !isDir(filepath.Join(dir, n)) {
			return false
		}
	}
	return true
}

// folderScore rates one directory as an MH folder.
func folderScore(dir string) int {
	if (isDir(filepath.Join(dir, "cur")) && isDir(filepath.Join(dir, "new"))) || strings.HasSuffix(dir, ".sbd") {
		return 0
	}
	if isFile(filepath.Join(dir, ".mh_sequences")) {
		return 95
	}
	for _, n := range markFiles {
		if isFile(filepath.Join(dir, n)) {
			return 95
		}
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer d.Close()
	names, _ := d.Readdirnames(512)
	numbered, other := 0, 0
	for _, n := range names {
		if strings.HasPrefix(n, ".") {
			continue
		}
		if isMessageName(n) {
			numbered++
		} else if !isDir(filepath.Join(dir, n)) {
			other++
		}
	}
	if numbered > 0 && other == 0 {
		return 55
	}
	return 0
}

// hasMHChild returns the best folderScore of dir's sub-directories.
func hasMHChild(dir string) int {
	d, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer d.Close()
	names, _ := d.Readdirnames(256)
	best := 0
	for _, n := range names {
		if strings.HasPrefix(n, ".") || !isDir(filepath.Join(dir, n)) {
			continue
		}
		if s := folderScore(filepath.Join(dir, n)); s > best {
			best = s
		}
	}
	return best
}

func isDir(p string) bool  { return storeroot.IsDir(p) }
func isFile(p string) bool { return storeroot.IsFile(p) }
