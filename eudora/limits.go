package eudora

// Limits bound every size the reader derives from its input. The zero value
// of a field means its default (see DefaultLimits).
type Limits struct {
	// MaxTOCRecords bounds the number of records read from one TOC. The
	// count a TOC claims is never trusted: records are counted from the
	// file size, and a TOC whose file size implies more records than this
	// is treated as unusable (the mailbox is scanned instead).
	MaxTOCRecords int
	// MaxTOCBytes bounds the size of a TOC, whether a .toc file or a
	// 'TOCF' resource.
	MaxTOCBytes int64
	// MaxDescmapBytes bounds the size of one descmap.pce.
	MaxDescmapBytes int64
	// MaxDescmapLine bounds one descmap line; longer lines are skipped and
	// reported.
	MaxDescmapLine int
	// MaxFolderDepth bounds folder nesting; deeper folders are skipped and
	// reported.
	MaxFolderDepth int
	// MaxDirEntries bounds the entries read from one directory.
	MaxDirEntries int
	// MaxHeaderBytes bounds the header block read ahead of each message
	// (to find its Date: and decide its dates). Longer headers are still
	// streamed, only not examined past this point.
	MaxHeaderBytes int
	// MaxForkBytes bounds the size of an AppleDouble file or resource fork
	// examined for a Mac TOC.
	MaxForkBytes int64
	// MaxMailboxes bounds the number of mailboxes and folders in a store.
	MaxMailboxes int
}

// DefaultLimits are the limits used for zero fields of Limits.
var DefaultLimits = Limits{
	MaxTOCRecords:   1 << 20,
	MaxTOCBytes:     256 << 20,
	MaxDescmapBytes: 16 << 20,
	MaxDescmapLine:  4096,
	MaxFolderDepth:  64,
	MaxDirEntries:   1 << 20,
	MaxHeaderBytes:  256 << 10,
	MaxForkBytes:    256 << 20,
	MaxMailboxes:    100000,
}

// withDefaults returns l with zero fields replaced by their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	setPositive(&d.MaxTOCRecords, l.MaxTOCRecords)
	setPositive(&d.MaxTOCBytes, l.MaxTOCBytes)
	setPositive(&d.MaxDescmapBytes, l.MaxDescmapBytes)
	setPositive(&d.MaxDescmapLine, l.MaxDescmapLine)
	setPositive(&d.MaxFolderDepth, l.MaxFolderDepth)
	setPositive(&d.MaxDirEntries, l.MaxDirEntries)
	setPositive(&d.MaxHeaderBytes, l.MaxHeaderBytes)
	setPositive(&d.MaxForkBytes, l.MaxForkBytes)
	setPositive(&d.MaxMailboxes, l.MaxMailboxes)
	return d
}

// setPositive sets *dst to v when v is positive.
func setPositive[T int | int64](dst *T, v T) {
	if v > 0 {
		*dst = v
	}
}
