package migrate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/mailconv/mailconv"
)

// DedupPolicy decides which messages of a source are not written because
// the destination mailbox already holds them (when merging several stores
// into one).
type DedupPolicy uint8

// The policies.
const (
	// DedupNone writes every message (duplicates in the source stay
	// duplicates).
	DedupNone DedupPolicy = iota
	// DedupMessageID skips a message whose Message-ID header the
	// destination mailbox already holds.
	DedupMessageID
	// DedupContent skips a message whose octets the destination mailbox
	// already holds.
	DedupContent
)

// ParseDedupPolicy parses "none", "message-id" or "content".
func ParseDedupPolicy(s string) (DedupPolicy, error) {
	switch s {
	case "", "none":
		return DedupNone, nil
	case "message-id":
		return DedupMessageID, nil
	case "content":
		return DedupContent, nil
	}
	return 0, fmt.Errorf("unknown dedup policy %q (want none, message-id or content)", s)
}

// DefaultSpoolMemory is the default ConvertOptions.SpoolMemory.
const DefaultSpoolMemory = 8 << 20

// maxHeadBytes bounds the header prefix kept to find the Message-ID.
const maxHeadBytes = 64 << 10

// digester hashes the octets flowing through it and keeps the start of the
// header to find the Message-ID.
type digester struct {
	h    hash.Hash
	n    int64
	head []byte
}

func newDigester() *digester {
	return &digester{h: sha256.New(), head: make([]byte, 0, 4096)}
}

func (d *digester) reset() {
	d.h.Reset()
	d.n = 0
	d.head = d.head[:0]
}

func (d *digester) Write(p []byte) (int, error) {
	d.h.Write(p)
	d.n += int64(len(p))
	if room := maxHeadBytes - len(d.head); room > 0 {
		d.head = append(d.head, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (d *digester) sum() digest {
	var out digest
	var full [sha256.Size]byte
	copy(out[:], d.h.Sum(full[:0]))
	return out
}

// messageID returns the Message-ID of the header prefix seen.
func (d *digester) messageID() string { return mailconv.HeaderValue(d.head, "Message-ID") }

// spool holds one message so that Convert can decide, after hashing it,
// whether to write it: in memory up to a bound, in a temporary file beyond.
type spool struct {
	dir   string
	limit int64
	mem   []byte
	f     *os.File
	size  int64
	d     *digester
	buf   []byte // read buffer, reused
}

func (s *spool) fill(ctx context.Context, r io.Reader) error {
	s.mem = s.mem[:0]
	s.size = 0
	s.d.reset()
	if s.f != nil {
		if err := s.f.Truncate(0); err != nil {
			return err
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	if s.buf == nil {
		s.buf = make([]byte, 64<<10)
	}
	buf := s.buf
	inFile := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			s.d.Write(buf[:n])
			s.size += int64(n)
			if !inFile && int64(len(s.mem)+n) <= s.limit {
				s.mem = append(s.mem, buf[:n]...)
			} else {
				if !inFile {
					if s.f == nil {
						f, ferr := os.CreateTemp(s.dir, "mailconv-spool-*")
						if ferr != nil {
							return fmt.Errorf("spool: %w", ferr)
						}
						os.Remove(f.Name()) // unlinked: gone on exit, whatever happens
						s.f = f
					}
					if _, werr := s.f.Write(s.mem); werr != nil {
						return fmt.Errorf("spool: %w", werr)
					}
					inFile = true
				}
				if _, werr := s.f.Write(buf[:n]); werr != nil {
					return fmt.Errorf("spool: %w", werr)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if !inFile && s.f != nil {
		s.f.Truncate(0)
	}
	return nil
}

// reader returns the spooled octets.
func (s *spool) reader() io.Reader {
	if s.f != nil && s.size > int64(len(s.mem)) {
		return io.NewSectionReader(s.f, 0, s.size)
	}
	return bytes.NewReader(s.mem)
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
	}
}

// checkpoint returns the writer's checkpoint, if it has one.
func checkpoint(mw mailconv.MailboxWriter) string {
	if c, ok := mw.(mailconv.Checkpointer); ok {
		return c.Checkpoint()
	}
	return ""
}

func lastRef(mw mailconv.MailboxWriter) string {
	if r, ok := mw.(mailconv.RefReporter); ok {
		return r.LastRef()
	}
	return ""
}
