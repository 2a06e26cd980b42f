// Package extras exports the parts of a Eudora store that are neither mail
// nor address books nor filters: signatures and stationery. Each becomes a
// UTF-8 text or HTML file named after it, ready to paste into a new mail
// client's settings.
//
// Windows stores keep signatures in Sigs\*.txt (plus the legacy
// signatur.pce and signatur.alt for Standard and Alternate) and stationery
// in Stationery\*.sta; Mac stores in "Signature Folder" and "Stationery
// Folder". A body is HTML when a line starts with <x-html> or <html>
// (Eudora's own test); Eudora's <x-html>, <x-flowed> and <x-rich> wrapper
// lines are removed.
package extras
