package applemail_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/mailconv/mailconv/applemail"
	"github.com/mailconv/mailconv/applemail/applemailtest"
)

// FuzzFraming: any emlx bytes frame within the file or give a typed error;
// the salvage never reaches outside the file. Never a panic.
func FuzzFraming(f *testing.F) {
	for _, name := range []string{"testdata/emlx-mikez/plaintext.emlx", "testdata/emlx-partial-converter/skip-emlx/invalid.emlx",
		"testdata/emlx-partial-converter/input/Messages/136153.partial.emlx"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("9223372036854775807\n"))
	f.Add([]byte("-1\n"))
	f.Add([]byte("3   \r\nabc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		size := int64(len(data))
		fr, err := applemail.ParseFraming(bytes.NewReader(data), size, "f")
		if err == nil {
			if fr.MessageOffset+fr.MessageSize+fr.PlistSize != size || fr.MessageSize < 0 {
				t.Fatalf("framing %+v outside %d bytes", fr, size)
			}
			return
		}
		if fr.MessageOffset > 0 {
			if s, ok := applemail.SalvageFraming(bytes.NewReader(data), size, fr.MessageOffset, 1<<16); ok {
				if s.MessageSize < 0 || s.PlistOffset+s.PlistSize != size {
					t.Fatalf("salvage %+v outside %d bytes", s, size)
				}
			}
		}
	})
}

// FuzzProps: any property list gives properties or a typed error, never a
// panic, reading at most the limit.
func FuzzProps(f *testing.F) {
	f.Add([]byte(applemailtest.Plist(8623489089, time.Unix(1581000000, 0))))
	f.Add([]byte("<plist><dict><key>flags</key><integer>18446744073709551615</integer><key>x</key><dict><key>a</key><array/></dict></dict></plist>"))
	f.Add([]byte("<plist><dict><key>date-received</key><real>1e300</real></dict></plist>"))
	f.Add([]byte("<?xml version=\"1.0\"?><!DOCTYPE plist><plist><array/></plist>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		applemail.ParseProps(bytes.NewReader(data), "f", 0, 1<<16)
		w := uint64(len(data)) << 20
		applemail.FlagsFromWord(w)
	})
}

// FuzzPartial: the scan of a partial message for stub parts never panics
// and returns parts in order inside the message.
func FuzzPartial(f *testing.F) {
	if b, err := os.ReadFile("testdata/emlx-partial-converter/input/Messages/114892.partial.emlx"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\n\n--b\nX-Apple-Content-Length: 3\n\n--b--\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/mixed; boundary=c\n\n--c\nX-Apple-Content-Length: 1\n\n\n--c--\n--b--\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		applemail.StubParts(bytes.NewReader(data), int64(len(data)))
	})
}
