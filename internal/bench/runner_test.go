package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// metadataServer serves a JSON document at MetadataPath with the given status and counts the
// requests to that path and the connections opened to it.
type metadataServer struct {
	*httptest.Server
	hits  atomic.Int64
	conns atomic.Int64
}

func newMetadataServer(t *testing.T, status int) *metadataServer {
	t.Helper()
	s := &metadataServer{}
	body := `{"issuer":"https://auth.example.org/","padding":"` + strings.Repeat("x", 900) + `"}`
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+MetadataPath, func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	s.Server = httptest.NewUnstartedServer(mux)
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func options(t *testing.T, baseURL string, conns int, requests int64) Options {
	return Options{
		Scenario:    "test",
		BaseURL:     mustParse(t, baseURL),
		Connections: conns,
		Requests:    requests,
		Timeout:     5 * time.Second,
	}
}

// counts is the part of a Result that does not depend on timing.
type counts struct {
	Requests, TransportErrors, StatusErrors uint64
	Interrupted                             bool
}

func countsOf(r Result) counts {
	return counts{r.Requests, r.TransportErrors, r.StatusErrors, r.Interrupted}
}

func TestRunMetadataCountsEveryRequestOverKeepAliveConnections(t *testing.T) {
	t.Parallel()
	srv := newMetadataServer(t, http.StatusOK)
	res, err := Run(t.Context(), Metadata{}, options(t, srv.URL, 4, 500))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(counts{Requests: 500}, countsOf(res)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if got := srv.hits.Load(); got != 500 {
		t.Errorf("server saw %d metadata requests, want 500", got)
	}
	// One connection per worker plus the probe's: keep-alive works.
	if got := srv.conns.Load(); got != 4+1 {
		t.Errorf("server saw %d connections, want 5", got)
	}
	l := res.Latency
	if l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max {
		t.Errorf("latency summary not ordered: %+v", l)
	}
	if res.FirstTransportError != "" || res.FirstStatusError != "" {
		t.Errorf("unexpected error messages: %q, %q", res.FirstTransportError, res.FirstStatusError)
	}
	if res.Elapsed <= 0 || res.RequestsPerSecond() <= 0 {
		t.Errorf("elapsed %s, req/s %f: want both positive", res.Elapsed, res.RequestsPerSecond())
	}
}

func TestRunCountsUnexpectedStatusAsErrors(t *testing.T) {
	t.Parallel()
	srv := newMetadataServer(t, http.StatusInternalServerError)
	res, err := Run(t.Context(), Metadata{}, options(t, srv.URL, 4, 300))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(counts{Requests: 300, StatusErrors: 300}, countsOf(res)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if want := `unexpected status "500 Internal Server Error", want [200]`; !strings.Contains(res.FirstStatusError, want) {
		t.Errorf("first status error = %q, want it to contain %q", res.FirstStatusError, want)
	}
	if res.Latency != (LatencySummary{}) {
		t.Errorf("latency of failed requests was recorded: %+v", res.Latency)
	}
}

func TestRunDiscardsWarmup(t *testing.T) {
	t.Parallel()
	srv := newMetadataServer(t, http.StatusOK)
	opts := options(t, srv.URL, 2, 100)
	opts.Warmup = 20 * time.Millisecond
	res, err := Run(t.Context(), Metadata{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 100 {
		t.Errorf("reported %d requests, want 100", res.Requests)
	}
	if got := srv.hits.Load(); got <= 100 {
		t.Errorf("server saw %d requests, want more than the 100 measured (warm-up)", got)
	}
}

func TestRunForDuration(t *testing.T) {
	t.Parallel()
	srv := newMetadataServer(t, http.StatusOK)
	opts := options(t, srv.URL, 2, 0)
	opts.Duration = 50 * time.Millisecond
	res, err := Run(t.Context(), Metadata{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Requests != uint64(srv.hits.Load()) {
		t.Errorf("reported %d requests, server saw %d; want equal and non-zero", res.Requests, srv.hits.Load())
	}
	if res.Elapsed < opts.Duration {
		t.Errorf("elapsed %s, want at least %s", res.Elapsed, opts.Duration)
	}
}

func TestRunStopsEarlyWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MetadataPath && hits.Add(1) == 50 {
			cancel() // what Ctrl-C does
		}
	}))
	t.Cleanup(srv.Close)
	opts := options(t, srv.URL, 2, 0)
	opts.Duration = time.Hour
	res, err := Run(ctx, Metadata{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Requests < 50 || res.Requests != uint64(hits.Load()) {
		t.Errorf("interrupted=%v requests=%d server=%d; want interrupted, >= 50, equal",
			res.Interrupted, res.Requests, hits.Load())
	}
	if res.TransportErrors != 0 {
		t.Errorf("in-flight requests were cut off: %d transport errors (%s)", res.TransportErrors, res.FirstTransportError)
	}
}

func TestRunReportsUnreachableTarget(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := Run(t.Context(), Metadata{}, options(t, srv.URL, 2, 10))
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("Run error = %v, want an *UnreachableError", err)
	}
	if want := "cannot reach " + srv.URL + ": "; !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error = %q, want one line starting %q", err, want)
	}
}

func TestRunCountsTransportErrors(t *testing.T) {
	t.Parallel()
	// Each response promises more body than it sends, then the server hangs up.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != MetadataPath {
			return
		}
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "short")
	}))
	t.Cleanup(srv.Close)
	res, err := Run(t.Context(), Metadata{}, options(t, srv.URL, 2, 20))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(counts{Requests: 20, TransportErrors: 20}, countsOf(res)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.FirstTransportError, "GET "+srv.URL+MetadataPath+": reading response body") {
		t.Errorf("first transport error = %q", res.FirstTransportError)
	}
}

func TestRunReconnectsWhenServerClosesConnections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// serve answers one request on c, then returns; the connection is then closed.
		serve func(c net.Conn, br *bufio.Reader)
	}{
		{
			name: "Connection: close announced",
			serve: func(c net.Conn, br *bufio.Reader) {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
			},
		},
		{
			// The client only learns on its next request that the connection is gone;
			// a bodiless request is retried on a fresh connection (RFC 9112 §9.3.1).
			name: "closed silently after each response",
			serve: func(c net.Conn, br *bufio.Reader) {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, accepted := serveRaw(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				if readRequestHead(br) == nil {
					tt.serve(c, br)
				}
			})
			res, err := Run(t.Context(), Metadata{}, options(t, "http://"+addr, 2, 30))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(counts{Requests: 30}, countsOf(res)); diff != "" {
				t.Errorf("counts (-want +got):\n%s (first error %q)", diff, res.FirstTransportError)
			}
			if got := accepted.Load(); got < 30 {
				t.Errorf("server accepted %d connections, want one per request (>= 30)", got)
			}
		})
	}
}

// serveRaw accepts TCP connections and hands each to handle, closing it afterwards.
func serveRaw(t *testing.T, handle func(net.Conn)) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String(), accepted
}

// readRequestHead consumes one bodiless request head.
func readRequestHead(br *bufio.Reader) error {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			return nil
		}
	}
}

// sessionScenario exercises the extension points: Setup registers a session, each worker
// sends it, and ReadResponse checks every body echoes the worker's sequence number.
type sessionScenario struct {
	session    string
	setupError error
	failNextAt int // Next fails on this call (0: never)
}

func (s *sessionScenario) Description() string { return "test scenario" }

func (s *sessionScenario) Setup(ctx context.Context, target Target) error {
	if s.setupError != nil {
		return s.setupError
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.BaseURL.JoinPath("/session").String(), nil)
	if err != nil {
		return err
	}
	resp, err := target.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	s.session = string(b)
	return err
}

func (s *sessionScenario) NewRequester(worker int, baseURL *url.URL) (Requester, error) {
	return &sessionRequester{scenario: s, url: baseURL.JoinPath("/echo").String()}, nil
}

type sessionRequester struct {
	scenario *sessionScenario
	url      string
	calls    int
}

func (r *sessionRequester) Next() (*http.Request, Expect, error) {
	r.calls++
	if r.calls == r.scenario.failNextAt {
		return nil, nil, errors.New("out of tokens")
	}
	req, err := http.NewRequest(http.MethodGet, r.url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Session", r.scenario.session)
	req.Header.Set("Seq", strconv.Itoa(r.calls))
	return req, Expect{http.StatusOK, http.StatusAccepted}, nil
}

func (r *sessionRequester) ReadResponse(resp *http.Response) error {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if want := strconv.Itoa(r.calls); string(b) != want {
		return fmt.Errorf("body %q, want %q", b, want)
	}
	return nil
}

// sessionServer issues one session and echoes Seq to requests that carry it; every 10th
// response echoes a wrong number (a body the scenario must reject) with status 202.
func sessionServer(t *testing.T) *httptest.Server {
	t.Helper()
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "s3cret")
	})
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Session") != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if n.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "wrong")
			return
		}
		io.WriteString(w, r.Header.Get("Seq"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRunUsesSetupAndResponseReader(t *testing.T) {
	t.Parallel()
	srv := sessionServer(t)
	res, err := Run(t.Context(), &sessionScenario{}, options(t, srv.URL, 3, 200))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(counts{Requests: 200, StatusErrors: 20}, countsOf(res)); diff != "" {
		t.Errorf("counts (-want +got):\n%s (first status error %q)", diff, res.FirstStatusError)
	}
	if want := `status 202 but response rejected: body "wrong"`; !strings.Contains(res.FirstStatusError, want) {
		t.Errorf("first status error = %q, want it to contain %q", res.FirstStatusError, want)
	}
}

func TestRunFailsWhenScenarioFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		scenario *sessionScenario
		want     string
	}{
		{name: "setup", scenario: &sessionScenario{setupError: errors.New("registration closed")},
			want: "setting up scenario test: registration closed"},
		{name: "request factory", scenario: &sessionScenario{failNextAt: 5},
			want: "building request: out of tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := sessionServer(t)
			_, err := Run(t.Context(), tt.scenario, options(t, srv.URL, 2, 100))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Run error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	valid := func() Options {
		return Options{BaseURL: &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}, Connections: 1, Duration: time.Second}
	}
	tests := []struct {
		name   string
		modify func(*Options)
		want   []string // substrings, one per reported problem
	}{
		{name: "valid", modify: func(*Options) {}},
		{name: "count instead of duration", modify: func(o *Options) { o.Duration, o.Requests = 0, 10 }},
		{name: "no URL", modify: func(o *Options) { o.BaseURL = nil }, want: []string{"base URL"}},
		{name: "ftp URL", modify: func(o *Options) { o.BaseURL.Scheme = "ftp" }, want: []string{"base URL"}},
		{name: "relative URL", modify: func(o *Options) { o.BaseURL = &url.URL{Path: "/x"} }, want: []string{"base URL"}},
		{name: "zero connections", modify: func(o *Options) { o.Connections = 0 }, want: []string{"connections"}},
		{name: "negative count", modify: func(o *Options) { o.Requests = -1 }, want: []string{"request count"}},
		{name: "neither duration nor count", modify: func(o *Options) { o.Duration = 0 }, want: []string{"duration"}},
		{name: "negative warm-up", modify: func(o *Options) { o.Warmup = -time.Second }, want: []string{"warm-up"}},
		{name: "negative timeout", modify: func(o *Options) { o.Timeout = -time.Second }, want: []string{"timeout"}},
		{
			name:   "every problem at once",
			modify: func(o *Options) { *o = Options{Requests: -1, Warmup: -1, Timeout: -1} },
			want:   []string{"base URL", "connections", "request count", "duration", "warm-up", "timeout"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := valid()
			tt.modify(&o)
			err := o.Validate()
			var lines []string
			if err != nil {
				lines = strings.Split(err.Error(), "\n")
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("Validate() = %v, want %d problems", err, len(tt.want))
			}
			for i, want := range tt.want {
				if !strings.Contains(lines[i], want) {
					t.Errorf("problem %d = %q, want it to mention %q", i, lines[i], want)
				}
			}
		})
	}
}

func TestRunOverTLSUsesHTTP1(t *testing.T) {
	t.Parallel()
	var hits, http1 atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MetadataPath {
			hits.Add(1)
			if r.ProtoMajor == 1 && r.TLS != nil {
				http1.Add(1)
			}
		}
	}))
	srv.EnableHTTP2 = true // the server would accept h2; the client must not ask for it
	srv.StartTLS()
	t.Cleanup(srv.Close)
	opts := options(t, srv.URL, 2, 40)
	opts.TLSConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	res, err := Run(t.Context(), Metadata{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(counts{Requests: 40}, countsOf(res)); diff != "" {
		t.Errorf("counts (-want +got):\n%s (first error %q)", diff, res.FirstTransportError)
	}
	if hits.Load() != 40 || http1.Load() != 40 {
		t.Errorf("server saw %d requests, %d of them HTTP/1.x over TLS; want 40 and 40", hits.Load(), http1.Load())
	}
}
