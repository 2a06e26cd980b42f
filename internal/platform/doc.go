// Package platform holds the few file-system operations whose rules differ
// between Unix (Linux, macOS) and Windows, so that no other package needs a
// syscall type or a build tag:
//
//   - OpenNoFollow opens a destination file without following a link in
//     its last component (O_NOFOLLOW on Unix; on Windows the file is
//     opened as a reparse point and refused when it is one: a symbolic
//     link or a junction).
//   - SyncDir makes a directory's entries durable where the system can
//     (Unix); on Windows a directory handle cannot be flushed and NTFS
//     journals its metadata itself, so it does nothing there.
//   - FileKey adds to a size-and-time fingerprint what tells a replaced
//     file from the same one: the inode on Unix, the creation time on
//     Windows (which has no inode in a FileInfo).
//   - FreeSpace reports the space available on a path's file system.
//
// The rules are written down in docs/formats/windows-macos.md.
package platform
