package eudora_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	_ "github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// benchStore generates (once per run) a store of EUDORA_BENCH_BYTES bytes
// (default 16 MiB; the figure in bench/README.md uses 600 MiB).
func benchStore(b *testing.B) (string, eudoratest.GenStats) {
	b.Helper()
	size := int64(16 << 20)
	if v := os.Getenv("EUDORA_BENCH_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		size = n
	}
	dir := filepath.Join(b.TempDir(), "store")
	st, err := eudoratest.Generate(dir, eudoratest.GenOptions{Size: size, Seed: 1, MaxAttachment: 32 << 10})
	if err != nil {
		b.Fatal(err)
	}
	return dir, st
}

// BenchmarkConvertToMbox measures Eudora → mbox (a Thunderbird-style tree)
// throughput over the bytes read: mailboxes plus attachment files when
// rebuilding, mailboxes alone in raw mode. EUDORA_BENCH_BYTES sets the
// store size (the figure in bench/README.md: 629 MB).
func BenchmarkConvertToMbox(b *testing.B) {
	for _, raw := range []bool{false, true} {
		name := "rebuild"
		if raw {
			name = "raw"
		}
		b.Run(name, func(b *testing.B) {
			dir, st := benchStore(b)
			// Rebuilding reads the mailboxes and the attachment files; raw
			// output reads only the mailboxes.
			if raw {
				b.SetBytes(st.MailBytes)
			} else {
				b.SetBytes(st.MailBytes + st.FileBytes)
			}
			b.ReportAllocs()
			ctx := context.Background()
			mf, _ := mailconv.LookupFormat("mbox")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rep := &migrate.Report{}
				s, err := eudora.OpenConfig(ctx, dir, eudora.Config{Raw: raw, Events: rep.Add})
				if err != nil {
					b.Fatal(err)
				}
				out := filepath.Join(b.TempDir(), "out")
				w, err := mf.Create(ctx, out, &mailconv.Options{Events: rep.Add})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := migrate.Convert(ctx, s, w, migrate.ConvertOptions{Report: rep}); err != nil {
					b.Fatal(err)
				}
				w.Close()
				s.Close()
				if rep.Totals.MessagesWritten != st.Messages {
					b.Fatalf("wrote %d of %d messages", rep.Totals.MessagesWritten, st.Messages)
				}
				os.RemoveAll(out)
			}
		})
	}
}
