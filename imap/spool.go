package imap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"
)

// DefaultSpoolMemory is how many bytes of a message the writer keeps in
// memory; a larger message is spooled to a temporary file (parameter
// spool-memory).
const DefaultSpoolMemory = 4 << 20

// Normalized describes what normalizing a message for APPEND did.
type Normalized struct {
	// Size is the number of octets after normalization (the literal size).
	Size int64
	// Digest is the hex SHA-256 of the normalized octets.
	Digest string
	// BareLF and BareCR count line ends converted to CRLF.
	BareLF, BareCR int64
	// NUL counts NUL bytes removed.
	NUL int64
	// HeaderLen is the length of the header, blank line included (the
	// whole message when it has no blank line).
	HeaderLen int64
	// Header8bit tells whether the header holds bytes above 0x7F.
	Header8bit bool
}

// normalizer converts line ends to CRLF and drops NUL bytes while copying.
type normalizer struct {
	w        io.Writer
	h        hash.Hash
	n        Normalized
	cr       bool // the previous input byte was a CR
	inHeader bool
	lineLen  int // bytes on the current output line, CRLF excluded
	out      []byte
}

func newNormalizer(w io.Writer) *normalizer {
	return &normalizer{w: w, h: sha256.New(), inHeader: true}
}

// Write implements io.Writer.
func (z *normalizer) Write(p []byte) (int, error) {
	out := z.out[:0]
	for _, c := range p {
		switch c {
		case '\r':
			if z.cr {
				// CR CR: the first was a bare CR.
				z.n.BareCR++
				out = z.eol(out)
			}
			z.cr = true
			continue
		case '\n':
			if !z.cr {
				z.n.BareLF++
			}
			z.cr = false
			out = z.eol(out)
			continue
		}
		if z.cr {
			z.n.BareCR++
			z.cr = false
			out = z.eol(out)
		}
		if c == 0 {
			z.n.NUL++
			continue
		}
		if z.inHeader && c >= 0x80 {
			z.n.Header8bit = true
		}
		out = append(out, c)
		z.lineLen++
		if z.inHeader {
			z.n.HeaderLen++
		}
	}
	z.out = out
	return len(p), z.emit(out)
}

func (z *normalizer) eol(out []byte) []byte {
	out = append(out, '\r', '\n')
	if z.inHeader {
		z.n.HeaderLen += 2
		if z.lineLen == 0 {
			z.inHeader = false
		}
	}
	z.lineLen = 0
	return out
}

func (z *normalizer) emit(out []byte) error {
	if len(out) == 0 {
		return nil
	}
	z.h.Write(out)
	z.n.Size += int64(len(out))
	_, err := z.w.Write(out)
	return err
}

// finish flushes a trailing CR and returns the result.
func (z *normalizer) finish() (Normalized, error) {
	if z.cr {
		z.cr = false
		z.n.BareCR++
		if err := z.emit(z.eol(z.out[:0])); err != nil {
			return z.n, err
		}
	}
	z.n.Digest = hex.EncodeToString(z.h.Sum(nil))
	return z.n, nil
}

// spool holds one normalized message: in memory up to a limit, then in a
// temporary file.
type spool struct {
	dir   string
	limit int64
	buf   bytes.Buffer
	f     *os.File
	size  int64
}

// Write implements io.Writer.
func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && int64(s.buf.Len()+len(p)) > s.limit {
		f, err := os.CreateTemp(s.dir, "mailconv-imap-spool-*")
		if err != nil {
			return 0, err
		}
		// The file is only ours: remove its name at once where the
		// system allows it, so that nothing is left behind on a crash.
		os.Remove(f.Name())
		if _, err := f.Write(s.buf.Bytes()); err != nil {
			f.Close()
			return 0, err
		}
		s.buf.Reset()
		s.f = f
	}
	s.size += int64(len(p))
	if s.f != nil {
		return s.f.Write(p)
	}
	return s.buf.Write(p)
}

// reader returns the spooled octets from the start.
func (s *spool) reader() io.Reader {
	if s.f != nil {
		return io.NewSectionReader(s.f, 0, s.size)
	}
	return bytes.NewReader(s.buf.Bytes())
}

// head returns up to n bytes from the start.
func (s *spool) head(n int64) ([]byte, error) {
	if n > s.size {
		n = s.size
	}
	b := make([]byte, n)
	_, err := io.ReadFull(s.reader(), b)
	return b, err
}

// reset empties the spool for the next message; big buffers are dropped so
// that one large message does not pin memory.
func (s *spool) reset() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	if s.buf.Cap() > 1<<20 {
		s.buf = bytes.Buffer{}
	}
	s.buf.Reset()
	s.size = 0
}
