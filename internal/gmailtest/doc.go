// Package gmailtest serves a fake Gmail IMAP server on loopback, for the
// tests of the gmail provider preset: go-imap's in-memory server with
// Gmail's layout of system mailboxes ("[Gmail]/Sent Mail", "[Gmail]/All
// Mail", ...), whose special-use attributes (\Sent, \All, \Important, ...)
// come with every LIST as Gmail sends them (docs/providers.md), new folders
// under "[Gmail]/" refused (the place of Gmail's system folders), and an
// optional
// APPENDLIMIT enforced with NO [TOOBIG]. It records every APPEND and
// CREATE so that a test can show where messages went.
package gmailtest
