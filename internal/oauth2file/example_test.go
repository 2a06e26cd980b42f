package oauth2file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mailconv/mailconv/internal/oauth2file"
)

// A token file with a still valid access token: Token returns it without
// asking the token endpoint.
func ExampleSource_Token() {
	dir, _ := os.MkdirTemp("", "oauth2file-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "token.json")
	f := &oauth2file.File{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1",
		Expiry: time.Now().Add(time.Hour), TokenURL: "https://login.example.org/token", ClientID: "mailconv-test"}
	if err := oauth2file.Write(path, f); err != nil {
		panic(err)
	}
	src, err := oauth2file.Open(path)
	if err != nil {
		panic(err)
	}
	tok, err := src.Token(context.Background())
	fi, _ := os.Stat(path)
	fmt.Println(tok, err, fi.Mode().Perm())
	// Output: at-1 <nil> -rw-------
}
