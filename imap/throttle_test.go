package imap

import (
	"io"
	"net"
	"testing"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
)

func TestBackoffHint(t *testing.T) {
	for text, want := range map[string]time.Duration{
		"Request is throttled. Suggested Backoff Time: 26906 milliseconds": 26906 * time.Millisecond,
		"Server busy, retry after 30 seconds":                              30 * time.Second,
		"try again in 2 minutes":                                           2 * time.Minute,
		"retry after 5":                                                    5 * time.Second,
		"Suggested Backoff Time: 99999999 milliseconds":                    maxHint,
		"Mail size is larger than the maximum":                             0,
		"":                                                                 0,
	} {
		if got := backoffHint(text); got != want {
			t.Errorf("backoffHint(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestThrottled(t *testing.T) {
	for _, c := range []struct {
		code imapv2.ResponseCode
		text string
		want bool
	}{
		{imapv2.ResponseCodeUnavailable, "Server busy", true},
		{imapv2.ResponseCodeLimit, "Too many commands", true},
		{imapv2.ResponseCodeLimit, "Mail size is larger than the maximum size allowed by server configuration", false},
		{imapv2.ResponseCodeOverQuota, "Account exceeded command or bandwidth limits", true},
		{imapv2.ResponseCodeOverQuota, "Quota exceeded (mailbox for user is full)", false},
		{"", "Throttled. Suggested Backoff Time: 100 milliseconds", true},
		{"", "Invalid arguments", false},
	} {
		if got := throttled(&imapv2.Error{Type: imapv2.StatusResponseTypeNo, Code: c.code, Text: c.text}); got != c.want {
			t.Errorf("throttled(%s %q) = %v", c.code, c.text, got)
		}
	}
}

// The back-off doubles per attempt up to the maximum, with jitter in the
// upper half, and a server's hint wins.
func TestBackoffDelay(t *testing.T) {
	th, err := newThrottle(map[string]string{ParamBackoffBase: "100ms", ParamBackoffMax: "1s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for attempt, ceil := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		ceil *= time.Millisecond
		for i := 0; i < 50; i++ {
			if d := th.delay(attempt, 0); d < ceil/2 || d > ceil {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, ceil/2, ceil)
			}
		}
	}
	if d := th.delay(3, 7*time.Second); d != 7*time.Second {
		t.Errorf("hint: %v", d)
	}
	if _, err := newThrottle(map[string]string{ParamMaxRate: "0"}, nil); err == nil {
		t.Error("max-rate 0 accepted")
	}
	if th, err := newThrottle(map[string]string{ParamMaxRate: "4"}, nil); err != nil || th.interval != 250*time.Millisecond {
		t.Errorf("max-rate 4: %v %v", th.interval, err)
	}
}

// byeConn keeps the last BYE line, however the reads split it, and only
// at a line start.
func TestByeConn(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	bc := newByeConn(b)
	go func() {
		for _, s := range []string{"* OK hi\r\n* 3 FETCH (BODY {12}\r\nx * BYE no\r\n)\r\n", "* B", "ye [UNAVAILABLE] Suggested Backoff Time: 5", "00 milliseconds\r\n"} {
			a.Write([]byte(s))
		}
		a.Close()
	}()
	io.Copy(io.Discard, bc)
	if got := bc.Bye(); got != "[UNAVAILABLE] Suggested Backoff Time: 500 milliseconds" {
		t.Errorf("Bye() = %q", got)
	}
}
