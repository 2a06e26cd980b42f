package pop3

// NewDotReader lets the package's external tests build a DotReader.
var NewDotReader = newDotReader
