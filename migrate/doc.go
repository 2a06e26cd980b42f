// Package migrate runs a migration between two stores of the mailconv
// model (package github.com/mailconv/mailconv, whose formats register
// themselves when imported):
//
//   - Convert streams one message at a time from a Reader to a Writer and
//     returns a Report of what was read, written, skipped and lost.
//   - Journal records what a conversion committed, so that a run
//     interrupted at any point, or repeated after the source grew, goes on
//     without losing or duplicating a message; DedupPolicy merges several
//     stores into one; DayBudget limits what is uploaded per day.
//   - Inspect takes the inventory of a store before a migration, and Verify
//     reads a source and a destination independently and compares them
//     message by message.
package migrate
