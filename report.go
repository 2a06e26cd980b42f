package mailconv

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

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

// MailboxReport is the part of a Report about one source mailbox.
type MailboxReport struct {
	Source      Path   `json:"source"`
	Destination Path   `json:"destination,omitempty"`
	SourceFile  string `json:"source_file,omitempty"`
	Read        int    `json:"messages_read"`
	Written     int    `json:"messages_written"`
	// Unchanged counts messages a resumed or incremental run found already
	// converted.
	Unchanged int   `json:"messages_unchanged,omitempty"`
	Skipped   int   `json:"messages_skipped"`
	Bytes     int64 `json:"bytes_read"`
	// OutOfRange counts messages left out by the received-date range
	// (ConvertOptions.Since, Before).
	OutOfRange int `json:"messages_out_of_range,omitempty"`
	// Details holds format-specific facts about the mailbox (the mbox
	// variant and quoting evidence, whether a Eudora TOC was used).
	Details any `json:"details,omitempty"`
}

// Totals are the counters of a Report.
type Totals struct {
	MailboxesRead     int `json:"mailboxes_read"`
	MailboxesWritten  int `json:"mailboxes_written"`
	MessagesRead      int `json:"messages_read"`
	MessagesWritten   int `json:"messages_written"`
	MessagesUnchanged int `json:"messages_unchanged"`
	// MessagesMerged counts messages not written because the destination
	// already held them (dedup).
	MessagesMerged int   `json:"messages_merged"`
	Skips          int   `json:"skips"`
	Losses         int   `json:"losses"`
	Renames        int   `json:"renames"`
	Warnings       int   `json:"warnings"`
	BytesRead      int64 `json:"bytes_read"`
	BytesWritten   int64 `json:"bytes_written"`
	// MessagesUpdated counts messages written by an earlier run whose
	// state this run updated in the destination (EventUpdate).
	MessagesUpdated int `json:"messages_updated,omitempty"`
	// MessagesOutOfRange counts messages left out by the received-date
	// range.
	MessagesOutOfRange int `json:"messages_out_of_range,omitempty"`
}

// Endpoint names one side of a conversion.
type Endpoint struct {
	Format string `json:"format"`
	Path   string `json:"path"`
}

// Report is the result of a conversion: what was read and written, what was
// skipped and what was lost. It is safe for concurrent use through its
// methods; its exported fields may be read once the conversion is over.
//
// Event lists are bounded (MaxEvents per kind); Totals and Codes always count
// every event.
type Report struct {
	Source      Endpoint         `json:"source"`
	Destination Endpoint         `json:"destination"`
	Started     time.Time        `json:"started"`
	Finished    time.Time        `json:"finished"`
	Totals      Totals           `json:"totals"`
	Mailboxes   []*MailboxReport `json:"mailboxes"`
	// Codes counts events by Code.
	Codes    map[string]int `json:"codes,omitempty"`
	Skips    []Event        `json:"skips"`
	Losses   []Event        `json:"losses"`
	Renames  []Event        `json:"renames"`
	Warnings []Event        `json:"warnings"`
	Infos    []Event        `json:"infos,omitempty"`
	// Updates lists the state updates of an incremental run.
	Updates []Event `json:"updates,omitempty"`
	// Omitted counts events that were counted but not listed because a
	// list reached MaxEvents.
	Omitted int `json:"events_omitted,omitempty"`
	// Error is the error that stopped the conversion, if any.
	Error string `json:"error,omitempty"`
	// NothingToDo is set when a resumed run found every message already
	// converted.
	NothingToDo bool `json:"nothing_to_do,omitempty"`
	// DryRun is set on the report of a dry run: nothing was written, the
	// counts are what a real run would have written.
	DryRun bool `json:"dry_run,omitempty"`

	// MaxEvents bounds each event list; 0 means DefaultMaxEvents.
	MaxEvents int `json:"-"`

	mu sync.Mutex
}

// DefaultMaxEvents is the default bound on each event list of a Report.
const DefaultMaxEvents = 10000

// Add records an event.
func (r *Report) Add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Codes == nil {
		r.Codes = make(map[string]int)
	}
	r.Codes[e.Code]++
	var list *[]Event
	switch e.Kind {
	case EventSkip:
		r.Totals.Skips++
		list = &r.Skips
	case EventLoss:
		r.Totals.Losses++
		list = &r.Losses
	case EventRename:
		r.Totals.Renames++
		list = &r.Renames
	case EventWarning:
		r.Totals.Warnings++
		list = &r.Warnings
	case EventUpdate:
		r.Totals.MessagesUpdated++
		list = &r.Updates
	default:
		list = &r.Infos
	}
	max := r.MaxEvents
	if max <= 0 {
		max = DefaultMaxEvents
	}
	if len(*list) >= max {
		r.Omitted++
		return
	}
	*list = append(*list, e)
}

// mailbox returns the report entry for source path p, creating it.
func (r *Report) mailbox(p Path, file string) *MailboxReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	mr := &MailboxReport{Source: p, SourceFile: file}
	r.Mailboxes = append(r.Mailboxes, mr)
	return mr
}

// update runs f with the report locked.
func (r *Report) update(f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
}

// Clean reports whether the conversion lost nothing: no skip, no loss, no
// rename and no error.
func (r *Report) Clean() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Error == "" && r.Totals.Skips == 0 && r.Totals.Losses == 0 && r.Totals.Renames == 0
}

// WriteJSON writes the report as indented JSON (see MarshalJSON).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// reportJSON is the JSON form of a Report.
type reportJSON struct {
	Source      Endpoint         `json:"source"`
	Destination *Endpoint        `json:"destination,omitempty"`
	Started     *time.Time       `json:"started,omitempty"`
	Finished    *time.Time       `json:"finished,omitempty"`
	Totals      Totals           `json:"totals"`
	Mailboxes   []*MailboxReport `json:"mailboxes"`
	Codes       map[string]int   `json:"codes,omitempty"`
	Skips       []Event          `json:"skips"`
	Losses      []Event          `json:"losses"`
	Renames     []Event          `json:"renames"`
	Warnings    []Event          `json:"warnings"`
	Infos       []Event          `json:"infos,omitempty"`
	Updates     []Event          `json:"updates,omitempty"`
	Omitted     int              `json:"events_omitted,omitempty"`
	Error       string           `json:"error,omitempty"`
	NothingToDo bool             `json:"nothing_to_do,omitempty"`
	DryRun      bool             `json:"dry_run,omitempty"`
}

// MarshalJSON writes the report with its lists as [] when empty (never
// null), and without the destination and times it does not have (the
// events of an inspection have neither).
func (r *Report) MarshalJSON() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := func(evs []Event) []Event {
		if evs == nil {
			return []Event{}
		}
		return evs
	}
	v := reportJSON{Source: r.Source, Totals: r.Totals, Mailboxes: r.Mailboxes, Codes: r.Codes,
		Skips: list(r.Skips), Losses: list(r.Losses), Renames: list(r.Renames), Warnings: list(r.Warnings),
		Infos: r.Infos, Updates: r.Updates, Omitted: r.Omitted, Error: r.Error, NothingToDo: r.NothingToDo, DryRun: r.DryRun}
	if v.Mailboxes == nil {
		v.Mailboxes = []*MailboxReport{}
	}
	if r.Destination != (Endpoint{}) {
		v.Destination = &r.Destination
	}
	if !r.Started.IsZero() {
		v.Started = &r.Started
	}
	if !r.Finished.IsZero() {
		v.Finished = &r.Finished
	}
	return json.Marshal(v)
}

// Summary returns the event counts by code, sorted by code, for display.
func (r *Report) Summary() []CodeCount {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]CodeCount, 0, len(r.Codes))
	for c, n := range r.Codes {
		out = append(out, CodeCount{c, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// CodeCount is one line of Report.Summary.
type CodeCount struct {
	Code  string
	Count int
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *EventKind) UnmarshalText(b []byte) error {
	return unmarshalName(b, eventKindNames[:], (*uint8)(k), "event kind")
}
