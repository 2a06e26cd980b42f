package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// limitFlags are the upload limits of a conversion: --max-rate goes to
// the destination as its max-rate parameter, --max-bytes-per-day is a
// mailconv.DayBudget kept in the journal.
type limitFlags struct {
	maxRate *string
	perDay  *string
}

func addLimitFlags(fs *flag.FlagSet) *limitFlags {
	return &limitFlags{
		maxRate: fs.String("max-rate", "", "upload at most `N` messages per second (IMAP destination; decimal)"),
		perDay: fs.String("max-bytes-per-day", "", "upload at most `SIZE` per UTC day (e.g. 500MB, 2GiB; IMAP destination); "+
			"the run then stops, says when to go on, exits 3, and the next run continues"),
	}
}

// apply puts --max-rate into opts and checks --max-bytes-per-day, before
// anything is opened: both need a destination that uploads (it declares
// the max-rate parameter).
func (l *limitFlags) apply(opts optList, dst store) error {
	if *l.maxRate == "" && *l.perDay == "" {
		return nil
	}
	uploads := false
	for _, p := range dst.format.Params {
		uploads = uploads || (p.Name == "max-rate" && p.Write)
	}
	flag := "--max-rate"
	if *l.maxRate == "" {
		flag = "--max-bytes-per-day"
	}
	if !uploads {
		return usageError{fmt.Errorf("%s: the destination format %s has no upload limits (IMAP only)", flag, dst.format.Name)}
	}
	if *l.perDay != "" {
		if n, err := parseSize(*l.perDay); err != nil || n <= 0 {
			return usageError{fmt.Errorf("--max-bytes-per-day %q: want a size such as 500MB or 2GiB", *l.perDay)}
		}
	}
	if *l.maxRate != "" {
		opts["max-rate"] = *l.maxRate
	}
	return nil
}

// budget installs the day budget on w.
func (l *limitFlags) budget(w mailconv.Writer, j *migrate.Journal) error {
	if *l.perDay == "" {
		return nil
	}
	n, _ := parseSize(*l.perDay) // checked by apply
	bs, ok := w.(mailconv.BudgetSetter)
	if !ok {
		return usageError{errors.New("--max-bytes-per-day: the destination has no upload budget (IMAP only)")}
	}
	b, err := migrate.NewDayBudget(j, n, nil)
	if err != nil {
		return err
	}
	bs.SetBudget(b)
	return nil
}

// budgetExit reports a run stopped by the day budget: exit 3, with when
// to run again.
func budgetExit(err error, stderr io.Writer) (int, bool) {
	var be *migrate.BudgetError
	if !errors.As(err, &be) {
		return 0, false
	}
	fmt.Fprintln(stderr, "mailconv: stopped:", be)
	return exitLossy, true
}

// parseSize reads a size: a number with an optional unit, B, kB/KB/k,
// MB/M, GB/G (powers of 1000, as providers state their limits) or KiB,
// MiB, GiB (powers of 1024).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suf string
		m   float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3},
		{"G", 1e9}, {"M", 1e6}, {"k", 1e3}, {"K", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suf)), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f*mult, 0) || f*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(f * mult), nil
}
