// Package mailconv moves mail out of legacy stores without losing anything.
//
// It defines one message model that every store format maps into, and the
// seams between formats:
//
//   - Message: the metadata of one message (flags, keywords, internal date
//     and where it came from, envelope sender, source location); its raw
//     RFC 5322 octets are streamed, never required to be in memory whole.
//   - Reader and MailboxReader: a store read as a folder tree, then as a
//     stream of messages per mailbox, in the manner of archive/tar
//     (Next, then Read).
//   - Writer and MailboxWriter, with Capabilities telling what the
//     destination can hold.
//   - a format registry (RegisterFormat, LookupFormat, DetectFormat) in the
//     manner of image.RegisterFormat: format packages (mbox, maildir,
//     eudora) register themselves when imported; this package imports none.
//   - PlanNames, the one deterministic mapping of folder names onto what a
//     destination accepts.
//   - Convert, which streams one message at a time from a Reader to a Writer
//     and returns a Report of what was read, written, skipped and lost.
//   - Journal, which records what a conversion committed so that a run
//     interrupted at any point, or repeated after the source grew, goes on
//     without losing or duplicating a message; DedupPolicy for merging
//     several stores into one.
//   - Inspect, the inventory of a store before a migration, and Verify, which
//     reads a source and a destination independently and compares them
//     message by message.
//
// Nothing a reader or writer cannot carry is dropped silently: skips, losses
// and renames are Events, collected in the Report.
package mailconv
