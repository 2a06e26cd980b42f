package eudora_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

var updateSample = flag.Bool("update-sample", false, "rewrite ../testdata/eudora-sample from eudoratest.Sample")

const sampleDir = "../testdata/eudora-sample"

// The checked-in sample store is exactly what the builder writes.
func TestSampleUpToDate(t *testing.T) {
	if *updateSample {
		// Keep the hand-written files; rewrite the rest.
		ents, _ := os.ReadDir(sampleDir)
		for _, e := range ents {
			if e.Name() != "README.md" && e.Name() != ".gitattributes" {
				os.RemoveAll(filepath.Join(sampleDir, e.Name()))
			}
		}
		if _, err := eudoratest.Sample().Write(sampleDir); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if _, err := eudoratest.Sample().Write(dir); err != nil {
		t.Fatal(err)
	}
	want := tree(t, dir)
	got := tree(t, sampleDir)
	for name, b := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s missing from %s (run go test ./eudora -run TestSampleUpToDate -update-sample)", name, sampleDir)
		} else if !bytes.Equal(g, b) {
			t.Errorf("%s differs from the builder's output", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok && name != "README.md" && name != ".gitattributes" {
			t.Errorf("%s is not written by the builder", name)
		}
	}
}

func tree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The sample reads as intended (raw): tree, roles, states, the deleted
// message left out.
func TestSampleRaw(t *testing.T) {
	s, ev := open(t, sampleDir, eudora.Config{Raw: true})
	want := []string{"INBOX", "Out", "Junk", "Trash", "Famille & Amis/", "Famille & Amis/Vacances été", "Work/", "Work/Clients", "Work/Projects/", "Work/Projects/Alpha"}
	if got := paths(t, s); !equalStrings(got, want) {
		t.Fatalf("paths %v", got)
	}
	msgs, det := readBox(t, s, "INBOX")
	if len(msgs) != 6 || det.UncoveredRanges != 1 {
		t.Fatalf("INBOX: %d messages, %+v", len(msgs), det)
	}
	for _, m := range msgs {
		if strings.Contains(m.Body, "wait for compaction") {
			t.Error("deleted message emitted")
		}
	}
	S, A, F := mailconv.FlagSeen, mailconv.FlagAnswered, mailconv.FlagForwarded
	wantFlags := []mailconv.Flags{S | A, S | F, S, 0, S | F, S}
	for i, m := range msgs {
		if m.Flags != wantFlags[i] {
			t.Errorf("message %d flags %v, want %v", i, m.Flags, wantFlags[i])
		}
	}
	if !msgs[1].HasKeyword("$label2") || !msgs[4].HasKeyword("$Redirected") {
		t.Errorf("keywords %v %v", msgs[1].Keywords, msgs[4].Keywords)
	}
	junk, _ := readBox(t, s, "Junk")
	if len(junk) != 1 || !junk[0].HasKeyword("$Junk") {
		t.Errorf("junk %+v", junk)
	}
	if len(ev.code("eudora.scanned")) != 0 {
		t.Errorf("scanned: %v", ev.code("eudora.scanned"))
	}
}
