package eudora

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/mime"
)

// AttachmentInventory tells which detached files a store's messages use:
// the files they reference that are missing (or refused), and the files of
// the attachment folders that no message references — Eudora keeps an
// attachment when its message is deleted, so these are usually attachments
// of deleted mail. Unreferenced files are not imported by a conversion.
type AttachmentInventory struct {
	// Folders are the attachment folders searched.
	Folders []string `json:"folders"`
	// References counts the file references of the messages read.
	References int `json:"references"`
	// Found counts the distinct files those references resolve to.
	Found int `json:"found"`
	// Missing lists references to files that are not in the attachment
	// folders.
	Missing []FileRef `json:"missing,omitempty"`
	// Refused lists references that lead outside the attachment folders
	// ("..", links out).
	Refused []FileRef `json:"refused,omitempty"`
	// Unreferenced lists the files of the attachment folders that no
	// message read references (absolute paths, sorted).
	Unreferenced []string `json:"unreferenced,omitempty"`
}

// FileRef is one file reference of a message, for reports.
type FileRef struct {
	Mailbox  mailconv.Path     `json:"mailbox"`
	Message  string            `json:"message"`
	Location mailconv.Location `json:"location"`
	// Line is the marker line or header entry as stored.
	Line string `json:"line"`
	// Path is the path it names.
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Attachments reads every message a conversion would read (the TOC's
// messages, or the scanned ones, plus the uncovered bytes when
// Config.Recover is RecoverEmit), lists their file references (marker
// lines, and X-Attachments / X-EmbeddedContent entries of compositions) and
// checks them against the attachment folders. Events about the mailboxes
// are not repeated: they are those of Open.
func (s *Store) Attachments(ctx context.Context) (*AttachmentInventory, error) {
	inv := &AttachmentInventory{}
	for _, d := range s.attach.dirs {
		inv.Folders = append(inv.Folders, d.abs)
	}
	quiet := *s
	quiet.cfg.Events = nil
	found := map[string]bool{}
	for _, n := range s.nodes {
		if n.mb.NoSelect {
			continue
		}
		if err := quiet.scanRefs(ctx, n, inv, found); err != nil {
			return inv, err
		}
	}
	inv.Found = len(found)
	for _, d := range s.attach.dirs {
		if err := d.index(s.lim); err != nil {
			continue
		}
		for _, name := range d.all {
			p := filepath.Join(d.abs, name)
			if found[p] {
				continue
			}
			if fi, err := d.root.Stat(name); err == nil && fi.Mode().IsRegular() {
				inv.Unreferenced = append(inv.Unreferenced, p)
			}
		}
	}
	sort.Strings(inv.Unreferenced)
	return inv, nil
}

func (s *Store) scanRefs(ctx context.Context, n *node, inv *AttachmentInventory, found map[string]bool) error {
	f, _, err := safeopen.File(s.root, n.file)
	if err != nil {
		return fmt.Errorf("eudora: opening %s: %w", s.abs(n.file), err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	r := &mboxReader{s: s, n: n, f: f, size: fi.Size(), p: s.plan(n, f, fi.Size()), ctx: ctx,
		scanBuf: make([]byte, scanChunk+maxSepLine)}
	mp := mime.Windows
	if s.platform == mime.Mac {
		mp = mime.Mac
	}
	line := make([]byte, maxSepLine)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, ok, err := r.nextEntry()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		// Skip the separator line, as the reader does.
		start := e.start
		k, _ := f.ReadAt(line[:min(int64(len(line)), e.end-e.start)], e.start)
		l := line[:k]
		if j := indexLineEnd(l); j >= 0 && (IsSeparator(l[:j], s.platform) || hasFromPrefix(l[:j])) {
			start += int64(j) + 1
			if l[j] == '\r' && j+1 < len(l) && l[j+1] == '\n' {
				start++
			}
		}
		refs, err := mime.ScanRefs(io.NewSectionReader(f, start, e.end-start), mp)
		if err != nil && !errors.Is(err, mailconv.ErrLimit) {
			return fmt.Errorf("eudora: scanning %s at %d: %w", s.abs(n.file), e.start, err)
		}
		id := e.id()
		for _, ref := range refs {
			inv.References++
			kind := AttachFile
			if ref.Kind != mime.RefAttachment {
				kind = AttachEmbedded
			}
			fr, err := s.attach.lookupRef(kind, ref.Path, ref.Name, ref.MacFileID)
			if err == nil {
				found[fr.Path] = true
				fr.File.Close()
				continue
			}
			item := FileRef{Mailbox: n.mb.Path, Message: id, Location: mailconv.Location{File: s.abs(n.file), Offset: e.start},
				Line: ref.Line, Path: ref.Path, Error: err.Error()}
			if errors.Is(err, mailconv.ErrOutsideRoot) {
				inv.Refused = append(inv.Refused, item)
			} else {
				inv.Missing = append(inv.Missing, item)
			}
		}
	}
}

func hasFromPrefix(l []byte) bool { return len(l) >= 5 && string(l[:5]) == "From " }

// AuditAttachments implements mailconv.AttachmentAuditor for the inspect
// command: the inventory of Attachments in the root package's terms
// (refused references count as missing, with the reason in File).
func (s *Store) AuditAttachments(ctx context.Context) (*mailconv.AttachmentAudit, error) {
	inv, err := s.Attachments(ctx)
	if err != nil {
		return nil, err
	}
	a := &mailconv.AttachmentAudit{Referenced: inv.Found}
	for _, m := range inv.Missing {
		a.Missing = append(a.Missing, mailconv.MissingAttachment{Mailbox: m.Mailbox, Message: m.Message, File: m.Path})
	}
	for _, m := range inv.Refused {
		a.Missing = append(a.Missing, mailconv.MissingAttachment{Mailbox: m.Mailbox, Message: m.Message,
			File: m.Path + " (refused: leads outside the attachment folders)"})
	}
	for _, p := range inv.Unreferenced {
		var size int64
		if fi, err := os.Stat(p); err == nil {
			size = fi.Size()
		}
		a.Unreferenced = append(a.Unreferenced, mailconv.UnreferencedFile{Path: p, Size: size})
		a.UnreferencedBytes += size
	}
	return a, nil
}

var _ mailconv.AttachmentAuditor = (*Store)(nil)
