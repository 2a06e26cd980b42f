package eudora

import "testing"

// TestLimitsWithDefaults: positive fields are kept, zero and negative ones
// take DefaultLimits' value.
func TestLimitsWithDefaults(t *testing.T) {
	got := Limits{MaxTOCRecords: 7, MaxTOCBytes: -1, MaxForkBytes: 1 << 40, MaxMailboxes: 3}.withDefaults()
	want := DefaultLimits
	want.MaxTOCRecords, want.MaxForkBytes, want.MaxMailboxes = 7, 1<<40, 3
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if z := (Limits{}).withDefaults(); z != DefaultLimits {
		t.Fatalf("zero Limits: got %+v, want the defaults %+v", z, DefaultLimits)
	}
}
