package mh

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/mailconv/mailconv"
)

// Mark files of Claws Mail and Sylpheed (docs/formats/mh.md): a 4-byte
// version (2) in the writer's byte order, then one 8-byte record per
// message: its number and its permanent flags, both 32-bit.
var markFiles = []string{".claws_mark", ".sylpheed_mark", ".mh_marks"}

// The permanent flag bits of a mark record.
const (
	markNew       = 1 << 0
	markUnread    = 1 << 1
	markMarked    = 1 << 2
	markDeleted   = 1 << 3
	markReplied   = 1 << 4
	markForwarded = 1 << 5
	// Claws keeps a colour label in bits 6-9 (bit 6 the highest digit),
	// Sylpheed in bits 7-9.
	markLabelShift = 6
	markLabelMask  = 0xf << markLabelShift
)

// markVersion is the only mark file version read.
const markVersion = 2

// DefaultMaxMarksBytes bounds the mark file read (ParamMaxMarks): 8 bytes
// per message, so the default covers two million messages.
const DefaultMaxMarksBytes = 16 << 20

// Marks maps message numbers to the flags of a Claws or Sylpheed mark file.
type Marks map[uint32]uint32

// ParseMarks reads a mark file of at most max bytes (DefaultMaxMarksBytes
// when 0). A file that is too large, has an unknown version or a torn last
// record gives a *mailconv.ParseError; the records before a torn one are
// returned with it.
func ParseMarks(r io.Reader, file string, max int64) (Marks, error) {
	if max <= 0 {
		max = DefaultMaxMarksBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &mailconv.ParseError{File: file, Offset: -1, Err: fmt.Errorf("mh: reading marks: %w", err)}
	}
	if int64(len(data)) > max {
		return nil, &mailconv.ParseError{File: file, Offset: max, Err: fmt.Errorf("mh: mark file: %w",
			&mailconv.LimitError{Name: ParamMaxMarks, Limit: max})}
	}
	if len(data) < 4 {
		return nil, &mailconv.ParseError{File: file, Offset: 0, Err: fmt.Errorf("mh: mark file shorter than its version: %w", mailconv.ErrFormat)}
	}
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(data) == markVersion:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(data) == markVersion:
		order = binary.BigEndian
	default:
		return nil, &mailconv.ParseError{File: file, Offset: 0, Err: fmt.Errorf("mh: mark file version %#x is not %d: %w",
			binary.LittleEndian.Uint32(data), markVersion, mailconv.ErrFormat)}
	}
	m := make(Marks, (len(data)-4)/8)
	off := 4
	for ; off+8 <= len(data); off += 8 {
		m[order.Uint32(data[off:])] = order.Uint32(data[off+4:])
	}
	if off != len(data) {
		return m, &mailconv.ParseError{File: file, Offset: int64(off), Err: fmt.Errorf("mh: mark file ends inside a record: %w", mailconv.ErrFormat)}
	}
	return m, nil
}

// apply sets m's state from mark flags f.
func applyMarks(m *mailconv.Message, f uint32) {
	switch {
	case f&markNew != 0:
		m.Flags &^= mailconv.FlagSeen
		m.Flags |= mailconv.FlagNew
	case f&markUnread != 0:
		m.Flags &^= mailconv.FlagSeen
	}
	if f&markMarked != 0 {
		m.Flags |= mailconv.FlagFlagged
	}
	if f&markDeleted != 0 {
		m.Flags |= mailconv.FlagDeleted
	}
	if f&markReplied != 0 {
		m.Flags |= mailconv.FlagAnswered
	}
	if f&markForwarded != 0 {
		m.Flags |= mailconv.FlagForwarded
	}
	if l := colourLabel(f); l != 0 {
		m.AddKeyword(fmt.Sprintf("$label%d", l))
	}
}

// colourLabel decodes Claws' label number: bits 7, 8, 9 are its binary
// digits from the lowest, bit 6 the highest (value 8).
func colourLabel(f uint32) uint32 {
	v := (f >> 7) & 7
	if f&(1<<markLabelShift) != 0 {
		v += 8
	}
	return v
}
