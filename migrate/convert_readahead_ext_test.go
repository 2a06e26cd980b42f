package migrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// With ReadAhead, a conversion writes and journals exactly what it does
// without (same journal records, same verification), and an injected write
// failure at any message is followed by a resume that completes with
// nothing lost or duplicated.
func TestReadAheadConvertAndResume(t *testing.T) {
	src := t.TempDir()
	writeMboxTree(t, src, 3, 5)
	ctx := context.Background()
	convert := func(dst string, readAhead bool, failAt int) error {
		j, err := migrate.OpenJournal(migrate.JournalPath(dst), false)
		require.NoError(t, err)
		defer j.Close()
		r, err := mbox.Open(ctx, src, nil)
		require.NoError(t, err)
		defer r.Close()
		w, err := maildir.Create(ctx, dst, &mailconv.Options{Resume: j.Runs() > 0})
		require.NoError(t, err)
		defer w.Close()
		var ww mailconv.Writer = w
		n := failAt
		if failAt > 0 {
			ww = failingWriter{w, &n, true}
		}
		rep := &migrate.Report{Source: migrate.Endpoint{Format: "mbox", Path: src}}
		_, err = migrate.Convert(ctx, r, ww, migrate.ConvertOptions{Report: rep, Journal: j, ReadAhead: readAhead})
		return err
	}
	verify := func(dst string) {
		dr, err := maildir.Open(ctx, dst, nil)
		require.NoError(t, err)
		defer dr.Close()
		verifyFromMbox(t, src, dr, migrate.JournalPath(dst), 15)
	}

	plain, ahead := filepath.Join(t.TempDir(), "plain"), filepath.Join(t.TempDir(), "ahead")
	require.NoError(t, convert(plain, false, 0))
	require.NoError(t, convert(ahead, true, 0))
	verify(ahead)
	// the journals differ only in times and the run record
	msgs := func(lines []string) (out []string) {
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err == nil && m["t"] == "msg" {
				out = append(out, fmt.Sprint(m["mb"], m["id"], m["d"], m["size"], m["mid"]))
			}
		}
		return out
	}
	assert.Equal(t, msgs(journalLines(t, migrate.JournalPath(plain))), msgs(journalLines(t, migrate.JournalPath(ahead))))
	assert.Len(t, msgs(journalLines(t, migrate.JournalPath(ahead))), 15)

	for _, k := range []int{1, 4, 7, 15} {
		dst := filepath.Join(t.TempDir(), fmt.Sprint("fail", k))
		err := convert(dst, true, k)
		require.True(t, errors.Is(err, syscall.ENOSPC), "%v", err)
		require.NoError(t, convert(dst, true, 0))
		verify(dst)
	}
}
