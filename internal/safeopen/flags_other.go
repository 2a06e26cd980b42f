//go:build !unix

package safeopen

// nonBlock is not needed here: Windows has no named pipes in the file
// system (they live under \\.\pipe\), so an open never waits for a writer.
const nonBlock = 0
