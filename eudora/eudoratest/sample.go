package eudoratest

import (
	"strings"
	"time"
)

// SamplePNG is a 2×2 PNG image used as an inline image in Sample.
var SamplePNG = []byte("\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x11\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\x00\x04\x20\xe2\x3f\x90\x00\x00\x1b\xf2\x03\xfd\x5c\x61\x17\x8e\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82")

// SamplePDF is a small PDF document attached in Sample.
var SamplePDF = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n" +
	"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>> endobj\n" +
	"xref\n0 4\n0000000000 65535 f \n0000000015 00000 n \n0000000062 00000 n \n0000000117 00000 n \n" +
	"trailer <</Size 4/Root 1 0 R>>\nstartxref\n185\n%%EOF\n")

// SampleNotes is a text attachment of Sample, stored with CRLF line ends as
// Eudora for Windows saves text attachments.
var SampleNotes = []byte("Meeting notes\r\n=============\r\n\r\n- budget approved\r\n- next review in March\r\n")

// SampleCID is the Content-ID of the inline image of Sample.
const SampleCID = "part1.05030408.01020304@example.org"

const sampleAttach = `c:\users\jane\appdata\roaming\qualcomm\eudora\attach\`

func sampleWhen(day, hour int) time.Time { return time.Date(2010, 12, day, hour, 15, 0, 0, time.UTC) }

// Sample is a small, realistic Windows store as Eudora 7.1 leaves it: In
// with plain, flowed and HTML mail, an HTML message with an inline image,
// messages with a binary (PDF) and a text attachment, every reading state,
// a label, and a deleted message not yet compacted; Out with sent, queued
// and unsent compositions; Trash and Junk; nested folders with non-ASCII
// names. Stored messages carry what Eudora leaves: stale multipart
// Content-Type headers, RFC 2047 words decoded in place to raw
// Windows-1252, no Content-Transfer-Encoding, pseudo-tags and
// marker lines with the original PC's paths; besides the mail, an address
// book, filters and signatures (see sampleFiles). It is checked in as
// testdata/eudora-sample, the README's demo input.
func Sample() *Store {
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	in := []Msg{
		{Raw: crlf(`Return-Path: <alice@example.org>
Received: from mail.example.org by pop.example.com; Sun, 12 Dec 2010 23:43:10 -0600
Date: Sun, 12 Dec 2010 23:42:55 -0600
From: Alice Martin <alice@example.org>
To: Jane Doe <jane@example.com>
Subject: Lunch on Friday?
Message-ID: <20101213054255.1234@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi Jane,

Are you free for lunch on Friday? The new place on Main Street.
From what I hear the soup is excellent.

Alice
`), State: 2, Seconds: 1292240575, TZMinutes: -360, Who: "Alice Martin", Subject: "Lunch on Friday?", Arrival: sampleWhen(13, 5)},
		{Raw: crlf(`Date: Mon, 13 Dec 2010 09:12:00 -0500
From: Bob Stone <bob@example.net>
To: jane@example.com
Subject: Quarterly report
Message-ID: <4D0628A0.7050607@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------050905060203070608090105"

Jane,

the report and my notes from the meeting are attached.

Bob

Attachment Converted: "` + sampleAttach + `report.pdf"

Attachment Converted: "` + sampleAttach + `notes.txt"
`), State: 3, Flags: 0x8000, Who: "Bob Stone", Subject: "Quarterly report", Label: 2, Arrival: sampleWhen(13, 14)},
		{Raw: string(encode1252(crlf(`Date: Tue, 14 Dec 2010 10:00:00 +0100
From: René Dupont <rene@example.fr>
To: jane@example.com
Subject: Photo from the trip
Message-ID: <4D073200.3000400@example.fr>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="------------010203040506070809000102"

<x-html>
<!doctype html public "-//w3c//dtd html 4.0 transitional//en">
<html>
<body>
<p>Here is the <b>photo</b> I promised:</p>
<p><img src="cid:` + SampleCID + `" alt="trip"></p>
<p>Ren&eacute;</p>
</body>
</html>
</x-html>

Embedded Content: trip.png: 00000001,` + hex8(Hash(SampleCID)) + `,00000000,00000000
`))), State: 1, FlagsEx: 0x0002, Flags: 0x2000, Who: "René", Subject: "Photo from the trip", Arrival: sampleWhen(14, 9)},
		{Raw: crlf(`Date: Wed, 15 Dec 2010 16:30:00 -0800
From: Carol <carol@example.com>
To: jane@example.com
Subject: Newsletter, December
Message-ID: <newsletter-2010-12@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt-1"

<x-html>
<html><body><h1>December news</h1><p>Our office closes on the 24th.</p></body></html>
</x-html>
`), State: 0, FlagsEx: 0x0002, Who: "Carol", Subject: "Newsletter, December", Arrival: sampleWhen(16, 0)},
		{Raw: crlf(`Date: Thu, 16 Dec 2010 08:00:00 +0000
From: Dave <dave@example.org>
To: jane@example.com
Subject: Old thread I deleted
Message-ID: <deleted@example.org>

This message was deleted in Eudora; its bytes wait for compaction.
`), Deleted: true, Arrival: sampleWhen(16, 8)},
		{Raw: crlf(`Date: Fri, 17 Dec 2010 12:00:00 +0000
From: Erin <erin@example.org>
To: jane@example.com
Subject: Flowed text
Message-ID: <flowed@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii; format=flowed

<x-flowed>
This paragraph was sent as format=flowed, so its lines end with a 
space where they were wrapped by the sender's mail program.

Second paragraph.
</x-flowed>
`), State: 4, FlagsEx: 0x0040, Who: "Erin", Subject: "Flowed text", Arrival: sampleWhen(17, 12)},
	}
	out := []Msg{
		{Raw: crlf(`To: Alice Martin <alice@example.org>
From: Jane Doe <jane@example.com>
Subject: Re: Lunch on Friday?
Cc: 
Bcc: 
X-Attachments: 
In-Reply-To: <20101213054255.1234@example.org>
References: <20101213054255.1234@example.org>
Message-Id: <6.2.5.6.2.20101213082000.01e2f338@example.com>
X-Eudora-Signature: <Standard>

Yes, Friday works. See you at noon.

Jane
`), State: 8, Seconds: 1292250000, Who: "Alice Martin", Subject: "Re: Lunch on Friday?", Arrival: sampleWhen(13, 8)},
		{Raw: crlf(`To: team@example.com
From: Jane Doe <jane@example.com>
Subject: Agenda for Monday
Cc: 
Bcc: 
X-Attachments: 
Message-Id: <6.2.5.6.2.20101217170000.01e2f440@example.com>

1. Budget
2. Hiring
`), State: 7, Seconds: 1292605200, Who: "team@example.com", Subject: "Agenda for Monday", Arrival: sampleWhen(17, 17)},
		{Raw: crlf(`To: 
From: Jane Doe <jane@example.com>
Subject: Ideas (draft)
Cc: 
Bcc: 
X-Attachments: 
Message-Id: <6.2.5.6.2.20101218100000.01e2f550@example.com>

- garden
- piano lessons
`), State: 5, Seconds: 1292666400, Subject: "Ideas (draft)", Arrival: sampleWhen(18, 10)},
	}
	s := &Store{
		Root: Folder{
			Mailboxes: []*Mailbox{
				{Name: "In", Unread: 'Y', Msgs: in},
				{Name: "Out", Unread: 'N', Msgs: out},
				{Name: "Junk", Unread: 'N', Msgs: []Msg{{Raw: crlf(`Date: Sat, 18 Dec 2010 03:00:00 +0000
From: Prize Office <win@lottery.example>
To: jane@example.com
Subject: You have won!
Message-ID: <win-123@lottery.example>

Claim your prize now.
`), State: 0, Junk: 0x80 | 95, Who: "Prize Office", Subject: "You have won!", Arrival: sampleWhen(18, 3)}}},
				{Name: "Trash", Unread: 'N', Msgs: []Msg{{Raw: crlf(`Date: Mon, 06 Dec 2010 11:00:00 +0000
From: Shop <orders@shop.example>
To: jane@example.com
Subject: Your order has shipped
Message-ID: <order-98765@shop.example>

Tracking number 12345.
`), State: 1, Who: "Shop", Subject: "Your order has shipped", Arrival: sampleWhen(6, 11)}}},
			},
			Folders: []*Folder{
				{Name: "Work", Mailboxes: []*Mailbox{
					{Name: "Clients", Unread: 'N', Msgs: []Msg{{Raw: crlf(`Date: Fri, 10 Dec 2010 15:00:00 -0500
From: Client <client@corp.example>
To: jane@example.com
Subject: Contract renewal
Message-ID: <contract-2011@corp.example>

Please find the contract terms below.
`), State: 2, Label: 1, Who: "Client", Subject: "Contract renewal", Arrival: sampleWhen(10, 20)}}},
				}, Folders: []*Folder{{Name: "Projects", Mailboxes: []*Mailbox{
					{Name: "Alpha", Unread: 'N', Msgs: []Msg{{Raw: crlf(`Date: Thu, 09 Dec 2010 09:00:00 +0000
From: PM <pm@corp.example>
To: jane@example.com
Subject: Alpha kickoff
Message-ID: <alpha-kickoff@corp.example>

Kickoff is on Monday.
`), State: 1, Who: "PM", Subject: "Alpha kickoff", Arrival: sampleWhen(9, 9)}}},
				}}}},
				{Name: "Famille & Amis", File: "Famille.fol", Mailboxes: []*Mailbox{
					{Name: "Vacances été", File: "Vacances.mbx", Unread: 'N', Msgs: []Msg{{Raw: crlf("Date: Sun, 01 Aug 2010 18:00:00 +0200\nFrom: Maman <maman@example.fr>\nTo: jane@example.com\nSubject: Vacances\nMessage-ID: <vacances-2010@example.fr>\n\nOn arrive le 3 ao\xfbt.\n"), State: 1, Who: "Maman", Subject: "Vacances", Arrival: time.Date(2010, 8, 1, 18, 5, 0, 0, time.UTC)}}},
				}},
			},
		},
		Attach:   map[string][]byte{"report.pdf": SamplePDF, "notes.txt": SampleNotes, "orphan.doc": []byte("attachment of a deleted message\r\n")},
		Embedded: map[string][]byte{"trip.png": SamplePNG},
		Ini:      "[Settings]\nRealName=Jane Doe\nReturnAddress=jane@example.com\n",
		Files:    sampleFiles(),
	}
	sampleUntypedAttachments(s)
	return s
}

// SampleSignedText and SampleSignature are the two files Eudora detached
// from the mutt-signed message of Sample, named after bare MIME names
// without an extension: a text part (UTF-8) and an ASCII-armored
// PGP signature.
var (
	SampleSignedText = []byte("Hi Jane,\r\n\r\nthe signed copy of the minutes is below. Gr\xc3\xbc\xc3\x9fe from Berlin.\r\n\r\nStevan\r\n")
	SampleSignature  = []byte("-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v1.4.11 (GNU/Linux)\n\niEYEARECAAYFAk0MX0sACgkQm3bHdcU4pPHaPACfVvNKWXS8KpwoKOvd5N1t3wM1\nkZ8AnRmS5cIbwC3GhMvC3vOo7iZSsa1z\n=Hx5Q\n-----END PGP SIGNATURE-----\n")
)

// sampleUntypedAttachments adds to In a multipart/signed message (as mutt
// sends them) that Eudora flattened, detaching both parts into files
// without an extension (stevan_white, Email Attachment Test): the rebuild
// must type them from their content.
func sampleUntypedAttachments(s *Store) {
	crlf := func(str string) string { return strings.ReplaceAll(str, "\n", "\r\n") }
	in := s.Root.Mailboxes[0]
	in.Msgs = append(in.Msgs, Msg{Raw: crlf(`Date: Sat, 18 Dec 2010 07:31:55 +0100
From: Stevan White <stevan@example.de>
To: jane@example.com
Subject: Email Attachment Test
Message-ID: <20101218063155.GA4711@example.de>
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha1;
	protocol="application/pgp-signature"; boundary="3V7upXqbjpZ4EhLz"
User-Agent: Mutt/1.5.20 (2009-06-14)

Attachment Converted: "` + sampleAttach + `stevan_white"

Attachment Converted: "` + sampleAttach + `Email Attachment Test"
`), State: 1, Who: "Stevan White", Subject: "Email Attachment Test", Arrival: sampleWhen(18, 7)})
	s.Attach["stevan_white"] = SampleSignedText
	s.Attach["Email Attachment Test"] = SampleSignature
}

func hex8(v uint32) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xF]
		v >>= 4
	}
	return string(b)
}
