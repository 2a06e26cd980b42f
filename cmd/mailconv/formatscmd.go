package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mailconv/mailconv"
)

func init() {
	commands["formats"] = command{
		summary: "list the store formats and their --opt options",
		run:     runFormats,
	}
}

func runFormats(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	for _, f := range mailconv.Formats() {
		rw := ""
		if f.Open != nil {
			rw += "read"
		}
		if f.Create != nil {
			if rw != "" {
				rw += ", "
			}
			rw += "write"
		}
		fmt.Fprintf(stdout, "%s: %s (%s)\n", f.Name, f.Description, rw)
		for _, p := range f.Params {
			dir := ""
			switch {
			case p.Read && p.Write:
				dir = "read/write"
			case p.Read:
				dir = "read"
			default:
				dir = "write"
			}
			fmt.Fprintf(stdout, "    --opt %s=...  [%s] %s\n", p.Name, dir, p.Doc)
		}
	}
	return exitOK
}
