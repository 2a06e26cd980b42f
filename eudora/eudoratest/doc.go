// Package eudoratest lays out Eudora stores byte for byte, for tests:
// Windows data folders (descmap.pce, .mbx mailboxes, 104+218·n-byte
// little-endian .toc files, .fol folders, attach and Embedded folders) and
// Mac Eudora Folders (extension-less CR mailboxes, 278+220·n-byte
// big-endian TOCs in an AppleDouble resource fork or a sidecar .toc,
// Attachments Folder, Parts Folder). Messages can be deleted (bytes kept,
// no record), records moved off their bytes, TOCs edited after encoding, so
// that damaged stores are as easy to make as healthy ones.
//
// The encoders follow the format reference (docs/formats/eudora.md §1, §3) and do not
// use the package that reads stores, so that the two check each other.
package eudoratest
