// Command gen writes a deterministic synthetic mail store for benchmarks
// (internal/storegen):
//
//	go run ./bench/gen -size 1GiB -big 300MiB -o /tmp/big.mbox
//	go run ./bench/gen -workload -size 1GiB -o /tmp/w.mbox     # issue 7 mix
//	go run ./bench/gen -workload -format maildir -size 256MiB -o /tmp/md
//	go run ./bench/gen -format eudora -size 256MiB -o /tmp/eudora
//
// -workload selects the mix of the issue 7 reference measurements (a few
// messages over 20 MB, attachments, CRLF and LF, quoted From lines,
// Status/X-Status flags, keywords); -big adds messages of the given sizes
// at the start.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/internal/storegen"
)

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	return int64(n * float64(mult)), err
}

func main() {
	size := flag.String("size", "100MiB", "approximate total size")
	big := flag.String("big", "", "comma-separated sizes of extra large messages")
	seed := flag.Int64("seed", 1, "random seed")
	workload := flag.Bool("workload", false, "the issue 7 benchmark mix")
	format := flag.String("format", "mbox", "mbox, maildir or eudora")
	out := flag.String("o", "", "output file (mbox) or directory (maildir)")
	flag.Parse()
	total, err := parseSize(*size)
	if err != nil || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gen [-workload] [-format mbox|maildir|eudora] -size N[GiB|MiB] [-big N,...] -o PATH")
		os.Exit(2)
	}
	opts := storegen.MboxOptions{Size: total, Seed: *seed}
	if *workload {
		opts = storegen.Workload(total)
		opts.Seed = *seed
	}
	if *big != "" {
		opts.BigMessages = nil
		for _, b := range strings.Split(*big, ",") {
			n, err := parseSize(b)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			opts.BigMessages = append(opts.BigMessages, n)
		}
	}
	var st storegen.Stats
	switch *format {
	case "mbox":
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		st, err = storegen.WriteMbox(f, opts)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "maildir":
		st, err = storegen.WriteMaildir(*out, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "eudora":
		// the Eudora package's own generator: mailboxes with TOCs,
		// attachment and embedded files
		es, err := eudoratest.Generate(*out, eudoratest.GenOptions{Size: total, Seed: uint64(*seed), MaxAttachment: 256 << 10})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		st = storegen.Stats{Messages: es.Messages, Bytes: es.MailBytes + es.FileBytes}
	default:
		fmt.Fprintln(os.Stderr, "gen: -format is mbox, maildir or eudora")
		os.Exit(2)
	}
	fmt.Printf("%s: %d messages, %d bytes\n", *out, st.Messages, st.Bytes)
}
