package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// requestState is everything the middleware learns about one request, allocated once per
// request. It is also the request's context: it embeds the parent context and answers Value
// for its own key, which saves the separate context.WithValue allocation on the hot path.
// Nothing in it changes after the middleware has set it up, except the recorder, which only
// the serving goroutine touches.
type requestState struct {
	context.Context

	id       string
	idHeader [1]string // id as a header value, so that setting the header allocates nothing
	clientIP netip.Addr
	logger   *slog.Logger // without request_id; Logger(ctx) adds it
	start    time.Time

	req *http.Request // the request the mux sees; its Pattern names the route afterwards
	rw  responseRecorder
}

// stateKey is the context key of *requestState.
type stateKey struct{}

// Value returns the state itself for stateKey and defers to the parent for every other key.
func (s *requestState) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return s
	}
	return s.Context.Value(key)
}

func stateFrom(ctx context.Context) *requestState {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(stateKey{}).(*requestState)
	return s
}

// RequestID returns the id NewHandler gave the request (also sent as X-Request-Id), or ""
// outside a request served by NewHandler.
func RequestID(ctx context.Context) string {
	if s := stateFrom(ctx); s != nil {
		return s.id
	}
	return ""
}

// ClientIP returns the address of the client: the TCP peer, or the right-most address in
// X-Forwarded-For that is not a trusted proxy when the peer is one (see Options.TrustedProxies).
// The result is the zero netip.Addr (IsValid() false) when the address is unknown: outside
// NewHandler, or behind a Unix-socket proxy that sent no X-Forwarded-For.
func ClientIP(ctx context.Context) netip.Addr {
	if s := stateFrom(ctx); s != nil {
		return s.clientIP
	}
	return netip.Addr{}
}

// Logger returns Options.Logger with the request's request_id attached, so that every line a
// handler logs can be matched with the access log and the X-Request-Id the client saw.
// Outside a request served by NewHandler it returns a logger that discards everything.
func Logger(ctx context.Context) *slog.Logger {
	if s := stateFrom(ctx); s != nil {
		return s.logger.With(slog.String("request_id", s.id))
	}
	return slog.New(slog.DiscardHandler)
}
