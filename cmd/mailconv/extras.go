package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mailconv/mailconv/extras"
)

func init() {
	commands["extras"] = command{
		summary: "export Eudora signatures and stationery as text/HTML files",
		run:     runExtras,
	}
}

const extrasUsage = `Usage: mailconv extras [options] SRC OUTDIR

Writes the signatures (Sigs\*.txt, signatur.pce/.alt, Mac Signature Folder)
and stationery (Stationery\*.sta, Mac Stationery Folder) of the Eudora data
folder SRC into OUTDIR/Signatures and OUTDIR/Stationery, one UTF-8 .txt or
.html file each, named after the signature. Existing files are never
replaced.`

func runExtras(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newUsageFlagSet("extras", extrasUsage, stderr)
	reportFile := pathFlag(fs, "report", "write a JSON report to this file")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	src, out := expandPath(fs.Arg(0)), expandPath(fs.Arg(1))
	if err := checkOutputs(src, output{"output directory", out}, output{"report", *reportFile}); err != nil {
		return exitFor(err, stderr)
	}
	rep := newSideReport(src, "eudora", out, "files", stderr)
	files, err := extras.Export(ctx, src, out, &extras.Options{Events: rep.add})
	for _, f := range files {
		fmt.Fprintf(stdout, "%s %q -> %s\n", f.Item.Kind, f.Item.Name, f.File)
	}
	if err == nil && len(files) == 0 {
		fmt.Fprintln(stderr, "no signatures or stationery found")
	}
	return rep.finish(*reportFile, err)
}
