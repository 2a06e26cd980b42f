package imap

import "time"

// SetFetchPark sets how long the mailbox readers of r leave requested
// answers unread before they park them (fetchParkAfter), for tests.
func SetFetchPark(r *Reader, d time.Duration) { r.fetch.park = d }
