package eudora

import (
	"context"
	"io"
	"time"
)

// rebuildRequest is what the MIME rebuild needs to know about one stored
// message besides its octets.
type rebuildRequest struct {
	Platform    Platform
	Composition bool
	Date        time.Time
	HTML        bool
	Flowed      bool
	Priority    int
	Store       *Store
}

// rebuildProblem is a problem the rebuild met (a missing attachment…).
type rebuildProblem struct {
	Code, Detail string
	Loss         bool
}

// rebuildResult is a rebuilt (or passed-through) message.
type rebuildResult struct {
	R        io.Reader
	Close    func() error
	Rebuilt  bool
	Problems []rebuildProblem
}

// rebuildFunc turns a stored message (without its separator line) into an
// RFC 5322 message.
type rebuildFunc func(ctx context.Context, msg io.Reader, req rebuildRequest) (*rebuildResult, error)

// rebuilder is the MIME rebuild step; nil until package mime provides it,
// in which case stored messages pass through as in raw mode.
var rebuilder rebuildFunc
