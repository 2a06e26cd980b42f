package eudora_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/migrate"
)

// Attachment files no message references (Eudora keeps them after
// deletion) are listed, and so are references to missing files and
// references refused for leading outside the attachment folders.
func TestAttachmentInventory(t *testing.T) {
	s, _ := open(t, sampleDir, eudora.Config{})
	inv, err := s.Attachments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join(sampleDir, "attach", "orphan.doc"))
	if len(inv.Unreferenced) != 1 || inv.Unreferenced[0] != abs {
		t.Errorf("unreferenced %v", inv.Unreferenced)
	}
	if inv.References != 5 || inv.Found != 5 || len(inv.Missing) != 0 || len(inv.Folders) != 2 {
		t.Errorf("inventory %+v", inv)
	}

	st := inbox(
		eudoratest.Msg{Raw: "Subject: a\r\n\r\ntext\r\n\r\nAttachment Converted: \"c:\\eudora\\attach\\here.pdf\"\r\n"},
		eudoratest.Msg{Raw: "Subject: b\r\n\r\ntext\r\n\r\nAttachment Converted: \"c:\\eudora\\attach\\gone.pdf\"\r\n"},
		eudoratest.Msg{Raw: "Subject: c\r\n\r\ntext\r\n\r\nAttachment Converted: \"..\\..\\secret.txt\"\r\n"},
		eudoratest.Msg{Raw: "Subject: d\r\n\r\nspoof\r\n#Attachment Converted: \"c:\\eudora\\attach\\kept.pdf\"\r\n"},
		eudoratest.Msg{Raw: "Subject: e\r\n\r\ndeleted\r\n\r\nAttachment Converted: \"c:\\eudora\\attach\\old.pdf\"\r\n", Deleted: true},
	)
	st.Attach = map[string][]byte{"here.pdf": []byte("x"), "kept.pdf": []byte("y"), "old.pdf": []byte("z")}
	s, _, _ = build(t, st, eudora.Config{})
	inv, err = s.Attachments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if inv.References != 3 || inv.Found != 1 || len(inv.Missing) != 1 || len(inv.Refused) != 1 {
		t.Fatalf("inventory %+v", inv)
	}
	if !strings.Contains(inv.Missing[0].Line, "gone.pdf") || inv.Missing[0].Message == "" {
		t.Errorf("missing %+v", inv.Missing[0])
	}
	var names []string
	for _, u := range inv.Unreferenced {
		names = append(names, filepath.Base(u))
	}
	if strings.Join(names, ",") != "kept.pdf,old.pdf" {
		t.Errorf("unreferenced %v", names)
	}
	// With recover=emit the deleted message's attachment is used.
	s, _, _ = build(t, st, eudora.Config{Recover: eudora.RecoverEmit})
	inv, _ = s.Attachments(t.Context())
	if len(inv.Unreferenced) != 1 || filepath.Base(inv.Unreferenced[0]) != "kept.pdf" {
		t.Errorf("recover: unreferenced %v", inv.Unreferenced)
	}
}

// The inspect command's attachment audit (mailconv.Inspect calls
// AuditAttachments on readers that have it).
func TestAuditAttachments(t *testing.T) {
	ef, _ := mailconv.LookupFormat("eudora")
	r, err := ef.Open(t.Context(), sampleDir, &mailconv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	inv, err := migrate.Inspect(t.Context(), r, migrate.InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := inv.Attachments
	if a == nil || a.Referenced != 5 || len(a.Missing) != 0 || len(a.Unreferenced) != 1 ||
		filepath.Base(a.Unreferenced[0].Path) != "orphan.doc" || a.UnreferencedBytes != int64(len("attachment of a deleted message\r\n")) {
		t.Fatalf("audit %+v", a)
	}
}
