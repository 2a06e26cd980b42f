// Command gen writes a deterministic synthetic mbox for benchmarks:
//
//	go run ./bench/gen -size 1GiB -big 300MiB -o /tmp/big.mbox
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

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
	out := flag.String("o", "", "output file")
	flag.Parse()
	total, err := parseSize(*size)
	if err != nil || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gen -size N[GiB|MiB] [-big N,...] -o FILE")
		os.Exit(2)
	}
	opts := storegen.MboxOptions{Size: total, Seed: *seed}
	if *big != "" {
		for _, b := range strings.Split(*big, ",") {
			n, err := parseSize(b)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			opts.BigMessages = append(opts.BigMessages, n)
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	st, err := storegen.WriteMbox(f, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d messages, %d bytes\n", *out, st.Messages, st.Bytes)
}
