package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsUseTheRoutePattern(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/registration/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		WriteOAuthError(w, r, nil, nil)
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	h := NewHandler(mux, Options{Registry: reg, CORS: true})

	requests := []struct{ method, path string }{
		{"GET", "/oauth2/registration/one"},
		{"GET", "/oauth2/registration/two"}, // same route, different path: one series
		{"HEAD", "/oauth2/registration/three"},
		{"POST", "/oauth2/token"},
		{"GET", "/boom"},
		{"GET", "/scanner/wp-login.php"},
		{"GET", "/_matrix/client/v3/unknown"},
		{"BREW", "/oauth2/token"},
		{"OPTIONS", "/oauth2/token"},
	}
	for _, rq := range requests {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(rq.method, rq.path, nil))
	}

	const want = `
# HELP mxauth_http_requests_total HTTP requests served, by matched route pattern, method and status code.
# TYPE mxauth_http_requests_total counter
mxauth_http_requests_total{code="200",method="GET",route="GET /oauth2/registration/{id}"} 2
mxauth_http_requests_total{code="200",method="HEAD",route="GET /oauth2/registration/{id}"} 1
mxauth_http_requests_total{code="500",method="POST",route="POST /oauth2/token"} 1
mxauth_http_requests_total{code="500",method="GET",route="GET /boom"} 1
mxauth_http_requests_total{code="404",method="GET",route="unmatched"} 2
mxauth_http_requests_total{code="405",method="OTHER",route="unmatched"} 1
mxauth_http_requests_total{code="204",method="OPTIONS",route="POST /oauth2/token"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "mxauth_http_requests_total"); err != nil {
		t.Error(err)
	}

	// Scrape as Prometheus would, and check the histogram's series.
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, line := range []string{
		`mxauth_http_request_duration_seconds_count{route="GET /oauth2/registration/{id}"} 3`,
		`mxauth_http_request_duration_seconds_count{route="POST /oauth2/token"} 2`,
		`mxauth_http_request_duration_seconds_count{route="unmatched"} 3`,
		`mxauth_http_request_duration_seconds_bucket{route="GET /boom",le="0.0001"}`,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("scrape lacks %q:\n%s", line, body)
		}
	}
	if strings.Contains(string(body), "wp-login") || strings.Contains(string(body), "/oauth2/registration/one") {
		t.Errorf("a raw path became a label:\n%s", body)
	}
}

func TestMetricsRegisterTwiceOnOneRegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {})
	first := NewHandler(mux, Options{Registry: reg})
	second := NewHandler(mux, Options{Registry: reg})
	first.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	second.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))

	const want = `
# HELP mxauth_http_requests_total HTTP requests served, by matched route pattern, method and status code.
# TYPE mxauth_http_requests_total counter
mxauth_http_requests_total{code="200",method="GET",route="GET /x"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "mxauth_http_requests_total"); err != nil {
		t.Error(err)
	}
}

func TestMethodLabel(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"GET", "GET"}, {"HEAD", "HEAD"}, {"POST", "POST"}, {"PUT", "PUT"}, {"PATCH", "PATCH"},
		{"DELETE", "DELETE"}, {"OPTIONS", "OPTIONS"}, {"CONNECT", "CONNECT"}, {"TRACE", "TRACE"},
		{"get", "OTHER"}, {"PROPFIND", "OTHER"}, {"", "OTHER"},
	}
	for _, tt := range tests {
		if got := methodLabel(tt.in); got != tt.want {
			t.Errorf("methodLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
