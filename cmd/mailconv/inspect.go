package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/platform"
	"github.com/mailconv/mailconv/migrate"
)

func init() {
	commands["inspect"] = command{
		summary: "inventory of a mail store: mailconv inspect [--json] SRC; without SRC, list the stores found on this computer",
		run:     runInspect,
	}
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("inspect", "[--json] [--to FORMAT:PATH] SRC", stderr)
	asJSON := fs.Bool("json", false, "print the inventory as JSON")
	to := fs.String("to", "", "plan a conversion into `FORMAT:PATH`: names it would change, output size, free space")
	net := addNetFlags(fs)
	opts := optList{}
	fs.Var(opts, "opt", "format option `key=value` (repeatable)")
	argv, err := parseArgs(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(argv) == 0 && *to == "" {
		// No SRC: look where Eudora and Thunderbird keep their mail.
		return printDiscovered(discoverStores(discoverEnv{goos: runtime.GOOS, getenv: os.Getenv, registry: registryEudoraDirs()}), *asJSON, stdout, stderr)
	}
	if len(argv) != 1 {
		fs.Usage()
		return exitUsage
	}
	src, err := resolveSource(argv[0])
	if err != nil {
		return exitFor(err, stderr)
	}
	var target *store
	if *to != "" {
		t, err := resolveDestination(*to)
		if err != nil {
			return exitFor(err, stderr)
		}
		target = &t
		net.apply(opts, src, t)
	} else {
		net.apply(opts, src)
	}
	readParams, writeParams, err := splitParams(opts, src, target)
	if err == nil {
		err = net.applySides(src, readParams, target, writeParams)
	}
	if err != nil {
		return exitFor(err, stderr)
	}
	iopts := migrate.InspectOptions{FreeBytes: -1}
	rep := &migrate.Report{Source: migrate.Endpoint{Format: src.format.Name, Path: src.path}}
	r, err := src.format.Open(ctx, src.path, &mailconv.Options{Params: readParams, Events: rep.Add})
	if err != nil {
		return exitFor(err, stderr)
	}
	defer r.Close()
	iopts.Report = rep
	if target != nil {
		var caps mailconv.Capabilities
		switch {
		case target.format.Plan != nil:
			plan, err := target.format.Plan(ctx, target.path, &mailconv.Options{Params: writeParams})
			if err != nil {
				return exitFor(err, stderr)
			}
			defer plan.Close()
			caps, iopts.Placer = plan.Capabilities, plan.Placer
		case target.format.Capabilities != nil:
			if caps, err = target.format.Capabilities(ctx, target.path, &mailconv.Options{Params: writeParams}); err != nil {
				return exitFor(err, stderr)
			}
		default:
			return exitFor(usageError{fmt.Errorf("format %s cannot be planned for", target.format.Name)}, stderr)
		}
		iopts.Target = &migrate.Endpoint{Format: target.format.Name, Path: target.path}
		iopts.TargetCapabilities = &caps
		iopts.FreeBytes = freeSpace(target.path)
	}
	inv, err := migrate.Inspect(ctx, r, iopts)
	if err != nil {
		return exitFor(err, stderr)
	}
	inv.Format, inv.Path = src.format.Name, src.path
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(inv); err != nil {
			return exitFor(err, stderr)
		}
	} else {
		printInventory(stdout, inv)
	}
	if iopts.TargetCapabilities != nil {
		if err := oneMailboxTarget(inv, *iopts.TargetCapabilities, target.path); err != nil {
			return exitFor(err, stderr)
		}
	}
	return exitOK
}

// oneMailboxTarget refuses, as convert would, a target that holds one
// mailbox (a single-file mbox) for a source with messages in more than one.
func oneMailboxTarget(inv *migrate.Inventory, caps mailconv.Capabilities, dst string) error {
	if !caps.OneMailbox {
		return nil
	}
	var full []mailconv.Path
	for _, mb := range inv.Mailboxes {
		if !mb.NoSelect && mb.Messages > 0 {
			full = append(full, mb.Path)
		}
	}
	if len(full) > 1 {
		return usageError{&migrate.OneMailboxError{Destination: dst, Mailboxes: full}}
	}
	return nil
}

func printInventory(w io.Writer, inv *migrate.Inventory) {
	fmt.Fprintf(w, "format:    %s\npath:      %s\nmailboxes: %d\nmessages:  %d (%s)\n\n",
		inv.Format, inv.Path, inv.Totals.Mailboxes, inv.Totals.Messages, humanBytes(inv.Totals.Bytes))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MAILBOX\tROLE\tMESSAGES\tSIZE\tOLDEST\tNEWEST\tFLAGS")
	for _, mb := range inv.Mailboxes {
		name := mb.Path.String()
		if mb.NoSelect {
			name += "/ (folder)"
		}
		var oldest, newest string
		if !mb.Oldest.IsZero() {
			oldest = mb.Oldest.UTC().Format("2006-01-02")
			newest = mb.Newest.UTC().Format("2006-01-02")
		}
		var flags []string
		for _, f := range []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `$Forwarded`, `$New`} {
			if n := mb.Flags[f]; n > 0 {
				flags = append(flags, fmt.Sprintf("%s:%d", strings.TrimLeft(f, `\$`), n))
			}
		}
		for k, n := range mb.Keywords {
			flags = append(flags, fmt.Sprintf("%s:%d", k, n))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", name, mb.Role, mb.Messages, humanBytes(mb.Bytes), oldest, newest, strings.Join(flags, " "))
	}
	tw.Flush()
	if len(inv.Names) > 0 {
		fmt.Fprintf(w, "\nnames needing attention:\n")
		for _, n := range inv.Names {
			line := "  " + n.Path.String()
			if len(n.Hazards) > 0 {
				line += ": " + strings.Join(n.Hazards, ", ")
			}
			if n.Destination != nil {
				line += fmt.Sprintf("\n      -> %s (%s)", n.Destination, strings.Join(n.Changes, "; "))
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(inv.Mixed) > 0 {
		fmt.Fprintf(w, "\nmailboxes holding messages and sub-mailboxes: %d\n", len(inv.Mixed))
	}
	fmt.Fprintf(w, "\nduplicate Message-IDs: %d\nunparsable messages: %d\n", inv.DuplicateMessageIDs, inv.Unparsable)
	for i, d := range inv.Duplicates {
		if i == 10 {
			fmt.Fprintln(w, "  ... (use --json for all)")
			break
		}
		fmt.Fprintf(w, "  %s at %s\n", d.MessageID, strings.Join(d.Locations, ", "))
	}
	if a := inv.Attachments; a != nil {
		fmt.Fprintf(w, "\nattachments: %d referenced files found, %d missing, %d unreferenced file(s) (%s, not converted)\n",
			a.Referenced, len(a.Missing), len(a.Unreferenced), humanBytes(a.UnreferencedBytes))
		for i, m := range a.Missing {
			if i == 20 {
				fmt.Fprintln(w, "  ... (use --json for all)")
				break
			}
			fmt.Fprintf(w, "  missing: %s (message %s in %s)\n", m.File, m.Message, m.Mailbox)
		}
	}
	if t := inv.Target; t != nil {
		fmt.Fprintf(w, "\ntarget %s:%s: %d mailbox name(s) change; estimated size %s", t.Endpoint.Format, t.Endpoint.Path,
			len(t.Renames), humanBytes(t.EstimatedBytes))
		if t.FreeBytes >= 0 {
			fmt.Fprintf(w, ", %s free", humanBytes(t.FreeBytes))
			if t.Fits != nil && !*t.Fits {
				fmt.Fprint(w, " -- NOT ENOUGH SPACE")
			}
		}
		fmt.Fprintln(w)
		if len(t.Mailboxes) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  MAILBOX\tNAME THERE\t")
			for _, m := range t.Mailboxes {
				name := m.Name
				if m.Folder {
					name += " (folder)"
				}
				if m.Reason != "" {
					name += " -- " + m.Reason
				}
				fmt.Fprintf(tw, "  %s\t%s\t\n", m.Path, name)
			}
			tw.Flush()
		}
	}
	rep := inv.Events
	if t := rep.Totals; t.Skips+t.Warnings+t.Losses > 0 {
		fmt.Fprintf(w, "\n%d skip(s), %d warning(s):\n", t.Skips, t.Warnings)
		for i, e := range append(append([]mailconv.Event{}, rep.Skips...), rep.Warnings...) {
			if i == 30 {
				fmt.Fprintln(w, "  ... (use --json for all)")
				break
			}
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// freeSpace returns the bytes available to an unprivileged user on the file
// system that would hold path (its nearest existing ancestor), or -1.
func freeSpace(path string) int64 {
	if strings.HasPrefix(path, "//") {
		return -1
	}
	for p := path; ; p = filepath.Dir(p) {
		if n := platform.FreeSpace(p); n >= 0 {
			return n
		}
		if p == filepath.Dir(p) {
			return -1
		}
	}
}
