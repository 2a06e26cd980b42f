package mailconv

import "fmt"

// EventKind classifies an Event.
type EventKind uint8

// The event kinds.
const (
	// EventSkip: a message (or a whole mailbox) of the source was not
	// converted. Location says where it is.
	EventSkip EventKind = iota + 1
	// EventLoss: a message was converted but some of its metadata could not
	// be represented by the destination (a keyword, a flag, a date).
	EventLoss
	// EventRename: a mailbox name had to be changed for the destination.
	EventRename
	// EventWarning: something worth a look that lost nothing (a lenient
	// split, an ambiguous quoting, a scanned mailbox).
	EventWarning
	// EventInfo: a fact about the conversion (the mbox variant chosen).
	EventInfo
	// EventUpdate: an incremental run changed the state (flags) of a
	// message an earlier run wrote, because it changed in the source.
	EventUpdate
)

var eventKindNames = [...]string{"", "skip", "loss", "rename", "warning", "info", "update"}

// String returns the kind's lower-case name.
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is a skip, loss, rename, warning or note raised by a reader, a writer
// or Convert.
type Event struct {
	Kind EventKind `json:"kind"`
	// Code is a stable, machine-readable reason, "package.reason" (for
	// example "mbox.lenient-split", "maildir.keyword-overflow").
	Code string `json:"code"`
	// Mailbox is the source mailbox concerned, if any.
	Mailbox Path `json:"mailbox,omitempty"`
	// Message is the source message ID concerned, if any.
	Message string `json:"message,omitempty"`
	// Location points into the source, if known.
	Location *Location `json:"location,omitempty"`
	// Detail is a human-readable explanation.
	Detail string `json:"detail"`
}

// String formats the event on one line.
func (e Event) String() string {
	s := e.Kind.String() + " " + e.Code
	if e.Location != nil {
		s += " at " + e.Location.String()
	} else if len(e.Mailbox) > 0 {
		s += " in " + e.Mailbox.String()
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *EventKind) UnmarshalText(b []byte) error {
	return unmarshalName(b, eventKindNames[:], (*uint8)(k), "event kind")
}
