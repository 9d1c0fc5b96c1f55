package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// dialTimeout bounds connection setup when no per-request timeout is set.
const dialTimeout = 10 * time.Second

// conn is one worker's keep-alive HTTP/1.1 connection, driven synchronously from the worker's
// goroutine with net/http's own wire code (Request.Write, ReadResponse).
//
// Why not http.Transport: its persistent connection hands every request and response between
// the caller and two goroutines of its own (readLoop, writeLoop) through channels and selects.
// On a 2-core machine where the server under test needs the same CPUs, those handoffs and
// wake-ups made a Transport-based client spend more CPU per request than a trivial Go server
// (about 36 µs against 30 µs) and reach only two thirds of wrk's throughput. Here a request is
// one write and (usually) one read system call on the worker's own goroutine (about 17 µs),
// and the throughput matches wrk's. HTTP/2 is never negotiated: TLS offers only "http/1.1"
// in ALPN (RFC 7301).
type conn struct {
	addr      string      // host:port to dial
	tlsConfig *tls.Config // nil for http://
	timeout   time.Duration

	netConn net.Conn // nil until the first request or after either side closed it
	br      *bufio.Reader
	bw      *bufio.Writer
}

func newConn(addr string, tlsConfig *tls.Config, timeout time.Duration) *conn {
	return &conn{addr: addr, tlsConfig: tlsConfig, timeout: timeout}
}

// errStale marks a reused keep-alive connection that failed before any byte of the response
// arrived: the server most likely closed it while it was idle (RFC 9112 §9.3.1).
var errStale = errors.New("keep-alive connection closed before the response")

// send writes req and reads the response head. The caller must pass the response to finish
// before sending again. Like net/http, it retries once on a fresh connection when a reused
// connection turns out to be stale, but only for a bodiless request, which is safe to resend.
func (c *conn) send(req *http.Request) (*http.Response, error) {
	resp, err := c.sendOnce(req)
	if errors.Is(err, errStale) && req.Body == nil {
		resp, err = c.sendOnce(req)
	}
	return resp, err
}

func (c *conn) sendOnce(req *http.Request) (*http.Response, error) {
	reused := c.netConn != nil
	if !reused {
		if err := c.dial(req.Context()); err != nil {
			return nil, err
		}
	}
	if c.timeout > 0 {
		// A socket deadline bounds the whole exchange, body included, without a context
		// and a timer per request; the runtime poller enforces it without a system call.
		if err := c.netConn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
			c.close()
			return nil, err
		}
	}
	err := req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	if err == nil {
		_, err = c.br.Peek(1)
	}
	if err != nil {
		c.close()
		if reused {
			return nil, fmt.Errorf("%w: %w", errStale, err)
		}
		return nil, err
	}
	resp, err := http.ReadResponse(c.br, req)
	if err != nil {
		c.close()
		return nil, err
	}
	return resp, nil
}

// finish reads the rest of resp's body, so that the connection is ready for the next request
// and the latency includes the transfer, and closes the connection if the server asked to.
func (c *conn) finish(resp *http.Response) error {
	// io.Discard implements io.ReaderFrom with a pooled buffer: draining allocates nothing.
	_, drainErr := io.Copy(io.Discard, resp.Body)
	if err := errors.Join(drainErr, resp.Body.Close()); err != nil {
		c.close()
		return fmt.Errorf("reading response body: %w", err)
	}
	if resp.Close {
		// "Connection: close" (RFC 9112 §9.6): this connection is done; dial next time.
		c.close()
	}
	return nil
}

func (c *conn) dial(ctx context.Context) error {
	timeout := dialTimeout
	if c.timeout > 0 {
		timeout = c.timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	if c.tlsConfig != nil {
		tc := tls.Client(nc, c.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return err
		}
		nc = tc
	}
	c.netConn = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 16<<10)
		c.bw = bufio.NewWriterSize(nc, 4<<10)
	} else {
		c.br.Reset(nc)
		c.bw.Reset(nc)
	}
	return nil
}

// close drops the connection; the next request dials a new one.
func (c *conn) close() {
	if c.netConn != nil {
		c.netConn.Close()
		c.netConn = nil
	}
}

// dialTarget returns the address to dial for base and, for https, the TLS settings: base
// (nil means the system roots) with the server name taken from the URL and ALPN limited to
// HTTP/1.1.
func dialTarget(base *url.URL, tlsBase *tls.Config) (addr string, tlsConfig *tls.Config) {
	port := base.Port()
	if port == "" {
		port = "80"
		if base.Scheme == "https" {
			port = "443"
		}
	}
	addr = net.JoinHostPort(base.Hostname(), port)
	if base.Scheme == "https" {
		tlsConfig = &tls.Config{}
		if tlsBase != nil {
			tlsConfig = tlsBase.Clone()
		}
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = base.Hostname()
		}
		tlsConfig.NextProtos = []string{"http/1.1"}
	}
	return addr, tlsConfig
}

// newSetupTransport returns the HTTP/1.1-only transport behind Target.Client, used for the
// reachability probe and scenario setup, where convenience matters more than speed. The proxy
// is nil because a benchmark must hit the address it is given (and no package reads the
// environment); compression is off to match what the workers send.
func newSetupTransport(tlsConfig *tls.Config) *http.Transport {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	return &http.Transport{
		TLSClientConfig:     tlsConfig,
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: dialTimeout,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		Protocols:           protocols,
	}
}
