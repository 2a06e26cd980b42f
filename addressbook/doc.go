// Package addressbook carries address books out of Eudora: its nicknames
// (cards and mailing lists) are read into a small contact model and written
// as LDIF that Thunderbird imports and LDAP servers accept, or as vCard 4.0.
//
// Readers:
//   - ReadStore finds every address book of a Eudora store (Windows
//     NNdbase.txt or NNdbase.nnt, Nickname\*.txt, the ExtraNicknameDirs of
//     Eudora.ini; Mac "Eudora Nicknames" and "Nicknames Folder") and
//     resolves nicknames across them; ReadNicknames reads one file (also the
//     legacy "<nick>" format and Mac files: CR, MacRoman, "\" continuation,
//     0x02/0x03 escapes).
//   - ReadLDIF and ReadVCard read address books other programs wrote, so
//     that one format can be turned into the other.
//
// Writers: WriteLDIF (Thunderbird's attribute names, RFC 2849 folding and
// base64, escaped DNs; LDIFOptions.BaseDN for an LDAP server, with only the
// standard schema unless LDIFOptions.Schema is SchemaMozilla) and
// WriteVCard (RFC 6350, lists as KIND:group with MEMBER). Every ORG and
// TITLE value of a vCard is kept (further ones as labelled notes), ADR
// components stay in their slots, and birthdays are Thunderbird's
// birthyear, birthmonth and birthday (docs/formats/contacts.md).
//
// Nothing is dropped silently: a value with no place in the target is kept
// as a "Label: value" line of the notes and reported as a
// mailconv.EventLoss with code "addressbook.no-home" (or
// "addressbook.standard-attribute" for a Thunderbird value moved to the
// closest standard LDAP attribute) through the Events function of the
// options; damaged input lines, unresolved nicknames and
// list cycles are reported as skips or warnings.
package addressbook
