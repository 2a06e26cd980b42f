package fuzz_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv/addressbook"
	"github.com/mailconv/mailconv/mime"
)

var nicknameSeeds = []string{
	"alias bob Bob Smith <bob@example.com>\r\nnote bob <first:Bob><last:Smith><address:1 Main\x03Apt 2><bp:Y>free\r\n",
	"alias \"a b\" x@y, team\r\nalias team a b, c@d (C)\r\n",
	"alias a b\nalias b a\nalias c c\n",
	"<legacy>\r\na@b, c@d\r\n<legacy>\r\n><name:x>\r\n",
	"alias m\x8e x@y\rnote m\x8e <title:a \x02 b>\ralias l one@x,\\\rtwo@x\r",
	"alias u <unclosed\r\nnote u <name:open\r\n",
	"\x00\xff\xfe garbage <<<>>> \"\r\n",
}

// FuzzNicknames: any bytes read as a Eudora nicknames file give a book or
// an error, never a panic; the book's LDIF and vCard read back.
func FuzzNicknames(f *testing.F) {
	for _, s := range nicknameSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, mac bool) {
		opts := &addressbook.Options{MaxLineBytes: 4096, MaxEntries: 1000}
		if mac {
			opts.Platform = new(mime.Mac)
		}
		b, err := addressbook.ReadNicknames(context.Background(), bytes.NewReader(data), "NNdbase.txt", opts)
		if err != nil {
			return
		}
		for _, g := range b.Groups {
			g.Flatten()
		}
		var l bytes.Buffer
		if err := addressbook.WriteLDIF(&l, b, nil); err != nil {
			t.Fatal(err)
		}
		back, err := addressbook.ReadLDIF(context.Background(), bytes.NewReader(l.Bytes()), nil)
		if err != nil {
			t.Fatalf("our LDIF does not read back: %v\n%s", err, l.Bytes())
		}
		if len(back.Contacts) != len(b.Contacts) || len(back.Groups) != len(b.Groups) {
			t.Fatalf("LDIF round trip: %d/%d cards, %d/%d lists", len(back.Contacts), len(b.Contacts), len(back.Groups), len(b.Groups))
		}
		var v bytes.Buffer
		if err := addressbook.WriteVCard(&v, b, nil); err != nil {
			t.Fatal(err)
		}
		vb, err := addressbook.ReadVCard(context.Background(), bytes.NewReader(v.Bytes()), nil)
		if err != nil {
			t.Fatalf("our vCard does not read back: %v", err)
		}
		if len(vb.Contacts) != len(b.Contacts) || len(vb.Groups) != len(b.Groups) {
			t.Fatalf("vCard round trip: %d/%d cards, %d/%d lists", len(vb.Contacts), len(b.Contacts), len(vb.Groups), len(b.Groups))
		}
	})
}

// FuzzLDIF and FuzzVCard: the readers of foreign address books never panic.
func FuzzLDIF(f *testing.F) {
	if data, err := os.ReadFile("../addressbook/testdata/thunderbird/basic_ldif_addressbook.ldif"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("dn: cn=L\nobjectclass: groupOfNames\nmember: cn=x,mail=a@b\nmember:: Y249eA==\n\ndn: cn=x,mail=a@b\ncn: x\nmail: a@b\n"))
	f.Add([]byte("version: 1\n# c\n comment continued\ndn:: !!!\nx:< file:///etc/passwd\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		addressbook.ReadLDIF(context.Background(), bytes.NewReader(data), &addressbook.LDIFReadOptions{MaxRecordBytes: 1 << 16, MaxEntries: 1000})
	})
}

func FuzzVCard(f *testing.F) {
	files, _ := filepath.Glob("../addressbook/testdata/ez-vcard/*.vcf")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && len(data) < 8192 {
			f.Add(data)
		}
	}
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:g\r\nMEMBER:urn:uuid:1\r\nMEMBER:mailto:a@b\r\nEND:VCARD\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := addressbook.ReadVCard(context.Background(), bytes.NewReader(data), &addressbook.VCardReadOptions{MaxBytes: 1 << 16, MaxEntries: 1000})
		if err != nil {
			return
		}
		var v bytes.Buffer
		if err := addressbook.WriteVCard(&v, b, nil); err != nil {
			t.Fatal(err)
		}
	})
}
