// Package storegen writes deterministic synthetic mail stores for benchmarks
// and memory measurements: mbox files and Maildir++ stores of a given size
// with a realistic mix of small text messages, messages with base64
// attachments, CRLF and LF messages, body lines that need mbox quoting,
// state headers or flags, and keywords. The same options and seed always
// give the same bytes. Eudora stores are built by the eudora package's own
// test builder.
package storegen

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MboxOptions describe the mbox to generate.
type MboxOptions struct {
	// Size is the approximate total size in bytes.
	Size int64
	// Seed makes the output deterministic.
	Seed int64
	// BigMessages lists sizes of extra large messages (attachments)
	// placed at the start of the file.
	BigMessages []int64
	// MaxAttachment bounds the random attachments of ordinary messages.
	MaxAttachment int
	// Keywords adds X-Keywords headers ($label1, $Junk, Work) to some
	// messages (maildir: keyword letters and dovecot-keywords).
	Keywords bool
}

// Stats summarises what was generated.
type Stats struct {
	Messages int
	Bytes    int64
}

var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are or his
from at which but have an they you were her she there been one all we their has would when if so no
said what up its about into than them can only other new some could time these two may then do first
any my now such like our over man me even most made after also did many before must through back years
where much your way well down should because each just those people how too little state good very make
world still own see men work long get here between both life being under never day same another know
while last might us great old year off come since against go came right used take three`)

// Workload returns the options of the benchmark workload of issue 7: a
// mbox of about size bytes whose mix matches the reference measurements
// (about 6,900 messages per GiB: text messages, a tenth with base64
// attachments, a few messages over 20 MB, CRLF and LF messages, body lines
// starting with "From " and ">From ", Status/X-Status flags and keywords).
func Workload(size int64) MboxOptions {
	o := MboxOptions{Size: size, Seed: 1, MaxAttachment: 2030 << 10, Keywords: true}
	if size >= 256<<20 {
		o.BigMessages = []int64{21 << 20, 26 << 20, 33 << 20}
	}
	return o
}

// WriteMbox writes an mbox file to w.
func WriteMbox(w io.Writer, o MboxOptions) (Stats, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	g := newGen(o)
	var st Stats
	cw := &countWriter{w: bw}
	next := func(attach int64) error {
		m := g.next(attach)
		if st.Messages > 0 {
			io.WriteString(cw, m.eol)
		}
		fmt.Fprintf(cw, "From sender%d@example.com %s%s", m.sender, m.date.Format("Mon Jan _2 15:04:05 2006"), m.eol)
		g.body(cw, m, true)
		st.Messages++
		return cw.err
	}
	for _, big := range o.BigMessages {
		if err := next(big * 3 / 4); err != nil {
			return st, err
		}
	}
	for cw.n < o.Size {
		if err := next(g.attachment()); err != nil {
			return st, err
		}
	}
	st.Bytes = cw.n
	return st, bw.Flush()
}

// gen produces the messages of a store, deterministically.
type gen struct {
	o    MboxOptions
	rng  *rand.Rand
	i    int
	date time.Time
	raw  []byte
	line []byte
}

// msg is one generated message's envelope and state.
type msg struct {
	i      int
	eol    string
	sender int
	date   time.Time
	attach int64
	status string // "", "O" or "RO"
	xs     string // "", "A", "F" or "T"
	kw     string // X-Keywords value or ""
}

func newGen(o MboxOptions) *gen {
	if o.MaxAttachment == 0 {
		o.MaxAttachment = 2 << 20
	}
	return &gen{o: o, rng: rand.New(rand.NewSource(o.Seed)), date: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), raw: make([]byte, 57)}
}

// attachment draws the attachment size of an ordinary message (0: none).
func (g *gen) attachment() int64 {
	if g.rng.Intn(10) == 0 {
		return int64(g.rng.Intn(g.o.MaxAttachment))
	}
	return 0
}

// next draws the envelope and state of the next message.
func (g *gen) next(attach int64) *msg {
	rng := g.rng
	g.i++
	g.date = g.date.Add(time.Duration(rng.Intn(86400)) * time.Second)
	m := &msg{i: g.i, eol: "\n", date: g.date, attach: attach}
	if rng.Intn(4) == 0 {
		m.eol = "\r\n"
	}
	m.sender = rng.Intn(1000)
	return m
}

// body writes the header and body of m. With status set (mbox), the state
// headers are part of the header; otherwise (maildir) they are only drawn.
func (g *gen) body(cw io.Writer, m *msg, status bool) {
	rng, o, i, eol := g.rng, g.o, m.i, m.eol
	h := []string{
		fmt.Sprintf("Return-Path: <sender%d@example.com>", i%1000),
		fmt.Sprintf("Message-ID: <%d.%d@gen.example.com>", o.Seed, i),
		"Date: " + m.date.Format(time.RFC1123Z),
		fmt.Sprintf("From: Sender %d <sender%d@example.com>", i%1000, i%1000),
		"To: Recipient <rcpt@example.org>",
		"Subject: " + sentence(rng, 3+rng.Intn(8)),
		"MIME-Version: 1.0",
	}
	switch rng.Intn(5) {
	case 0:
	case 1:
		m.status = "O"
	default:
		m.status = "RO"
	}
	if x := rng.Intn(6); x == 0 {
		m.xs = "A"
	} else if x == 1 {
		m.xs = "F"
	} else if x == 2 {
		m.xs = "T"
	}
	if o.Keywords {
		switch rng.Intn(8) {
		case 0:
			m.kw = "$label1"
		case 1:
			m.kw = "$Junk Work"
		}
	}
	if status {
		if m.status != "" {
			h = append(h, "Status: "+m.status)
		}
		if m.xs != "" {
			h = append(h, "X-Status: "+m.xs)
		}
		if m.kw != "" {
			h = append(h, "X-Keywords: "+m.kw)
		}
	}
	boundary := fmt.Sprintf("b%d", i)
	attach := m.attach
	if attach > 0 {
		h = append(h, "Content-Type: multipart/mixed; boundary=\""+boundary+"\"")
	} else {
		h = append(h, "Content-Type: text/plain; charset=us-ascii")
	}
	for _, l := range h {
		io.WriteString(cw, l+eol)
	}
	io.WriteString(cw, eol)
	if attach > 0 {
		io.WriteString(cw, "--"+boundary+eol+"Content-Type: text/plain"+eol+eol)
	}
	for n := 3 + rng.Intn(40); n > 0; n-- {
		line := sentence(rng, 4+rng.Intn(12))
		switch rng.Intn(40) {
		case 0:
			line = "From " + line
		case 1:
			line = ">From " + line
		case 2:
			line = ">>From " + line
		}
		io.WriteString(cw, line+eol)
	}
	if attach > 0 {
		io.WriteString(cw, "--"+boundary+eol+"Content-Type: application/octet-stream"+eol+
			"Content-Transfer-Encoding: base64"+eol+"Content-Disposition: attachment; filename=\"data.bin\""+eol+eol)
		raw := g.raw
		for done := int64(0); done < attach; done += 57 {
			rng.Read(raw)
			g.line = base64.StdEncoding.AppendEncode(g.line[:0], raw)
			g.line = append(g.line, eol...)
			cw.Write(g.line)
		}
		io.WriteString(cw, "--"+boundary+"--"+eol)
	}
}

func sentence(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.Intn(len(words))])
	}
	return b.String()
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// WriteMaildir writes a Maildir++ store under dir (which must not exist
// or be empty) with the same message mix as WriteMbox: INBOX at the top and
// every fourth message in the folder ".Archive". Flags go into the file
// names (S from Status R, R/F/D from X-Status A/F/T), unread messages
// without Status into new/, keywords into letters a-c and
// dovecot-keywords. Stats.Bytes counts message octets.
func WriteMaildir(dir string, o MboxOptions) (Stats, error) {
	g := newGen(o)
	var st Stats
	for _, d := range []string{"", ".Archive"} {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(dir, d, sub), 0o755); err != nil {
				return st, err
			}
		}
		if o.Keywords {
			if err := os.WriteFile(filepath.Join(dir, d, "dovecot-keywords"), []byte("0 $label1\n1 $Junk\n2 Work\n"), 0o644); err != nil {
				return st, err
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".Archive", "maildirfolder"), nil, 0o644); err != nil {
		return st, err
	}
	buf := make([]byte, 0, 1<<20)
	next := func(attach int64) error {
		m := g.next(attach)
		folder := ""
		if m.i%4 == 0 {
			folder = ".Archive"
		}
		tmp := filepath.Join(dir, folder, "tmp", strconv.Itoa(m.i))
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 256<<10)
		cw := &countWriter{w: bw}
		g.body(cw, m, false)
		if err := cw.err; err != nil {
			f.Close()
			return err
		}
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Chtimes(tmp, m.date, m.date); err != nil {
			return err
		}
		name := buf[:0]
		name = strconv.AppendInt(name, m.date.Unix(), 10)
		name = append(name, ".M"...)
		name = strconv.AppendInt(name, int64(m.i), 10)
		name = append(name, "P1.storegen,S="...)
		name = strconv.AppendInt(name, cw.n, 10)
		sub := "new"
		if m.status != "" || m.xs != "" || m.kw != "" {
			sub = "cur"
			name = append(name, ":2,"...)
			if m.xs == "T" {
				name = append(name, 'D')
			}
			if m.xs == "F" {
				name = append(name, 'F')
			}
			if m.xs == "A" {
				name = append(name, 'R')
			}
			if m.status == "RO" {
				name = append(name, 'S')
			}
			switch m.kw {
			case "$label1":
				name = append(name, 'a')
			case "$Junk Work":
				name = append(name, 'b', 'c')
			}
		}
		st.Messages++
		st.Bytes += cw.n
		return os.Rename(tmp, filepath.Join(dir, folder, sub, string(name)))
	}
	for _, big := range o.BigMessages {
		if err := next(big * 3 / 4); err != nil {
			return st, err
		}
	}
	for st.Bytes < o.Size {
		if err := next(g.attachment()); err != nil {
			return st, err
		}
	}
	return st, nil
}
