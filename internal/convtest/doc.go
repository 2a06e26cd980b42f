// Package convtest holds the steps that format packages' tests repeat: read
// a store through the registry, convert it into another format, verify the
// result, collect every message with its state for comparison, and show
// that a source was left unchanged. It is for tests only; the formats used
// must be imported by the test.
package convtest
