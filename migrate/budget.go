package migrate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/mailconv/mailconv"
)

// BudgetError is the error of a DayBudget that allows no more today.
type BudgetError struct {
	Limit, Used int64
	// Next is when the budget allows more: the next midnight UTC.
	Next time.Time
}

// Error says how much was sent and when to run again.
func (e *BudgetError) Error() string {
	return fmt.Sprintf("%v: %d of %d octets sent today (UTC); nothing was lost: run the same command again after %s to continue",
		mailconv.ErrBudget, e.Used, e.Limit, e.Next.Local().Format("2006-01-02 15:04 MST"))
}

// Unwrap makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Unwrap() error { return mailconv.ErrBudget }

// recBudget records octets sent against the day's budget: Time is when,
// Size how many.
const recBudget = "budget"

// DayBudget is a Budget of octets per day (UTC days, as providers such as
// Gmail count them), kept in the journal: each run adds "budget" records,
// and a run that starts later the same day finds what was spent.
type DayBudget struct {
	j     *Journal
	limit int64
	mu    sync.Mutex
	day   string
	used  int64
	clock func() time.Time
}

// NewDayBudget reads what the journal records as sent today and returns a
// budget of limit octets per day. now returns the current time (nil:
// time.Now).
func NewDayBudget(j *Journal, limit int64, now func() time.Time) (*DayBudget, error) {
	b := &DayBudget{j: j, limit: limit, clock: now}
	today := b.today()
	j.mu.Lock()
	err := j.scanRecords(func(r *journalRecord) {
		if r.Time.UTC().Format(time.DateOnly) == today {
			b.used += r.Size
		}
	}, nil, recBudget)
	j.mu.Unlock()
	if err != nil {
		return nil, err
	}
	b.day = today
	return b, nil
}

func (b *DayBudget) now() time.Time {
	if b.clock != nil {
		return b.clock()
	}
	return time.Now()
}

func (b *DayBudget) today() string { return b.now().UTC().Format(time.DateOnly) }

// roll starts a new day's count when the day changed (mu held).
func (b *DayBudget) roll() {
	if d := b.today(); d != b.day {
		b.day, b.used = d, 0
	}
}

// Used returns the octets spent today.
func (b *DayBudget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll()
	return b.used
}

// Allow implements Budget. A message larger than the whole budget is
// allowed as the first of a day (it could never be sent otherwise).
func (b *DayBudget) Allow(pending, n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll()
	if b.used+pending+n <= b.limit || b.used+pending == 0 {
		return nil
	}
	t := b.now().UTC()
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
	return &BudgetError{Limit: b.limit, Used: b.used, Next: next}
}

// Spend implements Budget: it adds a journal record.
func (b *DayBudget) Spend(n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll()
	b.used += n
	return b.j.write(&journalRecord{Type: recBudget, Time: b.now().UTC(), Size: n}, false)
}

// scanRecords reads the journal file again (after flushing what is
// buffered) and calls fn for every record of one of the given types (load
// does not keep every type in memory): the records in spans, or all of
// them when spans is nil. The caller holds j.mu.
func (j *Journal) scanRecords(fn func(*journalRecord), spans []span, types ...string) error {
	if spans != nil && len(spans) == 0 {
		return nil
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	f, err := os.Open(j.path)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if spans == nil {
		scanLines(f, 256<<10, fn, types)
		return nil
	}
	for _, sp := range spans {
		n := sp.end - sp.start
		scanLines(io.NewSectionReader(f, sp.start, n), int(min(n, 256<<10)), fn, types)
	}
	return nil
}

// scanLines calls fn for every record of one of the given types that r
// holds, up to its end, a torn line or one longer than size (load already
// judged those).
func scanLines(r io.Reader, size int, fn func(*journalRecord), types []string) {
	br := bufio.NewReaderSize(r, size)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		var rec journalRecord
		if json.Unmarshal(bytes.TrimSpace(line), &rec) == nil && slices.Contains(types, rec.Type) {
			fn(&rec)
		}
	}
}
