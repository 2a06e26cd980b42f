// Package storeroot holds what the readers of directory stores share:
// opening the store's directory as an os.Root (so that no entry leads
// outside it), listing directories, telling an entry that tried to leave
// the root, reporting events with the file and offset they concern, and
// walking the message files of a mailbox (Files).
package storeroot
