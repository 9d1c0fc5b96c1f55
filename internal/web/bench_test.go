package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// discardResponseWriter is the cheapest possible ResponseWriter, so that the benchmarks
// measure the middleware and not httptest.ResponseRecorder.
type discardResponseWriter struct {
	header http.Header
	status int
}

func (d *discardResponseWriter) Header() http.Header         { return d.header }
func (d *discardResponseWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardResponseWriter) WriteHeader(code int)        { d.status = code }

var benchBody = []byte(`{"issuer":"https://auth.example.com/","authorization_endpoint":"https://auth.example.com/authorize"}`)

func benchMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_matrix/client/v1/auth_metadata", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = jsonContentType
		_, _ = w.Write(benchBody)
	})
	return mux
}

func runBench(b *testing.B, h http.Handler) {
	b.Helper()
	r := httptest.NewRequest(http.MethodGet, "/_matrix/client/v1/auth_metadata", nil)
	r.RemoteAddr = "10.0.0.2:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	w := &discardResponseWriter{header: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.header)
		h.ServeHTTP(w, r)
	}
	if w.status != 0 && w.status != http.StatusOK {
		b.Fatalf("status %d", w.status)
	}
}

// BenchmarkNewHandler measures the whole middleware stack around the discovery endpoint:
// go test -run '^$' -bench NewHandler ./internal/web/
func BenchmarkNewHandler(b *testing.B) {
	b.Run("bare mux", func(b *testing.B) {
		runBench(b, benchMux())
	})
	b.Run("metrics", func(b *testing.B) {
		runBench(b, NewHandler(benchMux(), Options{
			Registry:       prometheus.NewRegistry(),
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		}))
	})
	b.Run("metrics+cors", func(b *testing.B) {
		runBench(b, NewHandler(benchMux(), Options{
			Registry:       prometheus.NewRegistry(),
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			CORS:           true,
		}))
	})
	b.Run("metrics+cors+access log", func(b *testing.B) {
		runBench(b, NewHandler(benchMux(), Options{
			Registry:       prometheus.NewRegistry(),
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			CORS:           true,
			LogRequests:    true,
			Logger:         slog.New(slog.NewJSONHandler(io.Discard, nil)),
		}))
	})
}

// BenchmarkLoopback serves the discovery stand-in over real HTTP on the loopback interface,
// bare and wrapped, to show the middleware's share of a whole request. Client and server
// share the machine's cores, so the absolute rate is below what a separate load generator
// sees: go test -run '^$' -bench Loopback -cpu 2 ./internal/web/
func BenchmarkLoopback(b *testing.B) {
	for _, tc := range []struct {
		name    string
		handler http.Handler
	}{
		{"bare mux", benchMux()},
		{"NewHandler", NewHandler(benchMux(), Options{Registry: prometheus.NewRegistry(), CORS: true})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			transport := &http.Transport{MaxIdleConnsPerHost: 64}
			defer transport.CloseIdleConnections()
			client := &http.Client{Transport: transport}
			url := srv.URL + "/_matrix/client/v1/auth_metadata"
			b.ReportAllocs()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
