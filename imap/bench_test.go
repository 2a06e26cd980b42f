package imap_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mailconv/mailconv/internal/storegen"
)

// BenchmarkUpload measures the upload rate into a local Dovecot over
// loopback: an mbox of about 20 MB (storegen's mix of small messages and
// attachments, LF and CRLF) converted with mailconv.Convert. It reports
// messages/s and MB/s of message octets sent. Run it with
//
//	go test ./imap/ -run '^$' -bench 'Upload$' -benchtime 3x
//
// (MAILCONV_BENCH_MB changes the size). Dovecot's own work (fsync,
// indexes) is part of what is measured.
func BenchmarkUpload(b *testing.B) {
	path, n := benchMbox(b, 20)
	benchUpload(b, path, n, os.Getenv("MAILCONV_BENCH_DOVECOT"), -1)
}

// benchMbox writes storegen's mbox of MAILCONV_BENCH_MB (else defMB)
// megabytes and returns its path and message count.
func benchMbox(b *testing.B, defMB int64) (string, int) {
	mb := defMB
	if v := os.Getenv("MAILCONV_BENCH_MB"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			mb = n
		}
	}
	path := filepath.Join(b.TempDir(), "Bench")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	st, err := storegen.WriteMbox(f, storegen.MboxOptions{Size: mb << 20, Seed: 1, MaxAttachment: 1 << 20})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Messages
}
