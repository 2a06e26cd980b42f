package convtest_test

import (
	"fmt"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/convtest"
)

// Collect a reader's events and pick them by code.
func ExampleEvents() {
	ev := &convtest.Events{}
	opts := &mailconv.Options{Events: ev.Add}
	opts.Emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "mh.not-mail"})
	opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "mh.sequence-missing"})
	fmt.Println(len(ev.List), ev.Code("mh.not-mail")[0].Kind)
	// Output: 2 skip
}
