package mime

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// MarkerKind classifies a body line for ParseMarker.
type MarkerKind uint8

// The marker kinds.
const (
	// NoMarker: an ordinary text line.
	NoMarker MarkerKind = iota
	// FileMarker: a marker naming a detached file; the Ref is filled in.
	FileMarker
	// SpoofedMarker: a text line that Eudora escaped because it began with
	// a marker label ("#Attachment Converted:", or the HTML form with its
	// first ':' written "&#058;"). It is text and must not pull a file.
	SpoofedMarker
	// PluginMarker: a "Run Plugin:" line, translator output that Eudora
	// never finished. It names no attachment and stays text.
	PluginMarker
)

// labelKind tells which grammar follows a marker label.
type labelKind uint8

const (
	labelAttachment  labelKind = iota // Attachment Converted (all languages)
	labelEmbedded                     // Embedded Content
	labelInformation                  // Eudora Information
	labelRelated                      // Mac Related
	labelPlugin                       // Run Plugin
)

type markerLabel struct {
	text string // compared with ASCII case folding
	kind labelKind
}

// markerLabels are the labels Eudora writes at the start of marker lines.
// Localised builds translate "Attachment Converted:"; the French label is
// given in Windows-1252 and in UTF-8, the Japanese one in Shift-JIS (the
// label bytes Thunderbird's Eudora importer recognises).
var markerLabels = []markerLabel{
	{"Attachment Converted:", labelAttachment},
	{"Pi\xe8ce jointe convertie :", labelAttachment},
	{"Pi\u00e8ce jointe convertie :", labelAttachment},
	{"\x95\x9c\x8c\xb3\x82\xb3\x82\xea\x82\xbd\x93\x59\x95\x74\x83\x74\x83\x40\x83\x43\x83\x8b\x81\x46", labelAttachment},
	{"Embedded Content:", labelEmbedded},
	{"Eudora Information:", labelInformation},
	{"Related:", labelRelated},
	{"Run Plugin:", labelPlugin},
}

// markerStart reports whether a line starting with b could be a marker or
// a spoofed marker; it lets the tokenizer skip ParseMarker for most lines.
func markerStart(b byte) bool {
	switch b | 0x20 {
	case 'a', 'p', 'e', 'r':
		return true
	}
	return b == '#' || b == 0x95
}

// mayBeMarker is a cheaper test than ParseMarker: line starts with the
// first bytes of a label (after an optional '#').
func mayBeMarker(line []byte) bool {
	if len(line) > 0 && line[0] == '#' {
		line = line[1:]
	}
	for _, l := range markerLabels {
		n := 6
		if len(l.text) < n {
			n = len(l.text)
		}
		if len(line) >= n && hasPrefixFold(string(line[:n]), l.text[:n]) {
			return true
		}
	}
	return false
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		a, b := s[i], prefix[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// matchLabel returns the label s starts with.
func matchLabel(s string) (markerLabel, bool) {
	for _, l := range markerLabels {
		if hasPrefixFold(s, l.text) {
			return l, true
		}
	}
	return markerLabel{}, false
}

// isSpoof reports whether s is a marker line escaped by Eudora: a '#' before
// a label, or a label whose first ':' is written "&#058;" (HTML).
func isSpoof(s string) bool {
	if strings.HasPrefix(s, "#") {
		if _, ok := matchLabel(s[1:]); ok {
			return true
		}
	}
	for _, l := range markerLabels {
		i := strings.IndexByte(l.text, ':')
		if i < 0 {
			continue
		}
		esc := l.text[:i] + "&#058;" + l.text[i+1:]
		if hasPrefixFold(s, esc) {
			return true
		}
	}
	return false
}

// ParseMarker classifies one body line (without its line end) and, for a
// FileMarker, returns the file reference it holds. It knows every marker
// form of docs/formats/eudora.md §2.6 on both platforms; p decides how names written in
// a platform-neutral form are decoded. The shape of a line, not p, decides
// its grammar: a line ending "(TYPE/CRTR) (FID)" is a Mac attachment even
// in a Windows store.
func ParseMarker(line string, p Platform) (Ref, MarkerKind) {
	ref, kind := parseMarker(line, p)
	if kind == FileMarker && !validLeaf(ref.Name) {
		return Ref{}, NoMarker
	}
	return ref, kind
}

// validLeaf rejects names that cannot be a file: empty, "." and "..".
func validLeaf(name string) bool {
	return name != "" && name != "." && name != ".."
}

func parseMarker(line string, p Platform) (Ref, MarkerKind) {
	if line == "" || !markerStart(line[0]) {
		return Ref{}, NoMarker
	}
	l, ok := matchLabel(line)
	if !ok {
		if isSpoof(line) {
			return Ref{}, SpoofedMarker
		}
		return Ref{}, NoMarker
	}
	rest := strings.Trim(line[len(l.text):], " \t")
	ref := Ref{Line: line}
	switch l.kind {
	case labelPlugin:
		return Ref{}, PluginMarker
	case labelRelated:
		if !parseMacRelated(rest, &ref) {
			return Ref{}, NoMarker
		}
		return ref, FileMarker
	case labelEmbedded:
		if !parseHashTail(rest, &ref, p) {
			return Ref{}, NoMarker
		}
		return ref, FileMarker
	}
	// Attachment Converted (any language) and Eudora Information.
	if l.kind == labelAttachment {
		if parseHashTail(rest, &ref, p) {
			return ref, FileMarker
		}
		if parseMacAttachment(rest, &ref) {
			return ref, FileMarker
		}
	}
	path := rest
	if strings.HasPrefix(path, `"`) {
		path = path[1:]
		if i := strings.IndexByte(path, '"'); i >= 0 {
			path = path[:i]
		}
	}
	path = strings.Trim(path, " \t")
	if path == "" {
		return Ref{}, NoMarker
	}
	ref.Kind = RefAttachment
	ref.Path = path
	ref.Name = winLeaf(path)
	if p == Mac && !strings.ContainsAny(path, `\`) {
		// A bare Mac path "Vol:name" without the type/creator tail.
		ref.Name = macLeaf(path)
	}
	if ref.Name == "" {
		return Ref{}, NoMarker
	}
	return ref, FileMarker
}

// parseHex parses 1 to 8 hex digits.
func parseHex(s string) (uint32, bool) {
	if len(s) == 0 || len(s) > 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}

// parseHashTail parses "name: MMMMMMMM,CCCCCCCC,LLLLLLLL,HHHHHHHH", the
// Windows embedded form.
func parseHashTail(rest string, ref *Ref, p Platform) bool {
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return false
	}
	fields := strings.Split(strings.Trim(rest[i+1:], " \t"), ",")
	if len(fields) != 4 {
		return false
	}
	var h [4]uint32
	for k, f := range fields {
		v, ok := parseHex(strings.TrimSpace(f))
		if !ok {
			return false
		}
		h[k] = v
	}
	name := strings.Trim(rest[:i], " \t\"")
	if name == "" {
		return false
	}
	leaf := decodeName(winBase(name), p)
	if leaf == "" {
		return false // and ref untouched: the caller tries other forms
	}
	ref.Hashes = h
	ref.Kind = RefEmbedded
	ref.Path = name
	ref.Name = leaf
	return true
}

// parseMacAttachment parses "Vol:name (TYPE/CRTR) (FID)" and the Eudora 1.x
// form "Vol:name (Type: 'XXXX' Creator: 'YYYY')".
func parseMacAttachment(rest string, out *Ref) bool {
	ref := *out
	if !parseMacAttachmentInto(rest, &ref) {
		return false
	}
	*out = ref
	return true
}

func parseMacAttachmentInto(rest string, ref *Ref) bool {
	if !strings.HasSuffix(rest, ")") {
		return false
	}
	// Eudora 1.x.
	if strings.HasSuffix(rest, "')") {
		i := strings.LastIndex(rest, " (Type: '")
		if i > 0 && i+len(" (Type: '") <= len(rest)-2 {
			t := rest[i+len(" (Type: '") : len(rest)-2]
			if len(t) == 4+len("' Creator: '")+4 && t[4:4+len("' Creator: '")] == "' Creator: '" {
				ref.MacType = t[:4]
				ref.MacCreator = t[len(t)-4:]
				return setMacPath(rest[:i], ref)
			}
		}
	}
	i := strings.LastIndex(rest, " (")
	if i < 0 {
		return false
	}
	fid, ok := parseHex(rest[i+2 : len(rest)-1])
	if !ok {
		return false
	}
	before := rest[:i]
	if len(before) < 12 {
		return false
	}
	tc := before[len(before)-11:]
	if tc[0] != '(' || tc[5] != '/' || tc[10] != ')' || before[len(before)-12] != ' ' {
		return false
	}
	ref.MacType = tc[1:5]
	ref.MacCreator = tc[6:10]
	ref.MacFileID = fid
	return setMacPath(before[:len(before)-12], ref)
}

func setMacPath(path string, ref *Ref) bool {
	path = strings.Trim(path, " \t")
	if path == "" {
		return false
	}
	ref.Kind = RefAttachment
	ref.Path = path
	ref.Name = macLeaf(path)
	return ref.Name != ""
}

// parseMacRelated parses ":Vol:name:fid:cid:rel:abs" (hashes in hex).
func parseMacRelated(rest string, ref *Ref) bool {
	if !strings.HasPrefix(rest, ":") {
		return false
	}
	s := rest
	var h [4]uint32
	for k := 3; k >= 0; k-- {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return false
		}
		v, ok := parseHex(s[i+1:])
		if !ok {
			return false
		}
		h[k] = v
		s = s[:i]
	}
	// s is ":Vol:escapedname".
	if len(s) < 2 || s[0] != ':' {
		return false
	}
	j := strings.IndexByte(s[1:], ':')
	if j < 0 {
		return false
	}
	esc := s[1+j+1:]
	name := urlUnescape(esc)
	if name == "" {
		return false
	}
	ref.Kind = RefRelated
	ref.Path = s
	ref.Hashes = h
	ref.MacFileID = h[0]
	ref.Name = strings.ReplaceAll(decodeName(name, Mac), "/", ":")
	return true
}

// urlUnescape decodes %XX sequences, leaving malformed ones as they are.
func urlUnescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// winBase returns the last element of a Windows path (after '\' or '/', or
// after a drive "c:").
func winBase(path string) string {
	if i := strings.LastIndexAny(path, `\/`); i >= 0 {
		path = path[i+1:]
	} else if len(path) >= 2 && path[1] == ':' {
		path = path[2:]
	}
	return path
}

// winLeaf is winBase decoded to UTF-8.
func winLeaf(path string) string { return decodeName(winBase(path), Windows) }

// macLeaf returns the leaf of a Mac "Vol:name" path, decoded to UTF-8, with
// HFS '/' turned into ':' as a POSIX copy shows it.
func macLeaf(path string) string {
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		path = path[i+1:]
	}
	return strings.ReplaceAll(decodeName(path, Mac), "/", ":")
}

// decodeName converts stored name bytes to UTF-8: valid UTF-8 is kept,
// anything else is read as Windows-1252 (Windows) or MacRoman (Mac).
func decodeName(s string, p Platform) string {
	if utf8.ValidString(s) {
		return s
	}
	cm := charmap.Windows1252
	if p == Mac {
		cm = charmap.Macintosh
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(cm.DecodeByte(s[i]))
	}
	return b.String()
}

// displayName is the file name to show for ref (Content-Disposition). A
// Mac HFS name keeps its '/' (Name holds the POSIX spelling ':'); Windows
// names never hold ':', so the swap back is safe for every ref.
func displayName(ref *Ref) string {
	return strings.ReplaceAll(ref.Name, ":", "/")
}

// ParseXAttachments parses the value of a composition's X-Attachments
// header. Windows writes "C:\dir\a.doc; C:\dir\b.pdf;" (each path ends with
// ';'); the Mac writes ":Volume:dirID:name:" entries separated by spaces.
// Entries that cannot be parsed are returned in bad.
func ParseXAttachments(value string, p Platform) (refs []Ref, bad []string) {
	v := strings.Trim(value, " \t\r\n")
	if v == "" {
		return nil, nil
	}
	if strings.HasPrefix(v, ":") {
		return parseMacXAttachments(v)
	}
	for _, e := range strings.Split(v, ";") {
		e = strings.Trim(e, " \t\r\n")
		e = strings.Trim(e, `"`)
		if e == "" {
			continue
		}
		name := winLeaf(e)
		if !validLeaf(name) {
			bad = append(bad, e)
			continue
		}
		refs = append(refs, Ref{Kind: RefAttachment, Line: e, Path: e, Name: name})
	}
	return refs, bad
}

func parseMacXAttachments(v string) (refs []Ref, bad []string) {
	for len(v) > 0 {
		v = strings.TrimLeft(v, " \t\r\n")
		if v == "" {
			break
		}
		// ":Vol:dirID:name:"
		ok := false
		if v[0] == ':' {
			parts := strings.SplitN(v[1:], ":", 4)
			if len(parts) == 4 && parts[0] != "" && validLeaf(parts[2]) && isDigits(parts[1]) {
				rest := parts[3]
				if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
					entry := v[:len(v)-len(rest)]
					name := strings.ReplaceAll(decodeName(parts[2], Mac), "/", ":")
					refs = append(refs, Ref{Kind: RefAttachment, Line: entry, Path: entry, Name: name})
					v = rest
					ok = true
				}
			}
		}
		if !ok {
			// Skip to the next entry start.
			i := strings.Index(v, " :")
			if i < 0 {
				bad = append(bad, v)
				break
			}
			bad = append(bad, v[:i])
			v = v[i+1:]
		}
	}
	return refs, bad
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseXEmbeddedContent parses the value of a composition's
// X-EmbeddedContent header: "<cid:ID=path>" entries. The Content-ID ends at
// the first '=' (Eudora's IDs hold none) [?].
func ParseXEmbeddedContent(value string, p Platform) (refs []Ref, bad []string) {
	v := value
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			if strings.TrimSpace(v) != "" {
				bad = append(bad, strings.TrimSpace(v))
			}
			return refs, bad
		}
		if strings.TrimSpace(v[:i]) != "" {
			bad = append(bad, strings.TrimSpace(v[:i]))
		}
		v = v[i+1:]
		j := strings.IndexByte(v, '>')
		if j < 0 {
			bad = append(bad, "<"+v)
			return refs, bad
		}
		entry := v[:j]
		v = v[j+1:]
		if !hasPrefixFold(entry, "cid:") {
			bad = append(bad, "<"+entry+">")
			continue
		}
		eq := strings.IndexByte(entry, '=')
		if eq < 0 {
			bad = append(bad, "<"+entry+">")
			continue
		}
		cid := entry[len("cid:"):eq]
		path := strings.Trim(entry[eq+1:], " \t\"")
		var name string
		if p == Mac && !strings.ContainsAny(path, `\/`) {
			name = macLeaf(path)
		} else {
			name = decodeName(winBase(path), p)
		}
		if cid == "" || !validLeaf(name) {
			bad = append(bad, "<"+entry+">")
			continue
		}
		refs = append(refs, Ref{Kind: RefEmbedded, Line: "<" + entry + ">", Path: path, Name: name, CID: cid,
			Hashes: [4]uint32{0, EudoraHash(cid), 0, 0}})
	}
}
