package eudoratest

import (
	"encoding/binary"
	"fmt"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// Byte layouts written here follow docs/formats/eudora.md (§3.1,
// §3.2 Windows TOC; §3.6 Mac TOC; §1.5 AppleDouble) and were written from
// that description, not from the package that parses them.

// MacEpochOffset is the number of seconds between 1904-01-01 and
// 1970-01-01 (UTC).
const MacEpochOffset = 2082844800

// WinHeader holds the Windows TOC header fields the builder sets.
type WinHeader struct {
	Version      uint16 // default 0x0031
	Name         string // display name, Windows-1252, ≤ 31 bytes
	Type         uint16 // 0 In, 1 Out, 2 Junk, 3 Trash, 4 regular
	NeedsCompact bool
	Unread       uint16
	NextID       uint32
	MbxSizePlus1 uint32
	// Count overrides the record count field (low 16 bits); -1 means
	// len(records).
	Count int
}

// WinRecord is one Windows TOC record (§3.2).
type WinRecord struct {
	Offset, Length uint32
	Seconds        uint32
	State          uint16
	Flags          uint16
	Priority       uint8
	DateString     string
	Arrival        uint32
	Who, Subject   string
	Label          uint16
	Hash           uint32
	ID             uint32
	FlagsEx        uint16
	PersonaHash    uint32
	TZMinutes      int16
	IMAPFlags      uint32
	SizeKB         uint16
	Mood           uint8
	Junk           uint8
}

// WinTOC encodes a Windows .toc: a 104-byte little-endian header followed
// by 218-byte records.
func WinTOC(h WinHeader, recs []WinRecord) []byte {
	le := binary.LittleEndian
	b := make([]byte, 104+218*len(recs))
	v := h.Version
	if v == 0 {
		v = 0x0031
	}
	le.PutUint16(b[0:], v)
	putCString(b[8:40], h.Name)
	le.PutUint16(b[40:], h.Type)
	if h.NeedsCompact {
		le.PutUint16(b[44:], 1)
	}
	for i := 0; i < 8; i++ { // column widths: -1 = default
		le.PutUint16(b[54+2*i:], 0xFFFF)
	}
	le.PutUint16(b[70:], h.Unread)
	le.PutUint32(b[72:], h.NextID)
	le.PutUint32(b[96:], h.MbxSizePlus1)
	n := h.Count
	if n < 0 {
		n = len(recs)
	}
	le.PutUint16(b[102:], uint16(n))
	for i, r := range recs {
		o := b[104+218*i:]
		le.PutUint32(o[0:], r.Offset)
		le.PutUint32(o[4:], r.Length)
		le.PutUint32(o[8:], r.Seconds)
		le.PutUint16(o[12:], r.State)
		le.PutUint16(o[14:], r.Flags)
		o[16] = r.Priority
		putCString(o[18:46], r.DateString)
		le.PutUint32(o[46:], r.Arrival)
		putCString(o[50:114], r.Who)
		putCString(o[114:178], r.Subject)
		le.PutUint16(o[186:], r.Label)
		le.PutUint32(o[188:], r.Hash)
		le.PutUint32(o[192:], r.ID)
		le.PutUint16(o[196:], r.FlagsEx)
		le.PutUint32(o[198:], r.PersonaHash)
		le.PutUint16(o[202:], uint16(r.TZMinutes))
		le.PutUint32(o[204:], r.IMAPFlags)
		le.PutUint16(o[208:], r.SizeKB)
		o[210] = r.Mood
		o[211] = r.Junk
	}
	return b
}

// MacHeader holds the Mac TOC header fields the builder sets.
type MacHeader struct {
	Version       uint16 // default 1
	Name          string // MacRoman
	NextSerial    uint32
	MinorVersion  int16 // default 9
	WriteDate     uint32
	MboxSizePlus1 uint32
	// Count overrides the count field; -1 means len(records).
	Count int
	Which int16
}

// MacRecord is one Mac TOC record (§3.6, current layout).
type MacRecord struct {
	Offset, Length, BodyOffset uint32
	State                      uint8
	Arrival                    uint32 // Mac seconds
	Serial                     uint32
	Seconds                    uint32 // Mac seconds, UTC
	Flags                      uint32
	Priority                   uint8
	OrigZone                   int16
	Who, Subject               string // MacRoman (or UTF-8 with flag bit 31)
	Opts                       uint32
	// OldDate, when set, writes the minor<6 layout's date string at byte
	// 13 (Pascal) instead of the spam/arrival fields.
	OldDate string
}

// MacTOC encodes a Mac TOC: a 278-byte big-endian header followed by
// max(1, n) 220-byte records (an empty TOC holds one zero record).
func MacTOC(h MacHeader, recs []MacRecord) []byte {
	be := binary.BigEndian
	n := len(recs)
	b := make([]byte, 278+220*max(1, n))
	v := h.Version
	if v == 0 {
		v = 1
	}
	be.PutUint16(b[0:], v)
	putPascal(b[58:122], h.Name)
	be.PutUint32(b[178:], h.NextSerial)
	minor := h.MinorVersion
	if minor == 0 {
		minor = 9
	}
	if minor < 0 {
		minor = 0
	}
	be.PutUint16(b[240:], uint16(minor))
	be.PutUint32(b[246:], h.WriteDate)
	be.PutUint32(b[250:], h.MboxSizePlus1)
	c := h.Count
	if c < 0 {
		c = n
	}
	be.PutUint16(b[262:], uint16(int16(c)))
	be.PutUint16(b[274:], uint16(h.Which))
	for i, r := range recs {
		o := b[278+220*i:]
		be.PutUint32(o[0:], r.Offset)
		be.PutUint32(o[4:], r.Length)
		be.PutUint32(o[8:], r.BodyOffset)
		o[12] = r.State
		if r.OldDate != "" {
			putPascal(o[13:42], r.OldDate)
		} else {
			be.PutUint32(o[18:], r.Arrival)
		}
		be.PutUint32(o[42:], r.Serial)
		be.PutUint32(o[46:], r.Seconds)
		be.PutUint32(o[50:], r.Flags)
		o[62] = r.Priority
		be.PutUint16(o[72:], uint16(r.OrigZone))
		putPascal(o[78:126], r.Who)
		putPascal(o[142:202], r.Subject)
		be.PutUint32(o[202:], r.Opts)
	}
	return b
}

// Resource is one resource of a resource fork.
type Resource struct {
	Type string // 4 bytes
	ID   int16
	Data []byte
}

// ResourceFork encodes a classic Mac resource fork holding rs: a 16-byte
// header, the data area at offset 256 (each resource as a 4-byte length and
// its bytes), then the resource map (header copy, type list, reference
// lists, empty name list).
func ResourceFork(rs []Resource) []byte {
	be := binary.BigEndian
	const dataOff = 256
	var data []byte
	offs := make([]int, len(rs))
	for i, r := range rs {
		offs[i] = len(data)
		var l [4]byte
		be.PutUint32(l[:], uint32(len(r.Data)))
		data = append(data, l[:]...)
		data = append(data, r.Data...)
	}
	// Group by type, in first-seen order.
	var types []string
	byType := map[string][]int{}
	for i, r := range rs {
		if _, ok := byType[r.Type]; !ok {
			types = append(types, r.Type)
		}
		byType[r.Type] = append(byType[r.Type], i)
	}
	const mapHeader = 28
	typeList := make([]byte, 2+8*len(types))
	be.PutUint16(typeList[0:], uint16(len(types)-1))
	var refs []byte
	for ti, t := range types {
		e := typeList[2+8*ti:]
		copy(e[0:4], t)
		be.PutUint16(e[4:], uint16(len(byType[t])-1))
		be.PutUint16(e[6:], uint16(len(typeList)+len(refs)))
		for _, i := range byType[t] {
			var ref [12]byte
			be.PutUint16(ref[0:], uint16(rs[i].ID))
			be.PutUint16(ref[2:], 0xFFFF)
			ref[5], ref[6], ref[7] = byte(offs[i]>>16), byte(offs[i]>>8), byte(offs[i])
			refs = append(refs, ref[:]...)
		}
	}
	mapLen := mapHeader + len(typeList) + len(refs)
	mapOff := dataOff + len(data)
	out := make([]byte, mapOff+mapLen)
	hdr := out[0:16]
	be.PutUint32(hdr[0:], dataOff)
	be.PutUint32(hdr[4:], uint32(mapOff))
	be.PutUint32(hdr[8:], uint32(len(data)))
	be.PutUint32(hdr[12:], uint32(mapLen))
	copy(out[dataOff:], data)
	m := out[mapOff:]
	copy(m[0:16], hdr)
	be.PutUint16(m[24:], mapHeader)
	be.PutUint16(m[26:], uint16(mapLen))
	copy(m[mapHeader:], typeList)
	copy(m[mapHeader+len(typeList):], refs)
	return out
}

// AppleDouble encodes an AppleDouble version 2 file ("._Name") with a
// Finder info entry (id 9: type, creator) and, when rsrc is not nil, a
// resource fork entry (id 2).
func AppleDouble(typ, creator string, rsrc []byte) []byte {
	be := binary.BigEndian
	n := 1
	if rsrc != nil {
		n = 2
	}
	hdrLen := 26 + 12*n
	out := make([]byte, hdrLen+32+len(rsrc))
	be.PutUint32(out[0:], 0x00051607)
	be.PutUint32(out[4:], 0x00020000)
	be.PutUint16(out[24:], uint16(n))
	be.PutUint32(out[26:], 9)
	be.PutUint32(out[30:], uint32(hdrLen))
	be.PutUint32(out[34:], 32)
	copy(out[hdrLen:], fourCC(typ))
	copy(out[hdrLen+4:], fourCC(creator))
	if rsrc != nil {
		be.PutUint32(out[38:], 2)
		be.PutUint32(out[42:], uint32(hdrLen+32))
		be.PutUint32(out[46:], uint32(len(rsrc)))
		copy(out[hdrLen+32:], rsrc)
	}
	return out
}

func fourCC(s string) []byte {
	b := []byte("    ")
	copy(b, s)
	return b
}

// WinSeparator formats a Windows separator line (without line end):
// "From ???@??? Mon Dec 13 18:45:29 2010".
func WinSeparator(t time.Time) string {
	return "From ???@??? " + t.Format("Mon Jan 02 15:04:05 2006")
}

// MacSeparator formats a Mac separator line the way 6.x writes it.
func MacSeparator(t time.Time) string {
	return "From ???@??? " + t.Format("Mon Jan 2 15:04:05 2006")
}

// MacSeconds converts a time to Mac seconds (since 1904, UTC).
func MacSeconds(t time.Time) uint32 { return uint32(t.Unix() + MacEpochOffset) }

func putCString(dst []byte, s string) {
	b := encode1252(s)
	if len(b) > len(dst)-1 {
		b = b[:len(dst)-1]
	}
	copy(dst, b)
}

func putPascal(dst []byte, s string) {
	b, err := charmap.Macintosh.NewEncoder().Bytes([]byte(s))
	if err != nil {
		b = []byte(s)
	}
	if len(b) > len(dst)-1 {
		b = b[:len(dst)-1]
	}
	dst[0] = byte(len(b))
	copy(dst[1:], b)
}

func encode1252(s string) []byte {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("eudoratest: %q cannot be written in Windows-1252: %v", s, err))
	}
	return b
}

func encodeMacRoman(s string) []byte {
	b, err := charmap.Macintosh.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("eudoratest: %q cannot be written in MacRoman: %v", s, err))
	}
	return b
}
