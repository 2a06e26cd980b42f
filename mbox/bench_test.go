package mbox_test

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/storegen"
	"github.com/mailconv/mailconv/mbox"
)

var (
	benchOnce sync.Once
	benchData []byte
	bigData   []byte
)

// benchFiles generates (once) a 64 MiB mbox with the realistic mix of
// storegen, and one holding a single 32 MiB message.
func benchFiles(b *testing.B) {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if _, err := storegen.WriteMbox(&buf, storegen.MboxOptions{Size: 64 << 20, Seed: 7}); err != nil {
			panic(err)
		}
		benchData = buf.Bytes()
		var big bytes.Buffer
		if _, err := storegen.WriteMbox(&big, storegen.MboxOptions{Size: 1, Seed: 8, BigMessages: []int64{32 << 20}}); err != nil {
			panic(err)
		}
		bigData = big.Bytes()
	})
}

func readAll(b *testing.B, data []byte, buf []byte) int {
	rd, err := mbox.NewReader(bytes.NewReader(data), mbox.ReaderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{rd}, buf); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkReader reads every message of a 64 MiB mixed mbox (allocations
// per run / messages = allocations per message).
func BenchmarkReader(b *testing.B) {
	benchFiles(b)
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(benchData)))
	b.ReportAllocs()
	msgs := 0
	for b.Loop() {
		msgs = readAll(b, benchData, buf)
	}
	b.ReportMetric(float64(msgs), "msgs/op")
}

// BenchmarkReaderBigMessage reads one 32 MiB message: allocations must not
// grow with the message size.
func BenchmarkReaderBigMessage(b *testing.B) {
	benchFiles(b)
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(bigData)))
	b.ReportAllocs()
	for b.Loop() {
		readAll(b, bigData, buf)
	}
}

// BenchmarkWriterMixed writes the messages of the 64 MiB mixed mbox with the
// mboxrd Writer.
func BenchmarkWriterMixed(b *testing.B) {
	benchFiles(b)
	// collect the messages once
	rd, err := mbox.NewReader(bytes.NewReader(benchData), mbox.ReaderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var msgs [][]byte
	var total int64
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
		m, _ := io.ReadAll(rd)
		msgs = append(msgs, m)
		total += int64(len(m))
	}
	meta := mailconv.Message{Flags: mailconv.FlagSeen}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		w := mbox.NewWriter(io.Discard, mbox.WriterOptions{})
		for _, m := range msgs {
			if err := w.WriteMessage(b.Context(), &meta, bytes.NewReader(m)); err != nil {
				b.Fatal(err)
			}
		}
		w.Close()
	}
}
