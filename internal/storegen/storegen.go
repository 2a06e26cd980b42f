// Package storegen writes deterministic synthetic mail stores for benchmarks
// and memory measurements: mbox files of a given size with a realistic mix
// of small text messages, messages with base64 attachments, CRLF and LF
// messages, body lines that need mbox quoting, and state headers.
package storegen

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand"
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

// WriteMbox writes an mbox file to w.
func WriteMbox(w io.Writer, o MboxOptions) (Stats, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	rng := rand.New(rand.NewSource(o.Seed))
	if o.MaxAttachment == 0 {
		o.MaxAttachment = 2 << 20
	}
	var st Stats
	cw := &countWriter{w: bw}
	date := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	next := func(attach int64) error {
		i++
		date = date.Add(time.Duration(rng.Intn(86400)) * time.Second)
		eol := "\n"
		if rng.Intn(4) == 0 {
			eol = "\r\n"
		}
		if st.Messages > 0 {
			io.WriteString(cw, eol)
		}
		fmt.Fprintf(cw, "From sender%d@example.com %s%s", rng.Intn(1000), date.Format("Mon Jan _2 15:04:05 2006"), eol)
		h := []string{
			fmt.Sprintf("Return-Path: <sender%d@example.com>", i%1000),
			fmt.Sprintf("Message-ID: <%d.%d@gen.example.com>", o.Seed, i),
			"Date: " + date.Format(time.RFC1123Z),
			fmt.Sprintf("From: Sender %d <sender%d@example.com>", i%1000, i%1000),
			"To: Recipient <rcpt@example.org>",
			"Subject: " + sentence(rng, 3+rng.Intn(8)),
			"MIME-Version: 1.0",
		}
		switch rng.Intn(5) {
		case 0:
		case 1:
			h = append(h, "Status: O")
		default:
			h = append(h, "Status: RO")
		}
		if x := rng.Intn(6); x == 0 {
			h = append(h, "X-Status: A")
		} else if x == 1 {
			h = append(h, "X-Status: F")
		} else if x == 2 {
			h = append(h, "X-Status: T")
		}
		boundary := fmt.Sprintf("b%d", i)
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
			raw := make([]byte, 57)
			for done := int64(0); done < attach; done += 57 {
				rng.Read(raw)
				io.WriteString(cw, base64.StdEncoding.EncodeToString(raw)+eol)
			}
			io.WriteString(cw, "--"+boundary+"--"+eol)
		}
		st.Messages++
		return cw.err
	}
	for _, big := range o.BigMessages {
		if err := next(big * 3 / 4); err != nil {
			return st, err
		}
	}
	for cw.n < o.Size {
		var attach int64
		if rng.Intn(10) == 0 {
			attach = int64(rng.Intn(o.MaxAttachment))
		}
		if err := next(attach); err != nil {
			return st, err
		}
	}
	st.Bytes = cw.n
	return st, bw.Flush()
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
