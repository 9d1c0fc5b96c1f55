package web

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/clock"
)

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestIDIsFreshAndUnique(t *testing.T) {
	t.Parallel()
	var seenInHandler []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {
		seenInHandler = append(seenInHandler, RequestID(r.Context()))
	})
	h := NewHandler(mux, Options{})

	seen := map[string]bool{}
	for i := range 100 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
		id := w.Header().Get("X-Request-Id")
		if !hexID.MatchString(id) {
			t.Fatalf("request %d: X-Request-Id %q is not 32 hex digits", i, id)
		}
		if seen[id] {
			t.Fatalf("request %d: X-Request-Id %q repeated", i, id)
		}
		seen[id] = true
		if seenInHandler[i] != id {
			t.Fatalf("request %d: RequestID(ctx) = %q, header %q", i, seenInHandler[i], id)
		}
	}
}

func TestRequestIDComesFromTheRandomSource(t *testing.T) {
	t.Parallel()
	h := NewHandler(http.NewServeMux(), Options{Random: &sequentialReader{}})
	var got []string
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		got = append(got, w.Header().Get("X-Request-Id"))
	}
	want := []string{"000102030405060708090a0b0c0d0e0f", "101112131415161718191a1b1c1d1e1f"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids mismatch (-want +got):\n%s", diff)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestRequestIDSurvivesABrokenRandomSource(t *testing.T) {
	t.Parallel()
	h := NewHandler(http.NewServeMux(), Options{Random: failingReader{}})
	var got []string
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		got = append(got, w.Header().Get("X-Request-Id"))
	}
	if diff := cmp.Diff([]string{"x1", "x2"}, got); diff != "" {
		t.Errorf("fallback ids mismatch (-want +got):\n%s", diff)
	}
}

func TestRequestIDFromProxy(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name       string
		remoteAddr string
		forwarded  string
		wantReused bool
	}{
		{"trusted proxy, valid id", "10.1.2.3:4000", "3f2a-abc_DEF.9", true},
		{"unix socket proxy", "@", "nginx-req-1", true},
		{"untrusted peer", "203.0.113.5:4000", "3f2a-abc", false},
		{"trusted proxy, id with space", "10.1.2.3:4000", "a b", false},
		{"trusted proxy, id with newline", "10.1.2.3:4000", "a\nb", false},
		{"trusted proxy, id too long", "10.1.2.3:4000", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := NewHandler(http.NewServeMux(), Options{TrustedProxies: trusted})
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remoteAddr
			r.Header["X-Request-Id"] = []string{tt.forwarded}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			got := w.Header().Get("X-Request-Id")
			if tt.wantReused && got != tt.forwarded {
				t.Errorf("X-Request-Id = %q, want the proxy's %q", got, tt.forwarded)
			}
			if !tt.wantReused && !hexID.MatchString(got) {
				t.Errorf("X-Request-Id = %q, want a fresh id", got)
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("::ffff:192.168.0.0/112"), // written 4in6, must still match IPv4
	}
	tests := []struct {
		name       string
		remoteAddr string
		xff        []string
		want       string // "" means invalid (unknown)
	}{
		{"direct client", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct client ignores XFF", "203.0.113.7:5000", []string{"1.1.1.1"}, "203.0.113.7"},
		{"direct IPv6 client", "[2001:db8::1]:5000", nil, "2001:db8::1"},
		{"4in6 peer is unmapped", "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
		{"trusted proxy without XFF", "10.0.0.1:5000", nil, "10.0.0.1"},
		{"trusted proxy with client", "10.0.0.1:5000", []string{"198.51.100.4"}, "198.51.100.4"},
		{"spoofed left entry ignored", "10.0.0.1:5000", []string{"6.6.6.6, 198.51.100.4"}, "198.51.100.4"},
		{"chain of trusted proxies", "10.0.0.1:5000", []string{"198.51.100.4, 10.9.9.9,10.8.8.8"}, "198.51.100.4"},
		{"several header lines", "10.0.0.1:5000", []string{"6.6.6.6, 198.51.100.4", "10.9.9.9"}, "198.51.100.4"},
		{"all entries trusted", "10.0.0.1:5000", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"empty entries skipped", "10.0.0.1:5000", []string{"198.51.100.4, ,"}, "198.51.100.4"},
		{"IPv6 entry", "[fd00::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"bracketed IPv6 entry", "[fd00::1]:5000", []string{"[2001:db8::5]"}, "2001:db8::5"},
		{"entry with port", "10.0.0.1:5000", []string{"198.51.100.4:61000"}, "198.51.100.4"},
		{"4in6 trusted prefix matches", "192.168.1.1:5000", []string{"198.51.100.4"}, "198.51.100.4"},
		{"garbage stops at last good hop", "10.0.0.1:5000", []string{"198.51.100.4, unknown, 10.2.2.2"}, "10.2.2.2"},
		{"garbage right after the proxy", "10.0.0.1:5000", []string{"nonsense"}, "10.0.0.1"},
		{"unix socket with XFF", "@", []string{"198.51.100.4"}, "198.51.100.4"},
		{"unix socket path with XFF", "/run/mxauth.sock", []string{"198.51.100.4"}, "198.51.100.4"},
		{"unix socket without XFF", "", nil, ""},
		{"unparsable remote address", "not-an-address", []string{"1.1.1.1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got netip.Addr
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r.Context()) })
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remoteAddr
			if tt.xff != nil {
				r.Header["X-Forwarded-For"] = tt.xff
			}
			NewHandler(mux, Options{TrustedProxies: proxies}).ServeHTTP(httptest.NewRecorder(), r)
			var want netip.Addr
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("ClientIP = %v, want %v", got, want)
			}
		})
	}
}

func TestAccessorsOutsideTheHandler(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	if id := RequestID(ctx); id != "" {
		t.Errorf("RequestID = %q, want empty", id)
	}
	if ip := ClientIP(ctx); ip.IsValid() {
		t.Errorf("ClientIP = %v, want invalid", ip)
	}
	Logger(ctx).Info("must not crash") // a discarding logger
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusForbidden)
	})
	h := NewHandler(mux, Options{})
	for _, path := range []string{"/ok", "/fail", "/missing", "/_matrix/missing"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		got := map[string]string{
			"X-Content-Type-Options": w.Header().Get("X-Content-Type-Options"),
			"Referrer-Policy":        w.Header().Get("Referrer-Policy"),
		}
		want := map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: headers mismatch (-want +got):\n%s", path, diff)
		}
	}
}

func TestLoggerCarriesRequestID(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {
		Logger(r.Context()).Info("handler says hi")
	})
	w := httptest.NewRecorder()
	NewHandler(mux, Options{Logger: logs.logger()}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
	recs := logs.recordsWithMessage(t, "handler says hi")
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1: %s", len(recs), logs.String())
	}
	if got, want := recs[0]["request_id"], w.Header().Get("X-Request-Id"); got != want {
		t.Errorf("request_id = %v, want %q", got, want)
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	fake := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/callback/{provider}", func(w http.ResponseWriter, r *http.Request) {
		fake.Advance(1500 * time.Microsecond)
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "hello")
	})
	h := NewHandler(mux, Options{Logger: logs.logger(), LogRequests: true, Clock: fake})

	r := httptest.NewRequest(http.MethodGet, "/oauth2/callback/github?code=SECRETCODE&state=SECRETSTATE", nil)
	r.RemoteAddr = "198.51.100.20:1234"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	if strings.Contains(logs.String(), "SECRET") {
		t.Fatalf("the query string reached the log: %s", logs.String())
	}
	recs := logs.recordsWithMessage(t, "http request")
	if len(recs) != 1 {
		t.Fatalf("got %d access log lines, want 1: %s", len(recs), logs.String())
	}
	got := recs[0]
	delete(got, "time")
	want := map[string]any{
		"level":      "INFO",
		"msg":        "http request",
		"method":     "GET",
		"route":      "GET /oauth2/callback/{provider}",
		"path":       "/oauth2/callback/github",
		"status":     float64(418),
		"bytes":      float64(5),
		"duration":   float64(1500 * time.Microsecond),
		"request_id": w.Header().Get("X-Request-Id"),
		"client_ip":  "198.51.100.20",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access log line mismatch (-want +got):\n%s", diff)
	}
}

func TestAccessLogOffByDefault(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	NewHandler(http.NewServeMux(), Options{Logger: logs.logger()}).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if s := logs.String(); s != "" {
		t.Errorf("logged without LogRequests: %s", s)
	}
}

func TestMatrixFallbacks(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_matrix/client/v1/auth_metadata", func(w http.ResponseWriter, r *http.Request) {
		_ = WriteJSON(w, http.StatusOK, map[string]string{"issuer": "https://auth.example.com/"})
	})
	mux.HandleFunc("GET /_matrix/client/v3/handled404", func(w http.ResponseWriter, r *http.Request) {
		WriteMatrixError(w, http.StatusNotFound, ErrCodeNotFound, "No such room")
	})
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {})
	h := NewHandler(mux, Options{})

	tests := []struct {
		name        string
		method      string
		path        string
		wantStatus  int
		wantBody    string
		wantAllow   string
		wantCTStart string
	}{
		{"known route", "GET", "/_matrix/client/v1/auth_metadata", 200, `{"issuer":"https://auth.example.com/"}`, "", "application/json"},
		{"unknown matrix path", "GET", "/_matrix/client/v3/nonexistent", 404, `{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}`, "", "application/json"},
		{"bare /_matrix", "GET", "/_matrix", 404, `{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}`, "", "application/json"},
		{"wrong method", "DELETE", "/_matrix/client/v1/auth_metadata", 405, `{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}`, "GET, HEAD", "application/json"},
		{"handler's own 404 kept", "GET", "/_matrix/client/v3/handled404", 404, `{"errcode":"M_NOT_FOUND","error":"No such room"}`, "", "application/json"},
		{"outside /_matrix/ the mux answers", "GET", "/nonexistent", 404, "404 page not found\n", "", "text/plain"},
		{"outside /_matrix/ wrong method", "GET", "/oauth2/token", 405, "Method Not Allowed\n", "POST", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, w.Body.String()); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			if got := w.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if got := w.Header().Get("Content-Type"); !strings.HasPrefix(got, tt.wantCTStart) {
				t.Errorf("Content-Type = %q, want %q...", got, tt.wantCTStart)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			// mxauth doctor tells mxauth's answers from the homeserver's by this marker.
			wantMarker := ""
			if strings.HasPrefix(tt.path, "/_matrix") {
				wantMarker = "1"
			}
			if got := w.Header().Get("X-Mxauth"); got != wantMarker {
				t.Errorf("X-Mxauth = %q, want %q", got, wantMarker)
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxBody    int64
		bodySize   int
		wantStatus int
		wantBody   string
	}{
		{"under the cap", 16, 16, 200, "read 16 bytes"},
		{"over the cap", 16, 17, 413, `{"error":"invalid_request","error_description":"The request body is too large."}`},
		{"default cap allows 1 MiB", 0, 1 << 20, 200, "read 1048576 bytes"},
		{"default cap refuses more", 0, 1<<20 + 1, 413, `{"error":"invalid_request","error_description":"The request body is too large."}`},
		{"negative disables the cap", -1, 2 << 20, 200, "read 2097152 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux := http.NewServeMux()
			mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					WriteOAuthError(w, r, OAuthBodyError(err), nil)
					return
				}
				_, _ = io.WriteString(w, "read "+strconv.Itoa(len(body))+" bytes")
			})
			h := NewHandler(mux, Options{MaxBodyBytes: tt.maxBody})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/upload", strings.NewReader(strings.Repeat("a", tt.bodySize))))
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, w.Body.String()); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
