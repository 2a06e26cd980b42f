package imap

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
)

// The connections of one destination share a throttle: while one waits
// out a back-off, another that wants to send waits too (pace with a
// context already cancelled shows that it would wait, without timing it);
// max-rate slots are handed out across them.
func TestThrottleShared(t *testing.T) {
	var events []mailconv.Event
	th, err := newThrottle(map[string]string{ParamMaxRate: "10"}, func(e mailconv.Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := th.pace(done); err != nil {
		t.Fatalf("first message: pace = %v, want no wait", err)
	}
	if err := th.pace(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("second message at 10/s: pace = %v, want a wait", err)
	}
	th.interval, th.next = 0, time.Time{}

	bctx, stop := context.WithCancel(context.Background())
	backing := make(chan error)
	go func() { backing <- th.backoff(bctx, 0, time.Hour, nil, "test") }()
	for {
		th.mu.Lock()
		set := !th.until.IsZero()
		th.mu.Unlock()
		if set {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := th.pace(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("during another connection's back-off: pace = %v, want a wait", err)
	}
	if len(events) != 1 || events[0].Code != "imap.backoff" {
		t.Fatalf("events %v, want one imap.backoff", events)
	}
	th.mu.Lock()
	th.until = time.Time{}
	th.mu.Unlock()
	if err := th.pace(done); err != nil {
		t.Fatalf("after the back-off: pace = %v, want no wait", err)
	}
	stop()
	if err := <-backing; !errors.Is(err, context.Canceled) {
		t.Fatalf("back-off: %v, want it cancelled", err)
	}
}
