package web

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/oauth2"
)

// DefaultMaxBodyBytes caps request bodies when Options.MaxBodyBytes is 0. Every body mxauth
// accepts (forms, client metadata, admin JSON) is a few kilobytes at most.
const DefaultMaxBodyBytes = 1 << 20

// Options configures NewHandler. The zero value is usable: no logging, no metrics, no trusted
// proxies, a 1 MiB body cap, the real clock and crypto/rand.
type Options struct {
	// Logger receives panics, the causes of 500s, and (with LogRequests) the access log.
	// Nil discards them.
	Logger *slog.Logger
	// Registry receives the request metrics; nil records none.
	Registry prometheus.Registerer
	// TrustedProxies are the peers whose X-Forwarded-For and X-Request-Id are believed.
	// Unix-socket peers are always trusted (see ClientIP).
	TrustedProxies []netip.Prefix
	// MaxBodyBytes caps every request body: 0 means DefaultMaxBodyBytes, a negative value
	// means no cap.
	MaxBodyBytes int64
	// LogRequests writes one access-log line per request.
	LogRequests bool
	// CORS serves the mux through CORS(mux): Access-Control-Allow-Origin on every response
	// and preflights answered from the mux's own routes.
	CORS bool
	// Clock times requests; nil means clock.Real.
	Clock clock.Clock
	// Random feeds request ids; nil means crypto/rand.Reader.
	Random io.Reader
}

// Fixed header values, shared by all responses so that setting them allocates nothing.
var (
	noSniff    = []string{"nosniff"}
	noReferrer = []string{"no-referrer"}
	// mxauthMarker is the X-Mxauth value on every response under /_matrix/: it tells
	// `mxauth doctor` that the reverse proxy sent a client's /login, /logout or /refresh to
	// mxauth and not to the homeserver (SYNAPSE.md §1.1, the routing MAS also requires).
	mxauthMarker = []string{"1"}
)

// handler is the middleware stack of NewHandler in one ServeHTTP, which costs one function
// call and one request copy instead of one of each per layer.
type handler struct {
	next        http.Handler
	logger      *slog.Logger
	metrics     *httpMetrics
	trust       proxyTrust
	ids         *idSource
	maxBody     int64
	logRequests bool
	clock       clock.Clock
}

// NewHandler wraps mux in mxauth's HTTP middleware. In order, outermost first:
//
//  1. recover: a panic is logged with its stack and the request id and answered 500, in
//     Matrix form (M_UNKNOWN) under /_matrix/ and in OAuth form (server_error) elsewhere;
//     http.ErrAbortHandler passes through;
//  2. request id: a fresh random id per request (or a trusted proxy's X-Request-Id), sent
//     back as X-Request-Id and available as RequestID(ctx);
//  3. client IP: ClientIP(ctx), from RemoteAddr or, behind a trusted proxy,
//     X-Forwarded-For;
//  4. body cap: http.MaxBytesReader at Options.MaxBodyBytes;
//  5. security headers on every response: X-Content-Type-Options: nosniff and
//     Referrer-Policy: no-referrer (HTML pages add their own CSP); under /_matrix/ also
//     X-Mxauth: 1, which marks the answer as mxauth's for `mxauth doctor`;
//  6. access log (Options.LogRequests) and metrics, labelled with the ServeMux pattern that
//     matched ("unmatched" when none did), never with the raw path or query;
//  7. Matrix fallbacks: under /_matrix/, a path no pattern knows is 404 M_UNRECOGNIZED and a
//     known path with the wrong method 405 M_UNRECOGNIZED (with the mux's Allow header).
//
// The mux must receive the *http.Request NewHandler passes on (do not wrap it in something
// that clones the request, such as http.StripPrefix): the route label and the Matrix
// fallbacks read the Pattern the mux sets on it.
//
// NewHandler panics if the metrics cannot be registered because Options.Registry already
// holds different metrics under the same names, a programming error found at start-up.
func NewHandler(mux *http.ServeMux, opts Options) http.Handler {
	if mux == nil {
		panic("web.NewHandler: nil mux")
	}
	h := &handler{
		next:        mux,
		logger:      opts.Logger,
		trust:       newProxyTrust(opts.TrustedProxies),
		maxBody:     opts.MaxBodyBytes,
		logRequests: opts.LogRequests,
		clock:       opts.Clock,
	}
	if opts.CORS {
		h.next = CORS(mux)
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.maxBody == 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.clock == nil {
		h.clock = clock.Real{}
	}
	random := opts.Random
	if random == nil {
		random = rand.Reader
	}
	h.ids = newIDSource(random)
	if opts.Registry != nil {
		m, err := newHTTPMetrics(opts.Registry)
		if err != nil {
			panic(fmt.Sprintf("web.NewHandler: registering metrics: %v", err))
		}
		h.metrics = m
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &requestState{Context: r.Context(), logger: h.logger, start: h.clock.Now()}

	peer, peerTrusted := h.trust.peer(r.RemoteAddr)
	st.clientIP = h.trust.clientIP(peer, peerTrusted, r.Header["X-Forwarded-For"])
	if peerTrusted {
		if fwd := r.Header.Get(requestIDHeader); validForwardedID(fwd) {
			st.id = fwd
		}
	}
	if st.id == "" {
		st.id = h.ids.newID()
	}
	st.idHeader[0] = st.id

	req := r.WithContext(st)
	if h.maxBody > 0 && r.Body != nil && r.Body != http.NoBody {
		// The original w, not the recorder: MaxBytesReader tells net/http's own writer to
		// close the connection after the response, so the unread rest is not parsed as
		// another request.
		req.Body = http.MaxBytesReader(w, r.Body, h.maxBody)
	}
	st.req = req
	st.rw = responseRecorder{ResponseWriter: w, st: st}

	hdr := w.Header()
	hdr["X-Request-Id"] = st.idHeader[:]
	hdr["X-Content-Type-Options"] = noSniff
	hdr["Referrer-Policy"] = noReferrer
	if isMatrixPath(r.URL.Path) {
		hdr["X-Mxauth"] = mxauthMarker
	}

	defer h.finish(st)
	h.next.ServeHTTP(&st.rw, req)
}

// finish runs after the handler, whether it returned or panicked: it turns a panic into a
// 500, then records the metrics and the access log line.
func (h *handler) finish(st *requestState) {
	p := recover()
	if p == nil {
		h.record(st)
		return
	}
	if p == http.ErrAbortHandler { // panicked as is, never wrapped
		// The handler chose to abort the response; net/http handles it quietly.
		h.record(st)
		panic(p)
	}
	h.logger.LogAttrs(st, slog.LevelError, "panic serving request",
		slog.String("request_id", st.id),
		slog.String("method", st.req.Method),
		slog.String("path", truncatedPath(st.req.URL.Path)),
		slog.Any("panic", p),
		slog.String("stack", string(debug.Stack())))
	if st.rw.wroteHeader {
		// Part of the response is on its way; the only honest thing left is to cut the
		// connection, so that the client does not take a truncated body for a whole one.
		h.record(st)
		panic(http.ErrAbortHandler)
	}
	writePanicResponse(st)
	h.record(st)
}

// keptOnPanic are the headers of a panicked response that the middleware set and that stay
// true; whatever the handler set (cookies, Location, Content-Type, ...) is dropped.
var keptOnPanic = map[string]bool{
	"X-Request-Id":                     true,
	"X-Content-Type-Options":           true,
	"Referrer-Policy":                  true,
	"X-Mxauth":                         true,
	"Access-Control-Allow-Origin":      true,
	"Access-Control-Allow-Methods":     true,
	"Access-Control-Allow-Headers":     true,
	"Access-Control-Max-Age":           true,
	"Access-Control-Expose-Headers":    true,
	"Access-Control-Allow-Credentials": true,
	"Vary":                             true,
}

func writePanicResponse(st *requestState) {
	hdr := st.rw.Header()
	for name := range hdr {
		if !keptOnPanic[name] {
			delete(hdr, name)
		}
	}
	st.rw.wroteHeader = true
	st.rw.status = http.StatusInternalServerError
	w := countingWriter{&st.rw}
	if isMatrixPath(st.req.URL.Path) {
		WriteMatrixError(w, http.StatusInternalServerError, ErrCodeUnknown, "Internal server error")
		return
	}
	writeOAuthError(w, oauth2.ServerError(genericServerErrorDescription))
}

// record feeds the metrics and the access log.
func (h *handler) record(st *requestState) {
	if h.metrics == nil && !h.logRequests {
		return
	}
	elapsed := h.clock.Now().Sub(st.start)
	if elapsed < 0 {
		elapsed = 0 // the wall clock stepped back
	}
	status := st.rw.status
	if !st.rw.wroteHeader {
		status = http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	if h.metrics != nil {
		h.metrics.observe(st.req.Pattern, st.req.Method, status, elapsed)
	}
	if h.logRequests {
		h.logAccess(st, status, elapsed)
	}
}

// logAccess writes the access-log line. It logs the path without the query string: queries
// carry authorization codes, state and tokens.
func (h *handler) logAccess(st *requestState, status int, elapsed time.Duration) {
	level := slog.LevelInfo
	if status >= http.StatusInternalServerError {
		level = slog.LevelWarn
	}
	clientIP := ""
	if st.clientIP.IsValid() {
		clientIP = st.clientIP.String()
	}
	h.logger.LogAttrs(st, level, "http request",
		slog.String("method", st.req.Method),
		slog.String("route", routeLabel(st.req.Pattern)),
		slog.String("path", truncatedPath(st.req.URL.Path)),
		slog.Int("status", status),
		slog.Int64("bytes", st.rw.bytes),
		slog.Duration("duration", elapsed),
		slog.String("request_id", st.id),
		slog.String("client_ip", clientIP))
}

// maxLoggedPath bounds the path in log lines, so that a client cannot make them huge.
const maxLoggedPath = 1024

func truncatedPath(path string) string {
	if len(path) > maxLoggedPath {
		return path[:maxLoggedPath] + "…"
	}
	return path
}
