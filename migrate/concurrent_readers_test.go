package migrate_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/applemail/applemailtest"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"

	_ "github.com/mailconv/mailconv/applemail"
	_ "github.com/mailconv/mailconv/eml"
	_ "github.com/mailconv/mailconv/eudora"
	_ "github.com/mailconv/mailconv/mh"
)

// Every file-format Reader that declares mailconv.ConcurrentOpener reads
// all its mailboxes at the same time (one goroutine each, started
// together) exactly as it reads them one after the other: the same
// messages, bytes, flags and dates. Run with -race, this is the evidence
// behind each declaration.
func TestConcurrentOpenReaders(t *testing.T) {
	ctx := context.Background()
	stores := map[string]string{
		"eudora":    "../testdata/eudora-sample",
		"mbox":      "../testdata/sample-mbox",
		"maildir":   maildirFromMbox(t),
		"mh":        mhTree(t),
		"eml":       emlTree(t),
		"applemail": appleTree(t),
	}
	for name, path := range stores {
		t.Run(name, func(t *testing.T) {
			f, ok := mailconv.LookupFormat(name)
			require.True(t, ok)
			open := func() mailconv.Reader {
				r, err := f.Open(ctx, path, nil)
				require.NoError(t, err)
				co, ok := r.(mailconv.ConcurrentOpener)
				require.True(t, ok && co.ConcurrentOpen(), "%s declares ConcurrentOpen", name)
				return r
			}
			seq := readAll(t, open(), false)
			par := readAll(t, open(), true)
			require.NotEmpty(t, seq)
			n := 0
			for _, msgs := range seq {
				n += len(msgs)
			}
			require.Positive(t, n, "the store has messages")
			assert.Equal(t, seq, par)
		})
	}
}

// readAll reads every mailbox of r, one after the other or all at once,
// and returns for each a line per message: its digest, flags, keywords
// and date.
func readAll(t *testing.T, r mailconv.Reader, together bool) map[string][]string {
	ctx := context.Background()
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	require.NoError(t, err)
	out := make([][]string, len(mbs))
	errs := make([]error, len(mbs))
	start := make(chan struct{})
	if !together {
		close(start)
	}
	var wg sync.WaitGroup
	read := func(i int) {
		defer wg.Done()
		<-start
		if fp, ok := r.(mailconv.Fingerprinter); ok {
			if _, err := fp.Fingerprint(mbs[i]); err != nil {
				errs[i] = err
				return
			}
		}
		mr, err := r.Open(ctx, mbs[i])
		if err != nil {
			errs[i] = err
			return
		}
		defer mr.Close()
		for {
			m, err := mr.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				errs[i] = err
				return
			}
			h := sha256.New()
			if _, err := io.Copy(h, mr); err != nil {
				errs[i] = err
				return
			}
			out[i] = append(out[i], fmt.Sprintf("%x %v %v %s", h.Sum(nil)[:8], m.Flags, m.Keywords, m.Date.UTC().Format(time.RFC3339)))
		}
	}
	for i := range mbs {
		wg.Add(1)
		if together {
			go read(i)
		} else {
			read(i)
		}
	}
	if together {
		close(start)
	}
	wg.Wait()
	res := map[string][]string{}
	for i, mb := range mbs {
		require.NoError(t, errs[i], "%s", mb.Path)
		res[mb.Path.String()] = out[i]
	}
	return res
}

// maildirFromMbox converts the sample mbox tree into a maildir tree.
func maildirFromMbox(t *testing.T) string {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "Maildir")
	r, err := mbox.Open(ctx, "../testdata/sample-mbox", nil)
	require.NoError(t, err)
	defer r.Close()
	w, err := maildir.Create(ctx, dir, nil)
	require.NoError(t, err)
	_, err = migrate.Convert(ctx, r, w, migrate.ConvertOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return dir
}

func writeFiles(t *testing.T, root string, files map[string]string) string {
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return root
}

func mhTree(t *testing.T) string {
	files := map[string]string{}
	for _, f := range []string{"inbox", "work", "work/old", "lists"} {
		for i := 1; i <= 4; i++ {
			files[fmt.Sprintf("%s/%d", f, i)] = fmt.Sprintf("Subject: %s %d\nDate: Mon, 2 Jan 2006 15:04:0%d +0000\n\nbody %d\n", f, i, i, i)
		}
	}
	files["inbox/.mh_sequences"] = "unseen: 2-3\nflagged: 4\n"
	return writeFiles(t, filepath.Join(t.TempDir(), "Mail"), files)
}

func emlTree(t *testing.T) string {
	files := map[string]string{}
	for _, f := range []string{"Inbox", "Work", "Work/Old", "Lists"} {
		for i := 1; i <= 4; i++ {
			files[fmt.Sprintf("%s/m%d.eml", f, i)] = fmt.Sprintf("Subject: %s %d\r\nDate: Mon, 2 Jan 2006 15:04:0%d +0000\r\n\r\nbody %d\r\n", f, i, i, i)
		}
	}
	return writeFiles(t, filepath.Join(t.TempDir(), "eml"), files)
}

func appleTree(t *testing.T) string {
	lib := filepath.Join(t.TempDir(), "Mail")
	msg := func(id int, flags uint64) applemailtest.Msg {
		return applemailtest.Msg{ID: id, Header: fmt.Sprintf("Subject: m%d\nMessage-Id: <%d@x>\n", id, id),
			Text: "t\n", Flags: flags, Received: time.Unix(int64(1400000000+id), 0)}
	}
	_, err := applemailtest.Write(lib, applemailtest.Store{Version: 10, Accounts: []applemailtest.Account{
		{Dir: "Mailboxes", Mailboxes: []applemailtest.Mailbox{
			{Name: "Kept", Msgs: []applemailtest.Msg{msg(1, 1), msg(2, 0)},
				Children: []applemailtest.Mailbox{{Name: "Inner", Msgs: []applemailtest.Msg{msg(3, 1<<4), msg(4, 0)}}}},
			{Name: "Other", Msgs: []applemailtest.Msg{msg(5, 1), msg(6, 0), msg(7, 0)}}}},
	}})
	require.NoError(t, err)
	return lib
}
