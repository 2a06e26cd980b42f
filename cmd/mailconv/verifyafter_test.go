package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Every conversion a test makes through runCLI is followed by "mailconv
// verify" on the same source and destination (with the conversion's
// journal, and its report, which runCLI asks for when the test did not):
// verify must exit 0 after each of them. A conversion that failed is not
// verified; neither is one that deleted its source (--delete-after-verify
// verified before deleting), one that asked for second copies in a
// destination already holding the mail (--dedup none), or one whose read
// option both formats declare with different meanings. Failures are collected and fail the run in
// TestMain, with the place of the conversion in the test.
var unverified struct {
	sync.Mutex
	list []string
}

// convertArgs adds a --report file to the arguments of a convert command
// that has none, and returns it (empty when the test gave one).
func convertArgs(args []string) ([]string, string) {
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if a == "--report" || a == "-report" || strings.HasPrefix(a, "--report=") || strings.HasPrefix(a, "-report=") {
			return args, ""
		}
	}
	dir, err := os.MkdirTemp("", "mailconv-verifyafter-")
	if err != nil {
		return args, ""
	}
	rep := filepath.Join(dir, "report.json")
	return append([]string{args[0], "--report", rep}, args[1:]...), rep
}

// verifyAfterConvert runs verify for the convert command args (as given
// to run) and records a failure.
func verifyAfterConvert(args []string) {
	_, file, line, _ := runtime.Caller(2)
	where := fmt.Sprintf("%s:%d", filepath.Base(file), line)
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	report := fs.String("report", "", "")
	fs.Bool("quiet", false, "")
	fs.Bool("durable", false, "")
	fs.String("progress", "", "")
	journal := fs.String("journal", "", "")
	dedup := fs.String("dedup", "none", "")
	net := addNetFlags(fs)
	opts := optList{}
	fs.Var(opts, "opt", "")
	argv, err := parseArgs(fs, args[1:])
	if err != nil || len(argv) != 2 || *net.deleteAfterVerify {
		return
	}
	v := []string{"verify", "--report", *report}
	if *journal != "" {
		v = append(v, "--journal", *journal)
	}
	if *net.passwordFile != "" {
		v = append(v, "--password-file", *net.passwordFile)
	}
	if *net.allowPlaintext {
		v = append(v, "--allow-plaintext")
	}
	if *net.insecureSkipVerify {
		v = append(v, "--insecure-skip-verify")
	}
	for _, f := range []struct {
		name  string
		value *string
	}{{"sasl", net.sasl}, {"oauth2-token-file", net.tokenFile}, {"src-sasl", net.srcSASL}, {"dst-sasl", net.dstSASL},
		{"src-oauth2-token-file", net.srcTokenFile}, {"dst-oauth2-token-file", net.dstTokenFile}} {
		if *f.value != "" {
			v = append(v, "--"+f.name, *f.value)
		}
	}
	dedupSet := false
	fs.Visit(func(f *flag.Flag) { dedupSet = dedupSet || f.Name == "dedup" })
	switch {
	case *dedup != "none":
		// merged into a destination that held other mail before
		v = append(v, "--allow-extra")
	case dedupSet:
		// second copies into a destination that held the same mail,
		// asked for: nothing for verify to accept
		return
	}
	// Read options go to verify when one side only declares them (verify
	// gives an option to every side that reads it).
	src, err1 := resolveSource(argv[0])
	dst, err2 := resolveSource(argv[1])
	if err1 != nil || err2 != nil {
		return
	}
	reads := func(s store, k string) bool {
		for _, p := range s.format.Params {
			if p.Name == k && p.Read {
				return true
			}
		}
		return false
	}
	for k, val := range opts {
		if !reads(src, k) && !reads(dst, k) {
			continue // a writing option (an upload's pipeline, back-off)
		}
		if reads(src, k) && reads(dst, k) && src.format.Name != dst.format.Name {
			// The option means something else on the other side
			// (eudora's recover=emit, mbox's recover=true): verify has
			// no way yet to give it to the source only.
			return
		}
		v = append(v, "--opt", k+"="+val)
	}
	v = append(v, argv...)
	var out, errb bytes.Buffer
	if code := run(context.Background(), v, &out, &errb); code != exitOK {
		unverified.Lock()
		unverified.list = append(unverified.list, fmt.Sprintf("%s: mailconv %s\n  -> mailconv %s: exit %d\n%s%s",
			where, strings.Join(args, " "), strings.Join(v, " "), code, out.String(), errb.String()))
		unverified.Unlock()
	}
}

// checkVerifiedAfterConvert reports the conversions verify did not accept;
// it returns false when there are any.
func checkVerifiedAfterConvert() bool {
	unverified.Lock()
	defer unverified.Unlock()
	for _, s := range unverified.list {
		fmt.Fprintln(os.Stderr, "verify after convert failed:", s)
	}
	return len(unverified.list) == 0
}
