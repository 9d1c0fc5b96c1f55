package synapsetest

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
)

// Options configure a Server.
type Options struct {
	// ServerName is Synapse's server_name, the domain of user IDs; "" means "synapse.test".
	ServerName string
	// Secret is matrix_authentication_service.secret. Empty means no request is from MAS,
	// as in Synapse.
	Secret string
	// Clock drives caches and the cross-signing window; nil means clock.Real.
	Clock clock.Clock
	// HTTPClient fetches mxauth's metadata and introspects tokens; nil means a client of its
	// own with a 10-second timeout.
	HTTPClient *http.Client
}

// Server is the Synapse stand-in, an http.Handler. Every method is safe for concurrent use.
type Server struct {
	serverName string
	secret     string
	clock      clock.Clock
	outbound   *http.Client
	routes     map[string]map[string]handler // path → method → handler

	mu             sync.Mutex
	baseURL        string
	masEndpoint    string
	cachedMetadata *serverMetadata
	introspections map[string]introspection
	users          map[string]*userState
	exclusive      map[string]bool
	calls          []Call
	faults         []*activeFault
	releaseHung    chan struct{}
	hanging        int
}

// handler serves one route; a returned error is written as Synapse writes a SynapseError.
type handler func(w http.ResponseWriter, r *http.Request) *apiError

// New returns a Server with no users. Serve it with Start or httptest, then tell it where
// mxauth is with SetMAS.
func New(opts Options) *Server {
	s := &Server{
		serverName: opts.ServerName, secret: opts.Secret, clock: opts.Clock, outbound: opts.HTTPClient,
		introspections: map[string]introspection{}, users: map[string]*userState{},
		exclusive: map[string]bool{}, releaseHung: make(chan struct{}),
	}
	if s.serverName == "" {
		s.serverName = "synapse.test"
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.outbound == nil {
		s.outbound = &http.Client{Timeout: 10 * time.Second}
	}
	s.routes = s.buildRoutes()
	return s
}

// Start serves s on a new httptest server, closed when the test ends, and returns s.
func (s *Server) Start(t testing.TB) *Server {
	t.Helper()
	ts := httptest.NewServer(s)
	s.mu.Lock()
	s.baseURL = ts.URL
	s.mu.Unlock()
	t.Cleanup(func() {
		s.ClearFaults() // frees hung requests, which Close would wait for
		ts.Close()
	})
	return s
}

// URL is the base URL Start serves s on ("" before Start).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// ServerName is the domain of the stand-in's user IDs.
func (s *Server) ServerName() string { return s.serverName }

// SetMAS points the stand-in at mxauth (Synapse's matrix_authentication_service.endpoint).
// It also forgets the cached metadata and introspections, as a restarted Synapse would.
func (s *Server) SetMAS(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.masEndpoint = strings.TrimRight(endpoint, "/")
	s.forgetCachesLocked()
}

// ForgetCaches drops the cached metadata and introspection results, as a Synapse restart
// does: Synapse keeps the metadata for the life of the process.
func (s *Server) ForgetCaches() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgetCachesLocked()
}

func (s *Server) forgetCachesLocked() {
	s.cachedMetadata = nil
	s.introspections = map[string]introspection{}
}

func (s *Server) buildRoutes() map[string]map[string]handler {
	routes := map[string]map[string]handler{}
	add := func(method, path string, h handler) {
		if routes[path] == nil {
			routes[path] = map[string]handler{}
		}
		routes[path][method] = h
	}
	for name, route := range s.masRoutes() {
		add(route.method, MASPath(name), s.fromMAS(route.handler))
	}
	add(http.MethodGet, "/_matrix/client/versions", s.versions)
	add(http.MethodGet, "/_matrix/client/v1/auth_metadata", s.authMetadata)
	add(http.MethodGet, "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata", s.authMetadata)
	add(http.MethodGet, "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer", s.authIssuer)
	add(http.MethodGet, "/.well-known/matrix/client", s.clientWellKnown)
	add(http.MethodGet, "/_matrix/client/v3/account/whoami", s.whoami)
	add(http.MethodGet, "/_matrix/client/r0/account/whoami", s.whoami)
	add(http.MethodPost, "/_matrix/client/v3/keys/device_signing/upload", s.uploadSigningKeys)
	return routes
}

// MASPath is the path of a call of Synapse's MAS API, e.g. MASPath("provision_user").
func MASPath(name string) string { return "/_synapse/mas/" + name }

// ServeHTTP routes r, applying injected faults first and logging the call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	call := Call{Method: r.Method, Path: r.URL.Path, Query: redactedQuery(r.URL)}
	if r.Body != nil {
		raw, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		r.Body = io.NopCloser(bytes.NewReader(raw))
		call.Body = string(raw)
	}
	s.serve(rec, r)
	call.Status = rec.status
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Synapse sends CORS headers on every answer and answers every OPTIONS request itself
	// (synapse/http/server.py, set_cors_headers, OptionsResource).
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "X-Requested-With, Content-Type, Authorization, Date")
	if s.applyFault(w, r) {
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	methods, ok := s.routes[r.URL.Path]
	if !ok {
		newError(http.StatusNotFound, codeUnrecognized, "Unrecognized request").write(w)
		return
	}
	serve, ok := methods[r.Method]
	if !ok {
		newError(http.StatusMethodNotAllowed, codeUnrecognized, "Unrecognized request").write(w)
		return
	}
	if err := serve(w, r); err != nil {
		err.write(w)
	}
}

// fromMAS guards a MAS API handler with assert_request_is_from_mas: the access token must be
// the shared secret. A missing token fails earlier, in get_access_token_from_request (401);
// a wrong one is SynapseError(403, ...), whose errcode defaults to M_UNKNOWN.
func (s *Server) fromMAS(next handler) handler {
	return func(w http.ResponseWriter, r *http.Request) *apiError {
		token, err := accessToken(r)
		if err != nil {
			return err
		}
		if s.secret == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.secret)) != 1 {
			return newError(http.StatusForbidden, codeUnknown, "This endpoint must only be called by MAS")
		}
		return next(w, r)
	}
}

// accessToken is get_access_token_from_request: a single `Authorization: Bearer <token>`
// header or an access_token query parameter, not both.
func accessToken(r *http.Request) (string, *apiError) {
	headers := r.Header.Values("Authorization")
	query, inQuery := r.URL.Query()["access_token"]
	switch {
	case len(headers) > 1:
		return "", newError(http.StatusBadRequest, codeMissingParam, "Too many Authorization headers.")
	case len(headers) == 1 && inQuery:
		return "", newError(http.StatusBadRequest, codeMissingParam, "Mixing Authorization headers and access_token query parameters.")
	case len(headers) == 1:
		parts := strings.Split(headers[0], " ")
		if len(parts) != 2 || parts[0] != "Bearer" {
			return "", newError(http.StatusUnauthorized, codeMissingToken, "Invalid Authorization header.")
		}
		return parts[1], nil
	case inQuery && len(query) == 1:
		return query[0], nil
	case inQuery:
		return "", newError(http.StatusBadRequest, codeMissingParam, "Too many access_token query parameters.")
	}
	return "", newError(http.StatusUnauthorized, codeMissingToken, "Missing access token.")
}

// Call is one request the stand-in received.
type Call struct {
	Method string
	Path   string
	Query  string // raw query string
	Body   string
	// Status is the status answered; 0 when the request hung and got no answer.
	Status int
}

// redactedQuery keeps access tokens (the shared secret, for MAS calls) out of the call log.
func redactedQuery(u *url.URL) string {
	query := u.Query()
	if !query.Has("access_token") {
		return u.RawQuery
	}
	query.Set("access_token", "REDACTED")
	return query.Encode()
}

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the requests received on path, in order.
func (s *Server) CallsTo(path string) []Call {
	var matching []Call
	for _, c := range s.Calls() {
		if c.Path == path {
			matching = append(matching, c)
		}
	}
	return matching
}

// ResetCalls forgets the requests received so far.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
