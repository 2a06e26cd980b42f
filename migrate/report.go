package migrate

import (
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/mailconv/mailconv"
)

// MailboxReport is the part of a Report about one source mailbox.
type MailboxReport struct {
	Source      mailconv.Path `json:"source"`
	Destination mailconv.Path `json:"destination,omitempty"`
	SourceFile  string        `json:"source_file,omitempty"`
	Read        int           `json:"messages_read"`
	Written     int           `json:"messages_written"`
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
	Codes    map[string]int   `json:"codes,omitempty"`
	Skips    []mailconv.Event `json:"skips"`
	Losses   []mailconv.Event `json:"losses"`
	Renames  []mailconv.Event `json:"renames"`
	Warnings []mailconv.Event `json:"warnings"`
	Infos    []mailconv.Event `json:"infos,omitempty"`
	// Updates lists the state updates of an incremental run.
	Updates []mailconv.Event `json:"updates,omitempty"`
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
func (r *Report) Add(e mailconv.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Codes == nil {
		r.Codes = make(map[string]int)
	}
	r.Codes[e.Code]++
	var list *[]mailconv.Event
	switch e.Kind {
	case mailconv.EventSkip:
		r.Totals.Skips++
		list = &r.Skips
	case mailconv.EventLoss:
		r.Totals.Losses++
		list = &r.Losses
	case mailconv.EventRename:
		r.Totals.Renames++
		list = &r.Renames
	case mailconv.EventWarning:
		r.Totals.Warnings++
		list = &r.Warnings
	case mailconv.EventUpdate:
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
func (r *Report) mailbox(p mailconv.Path, file string) *MailboxReport {
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

// reportJSON is the JSON form of a Report. It is not a copy of Report's
// fields made for their tags (Report has the same ones, for decoding): it
// writes each empty event list and mailbox list as [] rather than null,
// which no tag says, and leaves out the destination and times a report
// does not have (the events of an inspection have neither). Building it
// copies slice headers only, never the Report and its mutex.
type reportJSON struct {
	Source      Endpoint         `json:"source"`
	Destination Endpoint         `json:"destination,omitzero"`
	Started     time.Time        `json:"started,omitzero"`
	Finished    time.Time        `json:"finished,omitzero"`
	Totals      Totals           `json:"totals"`
	Mailboxes   []*MailboxReport `json:"mailboxes"`
	Codes       map[string]int   `json:"codes,omitempty"`
	Skips       []mailconv.Event `json:"skips"`
	Losses      []mailconv.Event `json:"losses"`
	Renames     []mailconv.Event `json:"renames"`
	Warnings    []mailconv.Event `json:"warnings"`
	Infos       []mailconv.Event `json:"infos,omitempty"`
	Updates     []mailconv.Event `json:"updates,omitempty"`
	Omitted     int              `json:"events_omitted,omitempty"`
	Error       string           `json:"error,omitempty"`
	NothingToDo bool             `json:"nothing_to_do,omitempty"`
	DryRun      bool             `json:"dry_run,omitempty"`
}

// MarshalJSON writes the report (see reportJSON): its lists as [] when
// empty, never null, and without the destination and times it does not
// have.
func (r *Report) MarshalJSON() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return json.Marshal(reportJSON{Source: r.Source, Destination: r.Destination, Started: r.Started, Finished: r.Finished,
		Totals: r.Totals, Mailboxes: orEmpty(r.Mailboxes), Codes: r.Codes,
		Skips: orEmpty(r.Skips), Losses: orEmpty(r.Losses), Renames: orEmpty(r.Renames), Warnings: orEmpty(r.Warnings),
		Infos: r.Infos, Updates: r.Updates, Omitted: r.Omitted, Error: r.Error, NothingToDo: r.NothingToDo, DryRun: r.DryRun})
}

// orEmpty returns s, or an empty slice when s is nil (JSON [] instead of
// null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
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
