package mbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mailconv/mailconv/mbox"
)

func ExampleReader() {
	const file = "From alice@example.com Mon Jan  1 10:00:00 2001\n" +
		"Subject: first\nStatus: RO\nX-Status: A\n\n>From the start\n\n" +
		"From bob@example.com Tue Jan  2 11:00:00 2001\n" +
		"Subject: second\n\nhello\n"
	rd, err := mbox.NewReader(strings.NewReader(file), mbox.ReaderOptions{Variant: mbox.MboxRD})
	if err != nil {
		panic(err)
	}
	for {
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(rd)
		fmt.Printf("%s %s [%s] %q\n", m.Sender, m.Date.Format("2006-01-02"), m.Flags, body)
	}
	// Output:
	// alice@example.com 2001-01-01 [\Seen \Answered] "Subject: first\n\nFrom the start\n"
	// bob@example.com 2001-01-02 [$New] "Subject: second\n\nhello\n"
}

func ExampleWriter() {
	rd, _ := mbox.NewReader(strings.NewReader("From - Mon Jan  1 10:00:00 2001\nX-Mozilla-Status: 0003\nSubject: hi\n\nFrom me\n"), mbox.ReaderOptions{})
	var out bytes.Buffer
	w := mbox.NewWriter(&out, mbox.WriterOptions{})
	for {
		m, err := rd.Next()
		if err != nil {
			break
		}
		if err := w.WriteMessage(context.Background(), m, rd); err != nil {
			panic(err)
		}
	}
	w.Close()
	fmt.Print(out.String())
	// Output:
	// From MAILER-DAEMON Mon Jan  1 10:00:00 2001
	// Subject: hi
	// Status: RO
	// X-Status: A
	//
	// >From me
}
