package mime

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailconv/mailconv"
)

// ScanRefs lists the file references of a stored message without
// rebuilding it (for inventories): the marker lines of the body in order,
// then, when present, the X-Attachments and X-EmbeddedContent entries of the
// header (Rebuild uses those only for compositions). Result.Refs of Rebuild
// has the same order.
// A message that Rebuild would pass through as intact MIME has none. It
// reads msg once, holding one line at a time, with the default Limits; a
// header over MaxHeaderBytes or more than MaxAttachments references give
// an error matching mailconv.ErrLimit (with the references found so far).
func ScanRefs(msg io.Reader, p Platform) ([]Ref, error) {
	lim := Limits{}.withDefaults()
	lr := newLineReader(msg, lim.MaxLineBytes)
	h, _, err := readHeader(lr, lim.MaxHeaderBytes)
	if err != nil {
		if _, ok := err.(headerTooLong); ok {
			return nil, &mailconv.LimitError{Name: "MaxHeaderBytes", Limit: int64(lim.MaxHeaderBytes)}
		}
		return nil, fmt.Errorf("mime: reading header: %w", err)
	}
	topType, _, boundary, hasCTE := analyseHeader(h)
	if hasCTE {
		return nil, nil
	}
	if !strings.HasPrefix(topType, "multipart/") {
		boundary = ""
	}
	var refs, hdrRefs []Ref
	tooMany := func() error {
		return &mailconv.LimitError{Name: "MaxAttachments", Limit: int64(lim.MaxAttachments)}
	}
	for _, f := range h.fields {
		var rs []Ref
		switch f.lower {
		case "x-attachments":
			rs, _ = ParseXAttachments(f.value(), p)
		case "x-embeddedcontent":
			rs, _ = ParseXEmbeddedContent(f.value(), p)
		}
		for _, r := range rs {
			if len(hdrRefs) >= lim.MaxAttachments {
				return hdrRefs, tooMany()
			}
			hdrRefs = append(hdrRefs, r)
		}
	}
	tz := &tokenizer{lr: lr, p: p, maxNesting: lim.MaxNesting}
	atStart := true
	for {
		tok, err := tz.Next()
		if err == io.EOF {
			return append(refs, hdrRefs...), nil
		}
		if err != nil {
			return refs, fmt.Errorf("mime: reading body: %w", err)
		}
		if atStart && boundary != "" && isBoundaryLine(tok.Raw[:len(tok.Raw)-tok.EOL], boundary) {
			return nil, nil
		}
		atStart = tok.EOL > 0
		if tok.Kind == tokMarker {
			if len(refs)+len(hdrRefs) >= lim.MaxAttachments {
				return append(refs, hdrRefs...), tooMany()
			}
			refs = append(refs, tok.Ref)
		}
	}
}
