package filters_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/filters"
)

func filterFile(n int, value string) string {
	var b strings.Builder
	b.WriteString("3\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "rule R%d\r\ntransfer In.mbx\r\nincoming\r\nheader Subject:\r\nverb contains\r\nvalue %s\r\n", i, value)
	}
	return b.String()
}

// TestLimitMaxFilters: a file of MaxFilters filters parses; one more fails
// with a *mailconv.LimitError naming MaxFilters.
func TestLimitMaxFilters(t *testing.T) {
	for _, n := range []int{4, 5} {
		s, err := filters.Parse(context.Background(), strings.NewReader(filterFile(n, "x")), "Filters.pce", &filters.Options{MaxFilters: 4})
		var le *mailconv.LimitError
		over := n > 4
		if over != (errors.As(err, &le) && le.Name == "MaxFilters" && errors.Is(err, mailconv.ErrLimit)) || (!over && len(s.Filters) != 4) {
			t.Errorf("%d filters, MaxFilters 4: err %v", n, err)
		}
	}
}

// TestLimitMaxLineBytes: a line of MaxLineBytes bytes (line end not
// counted) is read; one byte longer is skipped and reported.
func TestLimitMaxLineBytes(t *testing.T) {
	const lim = 200
	for _, n := range []int{lim, lim + 1} {
		value := strings.Repeat("v", n-len("value "))
		var events []mailconv.Event
		s, err := filters.Parse(context.Background(), strings.NewReader(filterFile(1, value)), "Filters.pce",
			&filters.Options{MaxLineBytes: lim, Events: func(e mailconv.Event) { events = append(events, e) }})
		if err != nil {
			t.Fatal(err)
		}
		skipped := 0
		for _, e := range events {
			if e.Code == "filters.line-too-long" {
				skipped++
			}
		}
		kept := len(s.Filters) == 1 && len(s.Filters[0].Terms) > 0 && s.Filters[0].Terms[0].Value == value
		if kept == (n > lim) || (skipped == 1) != (n > lim) {
			t.Errorf("line of %d bytes, MaxLineBytes %d: value kept %v, %d skip events", n, lim, kept, skipped)
		}
	}
}
