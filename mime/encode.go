package mime

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
)

// b64Reader encodes what it reads from src as base64 in lines of 76
// characters, each ended by CRLF. It pulls from src as its reader pulls: no
// goroutine, no buffer beyond one block.
type b64Reader struct {
	src  io.Reader
	in   [57 * 64]byte
	out  []byte
	pos  int
	done bool
	err  error
}

func newB64Reader(src io.Reader) *b64Reader {
	return &b64Reader{src: src, out: make([]byte, 0, 78*64)}
}

func (b *b64Reader) Read(p []byte) (int, error) {
	for b.pos >= len(b.out) {
		if b.done {
			return 0, b.err
		}
		n, err := io.ReadFull(b.src, b.in[:])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			b.done, b.err = true, io.EOF
		} else if err != nil {
			return 0, err
		}
		b.out = b.out[:0]
		b.pos = 0
		for i := 0; i < n; i += 57 {
			end := i + 57
			if end > n {
				end = n
			}
			l := base64.StdEncoding.EncodedLen(end - i)
			start := len(b.out)
			b.out = b.out[:start+l]
			base64.StdEncoding.Encode(b.out[start:], b.in[i:end])
			b.out = append(b.out, '\r', '\n')
		}
	}
	n := copy(p, b.out[b.pos:])
	b.pos += n
	return n, nil
}

// pushReader turns a push-style encoder (an io.WriteCloser writing into a
// buffer) into a reader that pulls its input from src.
type pushReader struct {
	src  io.Reader
	buf  bytes.Buffer
	enc  io.WriteCloser
	in   []byte
	done bool
}

func (r *pushReader) Read(p []byte) (int, error) {
	for r.buf.Len() == 0 {
		if r.done {
			return 0, io.EOF
		}
		n, err := r.src.Read(r.in)
		if n > 0 {
			if _, werr := r.enc.Write(r.in[:n]); werr != nil {
				return 0, werr
			}
		}
		if err == io.EOF {
			if cerr := r.enc.Close(); cerr != nil {
				return 0, cerr
			}
			r.done = true
		} else if err != nil {
			return 0, err
		}
	}
	return r.buf.Read(p)
}

// newQPReader encodes text from src as quoted-printable (text mode: CRLF
// line ends stay hard line breaks; trailing white space is protected).
func newQPReader(src io.Reader) io.Reader {
	r := &pushReader{src: src, in: make([]byte, 8192)}
	r.enc = quotedprintable.NewWriter(&r.buf)
	return r
}
