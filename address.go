package mailconv

import (
	"os"
	"path/filepath"
	"strings"
)

// AddressOptions tunes ParseAddress.
type AddressOptions struct {
	// Home is the user's home directory, put in place of a leading "~"
	// or "~/" of the path. Empty: "~" is left as it is.
	Home string
	// Write restricts the formats an address may name, and those offered
	// in an error, to the ones that can be written (a destination).
	Write bool
}

// UnknownFormatError is returned by ParseAddress for an address whose
// FORMAT: prefix names no registered format. It matches ErrUnknownFormat
// with errors.Is.
type UnknownFormatError struct {
	Address string   // the address as given
	Name    string   // the prefix
	Closest string   // the known format nearest to Name, or ""
	Known   []string // the formats that could have been meant
	// Unusable is set when Name is a registered format that cannot be
	// used this way: written (a destination named eudora:), or read.
	Unusable bool
	// Write tells that the address was a destination.
	Write bool
}

// Error names the prefix, the closest known format and the known ones.
func (e *UnknownFormatError) Error() string {
	var b strings.Builder
	switch {
	case e.Unusable && e.Write:
		b.WriteString("format " + e.Name + " in " + e.Address + " can be read but not written")
	case e.Unusable:
		b.WriteString("format " + e.Name + " in " + e.Address + " cannot be read")
	default:
		b.WriteString("unknown format " + e.Name + " in " + e.Address)
	}
	if e.Closest != "" {
		b.WriteString(": did you mean " + e.Closest + "?")
	}
	if len(e.Known) > 0 {
		if e.Write {
			b.WriteString(" (formats that can be written: ")
		} else {
			b.WriteString(" (formats: ")
		}
		b.WriteString(strings.Join(e.Known, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnknownFormat) true.
func (e *UnknownFormatError) Is(target error) bool { return target == ErrUnknownFormat }

// ParseAddress splits a command-line store address "FORMAT:PATH" into a
// registered format name and a path; it is the one place where the
// command line's addresses are read.
//
//   - "mbox:Mail", "maildir:/srv/u1": format and path.
//   - "imaps://user@host": the scheme is the format, the path keeps "//".
//   - A path without a prefix ("Mail", "/var/mail/u") has an empty format,
//     to be detected.
//   - A one-letter prefix is a Windows drive, never a format:
//     "C:\Eudora", "maildir:D:\out", "eudora:C:/Users/me/Eudora". UNC
//     paths ("\\server\share\Eudora") have no prefix either.
//   - A leading "~" or "~/" of the path is the home directory
//     (opts.Home); "~user" is left alone.
//   - A prefix that names no registered format (or, with opts.Write, no
//     writable one) is an *UnknownFormatError naming the closest known
//     format — unless the whole address names an existing file, which
//     is then taken as a path.
func ParseAddress(addr string, opts AddressOptions) (format, path string, err error) {
	name, rest, ok := addressPrefix(addr)
	if !ok {
		return "", ExpandHome(addr, opts.Home), nil
	}
	f, known := LookupFormat(name)
	if !known {
		if lf, ok := LookupFormat(strings.ToLower(name)); ok {
			f, known, name = lf, true, lf.Name
		}
	}
	if known && ((opts.Write && f.Create != nil) || (!opts.Write && f.Open != nil)) {
		if strings.HasPrefix(rest, "//") {
			return name, rest, nil
		}
		return name, ExpandHome(rest, opts.Home), nil
	}
	if _, serr := os.Lstat(addr); serr == nil {
		return "", addr, nil
	}
	e := &UnknownFormatError{Address: addr, Name: name, Unusable: known, Write: opts.Write}
	for _, f := range Formats() {
		if (opts.Write && f.Create == nil) || (!opts.Write && f.Open == nil) {
			continue
		}
		e.Known = append(e.Known, f.Name)
	}
	e.Closest = closestName(strings.ToLower(name), e.Known)
	return "", "", e
}

// SplitAddress splits a command-line store address "FORMAT:PATH" into its
// format name and path. An address without a registered format prefix is
// returned with an empty format name (and must be detected). A one-letter
// prefix is taken as a Windows drive, not as a format. ParseAddress also
// expands "~" and rejects unknown prefixes.
func SplitAddress(addr string) (format, path string) {
	name, rest, ok := addressPrefix(addr)
	if !ok {
		return "", addr
	}
	if _, known := LookupFormat(name); !known {
		return "", addr
	}
	return name, rest
}

// addressPrefix returns the FORMAT of "FORMAT:REST" when the address has
// the shape of one: two or more characters, a letter first, then letters,
// digits, '+', '-' or '.' (a URL scheme's alphabet). A single letter
// before ':' is a drive.
func addressPrefix(addr string) (name, rest string, ok bool) {
	i := strings.IndexByte(addr, ':')
	if i < 2 {
		return "", addr, false
	}
	for j := 0; j < i; j++ {
		c := addr[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", addr, false
		}
	}
	return addr[:i], addr[i+1:], true
}

// ExpandHome replaces a leading "~" or "~/" (also "~\" on Windows) of p
// with home. Other paths, "~user" among them, and an empty home leave p
// as it is.
func ExpandHome(p, home string) string {
	if home == "" || p == "" || p[0] != '~' {
		return p
	}
	if p == "~" {
		return home
	}
	if p[1] == '/' || (p[1] == '\\' && filepath.Separator == '\\') {
		return filepath.Join(home, p[2:])
	}
	return p
}

// ClosestName returns the name of known nearest to name by edit distance,
// when it is close enough to be a typing mistake; else "". It is what
// ParseAddress offers for an unknown format ("did you mean ...?"), for
// other lists of names (the imap package's provider presets).
func ClosestName(name string, known []string) string { return closestName(name, known) }

// closestName returns the name of known nearest to name by edit distance
// (insertions, deletions, substitutions, transpositions), when it is close
// enough to be a typing mistake; else "".
func closestName(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(name, k); d < bestD && d < len(name) {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between short
// ASCII names.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
