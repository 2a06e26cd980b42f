package mime_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/mailconv/mailconv/mime"
)

// dirResolver opens attachments from a file system laid out like a Eudora
// folder (a real Resolver also refuses paths outside the store).
type dirResolver struct{ fsys fs.FS }

func (d dirResolver) Open(ref mime.Ref) (io.ReadCloser, int64, error) {
	f, err := d.fsys.Open(path.Join("attach", ref.Name))
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

func ExampleRebuild() {
	stored := "From: alice@example.com\r\n" +
		"Subject: Report\r\n" +
		"Content-Type: multipart/mixed; boundary=\"gone\"\r\n" +
		"\r\n" +
		"See the report.\r\n" +
		"\r\n" +
		"Attachment Converted: \"C:\\Eudora\\attach\\report.txt\"\r\n"
	files := fstest.MapFS{"attach/report.txt": {Data: []byte("figures\r\n")}}

	res, err := mime.Rebuild(context.Background(), strings.NewReader(stored),
		mime.RebuildOptions{Platform: mime.Windows, Resolver: dirResolver{files}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Close()
	out, err := io.ReadAll(res)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rebuilt:", res.Rebuilt, "refs:", len(res.Refs), "problems:", len(res.Problems))
	fmt.Print(strings.ReplaceAll(string(out), "\r\n", "\n"))
	// Output:
	// rebuilt: true refs: 1 problems: 0
	// From: alice@example.com
	// Subject: Report
	// MIME-Version: 1.0
	// Content-Type: multipart/mixed;
	//  boundary="=_mailconv_735f5d075f83bad4_1"
	//
	// --=_mailconv_735f5d075f83bad4_1
	// Content-Type: text/plain; charset=us-ascii
	// Content-Transfer-Encoding: 7bit
	//
	// See the report.
	//
	// --=_mailconv_735f5d075f83bad4_1
	// Content-Type: text/plain;
	//  name="report.txt"
	// Content-Transfer-Encoding: base64
	// Content-Disposition: attachment;
	//  filename="report.txt"
	//
	// ZmlndXJlcw0K
	//
	// --=_mailconv_735f5d075f83bad4_1--
}

func ExampleParseMarker() {
	ref, kind := mime.ParseMarker(`Embedded Content: kate_halloween.jpg: 00000001,277bfd3a,00000000,00000000`, mime.Windows)
	fmt.Println(kind == mime.FileMarker, ref.Kind, ref.Name, ref.Hashes[1] == mime.EudoraHash("part1.08010409.03060503@arlut.utexas.edu"))
	_, kind = mime.ParseMarker(`#Attachment Converted: "c:\eudora\attach\x.exe"`, mime.Windows)
	fmt.Println(kind == mime.SpoofedMarker)
	// Output:
	// true embedded kate_halloween.jpg true
	// true
}
