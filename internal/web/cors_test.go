package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func corsMux(handlerRan *bool) *http.ServeMux {
	mux := http.NewServeMux()
	ran := func(w http.ResponseWriter, r *http.Request) {
		*handlerRan = true
		_, _ = io.WriteString(w, "handled "+r.Method)
	}
	mux.HandleFunc("GET /_matrix/client/v1/auth_metadata", ran)
	mux.HandleFunc("POST /oauth2/token", ran)
	mux.HandleFunc("GET /oauth2/registration/{id}", ran)
	mux.HandleFunc("DELETE /oauth2/registration/{id}", ran)
	mux.HandleFunc("OPTIONS /custom", ran)
	mux.HandleFunc("POST /custom", ran)
	return mux
}

func TestCORS(t *testing.T) {
	t.Parallel()
	preflight := map[string]string{
		"Origin":                         "https://app.element.io",
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "content-type",
	}
	tests := []struct {
		name           string
		method, path   string
		header         map[string]string
		wantStatus     int
		wantHeaders    map[string]string
		wantHandlerRan bool
	}{
		{
			name: "preflight for the token endpoint", method: "OPTIONS", path: "/oauth2/token", header: preflight,
			wantStatus: 204,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "POST, OPTIONS",
				"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Requested-With",
				"Access-Control-Max-Age":       "7200",
				"Allow":                        "POST, OPTIONS",
			},
		},
		{
			name: "preflight lists every method of a path with several", method: "OPTIONS",
			path: "/oauth2/registration/abc", header: preflight,
			wantStatus: 204,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET, HEAD, DELETE, OPTIONS",
				"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Requested-With",
				"Access-Control-Max-Age":       "7200",
				"Allow":                        "GET, HEAD, DELETE, OPTIONS",
			},
		},
		{
			name: "preflight wins over an OPTIONS route", method: "OPTIONS", path: "/custom", header: preflight,
			wantStatus: 204,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "POST, OPTIONS",
				"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Requested-With",
				"Access-Control-Max-Age":       "7200",
				"Allow":                        "POST, OPTIONS",
			},
		},
		{
			name: "plain OPTIONS on a Matrix endpoint is answered without logic", method: "OPTIONS",
			path: "/_matrix/client/v1/auth_metadata", header: nil,
			wantStatus: 204,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
				"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Requested-With",
				"Access-Control-Max-Age":       "7200",
				"Allow":                        "GET, HEAD, OPTIONS",
			},
		},
		{
			name: "plain OPTIONS reaches an OPTIONS route", method: "OPTIONS", path: "/custom", header: nil,
			wantStatus: 200, wantHandlerRan: true,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "",
				"Access-Control-Allow-Headers": "",
				"Access-Control-Max-Age":       "",
				"Allow":                        "",
			},
		},
		{
			name: "preflight for an unknown path is the mux's 404", method: "OPTIONS", path: "/nowhere", header: preflight,
			wantStatus: 404,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "",
				"Access-Control-Allow-Headers": "",
				"Access-Control-Max-Age":       "",
				"Allow":                        "",
			},
		},
		{
			name: "simple request gets the origin header", method: "GET", path: "/_matrix/client/v1/auth_metadata",
			header:     map[string]string{"Origin": "https://app.element.io"},
			wantStatus: 200, wantHandlerRan: true,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "",
				"Access-Control-Allow-Headers": "",
				"Access-Control-Max-Age":       "",
				"Allow":                        "",
			},
		},
		{
			name: "errors get the origin header too", method: "GET", path: "/oauth2/token",
			header:     map[string]string{"Origin": "https://app.element.io"},
			wantStatus: 405,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "",
				"Access-Control-Allow-Headers": "",
				"Access-Control-Max-Age":       "",
				"Allow":                        "POST",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var handlerRan bool
			h := NewHandler(corsMux(&handlerRan), Options{CORS: true})
			r := httptest.NewRequest(tt.method, tt.path, nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			got := map[string]string{}
			for name := range tt.wantHeaders {
				got[name] = w.Header().Get(name)
			}
			if diff := cmp.Diff(tt.wantHeaders, got); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
			if handlerRan != tt.wantHandlerRan {
				t.Errorf("handler ran = %v, want %v", handlerRan, tt.wantHandlerRan)
			}
		})
	}
}

func TestCORSOffByDefault(t *testing.T) {
	t.Parallel()
	var handlerRan bool
	h := NewHandler(corsMux(&handlerRan), Options{})
	r := httptest.NewRequest(http.MethodOptions, "/oauth2/token", nil)
	r.Header.Set("Origin", "https://app.element.io")
	r.Header.Set("Access-Control-Request-Method", "POST")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("without Options.CORS: status %d, ACAO %q; want the mux's 405 and no CORS",
			w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
}
