package apptest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/mxauth/mxauth/internal/config"
)

func do(t *testing.T, s *Server, method, path string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestProbes(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	for _, tt := range []struct{ path, want string }{
		{"/health", `{"status":"ok"}`},
		{"/ready", `{"status":"ready"}`},
	} {
		resp, body := do(t, s, http.MethodGet, tt.path, nil)
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != tt.want {
			t.Errorf("%s: %d %s", tt.path, resp.StatusCode, body)
		}
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	do(t, s, http.MethodGet, pathMetadata, nil)
	do(t, s, http.MethodGet, "/_matrix/client/v3/nope", nil)
	_, body := do(t, s, http.MethodGet, "/metrics", nil)
	for _, want := range []string{
		`mxauth_http_requests_total{code="200",method="GET",route="GET /_matrix/client/v1/auth_metadata"} 1`,
		`route="unmatched"`,
		`mxauth_http_request_duration_seconds_bucket{`,
		`mxauth_db_pool_connections{`,
		`mxauth_build_info{version="test"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMetricsOnSeparateListener(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := Start(t, func(c *config.Config) { c.Metrics.Listen = addr })
	if resp, _ := do(t, s, http.MethodGet, "/metrics", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main listener: %d, want 404", resp.StatusCode)
	}
}

func TestMatrixFallbacks(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/_matrix/client/v3/unknown", http.StatusNotFound},
		{http.MethodGet, "/_matrix/", http.StatusNotFound},
		{http.MethodGet, "/_matrix/client/v1/auth_metadata/extra", http.StatusNotFound},
		{http.MethodPost, pathMetadata, http.StatusMethodNotAllowed},
		{http.MethodDelete, pathMetadataUnstable, http.StatusMethodNotAllowed},
		{"BREW", pathMetadata, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		resp, body := do(t, s, tt.method, tt.path, strings.NewReader("{}"))
		var e map[string]string
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tt.status || e["errcode"] != "M_UNRECOGNIZED" {
			t.Errorf("%s %s: %d %s, want %d M_UNRECOGNIZED", tt.method, tt.path, resp.StatusCode, body, tt.status)
		}
	}
}

func TestOddRequestsNeverFail(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	big := strings.Repeat("x", 2<<20)
	tests := []struct {
		method, path string
		body         string
	}{
		{http.MethodGet, "/%2e%2e/%2e%2e/etc/passwd", ""},
		{http.MethodGet, "/_matrix/client/v1/auth_metadata%00", ""},
		{http.MethodGet, "//_matrix//client", ""},
		{http.MethodPost, pathOpenIDConfig, big},
		{http.MethodPut, "/_matrix/client/v3/x", big},
		{"PROPFIND", "/", ""},
		{http.MethodGet, "/" + strings.Repeat("a/", 2000), ""},
	}
	for _, tt := range tests {
		resp, _ := do(t, s, tt.method, tt.path, strings.NewReader(tt.body))
		if resp.StatusCode >= 500 {
			t.Errorf("%s %.60s: %d", tt.method, tt.path, resp.StatusCode)
		}
	}
	// Huge headers are refused by the server before any handler runs.
	req, _ := http.NewRequest(http.MethodGet, s.URL+pathMetadata, nil)
	req.Header.Set("X-Big", strings.Repeat("h", 200<<10))
	if resp, err := s.Client.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("huge header: %d", resp.StatusCode)
		}
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	resp, body := do(t, s, http.MethodGet, "/oauth2/keys.json", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	algs := map[string]bool{}
	for _, k := range set.Keys {
		if k.KeyID == "" || k.Use != "sig" || !k.IsPublic() {
			t.Errorf("key %q: use %q public %v", k.KeyID, k.Use, k.IsPublic())
		}
		algs[k.Algorithm] = true
	}
	if !algs["ES256"] || !algs["RS256"] {
		t.Errorf("algorithms %v, want ES256 and RS256", algs)
	}
	for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`} {
		if strings.Contains(string(body), private+":") {
			t.Errorf("JWKS contains the private member %s", private)
		}
	}
}
