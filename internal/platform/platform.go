package platform

import "errors"

// ErrLink is wrapped (in an *fs.PathError) by OpenNoFollow on Windows when
// the file is a reparse point: a symbolic link or a junction, which could
// lead the write out of the destination. On Unix the same case is the
// system's ELOOP.
var ErrLink = errors.New("file is a symbolic link or junction; not followed")
