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
	if l.MaxTOCRecords > 0 {
		d.MaxTOCRecords = l.MaxTOCRecords
	}
	if l.MaxTOCBytes > 0 {
		d.MaxTOCBytes = l.MaxTOCBytes
	}
	if l.MaxDescmapBytes > 0 {
		d.MaxDescmapBytes = l.MaxDescmapBytes
	}
	if l.MaxDescmapLine > 0 {
		d.MaxDescmapLine = l.MaxDescmapLine
	}
	if l.MaxFolderDepth > 0 {
		d.MaxFolderDepth = l.MaxFolderDepth
	}
	if l.MaxDirEntries > 0 {
		d.MaxDirEntries = l.MaxDirEntries
	}
	if l.MaxHeaderBytes > 0 {
		d.MaxHeaderBytes = l.MaxHeaderBytes
	}
	if l.MaxForkBytes > 0 {
		d.MaxForkBytes = l.MaxForkBytes
	}
	if l.MaxMailboxes > 0 {
		d.MaxMailboxes = l.MaxMailboxes
	}
	return d
}
