package t1
import ("testing";"os";"io";"fmt";"github.com/mailconv/mailconv/mbox";"github.com/mailconv/mailconv")
func TestX(t *testing.T){
 for _, f := range []string{"mimekit/mbox/content-length.mbox.txt","mimekit/mbox/simple.mbox.txt","mimekit/mbox/unmunged.mbox.txt","mimekit/mbox/issue1189.mbox.txt","thunderbird-mbox/mbox_mboxrd","thunderbird-mbox/mbox_modern","thunderbird-mbox/mbox_unquoted","mime4j/mbox-test-1/mbox.rlug"} {
  fh,_ := os.Open("/work/shared/fixtures/"+f)
  r, err := mbox.NewReader(fh, mbox.ReaderOptions{Name:f, Events: func(e mailconv.Event){fmt.Println("  ev", e)}})
  if err != nil { t.Fatal(err) }
  n := 0
  for { m, err := r.Next(); if err == io.EOF {break}; if err != nil {t.Fatal(err)}; b,_ := io.ReadAll(r); n++; if n<=3 {fmt.Printf("  msg %s len %d flags %v date %v end %q\n", m.ID, len(b), m.Flags, m.Date, b[max(0,len(b)-10):])} }
  fmt.Printf("%s: %d msgs %+v\n", f, n, r.Stats())
  fh.Close()
 }
}
