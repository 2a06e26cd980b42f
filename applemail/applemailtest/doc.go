// Package applemailtest writes Apple Mail stores for tests: a
// ~/Library/Mail/VN tree with accounts, nested .mbox/.imapmbox mailboxes,
// emlx and partial emlx files with their Attachments/ directories, and
// exported Name.mbox bundles. It writes what docs/formats/applemail.md
// describes, so tests exercise the layouts the public samples do not
// cover.
package applemailtest
