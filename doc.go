// Package mailconv is the model of mailconv, which moves mail out of legacy
// stores without losing anything: the one message model every store format
// maps into, and the seams between formats. The engine that runs a migration
// (Convert, the journal, Inspect, Verify, the report) is package
// github.com/mailconv/mailconv/migrate, which uses only what this package
// exports, as database/sql keeps its drivers' interfaces apart from the
// engine.
//
//   - Message: the metadata of one message (flags, keywords, internal date
//     and where it came from, envelope sender, source location); its raw
//     RFC 5322 octets are streamed, never required to be in memory whole.
//   - Reader and MailboxReader: a store read as a folder tree, then as a
//     stream of messages per mailbox, in the manner of archive/tar
//     (Next, then Read).
//   - Writer and MailboxWriter, with Capabilities telling what the
//     destination can hold, and the optional interfaces (optional.go) a
//     format implements to take part in resumption, planning and
//     pipelining.
//   - a format registry (RegisterFormat, LookupFormat, DetectFormat) in the
//     manner of image.RegisterFormat: format packages (mbox, maildir,
//     eudora) register themselves when imported; this package imports none.
//   - PlanNames, the one deterministic mapping of folder names onto what a
//     destination accepts.
//   - Event, the skips, losses, renames and warnings readers and writers
//     report, and the errors formats return (ParseError, SkipError, ...).
//   - the header helpers formats share (HeaderValue, ChooseDate, ...).
//
// Nothing a reader or writer cannot carry is dropped silently: skips, losses
// and renames are Events, which the engine collects in its report. Where the
// comments of this package name Convert, Inspect, Verify, the journal or the
// report, they mean those of package migrate.
package mailconv
