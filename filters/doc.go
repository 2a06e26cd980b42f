// Package filters carries Eudora's mail filters to Sieve (RFC 5228).
//
// Parse reads one filters file: Windows Filters.pce (and the
// Filters\*.pre and *.pst sets that run before and after it) or the Mac
// "Eudora Filters" (CR line ends, MacRoman, Mac numbering of status,
// priority and serverOpt). ReadStore finds and parses them all in the
// order Eudora runs them.
//
// WriteSieve turns the incoming filters into one Sieve script, requiring
// fileinto, imap4flags, body, copy, regex and variables only as needed:
// the extensions a stock Dovecot Pigeonhole enables
// (DefaultSieveExtensions), so that the script compiles on a server
// without special configuration. Actions that need an extension
// Pigeonhole ships disabled (the priority and subject actions need
// editheader) become comments and losses unless SieveOptions.Extensions
// allows it (docs/formats/sieve.md). Transfer targets are Eudora file paths; a FolderResolver
// supplied by the caller maps them to the mailbox paths of the mail
// conversion, and a mailconv.NamePlan maps those to the destination names,
// so that the script files into exactly the mailboxes the conversion
// created. Every filter, term or action with no Sieve equivalent becomes
// a comment in the script and an event (skip, loss or warning) for the
// report.
package filters
