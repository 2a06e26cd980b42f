package migrate

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// recordedStates reads the spans of the journal that hold one source
// mailbox's records, not the whole file once per changed mailbox (issue
// 16's leftover): each span holds records of that mailbox only, every
// record of it is in a span, and the states read are those the records
// say (the update of a later run applied).
func TestRecordedStatesReadsItsSpansOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	src := Endpoint{Format: "mbox", Path: "/src"}
	boxes := []mailconv.Path{{"A"}, {"B"}, {"C"}}
	run := func(fn func(j *Journal)) {
		j, err := OpenJournal(path, false)
		require.NoError(t, err)
		require.NoError(t, j.startRun(src, Endpoint{Format: "maildir", Path: "/dst"}, mailconv.Capabilities{}))
		fn(j)
		require.NoError(t, j.Close())
	}
	run(func(j *Journal) { // the first run writes every mailbox
		for _, mb := range boxes {
			st, err := j.beginMailbox(src, mb, "", mb, false)
			require.NoError(t, err)
			for i, id := range []string{"1", "2", "3"} {
				require.NoError(t, j.write(&journalRecord{Type: recMessage, Src: st.src, Mb: mb, Dst: mb, ID: mb.String() + id,
					D: idDigest(mb.String() + id), Ref: mb.String() + id, F: flagsText(mailconv.Flags(i))}, false))
			}
			require.NoError(t, j.write(&journalRecord{Type: recMailboxDone, Src: st.src, Mb: mb, FP: "x", Count: 3}, false))
		}
	})
	run(func(j *Journal) { // the second finds B changed: one message read since
		st, err := j.beginMailbox(src, boxes[1], "", boxes[1], false)
		require.NoError(t, err)
		require.NoError(t, j.write(&journalRecord{Type: recState, Src: st.src, Mb: boxes[1], Dst: boxes[1], ID: "B1",
			D: idDigest("B1"), Ref: "B1", F: flagsText(mailconv.FlagSeen)}, false))
	})

	j, err := OpenJournal(path, false)
	require.NoError(t, err)
	defer j.Close()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	fi, err := f.Stat()
	require.NoError(t, err)
	var covered int64
	for _, mb := range boxes {
		k := sourceKey(endpointKey(src), mb, "")
		want := 1
		if mb.String() == "B" {
			want = 2 // one span per run that began the mailbox
		}
		require.Len(t, j.spans[k], want, "%s", mb)
		for _, sp := range j.spans[k] {
			covered += sp.end - sp.start
			b, err := io.ReadAll(io.NewSectionReader(f, sp.start, sp.end-sp.start))
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			assert.Equal(t, `"mailbox"`, string(mustField(t, lines[0], "t")), "a span starts at its mailbox record")
			for _, l := range lines {
				assert.Equal(t, `"`+mb.String()+`"`, string(mustField(t, l, "mb")), "span of %s holds %s", mb, l)
			}
		}
		s, err := j.recordedStates(k)
		require.NoError(t, err)
		assert.Len(t, s.byID, 3)
		for i, id := range []string{"1", "2", "3"} {
			e := s.byID[mb.String()+id]
			require.NotNil(t, e, "%s%s", mb, id)
			want := mailconv.Flags(i)
			if mb.String()+id == "B1" {
				want = mailconv.FlagSeen
			}
			assert.Equal(t, want, e.flags, "%s%s", mb, id)
		}
	}
	// what the spans leave out: the run records and the mailbox-done
	// records, nothing of a mailbox's messages
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var rest int64
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if strings.Contains(l, `"t":"run"`) || strings.Contains(l, `"t":"mailbox-done"`) {
			rest += int64(len(l))
		}
	}
	assert.Equal(t, fi.Size(), covered+rest)
}

// mustField returns the raw JSON of field name of the JSON object line.
func mustField(t *testing.T, line, name string) json.RawMessage {
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(line), &m), line)
	return m[name]
}
