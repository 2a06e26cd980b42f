// Package mime is the message-level work mailconv shares between formats:
// above all, putting the messages Eudora stored "flattened" back into real
// MIME (format reference: docs/formats/eudora.md §2, rebuilding rules §2.11).
//
// Eudora decoded every transfer encoding while downloading, deleted the
// Content-Transfer-Encoding header, left the old (often multipart)
// Content-Type behind, wrapped inlined HTML, flowed and enriched text in
// pseudo-tags (<x-html>, <x-flowed>, <x-rich>, Mac <x-charset>), and saved
// attachments and embedded images as files, leaving marker lines
// ("Attachment Converted: …", "Embedded Content: …", Mac "Attachment
// converted: …" and "Related: …"). Rebuild reverses that; it knows nothing
// of stores: the eudora package gives it one stored message at a time and a
// Resolver that opens the files the markers name.
//
// # What Rebuild produces
//
// The top-level header keeps every field in order except Content-Type,
// Content-Transfer-Encoding, MIME-Version, Content-Length, Lines,
// Content-Disposition and Content-MD5 (all stale), which are re-emitted as
// needed. Raw 8-bit header text (RFC 2047 words Eudora decoded in place) is
// re-encoded: unstructured fields as a whole, address fields in their
// display names and comments only (B encoding); the charset is utf-8 when
// the bytes are valid UTF-8, else windows-1252 (Windows) or macintosh
// (Mac). Fields where encoded-words are not allowed (Message-ID, Received,
// Date, …) keep their bytes. A line that is not a header field becomes
// X-Mailconv-Unparsed-Header.
//
// The body is cut into text runs (untagged text, each pseudo-tag's content)
// and file markers, in order. Each run becomes one part: <x-flowed> →
// text/plain; format=flowed (trailing spaces kept), <x-html> → text/html
// (with Content-Base from the <BASE HREF=…> line or the Mac
// x-stuff-for-pete base), <x-rich> → text/enriched, <x-charset CS> and
// untagged text → text/plain. The tags, the BASE line and the Mac
// x-stuff-for-pete tag are removed; everything else between the tags is the
// part's content, with line ends turned into CRLF. The blank line Eudora
// writes before an untagged marker is dropped with the marker; runs of
// empty lines between parts are dropped. Leftover inline sub-part headers
// (docs/formats/eudora.md §2.4: sub-part headers and message/rfc822 headers) are ordinary text.
//
// The charset of a run (§2.9): pure ASCII → us-ascii (ISO-2022-JP when it
// holds ESC sequences); valid UTF-8 → utf-8; text declared UTF-8, or on
// Windows valid UTF-8 mixed only with stray 0x80–0x9F bytes (Eudora's
// Windows-1252 squeeze table), is repaired: stray bytes are converted from
// windows-1252 (macintosh on the Mac) to UTF-8 (Problem
// mime.charset-repaired); a declared charset (tag, x-stuff-for-pete,
// <meta charset>, or the top-level Content-Type of a single-part Windows
// message) is kept, ISO-8859-1 and US-ASCII becoming windows-1252 (Windows)
// or macintosh (Mac) and ISO-8859-15 holding 1252 bytes being repaired to
// UTF-8; otherwise windows-1252 or macintosh. Bytes are never transcoded
// except by a repair, so an unlabelled non-Latin text keeps its bytes. When
// the HTML's <meta> charset differs from the label chosen for non-ASCII
// HTML, the meta value is rewritten to match. Text parts use 7bit when
// safe (ASCII, lines of at most 998 bytes), else quoted-printable, or
// base64 when more than a third of the bytes are 8-bit. NUL bytes are
// dropped from text (Problem mime.nul-dropped).
//
// Every file marker (and, for compositions, every X-Attachments and
// X-EmbeddedContent entry) is opened through the Resolver. A file that
// cannot be opened never disappears silently: its marker line (and the
// blank line before it) stays in the text and a Problem is recorded
// (mime.missing-attachment, mime.outside-root, mime.unreadable-attachment;
// unused header entries stay in the header). Spoofed markers
// ("#Attachment Converted:", "Attachment Converted&#058;") are text and pull
// nothing (Problem mime.spoofed-marker). Files are base64 encoded in
// 76-column lines, typed from their extension (TypeByExtension), then their
// Mac type (TypeByMacType), then their content (SniffContentType, with the
// platform's single-byte charset as fallback: sniffed text gets a charset
// parameter), then their Mac creator (TypeByMacCreator), else
// application/octet-stream; the rules are in docs/formats/content-sniffing.md.
// text/* files are returned to CRLF first. Content-Disposition: attachment carries
// filename="…" for short ASCII names and only the RFC 2231 form
// (filename*= in UTF-8, in sections when long) otherwise; Content-Type's
// name parameter likewise. Embedded files (Windows Embedded
// Content, Mac Related, composition X-EmbeddedContent) are matched to the
// cid: URLs of the HTML by their Content-ID hash (EudoraHash), or by their
// URL hashes (Content-Location) [?]; matched files join the HTML in a
// multipart/related with Content-ID: <original> and Content-Disposition:
// inline; unmatched ones become ordinary attachments (Problem
// mime.embedded-unmatched).
//
// Structure: multipart/mixed of the parts in message order, where an HTML
// run with embedded files is a multipart/related [html, files…]; a
// container with one child is replaced by the child, so a message with no
// attachment is a single part. Boundaries are derived from the message
// (the output is deterministic) and cannot occur in any part.
//
// Compositions (RebuildOptions.Composition): Date is added from
// RebuildOptions.Date, empty To/Cc/Bcc/In-Reply-To/References are dropped,
// Message-Id becomes Message-ID with angle brackets, X-Attachments and
// X-EmbeddedContent entries become parts (entries that cannot be used stay
// in a rewritten header), an untagged body starting with <html> (or flagged
// HTML) is text/html, and a body flagged flowed is format=flowed.
//
// A multipart/signed, multipart/encrypted or S/MIME message is emitted as
// ordinary mixed content with a mime.signed-flattened or
// mime.encrypted-flattened Problem: the signature cannot verify any more.
// In a flattened multipart/signed, a file holding an ASCII-armored PGP
// signature is an application/pgp-signature part whatever its name says
// (it keeps the name Eudora saved it under).
//
// # Pass-through
//
// Rebuild passes the message through byte for byte (Result.Rebuilt false,
// line ends untouched) when:
//
//   - it is intact MIME, never flattened: the header still has a
//     Content-Transfer-Encoding field, or its Content-Type is multipart with
//     a boundary whose delimiter line occurs in the body; or
//   - there is nothing to do: not a composition; no pseudo-tag, no file
//     marker; a Content-Type that is absent or not multipart; no 8-bit or
//     malformed header line; a Date (or no RebuildOptions.Date); body lines
//     of at most 998 bytes without NUL; and the body is ASCII, or its
//     declared charset is the one the rules above would choose (a Windows
//     text/plain; charset=utf-8 message holding valid UTF-8, say). A
//     message with a non-text Content-Type and no marker also passes; or
//   - its header is longer than Limits.MaxHeaderBytes (Problem mime.limit).
//
// # Limits and memory
//
// Rebuild holds one line (Limits.MaxLineBytes) at a time while reading, the
// header (Limits.MaxHeaderBytes), and a plan whose size is bounded by
// Limits.MaxParts and Limits.MaxAttachments. The message itself stays where
// the caller has it when msg is an io.ReaderAt with Seek and Size (read in
// place: it must stay readable until the Result is closed); otherwise it is
// kept in memory up to Limits.MaxMemoryBytes and spooled to a temporary
// file beyond. Output is produced as the caller reads: text runs are read
// back from the message, files are streamed from the Resolver through the
// encoders; there are no goroutines. Limits never lose text: a marker over
// MaxAttachments, a tag deeper than MaxNesting, a body beyond MaxParts
// parts stay in the message as plain text, with a mime.limit Problem.
//
// # Problem codes
//
// mime.missing-attachment, mime.outside-root, mime.unreadable-attachment,
// mime.spoofed-marker, mime.limit, mime.signed-flattened,
// mime.encrypted-flattened, mime.malformed-header, mime.charset-repaired,
// mime.nul-dropped, mime.unclosed-tag, mime.no-date,
// mime.embedded-unmatched, mime.bad-header-entry, mime.run-plugin,
// mime.problems-truncated (see the Problem* constants).
//
// Not done: the plain-text alternative of an HTML message (lost by Eudora)
// is not synthesised; Eudora 7's doubled-tail bug (§2.9) is not repaired.
package mime
