// Package providertest serves a fake Gmail or Microsoft 365 IMAP server on
// loopback, for the tests of the provider presets: go-imap's in-memory
// server with the service's system mailboxes and their special-use
// attributes as the service lists them (Gmail: "[Gmail]/Sent Mail" \Sent,
// "[Gmail]/All Mail" \All, ..., with every LIST; Outlook: "Sent Items"
// \Sent, "Deleted Items" \Trash, ..., and its Notes, Tasks and Outbox
// folders; see docs/providers.md), new folders under "[Gmail]/" refused
// (the place of Gmail's system folders), an optional APPENDLIMIT enforced
// with NO [TOOBIG], and an optional XOAUTH2 login with a fixed access
// token. It records every APPEND and CREATE so that a test can show where
// messages went.
package providertest
