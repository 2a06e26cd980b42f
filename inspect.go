package mailconv

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Inventory describes a store: its mailboxes, their messages, sizes, dates
// and states, and everything its reader reported while reading it.
type Inventory struct {
	Format    string              `json:"format"`
	Path      string              `json:"path"`
	Mailboxes []*MailboxInventory `json:"mailboxes"`
	Totals    InventoryTotals     `json:"totals"`
	// Events holds the reader's skips, warnings and notes.
	Events *Report `json:"events"`
}

// InventoryTotals sums the mailboxes of an Inventory.
type InventoryTotals struct {
	Mailboxes int   `json:"mailboxes"`
	Messages  int   `json:"messages"`
	Bytes     int64 `json:"bytes"`
}

// MailboxInventory describes one mailbox.
type MailboxInventory struct {
	Path     Path      `json:"path"`
	Role     Role      `json:"role,omitempty"`
	NoSelect bool      `json:"noselect,omitempty"`
	Source   string    `json:"source"`
	Messages int       `json:"messages"`
	Bytes    int64     `json:"bytes"`
	Oldest   time.Time `json:"oldest,omitzero"`
	Newest   time.Time `json:"newest,omitzero"`
	// Flags counts messages per flag name (\Seen, \Answered, …, $New).
	Flags map[string]int `json:"flags"`
	// Keywords counts messages per keyword.
	Keywords map[string]int `json:"keywords,omitempty"`
	// Children tells whether the mailbox has sub-mailboxes.
	Children bool `json:"has_children,omitempty"`
	// Details is what the reader reports about the mailbox (mbox variant,
	// Eudora TOC use).
	Details any `json:"details,omitempty"`
}

// Inspect reads every message of r (octets included, so that sizes are
// exact) and returns an inventory. rep, if not nil, is the Report whose Add
// method the reader's Options.Events calls; it becomes Inventory.Events.
func Inspect(ctx context.Context, r Reader, rep *Report) (*Inventory, error) {
	if rep == nil {
		rep = &Report{}
	}
	inv := &Inventory{Events: rep}
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing mailboxes: %w", err)
	}
	parents := map[string]bool{}
	for _, mb := range mbs {
		for p := mb.Path.Parent(); len(p) > 0; p = p.Parent() {
			parents[pathKey(p)] = true
		}
	}
	buf := make([]byte, 64<<10)
	for _, mb := range mbs {
		mi := &MailboxInventory{Path: mb.Path, Role: mb.Role, NoSelect: mb.NoSelect, Source: mb.Source,
			Flags: map[string]int{}, Children: parents[pathKey(mb.Path)]}
		inv.Mailboxes = append(inv.Mailboxes, mi)
		inv.Totals.Mailboxes++
		if mb.NoSelect {
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			return inv, fmt.Errorf("opening %s: %w", mb.Path, err)
		}
		for {
			if err := ctx.Err(); err != nil {
				mr.Close()
				return inv, err
			}
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				mr.Close()
				return inv, fmt.Errorf("reading %s: %w", mb.Path, err)
			}
			var n int64
			for {
				k, err := mr.Read(buf)
				n += int64(k)
				if err == io.EOF {
					break
				}
				if err != nil {
					mr.Close()
					return inv, fmt.Errorf("reading %s: %w", m.Source, err)
				}
			}
			mi.Messages++
			mi.Bytes += n
			if !m.Date.IsZero() {
				if mi.Oldest.IsZero() || m.Date.Before(mi.Oldest) {
					mi.Oldest = m.Date
				}
				if m.Date.After(mi.Newest) {
					mi.Newest = m.Date
				}
			}
			for i, name := range flagNames {
				if m.Flags&(1<<i) != 0 {
					mi.Flags[name]++
				}
			}
			for _, k := range m.Keywords {
				if mi.Keywords == nil {
					mi.Keywords = map[string]int{}
				}
				mi.Keywords[k]++
			}
		}
		if d, ok := mr.(interface{ Details() any }); ok {
			mi.Details = d.Details()
		}
		mr.Close()
		inv.Totals.Messages += mi.Messages
		inv.Totals.Bytes += mi.Bytes
	}
	return inv, nil
}
