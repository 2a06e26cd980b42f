package eudora

// OpenConfig opens a store with a typed Config, for the tests that set
// limits and zones the format's Params do not reach.
var OpenConfig = openStore
