package eudora

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/mailconv/mailconv"
)

// AppleDouble magic numbers (RFC 1740 and Apple's AppleSingle/AppleDouble
// specification, version 2).
const (
	appleDoubleMagic = 0x00051607
	appleSingleMagic = 0x00051600
	adEntryResource  = 2
	adEntryFinder    = 9
)

// appleDouble is the parsed header of an AppleDouble ("._Name") or
// AppleSingle file: where its entries lie and the Finder type and creator.
type appleDouble struct {
	// Entries maps entry ids (2 resource fork, 9 Finder info…) to their
	// byte range in the file. Ranges are checked to lie inside the file.
	Entries map[uint32]span
	// Type and Creator are the Finder file type and creator ("TEXT",
	// "CSOm"), empty when absent.
	Type, Creator string
}

// span is a byte range of a file.
type span struct{ Offset, Length int64 }

// parseAppleDouble reads the header of an AppleDouble or AppleSingle file
// of the given size. Entries that point outside the file are an error
// (*mailconv.ParseError wrapping mailconv.ErrFormat).
func parseAppleDouble(r io.ReaderAt, size int64, file string) (*appleDouble, error) {
	bad := func(off int64, format string, args ...any) error {
		return &mailconv.ParseError{File: file, Offset: off, Err: fmt.Errorf("%w: AppleDouble: %s", mailconv.ErrFormat, fmt.Sprintf(format, args...))}
	}
	var h [26]byte
	if size < int64(len(h)) {
		return nil, bad(0, "%d bytes, shorter than a header", size)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, &mailconv.ParseError{File: file, Offset: 0, Err: err}
	}
	be := binary.BigEndian
	if m := be.Uint32(h[0:]); m != appleDoubleMagic && m != appleSingleMagic {
		return nil, bad(0, "magic %08x", m)
	}
	n := int64(be.Uint16(h[24:]))
	if 26+n*12 > size {
		return nil, bad(24, "%d entries do not fit in %d bytes", n, size)
	}
	ad := &appleDouble{Entries: make(map[uint32]span, n)}
	buf := make([]byte, n*12)
	if _, err := r.ReadAt(buf, 26); err != nil {
		return nil, &mailconv.ParseError{File: file, Offset: 26, Err: err}
	}
	for i := int64(0); i < n; i++ {
		e := buf[i*12:]
		id, off, ln := be.Uint32(e[0:]), int64(be.Uint32(e[4:])), int64(be.Uint32(e[8:]))
		if off+ln > size {
			return nil, bad(26+i*12, "entry %d (%d bytes at %d) runs past the end of the file", id, ln, off)
		}
		if _, dup := ad.Entries[id]; !dup {
			ad.Entries[id] = span{off, ln}
		}
	}
	if fi, ok := ad.Entries[adEntryFinder]; ok && fi.Length >= 8 {
		var t [8]byte
		if _, err := r.ReadAt(t[:], fi.Offset); err == nil {
			ad.Type, ad.Creator = string(t[:4]), string(t[4:])
		}
	}
	return ad, nil
}

// ResourceFork returns the span of the resource fork entry, if any.
func (ad *appleDouble) ResourceFork() (span, bool) {
	s, ok := ad.Entries[adEntryResource]
	return s, ok && s.Length > 0
}

// findResource looks up resource (typ, id) in the resource fork that
// occupies fork within r, and returns the span of its data. It returns
// ok=false when the fork has no such resource, and an error wrapping
// mailconv.ErrFormat when the fork's map is damaged (offsets outside the
// fork, impossible counts).
func findResource(r io.ReaderAt, fork span, typ string, id int16, file string) (span, bool, error) {
	bad := func(off int64, format string, args ...any) error {
		return &mailconv.ParseError{File: file, Offset: fork.Offset + off, Err: fmt.Errorf("%w: resource fork: %s", mailconv.ErrFormat, fmt.Sprintf(format, args...))}
	}
	if len(typ) != 4 {
		return span{}, false, fmt.Errorf("eudora: resource type %q is not 4 bytes", typ)
	}
	be := binary.BigEndian
	read := func(off, n int64) ([]byte, error) {
		if off < 0 || n < 0 || off+n > fork.Length {
			return nil, bad(off, "%d bytes at %d lie outside the %d-byte fork", n, off, fork.Length)
		}
		b := make([]byte, n)
		if _, err := r.ReadAt(b, fork.Offset+off); err != nil {
			return nil, &mailconv.ParseError{File: file, Offset: fork.Offset + off, Err: err}
		}
		return b, nil
	}
	h, err := read(0, 16)
	if err != nil {
		return span{}, false, err
	}
	dataOff, mapOff := int64(be.Uint32(h[0:])), int64(be.Uint32(h[4:]))
	dataLen, mapLen := int64(be.Uint32(h[8:])), int64(be.Uint32(h[12:]))
	if dataOff+dataLen > fork.Length || mapOff+mapLen > fork.Length || mapLen < 30 {
		return span{}, false, bad(0, "header (data %d+%d, map %d+%d) does not fit the %d-byte fork", dataOff, dataLen, mapOff, mapLen, fork.Length)
	}
	m, err := read(mapOff, mapLen)
	if err != nil {
		return span{}, false, err
	}
	typeListOff := int64(be.Uint16(m[24:]))
	if typeListOff+2 > mapLen {
		return span{}, false, bad(mapOff+24, "type list offset %d outside the map", typeListOff)
	}
	tl := m[typeListOff:]
	nTypes := int64(be.Uint16(tl[0:])) + 1
	if nTypes == 0x10000 { // 0xFFFF + 1: an empty list
		nTypes = 0
	}
	if 2+nTypes*8 > int64(len(tl)) {
		return span{}, false, bad(mapOff+typeListOff, "%d types do not fit in the map", nTypes)
	}
	for i := int64(0); i < nTypes; i++ {
		te := tl[2+i*8:]
		if string(te[0:4]) != typ {
			continue
		}
		nRefs := int64(be.Uint16(te[4:])) + 1
		refOff := int64(be.Uint16(te[6:]))
		if refOff+nRefs*12 > int64(len(tl)) {
			return span{}, false, bad(mapOff+typeListOff+2+i*8, "%d references of %q do not fit in the map", nRefs, typ)
		}
		for j := int64(0); j < nRefs; j++ {
			re := tl[refOff+j*12:]
			if int16(be.Uint16(re[0:])) != id {
				continue
			}
			off := int64(re[5])<<16 | int64(re[6])<<8 | int64(re[7])
			lb, err := read(dataOff+off, 4)
			if err != nil {
				return span{}, false, err
			}
			n := int64(be.Uint32(lb))
			if off+4+n > dataLen {
				return span{}, false, bad(dataOff+off, "resource %q %d (%d bytes) runs past the data area", typ, id, n)
			}
			return span{fork.Offset + dataOff + off + 4, n}, true, nil
		}
	}
	return span{}, false, nil
}
