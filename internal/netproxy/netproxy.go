package netproxy

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Action is what the proxy does with one client command.
type Action struct {
	// Reply, when set, answers the command in the server's place with
	// "TAG " + Reply (e.g. "NO [LIMIT] slow down"); the server never sees
	// the command.
	Reply string
	// Bye, when set, sends "* BYE " + Bye to the client and closes the
	// connection instead of forwarding the command.
	Bye string
	// Drop closes the connection instead of forwarding the command.
	Drop bool
	// DropAfter forwards the command, then closes the connection before
	// the server's answer can reach the client.
	DropAfter bool
	// Rewrite, when set, is forwarded in place of the command's first
	// line (its literals follow as the client sent them, so it must
	// announce the same ones): a server that is told other flags or
	// another date than the client sent.
	Rewrite []byte
}

// Options configure a Proxy.
type Options struct {
	// Delay is added to each direction (the round trip grows by twice
	// Delay); bandwidth is not limited.
	Delay time.Duration
	// Command, when set, is called with the first line of each command
	// the client sends (IMAP syntax: literals, synchronizing or not, are
	// part of the command) and decides what happens to it. Calls are
	// serialized.
	Command func(line []byte) Action
}

// Proxy forwards the connections it accepts on a loopback port to a
// target address.
type Proxy struct {
	// Addr is the proxy's address ("127.0.0.1:port").
	Addr string

	target string
	opts   Options
	ln     net.Listener
	mu     sync.Mutex // serializes Options.Command
	wg     sync.WaitGroup
	conns  sync.Map // net.Conn -> struct{}
}

// Start listens on a loopback port and forwards to target.
func Start(target string, opts Options) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, opts: opts, ln: ln}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Close stops listening and closes every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.conns.Store(c, struct{}{})
		p.conns.Store(s, struct{}{})
		p.wg.Add(1)
		go p.serve(c, s)
	}
}

// pair is one proxied connection.
type pair struct {
	client, server net.Conn
	toClient       *delayLine
	toServer       *delayLine
	once           sync.Once
}

func (pr *pair) close() {
	pr.once.Do(func() {
		pr.client.Close()
		pr.server.Close()
	})
}

func (p *Proxy) serve(c, s net.Conn) {
	defer p.wg.Done()
	pr := &pair{client: c, server: s}
	pr.toClient = newDelayLine(c, p.opts.Delay, pr.close)
	pr.toServer = newDelayLine(s, p.opts.Delay, pr.close)
	done := make(chan struct{})
	go func() {
		defer close(done)
		copyChunks(pr.toClient, s)
		pr.toClient.end()
	}()
	if p.opts.Command == nil {
		copyChunks(pr.toServer, c)
	} else {
		p.commands(pr)
	}
	pr.toServer.end()
	<-done
	pr.toClient.wait()
	pr.toServer.wait()
	pr.close()
	p.conns.Delete(c)
	p.conns.Delete(s)
}

func copyChunks(dl *delayLine, r io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			dl.send(append([]byte(nil), buf[:n]...))
		}
		if err != nil {
			return
		}
	}
}

var literalRE = regexp.MustCompile(`\{(\d{1,12})(\+?)\}\r?\n$`)

// commands reads the client's commands and applies Options.Command.
func (p *Proxy) commands(pr *pair) {
	br := bufio.NewReaderSize(pr.client, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			if len(line) > 0 {
				pr.toServer.send(line)
			}
			return
		}
		p.mu.Lock()
		act := p.opts.Command(line)
		p.mu.Unlock()
		forward := act.Reply == "" && act.Bye == "" && !act.Drop
		tag, _, _ := bytes.Cut(line, []byte(" "))
		tag = append([]byte(nil), tag...)
		// The command's lines and literals.
		first := true
		for {
			switch {
			case forward && first && act.Rewrite != nil:
				pr.toServer.send(act.Rewrite)
			case forward:
				pr.toServer.send(line)
			}
			first = false
			m := literalRE.FindSubmatch(line)
			if m == nil {
				break
			}
			n, _ := strconv.ParseInt(string(m[1]), 10, 64)
			var lit bytes.Buffer
			if _, err := io.CopyN(&lit, br, n); err != nil {
				return
			}
			if forward {
				pr.toServer.send(lit.Bytes())
			}
			if line, err = br.ReadBytes('\n'); err != nil {
				return
			}
		}
		switch {
		case act.Reply != "":
			pr.toClient.send([]byte(string(tag) + " " + act.Reply + "\r\n"))
		case act.Bye != "":
			pr.toClient.send([]byte("* BYE " + act.Bye + "\r\n"))
			pr.toClient.end()
			pr.toClient.wait()
			pr.close()
			return
		case act.Drop:
			pr.close()
			return
		case act.DropAfter:
			pr.toServer.end()
			pr.toServer.wait()
			pr.close()
			return
		}
	}
}

// delayLine writes chunks to a connection each Delay after it got them.
type delayLine struct {
	w       io.Writer
	delay   time.Duration
	ch      chan chunk
	done    chan struct{}
	endOnce sync.Once
	fail    func()
}

type chunk struct {
	at time.Time
	b  []byte
}

func newDelayLine(w io.Writer, d time.Duration, fail func()) *delayLine {
	dl := &delayLine{w: w, delay: d, ch: make(chan chunk, 4096), done: make(chan struct{}), fail: fail}
	go dl.run()
	return dl
}

func (dl *delayLine) send(b []byte) {
	defer func() { recover() }() // sent after end: dropped
	dl.ch <- chunk{time.Now().Add(dl.delay), b}
}

// end lets the chunks already sent go out, then stops.
func (dl *delayLine) end() { dl.endOnce.Do(func() { close(dl.ch) }) }

func (dl *delayLine) wait() { <-dl.done }

func (dl *delayLine) run() {
	defer close(dl.done)
	for c := range dl.ch {
		if d := time.Until(c.at); d > 0 {
			time.Sleep(d)
		}
		if _, err := dl.w.Write(c.b); err != nil {
			dl.fail()
			for range dl.ch {
			}
			return
		}
	}
}
