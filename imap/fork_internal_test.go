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

// limitBudget is a Budget of limit octets (as migrate.DayBudget decides).
type limitBudget struct{ limit, used int64 }

var errOver = errors.New("over budget")

func (b *limitBudget) Allow(pending, n int64) error {
	if b.used+pending+n > b.limit {
		return errOver
	}
	return nil
}

func (b *limitBudget) Spend(n int64) error { b.used += n; return nil }

// The connections of a destination ask the day budget with the octets in
// flight on all of them: two connections with 100 octets in flight each
// cannot send 100 more under a limit of 250, whatever each has in flight
// itself; once answered (spent) the budget counts them as used.
func TestBudgetShared(t *testing.T) {
	inner := &limitBudget{limit: 250}
	share := &budgetShare{inner: inner, pending: map[*budgetConn]int64{}}
	a, b := &budgetConn{s: share}, &budgetConn{s: share}
	if err := a.Allow(0, 100); err != nil {
		t.Fatal(err)
	}
	if err := b.Allow(0, 100); err != nil {
		t.Fatal(err)
	}
	// a's APPEND is in flight (its own pending says so); b's too
	if err := a.Allow(100, 100); !errors.Is(err, errOver) {
		t.Fatalf("a third message with 200 octets in flight on two connections: %v, want over budget", err)
	}
	if err := b.Spend(100); err != nil {
		t.Fatal(err)
	}
	if err := a.Allow(100, 50); err != nil {
		t.Fatalf("100 used, 100 in flight, 50 more under 250: %v", err)
	}
	if err := b.Allow(0, 1); !errors.Is(err, errOver) {
		t.Fatalf("250 used or in flight: %v, want over budget", err)
	}
	if inner.used != 100 {
		t.Fatalf("used %d, want 100", inner.used)
	}
}
