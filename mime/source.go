package mime

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
)

// source holds the stored message for random access: in place when the
// caller's reader allows it, in memory when small, else in a temp file.
type source struct {
	ra   io.ReaderAt
	size int64
	tmp  *os.File
}

// sizedReaderAt is what *io.SectionReader, *bytes.Reader and *strings.Reader
// offer; such a message is read in place.
type sizedReaderAt interface {
	io.ReaderAt
	io.Seeker
	Size() int64
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func openSource(ctx context.Context, msg io.Reader, maxMem int64, tempDir string) (*source, error) {
	if s, ok := msg.(sizedReaderAt); ok {
		pos, err := s.Seek(0, io.SeekCurrent)
		if err == nil && pos <= s.Size() {
			size := s.Size() - pos
			if _, err := s.Seek(0, io.SeekEnd); err == nil {
				return &source{ra: io.NewSectionReader(s, pos, size), size: size}, nil
			}
		}
	}
	r := ctxReader{ctx, msg}
	buf, err := io.ReadAll(io.LimitReader(r, maxMem+1))
	if err != nil {
		return nil, fmt.Errorf("mime: reading message: %w", err)
	}
	if int64(len(buf)) <= maxMem {
		return &source{ra: bytes.NewReader(buf), size: int64(len(buf))}, nil
	}
	f, err := os.CreateTemp(tempDir, "mailconv-mime-*")
	if err != nil {
		return nil, fmt.Errorf("mime: spooling message: %w", err)
	}
	s := &source{ra: f, tmp: f}
	n, err := f.Write(buf)
	buf = nil
	if err == nil {
		var m int64
		m, err = io.Copy(f, r)
		s.size = int64(n) + m
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("mime: spooling message: %w", err)
	}
	return s, nil
}

func (s *source) close() error {
	if s.tmp == nil {
		return nil
	}
	name := s.tmp.Name()
	err := s.tmp.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	s.tmp = nil
	return err
}
