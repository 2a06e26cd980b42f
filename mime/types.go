package mime

import (
	"fmt"
	"io"
	"time"
)

// Platform is the Eudora flavour that wrote a store, a message, a nicknames
// or a filters file. It decides the line ends (CRLF or CR), the default
// charset (Windows-1252 or MacRoman), the byte order of binary tables, the
// marker grammar and how file names are spelled. It is the one platform type
// of the Eudora packages (eudora, addressbook, filters, eudoratest).
type Platform uint8

// The platforms. The zero value is Windows.
const (
	Windows Platform = iota // Eudora for Windows (CRLF, Windows-1252, little-endian)
	Mac                     // Eudora for the Macintosh (CR, MacRoman, big-endian)
)

// String returns "windows" or "mac".
func (p Platform) String() string {
	switch p {
	case Windows:
		return "windows"
	case Mac:
		return "mac"
	}
	return fmt.Sprintf("Platform(%d)", int(p))
}

// MarshalText implements encoding.TextMarshaler (used by JSON reports).
func (p Platform) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// RefKind says what kind of file a Ref names and so where Eudora kept it.
type RefKind uint8

// The reference kinds.
const (
	// RefAttachment: "Attachment Converted:" (Windows), "Attachment
	// converted:" (Mac), "Eudora Information:", or an X-Attachments entry
	// of a composition. The file is in the attachments folder.
	RefAttachment RefKind = iota
	// RefEmbedded: Windows "Embedded Content:", the Windows form
	// "Attachment Converted: name: hashes" (a multipart/related without an
	// HTML root), or an X-EmbeddedContent entry of a composition. The file
	// is in the Embedded folder.
	RefEmbedded
	// RefRelated: Mac "Related:". The file is in the Parts Folder.
	RefRelated
)

// String returns "attachment", "embedded" or "related".
func (k RefKind) String() string {
	switch k {
	case RefEmbedded:
		return "embedded"
	case RefRelated:
		return "related"
	}
	return "attachment"
}

// Ref is a file reference parsed from a marker line or from an
// X-Attachments / X-EmbeddedContent entry.
type Ref struct {
	Kind RefKind
	// Line is the marker line (without its line end) or the header entry,
	// as stored.
	Line string
	// Path is the path or name exactly as written: a Windows absolute path
	// ("c:\eudora\attach\x.pdf"), a bare Windows file name (embedded), a Mac
	// "Volume:name" or ":Volume:dirID:name:", a Mac URL-escaped related name.
	// It holds the stored bytes (Windows-1252 or MacRoman, not converted).
	Path string
	// Name is the leaf file name as it is found on disk, converted to
	// UTF-8 (stored bytes that are not valid UTF-8 are read as Windows-1252
	// on Windows and MacRoman on the Mac). On the Mac, HFS names may hold
	// '/', which a POSIX copy of the file shows as ':'; Name has that swap
	// applied ("a/b.txt" in the marker gives Name "a:b.txt"). Related names
	// are URL-unescaped first.
	Name string
	// MacType and MacCreator are the 4-byte Finder type and creator of a
	// Mac attachment, as stored (MacRoman bytes, blanks kept: "    ").
	MacType, MacCreator string
	// MacFileID is the file ID written after the type/creator pair of a Mac
	// attachment marker (or the fid of a Related line); it is the "#hex"
	// suffix OS X Eudora used when it shortened long names.
	MacFileID uint32
	// Hashes are the four hex numbers of an embedded or related marker, in
	// line order. Windows: related group, Content-ID hash, 0, hash of the
	// group number and absolute URL. Mac Related: file ID, Content-ID hash,
	// relative-URL hash, absolute-URL hash. Index 1 is always the
	// Content-ID hash (EudoraHash). Zero for attachments.
	Hashes [4]uint32
	// CID is the Content-ID when the reference names it (X-EmbeddedContent
	// entries of compositions); markers carry only its hash.
	CID string
}

// Resolver opens the files that refs name. The eudora package implements
// it. Open must refuse anything outside the store's attachment folders with
// an error wrapping mailconv.ErrOutsideRoot, and report a missing file with
// an error wrapping fs.ErrNotExist. Rebuild may open the same Ref twice
// (once to check that it exists, once to stream it).
type Resolver interface {
	Open(ref Ref) (rc io.ReadCloser, size int64, err error)
}

// RebuildOptions controls Rebuild.
type RebuildOptions struct {
	// Platform that wrote the message.
	Platform Platform
	// Resolver opens detached files; nil means every reference is missing
	// (the marker lines stay in the text and a Problem is recorded).
	Resolver Resolver
	// Composition marks a message of the Out mailbox (or a draft, a
	// queued or sent copy): header clean-up, Date added, X-Attachments and
	// X-EmbeddedContent entries turned into parts.
	Composition bool
	// Date is written as the Date: header when the message has none
	// (compositions always; received mail without Date). Zero: no Date is
	// added (a composition then gets a mime.no-date Problem).
	Date time.Time
	// Flowed and HTML are hints from the TOC (Windows flagsEx 0x0040 and
	// 0x0002, Mac opts bits 19 and 11). They matter only for compositions,
	// whose bodies carry no pseudo-tags: HTML makes an untagged body
	// text/html, Flowed makes untagged plain text format=flowed. For received
	// mail, an untagged body that starts with <html> is HTML when HTML is
	// set.
	Flowed, HTML bool
	// Limits bounds memory and work; zero fields take the documented
	// defaults.
	Limits Limits
	// TempDir is where messages larger than Limits.MaxMemoryBytes are
	// spooled; "" means os.TempDir().
	TempDir string
}

// Limits bounds what Rebuild holds in memory and how much structure it
// builds from one message. A zero (or negative) field takes its default.
// No limit ever loses text: what is over a limit stays in the message as
// plain text (or the whole message passes through unchanged) and a Problem
// with code "mime.limit" names the limit.
type Limits struct {
	// MaxHeaderBytes bounds the top-level header, which is parsed in
	// memory. Default 1 MiB. A longer header makes Rebuild pass the message
	// through unchanged.
	MaxHeaderBytes int
	// MaxLineBytes bounds one body line held in memory. Default 64 KiB.
	// Longer lines are handled in pieces; the pieces after the first are
	// never taken for pseudo-tags or marker lines.
	MaxLineBytes int
	// MaxParts bounds the number of body parts Rebuild creates (text runs,
	// attachments, embedded files). Default 1000. When it is reached, the
	// rest of the body is emitted verbatim as one text/plain part.
	MaxParts int
	// MaxNesting bounds how deep pseudo-tags may nest. Default 8. A tag
	// deeper than that stays in the text as a plain line.
	MaxNesting int
	// MaxMemoryBytes bounds the message bytes kept in memory. Default
	// 4 MiB. A larger message is spooled to a temporary file that Close
	// removes. (A message given as an io.ReaderAt with a Size method, such
	// as *io.SectionReader, is read in place and never copied.)
	MaxMemoryBytes int64
	// MaxAttachments bounds the file references one message may pull in
	// (markers and header entries). Default 500. Markers beyond it stay in
	// the text as plain lines.
	MaxAttachments int
}

// The default limits.
const (
	DefaultMaxHeaderBytes = 1 << 20
	DefaultMaxLineBytes   = 64 << 10
	DefaultMaxParts       = 1000
	DefaultMaxNesting     = 8
	DefaultMaxMemoryBytes = 4 << 20
	DefaultMaxAttachments = 500
)

func (l Limits) withDefaults() Limits {
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = DefaultMaxLineBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxNesting <= 0 {
		l.MaxNesting = DefaultMaxNesting
	}
	if l.MaxMemoryBytes <= 0 {
		l.MaxMemoryBytes = DefaultMaxMemoryBytes
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = DefaultMaxAttachments
	}
	return l
}

// Problem is something Rebuild noticed and worked around: a missing file, a
// refused path, a spoofed marker, a limit. The message is still complete;
// Problems tell the caller what to report. The codes are listed in the
// package documentation.
type Problem struct {
	Code   string // stable code, "mime.missing-attachment"
	Detail string // human-readable detail
	Ref    *Ref   // the file reference concerned, if any
	// Offset is the byte offset in the stored message (as given to
	// Rebuild) of the line concerned, or -1.
	Offset int64
}

// The Problem codes.
const (
	ProblemMissingAttachment    = "mime.missing-attachment"    // the Resolver reported the file missing (or there is no Resolver)
	ProblemOutsideRoot          = "mime.outside-root"          // the Resolver refused a path outside the attachment folders
	ProblemUnreadableAttachment = "mime.unreadable-attachment" // the Resolver failed otherwise
	ProblemSpoofedMarker        = "mime.spoofed-marker"        // an escaped marker line ("#Attachment Converted:"), kept as text
	ProblemLimit                = "mime.limit"                 // a Limits field was reached; Detail names it
	ProblemSigned               = "mime.signed-flattened"      // a multipart/signed or S/MIME message: the signature cannot verify any more
	ProblemEncrypted            = "mime.encrypted-flattened"   // a multipart/encrypted message, flattened
	ProblemMalformedHeader      = "mime.malformed-header"      // a header line that is not a field, kept as X-Mailconv-Unparsed-Header
	ProblemCharsetRepaired      = "mime.charset-repaired"      // mixed UTF-8 and Windows-1252/MacRoman bytes converted to UTF-8
	ProblemNULDropped           = "mime.nul-dropped"           // NUL bytes removed from a text part
	ProblemUnclosedTag          = "mime.unclosed-tag"          // a pseudo-tag without its closing tag
	ProblemNoDate               = "mime.no-date"               // a composition without Date, and no RebuildOptions.Date
	ProblemEmbeddedUnmatched    = "mime.embedded-unmatched"    // an embedded file no cid: URL refers to, attached as an ordinary attachment
	ProblemBadHeaderEntry       = "mime.bad-header-entry"      // an X-Attachments/X-EmbeddedContent entry that could not be parsed
	ProblemRunPlugin            = "mime.run-plugin"            // a "Run Plugin:" line (translator output Eudora never finished), kept as text
	ProblemTruncated            = "mime.problems-truncated"    // too many problems; the rest were not recorded
)

// maxProblems bounds Result.Problems; after it one ProblemTruncated is added.
const maxProblems = 256
