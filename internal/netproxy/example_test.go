package netproxy_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"

	"github.com/mailconv/mailconv/internal/netproxy"
)

// A proxy in front of a one-line echo server answers NOOP itself and
// passes everything else through.
func ExampleStart() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			fmt.Fprintf(c, "* echo %s", line)
		}
	}()
	p, _ := netproxy.Start(ln.Addr().String(), netproxy.Options{Command: func(line []byte) netproxy.Action {
		if strings.Contains(string(line), " NOOP") {
			return netproxy.Action{Reply: "NO [UNAVAILABLE] try later"}
		}
		return netproxy.Action{}
	}})
	defer p.Close()
	c, _ := net.Dial("tcp", p.Addr)
	defer c.Close()
	r := bufio.NewReader(c)
	fmt.Fprint(c, "a1 NOOP\r\n")
	l1, _ := r.ReadString('\n')
	fmt.Fprint(c, "a2 CHECK\r\n")
	l2, _ := r.ReadString('\n')
	fmt.Println(strings.TrimSpace(l1))
	fmt.Println(strings.TrimSpace(l2))
	// Output:
	// a1 NO [UNAVAILABLE] try later
	// * echo a2 CHECK
}
