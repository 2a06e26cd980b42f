package addressbook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchNicknames is a Windows NNdbase.txt of n cards with notes and n/10
// lists of ten members.
func benchNicknames(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "alias nick%d Person %d <p%d@example.com>\r\n", i, i, i)
		fmt.Fprintf(&b, "note nick%d <first:First%d><last:Last%d><phone:555-%04d><address:%d Main St\x03Apt %d><city:Town><company:ACME>free text\r\n", i, i, i, i%10000, i, i)
	}
	for i := 0; i+10 <= n; i += 10 {
		fmt.Fprintf(&b, "alias list%d ", i)
		for j := i; j < i+10; j++ {
			if j > i {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "nick%d", j)
		}
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

func BenchmarkReadNicknames(b *testing.B) {
	data := benchNicknames(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadNicknames(context.Background(), bytes.NewReader(data), "NNdbase.txt", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteLDIF(b *testing.B) {
	data := benchNicknames(10000)
	book, err := ReadNicknames(context.Background(), bytes.NewReader(data), "NNdbase.txt", nil)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	WriteLDIF(&buf, book, nil)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteLDIF(io.Discard, book, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteVCard(b *testing.B) {
	data := benchNicknames(10000)
	book, err := ReadNicknames(context.Background(), bytes.NewReader(data), "NNdbase.txt", nil)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	WriteVCard(&buf, book, nil)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteVCard(io.Discard, book, nil); err != nil {
			b.Fatal(err)
		}
	}
}
