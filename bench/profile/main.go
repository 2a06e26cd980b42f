// Command profile runs one conversion the way "mailconv convert" does (same
// registry formats, a journal beside the destination) and writes CPU and
// heap profiles, for "go tool pprof":
//
//	go run ./bench/profile -cpuprofile /tmp/cpu.out mbox:/tmp/big.mbox maildir:/tmp/out
//	go tool pprof -top -nodecount=30 /tmp/cpu.out
//
// It exists so that the command-line program itself carries no profiling
// flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/mailconv/mailconv"
	_ "github.com/mailconv/mailconv/eudora"
	_ "github.com/mailconv/mailconv/maildir"
	_ "github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

func main() {
	cpu := flag.String("cpuprofile", "", "write a CPU profile to `FILE`")
	mem := flag.String("memprofile", "", "write an allocation profile to `FILE`")
	durable := flag.Bool("durable", false, "durable mode")
	noJournal := flag.Bool("nojournal", false, "run without a journal")
	readAhead := flag.Bool("readahead", false, "ConvertOptions.ReadAhead")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: profile [-cpuprofile F] [-memprofile F] FORMAT:SRC FORMAT:DST")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *cpu, *mem, *durable, *noJournal, *readAhead); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(src, dst, cpu, mem string, durable, noJournal, readAhead bool) error {
	ctx := context.Background()
	sf, sp := mailconv.SplitAddress(src)
	df, dp := mailconv.SplitAddress(dst)
	sfmt, ok1 := mailconv.LookupFormat(sf)
	dfmt, ok2 := mailconv.LookupFormat(df)
	if !ok1 || !ok2 {
		return fmt.Errorf("unknown format in %s or %s", src, dst)
	}
	rep := &migrate.Report{}
	r, err := sfmt.Open(ctx, sp, &mailconv.Options{Events: rep.Add})
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := dfmt.Create(ctx, dp, &mailconv.Options{Events: rep.Add, Durable: durable})
	if err != nil {
		return err
	}
	opts := migrate.ConvertOptions{Report: rep, ReadAhead: readAhead}
	if !noJournal {
		j, err := migrate.OpenJournal(dp+".mailconv-journal", durable)
		if err != nil {
			return err
		}
		defer j.Close()
		opts.Journal = j
	}
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if mem != "" {
		runtime.MemProfileRate = 4096
	}
	start := time.Now()
	_, err = migrate.Convert(ctx, r, w, opts)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	el := time.Since(start)
	if err != nil {
		return err
	}
	t := rep.Totals
	fmt.Printf("%d messages, %d bytes in %v: %.0f MB/s\n", t.MessagesWritten, t.BytesRead, el.Round(time.Millisecond), float64(t.BytesRead)/el.Seconds()/1e6)
	if mem != "" {
		f, err := os.Create(mem)
		if err != nil {
			return err
		}
		defer f.Close()
		return pprof.Lookup("allocs").WriteTo(f, 0)
	}
	return nil
}
