package eudora

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mime"
)

// Geometry of the two TOC layouts (docs/formats/eudora.md §3.1, §3.2, §3.6).
const (
	WinTOCHeaderSize = 104 // Windows .toc header
	WinTOCRecordSize = 218 // Windows .toc record
	MacTOCHeaderSize = 278 // Mac TOC header (TOCType up to sums)
	MacTOCRecordSize = 220 // Mac TOC record (MSumType)
)

// MacEpochOffset is the number of seconds from the Mac epoch (1904-01-01
// UTC) to the Unix epoch.
const MacEpochOffset = 2082844800

// TOC is a parsed Eudora table of contents: the header fields a reader
// needs and every record, in the TOC's own order (the mailbox's display
// order).
type TOC struct {
	Platform mime.Platform
	// Version is the format version (Windows 0x0031, 0x0030, 0x2E31,
	// 0x002A; Mac 1 or 0).
	Version uint16
	// MinorVersion is the Mac minor version (current 9); below 6 records
	// use the older layout. Zero for Windows.
	MinorVersion int16
	// Name is the mailbox name stored in the header, decoded to UTF-8
	// (Windows-1252 on Windows, MacRoman on the Mac).
	Name string
	// Kind is the mailbox type field: Windows 0 In, 1 Out, 2 Junk, 3
	// Trash, 4 regular…; Mac "which" 6220 In, 6805 Out, 7412 Trash, 32468
	// Junk, 0 regular. Eudora re-derives it from the file name; it is a
	// hint only.
	Kind int
	// NeedsCompact is the Windows "deleted bytes present" header flag.
	NeedsCompact bool
	// MboxSizePlus1 is the stored mailbox size plus one, 0 when the TOC
	// does not record it.
	MboxSizePlus1 uint32
	// NextID is the next message id (Windows) or serial number (Mac).
	NextID uint32
	// ClaimedCount is the record count stored in the header (Windows: low
	// 16 bits only). The parser counts records from the file size.
	ClaimedCount int
	// Records are the message summaries, in TOC order.
	Records []Record
	// Notes lists oddities the parser stepped over (for reports).
	Notes []string
}

// Record is one message summary of a TOC. Fields that a platform does not
// have are zero.
type Record struct {
	// Index is the record's position in the TOC (0-based).
	Index int
	// Offset and Length delimit the message in the mailbox file,
	// separator line included.
	Offset, Length int64
	// BodyOffset is the Mac body offset relative to Offset (0 on
	// Windows).
	BodyOffset int64
	// Seconds is the message date as stored: Windows "seconds" (biased by
	// the writing PC's UTC offset when it came from a Date: header, see
	// WinTOCTime), Mac seconds since 1904 in UTC.
	Seconds uint32
	// Arrival is the arrival time as stored (Windows: Unix epoch UTC; Mac:
	// seconds since 1904 UTC); 0 when absent.
	Arrival uint32
	// State is the message state (Windows 0–12, Mac 1–14; see §3.3, §3.6).
	State uint8
	// Flags is the Windows flags word (16 bits) or the Mac flags (32 bits).
	Flags uint32
	// FlagsEx is the Windows extended flags word.
	FlagsEx uint16
	// Opts is the Mac opts word.
	Opts uint32
	// Priority is the raw priority byte (Windows 1–5, Mac 0 or 40…200).
	Priority uint8
	// Label is the label number (0 none).
	Label uint8
	// IMAPFlags is the Windows IMAP flags word.
	IMAPFlags uint32
	// TZMinutes is the zone of the message's Date: header in minutes.
	TZMinutes int16
	// Junk is the Windows junk byte (score in bits 0–6, bit 7 manual).
	Junk uint8
	// ID is the Windows message id or Mac serial number.
	ID uint32
	// Who, Subject and DateString are the display texts, decoded to
	// UTF-8; filled only when TOCOptions.Text is set.
	Who, Subject, DateString string
}

// Windows state numbers (summary.h).
const (
	WinUnread      = 0
	WinRead        = 1
	WinReplied     = 2
	WinForwarded   = 3
	WinRedirect    = 4
	WinUnsendable  = 5
	WinSendable    = 6
	WinQueued      = 7
	WinSent        = 8
	WinUnsent      = 9
	WinTimeQueued  = 10
	WinSpooled     = 11
	WinRecovered   = 12
	winStateLimit  = 13
	macStateLimit  = 15
	winFlagHTMLEx  = 0x0002
	winFlagFlowEx  = 0x0040
	winFlagAttach  = 0x8000
	macFlagUTF8    = 1 << 31
	macOptHTML     = 1 << 11
	macOptFlowed   = 1 << 19
	macOptRedirect = 1 << 25
)

// Mac state numbers (mailbox.h).
const (
	MacUnread      = 1
	MacRead        = 2
	MacReplied     = 3
	MacRedist      = 4
	MacUnsendable  = 5
	MacSendable    = 6
	MacQueued      = 7
	MacForwarded   = 8
	MacSent        = 9
	MacUnsent      = 10
	MacTimed       = 11
	MacBusySending = 12
	MacMesgErr     = 13
	MacRebuilt     = 14
)

// TOCOptions tune ParseTOC.
type TOCOptions struct {
	// Text asks for the display strings (Who, Subject, DateString) and the
	// header name to be decoded. Readers leave it off to keep memory low.
	Text bool
	// Limits bound the parse; zero fields take DefaultLimits.
	Limits Limits
}

// errTOC builds the error for a structurally bad TOC.
func errTOC(file string, off int64, format string, args ...any) error {
	return &mailconv.ParseError{File: file, Offset: off, Err: fmt.Errorf("%w: Eudora TOC: %s", mailconv.ErrFormat, fmt.Sprintf(format, args...))}
}

// ParseTOC reads a TOC of size bytes from r. file names it in errors. The
// record count is derived from size, never from the header, so a TOC that
// claims a million records in a small file allocates nothing for them; a
// size that is not header+n·record, a header count that disagrees with n,
// or an unknown version is a *mailconv.ParseError wrapping
// mailconv.ErrFormat; more records than Limits.MaxTOCRecords is a
// *mailconv.LimitError.
//
// Records are returned as stored: checking them against the mailbox is the
// reader's job (see Store).
func ParseTOC(r io.Reader, size int64, p mime.Platform, file string, opts TOCOptions) (*TOC, error) {
	lim := opts.Limits.withDefaults()
	if size > lim.MaxTOCBytes {
		return nil, &mailconv.ParseError{File: file, Offset: -1, Err: &mailconv.LimitError{Name: "MaxTOCBytes", Limit: lim.MaxTOCBytes}}
	}
	switch p {
	case mime.Windows:
		return parseWinTOC(r, size, file, opts, lim)
	case mime.Mac:
		return parseMacTOC(r, size, file, opts, lim)
	}
	return nil, fmt.Errorf("eudora: unknown platform %d", p)
}

func parseWinTOC(r io.Reader, size int64, file string, opts TOCOptions, lim Limits) (*TOC, error) {
	if size < WinTOCHeaderSize {
		return nil, errTOC(file, 0, "%d bytes, shorter than the %d-byte header", size, WinTOCHeaderSize)
	}
	if (size-WinTOCHeaderSize)%WinTOCRecordSize != 0 {
		return nil, errTOC(file, WinTOCHeaderSize+(size-WinTOCHeaderSize)/WinTOCRecordSize*WinTOCRecordSize,
			"size %d is not %d + %d·n (truncated or padded)", size, WinTOCHeaderSize, WinTOCRecordSize)
	}
	n64 := (size - WinTOCHeaderSize) / WinTOCRecordSize
	if n64 > int64(lim.MaxTOCRecords) {
		return nil, &mailconv.ParseError{File: file, Offset: -1, Err: &mailconv.LimitError{Name: "MaxTOCRecords", Limit: int64(lim.MaxTOCRecords)}}
	}
	n := int(n64)
	br := bufio.NewReaderSize(r, 64<<10)
	var h [WinTOCHeaderSize]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, &mailconv.ParseError{File: file, Offset: 0, Err: fmt.Errorf("reading TOC header: %w", err)}
	}
	le := binary.LittleEndian
	t := &TOC{
		Platform:      mime.Windows,
		Version:       le.Uint16(h[0:]),
		Kind:          int(le.Uint16(h[40:])),
		NeedsCompact:  le.Uint16(h[44:]) != 0,
		NextID:        le.Uint32(h[72:]),
		MboxSizePlus1: le.Uint32(h[96:]),
		ClaimedCount:  int(le.Uint16(h[102:])),
	}
	switch {
	case t.Version == 0x0030 || t.Version == 0x0031 || t.Version == 0x2E31:
	case t.Version == 0x002A:
		t.Notes = append(t.Notes, "version 0x002A (Eudora Light 1.x)")
	case t.Version < 0x0030:
		t.Notes = append(t.Notes, fmt.Sprintf("old version 0x%04X read with the 218-byte record layout", t.Version))
	default:
		return nil, errTOC(file, 0, "unknown version 0x%04X", t.Version)
	}
	if opts.Text {
		t.Name = decodeCString(h[8:40], mime.Windows)
	}
	if t.ClaimedCount != n&0xFFFF {
		return nil, errTOC(file, 102, "header claims %d records, file holds %d", t.ClaimedCount, n)
	}
	t.Records = make([]Record, 0, min(n, 4096)) // grows only with records actually read
	var b [WinTOCRecordSize]byte
	for i := 0; i < n; i++ {
		off := int64(WinTOCHeaderSize) + int64(i)*WinTOCRecordSize
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, &mailconv.ParseError{File: file, Offset: off, Err: fmt.Errorf("reading TOC record %d: %w", i, err)}
		}
		rec := Record{
			Index:     i,
			Offset:    int64(int32(le.Uint32(b[0:]))),
			Length:    int64(int32(le.Uint32(b[4:]))),
			Seconds:   le.Uint32(b[8:]),
			State:     uint8(le.Uint16(b[12:])),
			Flags:     uint32(le.Uint16(b[14:])),
			Priority:  b[16],
			Arrival:   le.Uint32(b[46:]),
			Label:     uint8(le.Uint16(b[186:])),
			ID:        le.Uint32(b[192:]),
			FlagsEx:   le.Uint16(b[196:]),
			TZMinutes: int16(le.Uint16(b[202:])),
			IMAPFlags: le.Uint32(b[204:]),
			Junk:      b[211],
		}
		if st := le.Uint16(b[12:]); st > 0xFF {
			rec.State = 0xFF // out of range; reported as unknown state
		}
		if lb := le.Uint16(b[186:]); lb > 0xFF {
			rec.Label = 0xFF
		}
		if opts.Text {
			rec.DateString = decodeCString(b[18:46], mime.Windows)
			rec.Who = decodeCString(b[50:114], mime.Windows)
			rec.Subject = decodeCString(b[114:178], mime.Windows)
		}
		t.Records = append(t.Records, rec)
	}
	return t, nil
}

func parseMacTOC(r io.Reader, size int64, file string, opts TOCOptions, lim Limits) (*TOC, error) {
	if size < MacTOCHeaderSize+MacTOCRecordSize {
		return nil, errTOC(file, 0, "%d bytes, shorter than the %d-byte minimum", size, MacTOCHeaderSize+MacTOCRecordSize)
	}
	if (size-MacTOCHeaderSize)%MacTOCRecordSize != 0 {
		return nil, errTOC(file, MacTOCHeaderSize+(size-MacTOCHeaderSize)/MacTOCRecordSize*MacTOCRecordSize,
			"size %d is not %d + %d·n (truncated or padded)", size, MacTOCHeaderSize, MacTOCRecordSize)
	}
	n64 := (size - MacTOCHeaderSize) / MacTOCRecordSize
	if n64 > int64(lim.MaxTOCRecords) {
		return nil, &mailconv.ParseError{File: file, Offset: -1, Err: &mailconv.LimitError{Name: "MaxTOCRecords", Limit: int64(lim.MaxTOCRecords)}}
	}
	n := int(n64)
	br := bufio.NewReaderSize(r, 64<<10)
	var h [MacTOCHeaderSize]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, &mailconv.ParseError{File: file, Offset: 0, Err: fmt.Errorf("reading TOC header: %w", err)}
	}
	be := binary.BigEndian
	t := &TOC{
		Platform:      mime.Mac,
		Version:       be.Uint16(h[0:]),
		NextID:        be.Uint32(h[178:]),
		MinorVersion:  int16(be.Uint16(h[240:])),
		MboxSizePlus1: be.Uint32(h[250:]),
		ClaimedCount:  int(int16(be.Uint16(h[262:]))),
		Kind:          int(int16(be.Uint16(h[274:]))),
	}
	if t.Version > 1 {
		return nil, errTOC(file, 0, "unknown version %d", t.Version)
	}
	if opts.Text {
		t.Name = decodePascal(h[58:122], mime.Mac, false)
	}
	old := t.MinorVersion < 6
	switch {
	case old:
		// Old TOCs (minor < 6) do not keep the count where current ones
		// do (the 1996 fixture holds 115 there for 2 records): the size
		// decides.
		if t.ClaimedCount != n {
			t.Notes = append(t.Notes, fmt.Sprintf("minor version %d: header count field %d ignored, %d records by size", t.MinorVersion, t.ClaimedCount, n))
		}
	case t.ClaimedCount < 0 || max(1, t.ClaimedCount) != n:
		return nil, errTOC(file, 262, "header claims %d records, file holds %d", t.ClaimedCount, n)
	case t.ClaimedCount == 0:
		n = 0 // the one record of an empty TOC is a placeholder
	}
	t.Records = make([]Record, 0, min(n, 4096)) // grows only with records actually read
	var b [MacTOCRecordSize]byte
	for i := 0; i < n; i++ {
		off := int64(MacTOCHeaderSize) + int64(i)*MacTOCRecordSize
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, &mailconv.ParseError{File: file, Offset: off, Err: fmt.Errorf("reading TOC record %d: %w", i, err)}
		}
		flags := be.Uint32(b[50:])
		rec := Record{
			Index:      i,
			Offset:     int64(int32(be.Uint32(b[0:]))),
			Length:     int64(int32(be.Uint32(b[4:]))),
			BodyOffset: int64(int32(be.Uint32(b[8:]))),
			State:      b[12],
			ID:         be.Uint32(b[42:]),
			Seconds:    be.Uint32(b[46:]),
			Flags:      flags,
			Priority:   b[62],
			TZMinutes:  int16(be.Uint16(b[72:])),
			Opts:       be.Uint32(b[202:]),
			Label:      uint8(flags >> 14 & 0xF),
		}
		if !old {
			rec.Arrival = be.Uint32(b[18:])
		}
		if opts.Text {
			utf8 := flags&macFlagUTF8 != 0
			rec.Who = decodePascal(b[78:126], mime.Mac, utf8)
			rec.Subject = decodePascal(b[142:202], mime.Mac, utf8)
			if old {
				if l := int(b[13]); l > 0 && l < 29 {
					rec.DateString = decodePascal(b[13:42], mime.Mac, false)
				} else {
					rec.DateString = decodeCString(b[14:42], mime.Mac)
				}
			}
		}
		t.Records = append(t.Records, rec)
	}
	return t, nil
}

// WinTOCTime converts the "seconds" field of a Windows TOC record that was
// computed from a Date: header into a true instant. Eudora stores
// mktime(the Date: wall clock read as the PC's local time) minus the
// header's zone, that is the true UTC instant minus the writing PC's UTC
// offset (§3.4): pcZone is that PC's zone (DST is taken at the instant).
// A record whose message had no Date: header stores the separator time
// through mktime, which is already a true instant: use time.Unix for it.
func WinTOCTime(seconds uint32, pcZone *time.Location) time.Time {
	biased := int64(seconds)
	// The offset L depends on the instant; evaluate it at the biased time
	// first, then once more at the corrected time (DST edges).
	_, l := time.Unix(biased, 0).In(pcZone).Zone()
	t := time.Unix(biased+int64(l), 0)
	if _, l2 := t.In(pcZone).Zone(); l2 != l {
		t = time.Unix(biased+int64(l2), 0)
	}
	return t.UTC()
}

// MacTime converts Mac seconds (since 1904, UTC) to a time; zero stays
// zero.
func MacTime(secs uint32) time.Time {
	if secs == 0 {
		return time.Time{}
	}
	return time.Unix(int64(secs)-MacEpochOffset, 0).UTC()
}
