package applemailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Attachment is one attachment part of a message.
type Attachment struct {
	Name     string
	Type     string // MIME type; application/octet-stream when empty
	Encoding string // base64 (default), quoted-printable or 7bit
	Data     []byte
}

// Msg is one message.
type Msg struct {
	// ID is the emlx number (the file name).
	ID int
	// Header holds the header fields, LF-terminated, without the blank
	// line; Text the body of the first (text/plain) part.
	Header, Text string
	// Attachments, when present, make the message multipart/mixed with
	// the text as part 1 and the attachments as parts 2, 3, ...
	Attachments []Attachment
	// Partial stores the attachments beside the message
	// (Attachments/<id>/<part>/<name>) and leaves their parts empty, as
	// Apple Mail does for a .partial.emlx.
	Partial bool
	// Flags is the plist flags word; Received the date-received.
	Flags    uint64
	Received time.Time
}

// Mailbox is one mailbox with its messages and children.
type Mailbox struct {
	Name     string
	IMAP     bool // ".imapmbox" instead of ".mbox"
	Msgs     []Msg
	Children []Mailbox
}

// Account is a top-level directory of the VN tree: an account UUID, or
// "Mailboxes" for the local mailboxes.
type Account struct {
	Dir       string
	Mailboxes []Mailbox
}

// Store is a ~/Library/Mail tree.
type Store struct {
	// Version is N of the VN directory (2 for Mail 3-4, where messages
	// sit in <mailbox>/Messages; from 3 on in <mailbox>/<UUID>/Data/…).
	Version  int
	Accounts []Account
}

// Full returns the message as the reader must rebuild it: headers, and the
// attachments encoded in their parts.
func (m Msg) Full() []byte { return m.render(false) }

func (m Msg) render(partial bool) []byte {
	var b bytes.Buffer
	b.WriteString(m.Header)
	if len(m.Attachments) == 0 {
		b.WriteString("\n" + m.Text)
		return b.Bytes()
	}
	const bnd = "Apple-Mail=_0123456789"
	b.WriteString("Mime-Version: 1.0\nContent-Type: multipart/mixed;\n\tboundary=\"" + bnd + "\"\n\n\n")
	b.WriteString("--" + bnd + "\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n" + m.Text + "\n")
	for _, a := range m.Attachments {
		typ, enc := a.Type, a.Encoding
		if typ == "" {
			typ = "application/octet-stream"
		}
		if enc == "" {
			enc = "base64"
		}
		fmt.Fprintf(&b, "--%s\nContent-Transfer-Encoding: %s\nContent-Disposition: attachment;\n\tfilename=%q\nContent-Type: %s;\n\tname=%q\n",
			bnd, enc, a.Name, typ, a.Name)
		body := Encode(a.Data, enc)
		if partial {
			fmt.Fprintf(&b, "X-Apple-Content-Length: %d\n\n\n", len(body))
			continue
		}
		b.WriteString("\n")
		b.Write(body)
		b.WriteString("\n")
	}
	b.WriteString("--" + bnd + "--\n")
	return b.Bytes()
}

// Encode encodes data as a part body with LF line ends: base64 in lines of
// 76 characters, quoted-printable, or as it is.
func Encode(data []byte, enc string) []byte {
	switch enc {
	case "", "base64":
		s := base64.StdEncoding.EncodeToString(data)
		var b bytes.Buffer
		for len(s) > 76 {
			b.WriteString(s[:76] + "\n")
			s = s[76:]
		}
		b.WriteString(s)
		return b.Bytes()
	case "quoted-printable":
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write(data)
		w.Close()
		return bytes.ReplaceAll(b.Bytes(), []byte("\r\n"), []byte("\n"))
	}
	return data
}

// EMLX returns the emlx file of a message: byte count line, message,
// property list.
func EMLX(msg []byte, flags uint64, received time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%-10d\n", len(msg))
	b.Write(msg)
	b.WriteString(Plist(flags, received))
	return b.Bytes()
}

// Plist returns an emlx property list with the flags and date-received.
func Plist(flags uint64, received time.Time) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>date-last-viewed</key>
	<integer>0</integer>
	<key>date-received</key>
	<integer>` + strconv.FormatInt(received.Unix(), 10) + `</integer>
	<key>flags</key>
	<integer>` + strconv.FormatUint(flags, 10) + `</integer>
	<key>remote-id</key>
	<string>7</string>
</dict>
</plist>
`
}

// Write writes the store under dir (dir is ~/Library/Mail) and returns the
// VN directory.
func Write(dir string, s Store) (string, error) {
	vdir := filepath.Join(dir, "V"+strconv.Itoa(s.Version))
	if err := os.MkdirAll(filepath.Join(vdir, "MailData"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(vdir, "MailData", "Accounts.plist"), []byte("<plist/>\n"), 0o644); err != nil {
		return "", err
	}
	for _, a := range s.Accounts {
		for _, mb := range a.Mailboxes {
			if err := writeMailbox(filepath.Join(vdir, a.Dir), mb, s.Version); err != nil {
				return "", err
			}
		}
	}
	return vdir, nil
}

// WriteMailbox writes one mailbox (and its children) under dir.
func WriteMailbox(dir string, mb Mailbox, version int) error { return writeMailbox(dir, mb, version) }

func writeMailbox(dir string, mb Mailbox, version int) error {
	ext := ".mbox"
	if mb.IMAP {
		ext = ".imapmbox"
	}
	mdir := filepath.Join(dir, mb.Name+ext)
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(mdir, "Info.plist"), []byte("<plist/>\n"), 0o644); err != nil {
		return err
	}
	for _, m := range mb.Msgs {
		data := filepath.Join(mdir, "Messages")
		if version >= 3 {
			// <UUID>/Data/<digits of id/1000, reversed>/Messages
			data = filepath.Join(mdir, "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "Data")
			for _, d := range reverse(strconv.Itoa(m.ID / 1000)) {
				if m.ID < 1000 {
					break
				}
				data = filepath.Join(data, string(d))
			}
			data = filepath.Join(data, "Messages")
		}
		if err := os.MkdirAll(data, 0o755); err != nil {
			return err
		}
		name := strconv.Itoa(m.ID) + ".emlx"
		if m.Partial {
			name = strconv.Itoa(m.ID) + ".partial.emlx"
			for i, a := range m.Attachments {
				ad := filepath.Join(filepath.Dir(data), "Attachments", strconv.Itoa(m.ID), strconv.Itoa(i+2))
				if err := os.MkdirAll(ad, 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(ad, a.Name), a.Data, 0o644); err != nil {
					return err
				}
			}
		}
		if err := os.WriteFile(filepath.Join(data, name), EMLX(m.render(m.Partial), m.Flags, m.Received), 0o644); err != nil {
			return err
		}
	}
	for _, c := range mb.Children {
		if err := writeMailbox(mdir, c, version); err != nil {
			return err
		}
	}
	return nil
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// WriteBundle writes an exported mailbox: dir/Name.mbox/ with an mbox file
// of the messages (From_ lines added, body From lines quoted as mboxrd)
// and a table_of_contents.
func WriteBundle(dir, name string, msgs [][]byte) (string, error) {
	bdir := filepath.Join(dir, name+".mbox")
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		return "", err
	}
	var b bytes.Buffer
	for _, m := range msgs {
		b.WriteString("From MAILER-DAEMON Sat Jan  1 10:00:00 2005\n")
		for _, l := range strings.SplitAfter(string(m), "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, ">"), "From ") {
				b.WriteString(">")
			}
			b.WriteString(l)
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(bdir, "mbox"), b.Bytes(), 0o644); err != nil {
		return "", err
	}
	return bdir, os.WriteFile(filepath.Join(bdir, "table_of_contents"), []byte{0, 0, 0, 1, 0xff}, 0o644)
}
