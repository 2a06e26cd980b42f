package migrate

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailconv/mailconv"
)

// Journal records, beside a destination, every message a conversion
// committed, so that an interrupted or repeated run continues where the last
// one stopped: nothing lost, nothing written twice. It is keyed by source
// identity (source store, mailbox, message ID) and content digest.
//
// The file is JSON Lines, one record per line, appended and never rewritten
// (the format is documented in docs/journal-and-report.md). A crash can leave a torn last
// line; it is ignored on load. With Durable set each record is fsynced after
// the message data it describes, so a power cut cannot lose a message the
// journal says is done.
type Journal struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	durable bool
	mu      sync.Mutex

	// state loaded from earlier runs
	runs    int
	sources map[epKey]bool                // source endpoints seen
	done    map[srcKey]*digestBag         // digests recorded
	lastCP  map[dstKey]string             // last checkpoint
	anyCP   string                        // the last checkpoint recorded, whatever the mailbox
	anyUsed bool                          // a run began writing some destination mailbox
	dstUsed map[dstKey]bool               // a run began writing it
	dstOf   map[srcKey]mailconv.Path      // destination mailbox
	fps     map[srcKey]journalMailboxDone // finished mailbox
	byDest  map[dstKey]*digestBag         // digests held
	msgIDs  map[dstKey]idSet              // Message-IDs held
	started map[srcKey]bool               // mailbox begun in a run
	caps    *mailconv.Capabilities        // destination capabilities of the last run
	written int                           // message records written by this run
	// dedupIndex: byDest and msgIDs are kept (only when a run
	// deduplicates: see loadDedupIndex)
	dedupIndex bool
	// doneIDs: digests of the message IDs recorded, loaded once, when a
	// source first resumes by ID (see recordedIDs)
	doneIDs map[srcKey]*digestBag
	// spans: where in the file the records of each source mailbox are, so
	// that recordedStates reads those, not the whole file once per
	// mailbox; end: the file's size, records buffered in w included
	spans map[srcKey][]span
	end   int64
	// lastSpan is the source mailbox of the last record noted and its
	// key, so that the records of one mailbox in a row do not build the
	// key again
	lastSpan struct {
		src epKey
		mb  mailconv.Path
		sf  string
		k   srcKey
	}
}

// span is a byte range of the journal file, [start, end).
type span struct{ start, end int64 }

// addSpan notes that the record at [start, end) of the file belongs to
// source mailbox k. A mailbox record (a run beginning the mailbox) opens a
// span; the records that follow it extend it, so that each run adds one
// span per mailbox. Records of other mailboxes written in between (none,
// as Convert converts one mailbox at a time) would only be read and passed
// over.
func (j *Journal) addSpan(r *journalRecord, start, end int64) {
	switch r.Type {
	case recMailbox, recMessage, recState:
	default:
		return
	}
	last := &j.lastSpan
	if last.k == "" || r.Src != last.src || r.SF != last.sf || !slices.Equal(r.Mb, last.mb) {
		last.src, last.mb, last.sf = r.Src, slices.Clone(r.Mb), r.SF
		last.k = sourceKey(r.Src, r.Mb, r.SF)
	}
	ss := j.spans[last.k]
	if r.Type == recMailbox || len(ss) == 0 {
		j.spans[last.k] = append(ss, span{start, end})
		return
	}
	ss[len(ss)-1].end = end
}

// digest is the content digest of a message: the first 16 bytes of the
// SHA-256 of its octets as the source reader yields them.
type digest [16]byte

// String returns the digest in hex.
func (d digest) String() string { return hex.EncodeToString(d[:]) }

// MarshalText implements encoding.TextMarshaler.
func (d digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *digest) UnmarshalText(b []byte) error {
	if len(b) != 32 {
		return fmt.Errorf("digest: want 32 hex digits, got %d", len(b))
	}
	_, err := hex.Decode(d[:], b)
	return err
}

// journal record types
const (
	recRun         = "run"
	recMailbox     = "mailbox"
	recMessage     = "msg"
	recMailboxDone = "mailbox-done"
	recDone        = "done"
	// recState: the flags of a message written earlier were updated in
	// the destination (an incremental run, see StateUpdater)
	recState = "state"
)

// journalRecord is one line of the journal. Fields are short: the journal
// of a large store has millions of lines.
type journalRecord struct {
	Type string `json:"t"`
	// run
	Version int          `json:"v,omitempty"`
	Time    time.Time    `json:"time,omitzero"`
	Source  *Endpoint    `json:"source,omitempty"`
	Dest    *Endpoint    `json:"dest,omitempty"`
	Caps    *journalCaps `json:"caps,omitempty"`
	// mailbox, msg, mailbox-done
	Src  epKey         `json:"src,omitempty"` // source endpoint key
	Mb   mailconv.Path `json:"mb,omitempty"`  // source mailbox
	SF   string        `json:"sf,omitempty"`  // its source file, when another mailbox has its name (see sourceKey)
	Dst  mailconv.Path `json:"dst,omitempty"` // destination mailbox
	ID   string        `json:"id,omitempty"`  // source message ID
	D    digest        `json:"d,omitzero"`
	Size int64         `json:"size,omitempty"`
	MID  string        `json:"mid,omitempty"` // Message-ID header
	Ref  string        `json:"ref,omitempty"` // where the writer put it
	CP   string        `json:"cp,omitempty"`  // writer checkpoint after the message
	// mailbox-done
	FP    string `json:"fp,omitempty"`
	Count int    `json:"n,omitempty"`
	// what happened to a message that was not written
	Dup string `json:"dup,omitempty"`
	// msg, state: the source flags of the message (flagsText)
	F string `json:"f,omitempty"`
}

// journalCaps is what the journal keeps of the destination's
// Capabilities, for verify.
type journalCaps struct {
	Flags    mailconv.Flags `json:"flags"`
	Keywords bool           `json:"keywords"`
	Dates    bool           `json:"dates"`
}

type journalMailboxDone struct {
	fp    string
	count int
}

// JournalPath returns the default journal file of a destination path: the
// destination with ".mailconv-journal" appended, beside it (so that the
// journal is not part of the converted store).
func JournalPath(dest string) string {
	return filepath.Clean(dest) + ".mailconv-journal"
}

// journalVersion is the version of the journal format written.
const journalVersion = 1

// OpenJournal opens (creating if needed) the journal at path and loads what
// earlier runs recorded. The journal is locked while it is open: a second
// OpenJournal of the same file, in this process or another, fails with
// ErrJournalInUse (two runs of one conversion at once would write the same
// messages twice).
func OpenJournal(path string, durable bool) (*Journal, error) {
	j := &Journal{path: path, durable: durable,
		sources: map[epKey]bool{}, done: map[srcKey]*digestBag{}, lastCP: map[dstKey]string{},
		dstOf: map[srcKey]mailconv.Path{}, dstUsed: map[dstKey]bool{}, fps: map[srcKey]journalMailboxDone{}, byDest: map[dstKey]*digestBag{},
		msgIDs: map[dstKey]idSet{}, started: map[srcKey]bool{}, spans: map[srcKey][]span{}}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := lockJournal(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	good, err := j.load(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	// Cut a torn last line so that new records start on a line of their
	// own.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: %w", err)
	}
	j.f = f
	j.w = bufio.NewWriter(f)
	j.end = good
	return j, nil
}

// maxJournalLine bounds one journal line.
const maxJournalLine = 1 << 20

// load reads the records; it returns the offset after the last complete
// record.
func (j *Journal) load(f *os.File) (int64, error) {
	br := bufio.NewReaderSize(f, 256<<10)
	var off int64
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return 0, fmt.Errorf("offset %d: %w: line longer than %d bytes", off, mailconv.ErrFormat, br.Size())
		}
		if err == io.EOF {
			return off, nil // a torn last line (no newline) is dropped
		}
		if err != nil {
			return 0, err
		}
		var r journalRecord
		if err := json.Unmarshal(bytes.TrimSpace(line), &r); err != nil {
			return 0, fmt.Errorf("offset %d: %w: %v", off, mailconv.ErrFormat, err)
		}
		if r.Type == recRun && r.Version > journalVersion {
			return 0, fmt.Errorf("offset %d: %w: journal format version %d is newer than this program's (%d)", off, mailconv.ErrUnsupported, r.Version, journalVersion)
		}
		j.apply(&r, true)
		j.addSpan(&r, off, off+int64(len(line)))
		off += int64(len(line))
	}
}

// The journal's maps are keyed either by source mailbox or by
// destination mailbox; the key types keep the two apart.
type (
	// srcKey is the key of one source mailbox (sourceKey).
	srcKey string
	// dstKey is the key of one destination mailbox (destKey).
	dstKey string
	// epKey is the key of an endpoint, "format:path" (endpointKey), as
	// records name their source.
	epKey string
)

// sourceKey is the key of one source mailbox: its source endpoint and path,
// and its source file when another mailbox has the same path (sf).
func sourceKey(src epKey, mb mailconv.Path, sf string) srcKey {
	k := string(src) + "\x00" + pathKey(mb)
	if sf != "" {
		k += "\x01" + sf
	}
	return srcKey(k)
}

// destKey is the key of one destination mailbox.
func destKey(dst mailconv.Path) dstKey { return dstKey(pathKey(dst)) }

// apply updates the state from a record. While loading, every record
// counts; for the records this run writes (loading false) the per-message
// digests and Message-IDs are not kept, so that memory does not grow with
// the messages a run converts: they matter only to a later run, which
// reads them from the file. A Journal therefore serves one Convert call;
// open the file again for the next one.
func (j *Journal) apply(r *journalRecord, loading bool) {
	switch r.Type {
	case recRun:
		j.runs++
		if r.Source != nil {
			j.sources[endpointKey(*r.Source)] = true
		}
		if r.Caps != nil {
			j.caps = &mailconv.Capabilities{Flags: r.Caps.Flags, Keywords: r.Caps.Keywords, Dates: r.Caps.Dates}
		}
	case recMailbox:
		k := sourceKey(r.Src, r.Mb, r.SF)
		j.started[k] = true
		j.dstOf[k] = r.Dst
		j.dstUsed[destKey(r.Dst)] = true
		j.anyUsed = true
		delete(j.fps, k)
	case recMessage:
		k := sourceKey(r.Src, r.Mb, r.SF)
		if r.CP != "" {
			j.lastCP[destKey(r.Dst)] = r.CP
			j.anyCP = r.CP
		}
		if !loading {
			j.written++
			return
		}
		if j.done[k] == nil {
			j.done[k] = &digestBag{}
		}
		j.done[k].add(r.D)
		if j.dedupIndex {
			j.indexDest(r)
		}
	case recMailboxDone:
		j.fps[sourceKey(r.Src, r.Mb, r.SF)] = journalMailboxDone{r.FP, r.Count}
	}
}

func endpointKey(e Endpoint) epKey { return epKey(e.Format + ":" + e.Path) }

// Runs returns how many runs the journal has recorded.
func (j *Journal) Runs() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.runs
}

// Empty reports whether no message has been recorded yet.
func (j *Journal) Empty() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.done) == 0 && len(j.fps) == 0
}

// Sources returns the source endpoints earlier runs converted.
func (j *Journal) Sources() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for s := range j.sources {
		out = append(out, string(s))
	}
	return out
}

// HasSource reports whether an earlier run converted the source src.
func (j *Journal) HasSource(src Endpoint) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.sources[endpointKey(src)]
}

// DestOf returns the destination mailbox recorded for a source mailbox.
func (j *Journal) DestOf(src Endpoint, mb mailconv.Path) (mailconv.Path, bool) {
	return j.destOf(src, mb, "")
}

// destOf is DestOf for a mailbox keyed on its source file as well (sf, see
// sourceKey).
func (j *Journal) destOf(src Endpoint, mb mailconv.Path, sf string) (mailconv.Path, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	p, ok := j.dstOf[sourceKey(endpointKey(src), mb, sf)]
	return p, ok
}

func (j *Journal) write(r *journalRecord, sync bool) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.apply(r, false)
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if len(b) >= maxJournalLine {
		return fmt.Errorf("journal: record too long")
	}
	b = append(b, '\n')
	if _, err := j.w.Write(b); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.addSpan(r, j.end, j.end+int64(len(b)))
	j.end += int64(len(b))
	if !sync {
		return nil
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if j.durable {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("journal: fsync: %w", err)
		}
	}
	return nil
}

// Flush writes buffered records to the file (and fsyncs when durable).
func (j *Journal) Flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if j.durable {
		return j.f.Sync()
	}
	return nil
}

// Close flushes and closes the journal.
func (j *Journal) Close() error {
	err := j.Flush()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// mailboxState is the journal's view of one source mailbox for a run.
type mailboxState struct {
	key     srcKey
	src     epKey
	mb      mailconv.Path
	sf      string // source file, when the mailbox's name is shared (sourceKey)
	dst     mailconv.Path
	known   *bagView       // digests recorded as done, consumed as met
	dest    *digestBag     // digests the destination mailbox held before this run
	added   map[digest]int // digests written to it by this run (dedup)
	mids    idSet
	cp      string // writer checkpoint of the destination mailbox
	reopen  bool   // a run began writing the destination mailbox before
	resumed bool   // a run began this source mailbox before and did not finish it
}

// beginMailbox returns the state of a source mailbox and records that the
// run starts it. single tells that every mailbox of the destination is one
// file (a single-file mbox): its checkpoint is then the file's, whichever
// mailbox wrote last, so that a resumed run never cuts what another
// mailbox committed.
func (j *Journal) beginMailbox(src Endpoint, mb mailconv.Path, sf string, dst mailconv.Path, single bool) (*mailboxState, error) {
	sk := endpointKey(src)
	k := sourceKey(sk, mb, sf)
	j.mu.Lock()
	_, finished := j.fps[k]
	// resumed: an earlier run began this mailbox and did not finish it, so
	// the message it was writing when it stopped may be in the destination
	// without a journal record.
	dk := destKey(dst)
	st := &mailboxState{key: k, src: sk, mb: mb, sf: sf, dst: dst, cp: j.lastCP[dk], reopen: j.dstUsed[dk],
		resumed: j.started[k] && !finished}
	if single {
		st.cp, st.reopen = j.anyCP, j.anyUsed
	}
	if b := j.done[k]; b != nil {
		st.known = b.view()
	}
	if b := j.byDest[dk]; b != nil {
		b.settle()
		st.dest = b
	}
	st.mids = j.msgIDs[dk]
	j.mu.Unlock()
	return st, j.write(&journalRecord{Type: recMailbox, Src: sk, Mb: mb, SF: sf, Dst: dst}, true)
}

// unchanged reports whether a source mailbox was finished by an earlier run
// and has the same fingerprint now; it returns the message count then.
func (j *Journal) unchanged(src Endpoint, mb mailconv.Path, sf, fp string) (int, bool) {
	if fp == "" {
		return 0, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	d, ok := j.fps[sourceKey(endpointKey(src), mb, sf)]
	return d.count, ok && d.fp == fp
}

// startRun records the start of a run.
func (j *Journal) startRun(src, dst Endpoint, caps mailconv.Capabilities) error {
	return j.write(&journalRecord{Type: recRun, Version: journalVersion, Time: time.Now().UTC(), Source: &src, Dest: &dst,
		Caps: &journalCaps{Flags: caps.Flags, Keywords: caps.Keywords, Dates: caps.Dates}}, true)
}

// Capabilities returns what the last run recorded of the destination's
// capabilities (flags, keywords, dates), if any.
func (j *Journal) Capabilities() (*mailconv.Capabilities, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.caps, j.caps != nil
}

// Messages returns how many messages the journal records as written to the
// destination.
func (j *Journal) Messages() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.written
	for _, b := range j.done {
		n += b.len()
	}
	return n
}

// loadDedupIndex reads the file again to build what the destination
// mailboxes hold (digests, Message-IDs), which only deduplication needs.
func (j *Journal) loadDedupIndex() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.dedupIndex {
		return nil
	}
	if err := j.rescanMessages(j.indexDest); err != nil {
		return err
	}
	j.dedupIndex = true
	return nil
}

// recordedIDs returns the message IDs recorded for one source mailbox
// (its state key), as a view of digests of the IDs (idDigest), or nil when
// none is. Only Convert's resumption by ID (IDSkipper) needs them, so load
// does not keep them: the first call reads the file again once, for every
// mailbox.
func (j *Journal) recordedIDs(key srcKey) (*bagView, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.doneIDs == nil {
		ids := map[srcKey]*digestBag{}
		err := j.rescanMessages(func(r *journalRecord) {
			if r.ID == "" {
				return
			}
			k := sourceKey(r.Src, r.Mb, r.SF)
			if ids[k] == nil {
				ids[k] = &digestBag{}
			}
			ids[k].add(idDigest(r.ID))
		})
		if err != nil {
			return nil, err
		}
		j.doneIDs = ids
	}
	b := j.doneIDs[key]
	if b == nil {
		return nil, nil
	}
	return b.view(), nil
}

// idDigest is the digest of a source message ID, so that recorded IDs are
// kept as compactly as content digests.
func idDigest(id string) digest {
	sum := sha256.Sum256([]byte(id))
	return digest(sum[:16])
}

// rescanMessages reads the file again (after flushing what is buffered)
// and calls fn with every message record. j.mu must be held.
func (j *Journal) rescanMessages(fn func(*journalRecord)) error {
	return j.scanRecords(fn, nil, recMessage)
}

// recordedStates reads the file again for the messages recorded for one
// source mailbox (its state key) and their flags, for the state updates of
// an incremental run: only the spans that hold that mailbox's records, so
// that a run reads the file about once, however many mailboxes changed.
// Memory grows with that mailbox's message count; it is spent only for a
// mailbox read again because it changed.
func (j *Journal) recordedStates(key srcKey) (*messageStates, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := &messageStates{byID: map[string]*recordedState{}, byDigest: map[digest][]*recordedState{}}
	all := map[string]*recordedState{} // by ref, for state records
	err := j.scanRecords(func(r *journalRecord) {
		if sourceKey(r.Src, r.Mb, r.SF) != key || r.Dup != "" {
			return
		}
		f, known := parseFlagsText(r.F)
		if r.Type == recState {
			e := s.byID[r.ID]
			if e == nil {
				e = all[r.Ref]
			}
			if e == nil {
				for _, c := range s.byDigest[r.D] {
					if !c.known || c.ref != "" {
						continue
					}
					e = c
					break
				}
			}
			if e != nil && known {
				e.flags, e.known, e.ref = f, true, r.Ref
				all[r.Ref] = e
			}
			return
		}
		e := &recordedState{flags: f, known: known, id: r.ID, d: r.D, ref: r.Ref}
		if r.ID != "" {
			s.byID[r.ID] = e
		}
		if r.Ref != "" {
			all[r.Ref] = e
		}
		s.byDigest[r.D] = append(s.byDigest[r.D], e)
	}, j.spans[key], recMessage, recState)
	return s, err
}

// indexDest records what a message record says the destination mailbox
// holds (a message not written because of dedup is not there).
func (j *Journal) indexDest(r *journalRecord) {
	if r.Dup != "" {
		return
	}
	dk := destKey(r.Dst)
	if j.byDest[dk] == nil {
		j.byDest[dk] = &digestBag{}
	}
	j.byDest[dk].add(r.D)
	if r.MID != "" {
		if j.msgIDs[dk] == nil {
			j.msgIDs[dk] = idSet{}
		}
		j.msgIDs[dk].add(r.MID)
	}
}

// journalSummary describes a journal for reports and messages.
func (j *Journal) String() string {
	return fmt.Sprintf("%s (%d earlier run(s), sources: %s)", j.path, j.runs, strings.Join(j.Sources(), ", "))
}

// ErrJournalInUse: another run has the journal open (see OpenJournal).
var ErrJournalInUse = errors.New("journal is in use by another mailconv run")

// pathKey is a map key for a mailbox path: its segments joined by NUL,
// which no name contains.
func pathKey(p mailconv.Path) string { return strings.Join(p, "\x00") }
