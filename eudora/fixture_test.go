package eudora_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
)

// The real 1996 Mac TOC (minor version 0, count field unusable) drives a
// mailbox laid out to its offsets: two messages of 1732 and 2339 bytes whose
// bodies start 955 and 850 bytes in. Nothing but the TOC says where they
// start; the reader uses it, maps READ, and takes the dates from it.
func TestRealMacTOCDrivesMailbox(t *testing.T) {
	toc, err := os.ReadFile("testdata/eulcommon/In.toc")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(sep string, total, bodyOff int) string {
		head := sep + "\r" + "Subject: Welcome\r" + "X-Pad: "
		pad := bodyOff - len(head) - 2 // "\r" ending X-Pad, "\r" blank line
		m := head + strings.Repeat("p", pad) + "\r\r"
		return m + strings.Repeat("b", total-len(m)-1) + "\r"
	}
	m0 := mk("From ???@??? Sun Jun 16 08:37:02 1996", 1732, 955)
	m1 := mk("From ???@??? Sun Jun 23 12:59:30 1996", 2339, 850)
	dir := filepath.Join(t.TempDir(), "Eudora Folder")
	mail := filepath.Join(dir, "Mail Folder")
	os.MkdirAll(mail, 0o755)
	os.WriteFile(filepath.Join(mail, "In"), []byte(m0+m1+"From ???@??? Mon Jun 24 09:00:00 1996\rSubject: deleted\r\rgone\r"), 0o644)
	os.WriteFile(filepath.Join(mail, "In.toc"), toc, 0o644)
	s, _ := open(t, dir, eudora.Config{Raw: true})
	msgs, det := readBox(t, s, "INBOX")
	if det.TOC != "used" || len(msgs) != 2 || det.UncoveredRanges != 1 {
		t.Fatalf("details %+v, %d messages", det, len(msgs))
	}
	for i, m := range msgs {
		if m.Flags != mailconv.FlagSeen || m.DateSource != mailconv.DateIndex {
			t.Errorf("message %d: %v %v", i, m.Flags, m.DateSource)
		}
	}
	if !msgs[0].Date.Equal(time.Date(1996, 6, 16, 7, 37, 2, 0, time.UTC)) || msgs[1].Source.Offset != 1732 {
		t.Errorf("%v %v", msgs[0].Date, msgs[1].Source)
	}
	if len(msgs[0].Body) != crlfLen(m0)-len("From ???@??? Sun Jun 16 08:37:02 1996\r\n") {
		t.Errorf("body length %d", len(msgs[0].Body))
	}
}

func crlfLen(s string) int { return len(crlf(s)) }

func TestDetectAndParams(t *testing.T) {
	for _, c := range []struct {
		files []string
		min   int
	}{
		{[]string{"descmap.pce", "In.mbx"}, 90},
		{[]string{"IN.MBX"}, 80},
		{[]string{"Mail Folder/", "Eudora Settings"}, 80},
		{[]string{"notes.txt"}, 0},
	} {
		dir := t.TempDir()
		for _, f := range c.files {
			if strings.HasSuffix(f, "/") {
				os.Mkdir(filepath.Join(dir, f), 0o755)
			} else {
				os.WriteFile(filepath.Join(dir, f), nil, 0o644)
			}
		}
		got := eudora.Detect(dir)
		if (c.min == 0 && got != 0) || got < c.min {
			t.Errorf("%v: Detect = %d", c.files, got)
		}
	}
	f, ok := mailconv.LookupFormat("eudora")
	if !ok || f.Open == nil || f.Create != nil {
		t.Fatalf("registry: %+v", f)
	}
	if fm, err := mailconv.DetectFormat(sampleDir); err != nil || fm.Name != "eudora" {
		t.Errorf("DetectFormat(sample) = %v %v", fm.Name, err)
	}
	c, err := eudora.ConfigFromParams(map[string]string{"recover": "list", "rebuild": "false", "tz": "America/Chicago",
		"attach": "/a" + string(filepath.ListSeparator) + "/b", "max-toc-records": "10", "max-header-bytes": "100"})
	if err != nil || c.Recover != eudora.RecoverList || !c.Raw || c.Zone.String() != "America/Chicago" || len(c.AttachDirs) != 2 ||
		c.Limits.MaxTOCRecords != 10 || c.Limits.MaxHeaderBytes != 100 {
		t.Errorf("%+v %v", c, err)
	}
	for _, bad := range []map[string]string{{"recover": "maybe"}, {"rebuild": "sure"}, {"tz": "Mars/Base"}, {"max-toc-records": "-1"}, {"colour": "red"}} {
		if _, err := eudora.ConfigFromParams(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if err := mailconv.CheckParams(f, map[string]string{"recover": "emit", "tz": "UTC"}, false); err != nil {
		t.Error(err)
	}
	if _, err := f.Open(context.Background(), t.TempDir(), nil); err == nil {
		t.Error("an empty directory opened as a Eudora store")
	}
}
