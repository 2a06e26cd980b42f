package eudora

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mime"
)

// rebuildRequest is what the MIME rebuild needs to know about one stored
// message besides its octets.
type rebuildRequest struct {
	Platform    mime.Platform
	Composition bool
	Date        time.Time
	HTML        bool
	Flowed      bool
	Priority    int
	Store       *Store
}

// rebuildProblem is a problem the rebuild met (a missing attachment…).
type rebuildProblem struct {
	Kind         mailconv.EventKind
	Code, Detail string
}

// rebuildResult is a rebuilt (or passed-through) message.
type rebuildResult struct {
	R        io.Reader
	Close    func() error
	Rebuilt  bool
	Problems []rebuildProblem
}

// problemKinds says how each mime problem is reported: files that could
// not be attached and flattened signatures lose something; the rest are
// warnings.
var problemKinds = map[string]mailconv.EventKind{
	mime.ProblemMissingAttachment:    mailconv.EventLoss,
	mime.ProblemOutsideRoot:          mailconv.EventLoss,
	mime.ProblemUnreadableAttachment: mailconv.EventLoss,
	mime.ProblemSigned:               mailconv.EventLoss,
	mime.ProblemEncrypted:            mailconv.EventLoss,
}

// mimeRebuild runs mime.Rebuild on one stored message, read in place.
func mimeRebuild(ctx context.Context, msg *io.SectionReader, req rebuildRequest) (*rebuildResult, error) {
	opts := mime.RebuildOptions{
		Platform:    req.Platform,
		Resolver:    resolver{req.Store},
		Composition: req.Composition,
		Date:        req.Date,
		Flowed:      req.Flowed,
		HTML:        req.HTML,
	}
	res, err := mime.Rebuild(ctx, msg, opts)
	if err != nil {
		return nil, err
	}
	out := &rebuildResult{R: res, Close: res.Close, Rebuilt: res.Rebuilt}
	for _, p := range res.Problems {
		kind, ok := problemKinds[p.Code]
		if !ok {
			kind = mailconv.EventWarning
		}
		detail := p.Detail
		if p.Ref != nil && p.Ref.Line != "" && !strings.Contains(detail, p.Ref.Line) {
			detail += " (" + p.Ref.Line + ")"
		}
		if p.Offset >= 0 {
			detail += fmt.Sprintf(" [byte %d of the message]", p.Offset)
		}
		out.Problems = append(out.Problems, rebuildProblem{Kind: kind, Code: "eudora." + strings.TrimPrefix(p.Code, "mime."), Detail: detail})
	}
	return out, nil
}

// resolver is the mime.Resolver of a store: it opens the files marker
// lines name, inside the store's attachment folders only (Store.Lookup).
type resolver struct{ s *Store }

// Open implements mime.Resolver.
func (r resolver) Open(ref mime.Ref) (io.ReadCloser, int64, error) {
	kind := AttachFile
	if ref.Kind != mime.RefAttachment {
		kind = AttachEmbedded
	}
	f, err := r.s.attach.lookupRef(kind, ref.Path, ref.Name, ref.MacFileID)
	if err != nil {
		return nil, 0, err // wraps mailconv.ErrOutsideRoot or fs.ErrNotExist when that is the cause
	}
	return f.File, f.Size, nil
}
