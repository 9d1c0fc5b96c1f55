package web

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func panicServer(t *testing.T, logs *logBuffer) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	boom := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=half-made")
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Location", "https://example.com/")
		panic("boom: secret detail")
	}
	mux.HandleFunc("GET /_matrix/client/v3/boom", boom)
	mux.HandleFunc("POST /oauth2/boom", boom)
	mux.HandleFunc("GET /account/boom", boom)
	mux.HandleFunc("GET /partial", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "half a bo")
		w.(http.Flusher).Flush()
		panic("boom after the header")
	})
	mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "fine")
	})
	srv := httptest.NewUnstartedServer(NewHandler(mux, Options{Logger: logs.logger(), CORS: true}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // net/http's own log is not under test
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestPanicBecomes500InTheRightVocabulary(t *testing.T) {
	t.Parallel()
	const matrixBody = `{"errcode":"M_UNKNOWN","error":"Internal server error"}`
	const oauthBody = `{"error":"server_error","error_description":"The server encountered an unexpected error."}`
	tests := []struct {
		name, method, path string
		wantBody           string
	}{
		{"matrix path", http.MethodGet, "/_matrix/client/v3/boom", matrixBody},
		{"oauth path", http.MethodPost, "/oauth2/boom", oauthBody},
		{"any other path", http.MethodGet, "/account/boom", oauthBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			srv := panicServer(t, &logs)
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}

			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", resp.StatusCode)
			}
			if diff := cmp.Diff(tt.wantBody, string(body)); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			gotHeaders := map[string]string{}
			for _, name := range []string{"Content-Type", "Set-Cookie", "Location", "X-Content-Type-Options", "Access-Control-Allow-Origin"} {
				gotHeaders[name] = resp.Header.Get(name)
			}
			wantHeaders := map[string]string{
				"Content-Type":                "application/json",
				"Set-Cookie":                  "",
				"Location":                    "",
				"X-Content-Type-Options":      "nosniff",
				"Access-Control-Allow-Origin": "*",
			}
			if diff := cmp.Diff(wantHeaders, gotHeaders); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}

			recs := logs.recordsWithMessage(t, "panic serving request")
			if len(recs) != 1 {
				t.Fatalf("got %d panic log records, want 1: %s", len(recs), logs.String())
			}
			rec := recs[0]
			if rec["request_id"] != resp.Header.Get("X-Request-Id") || rec["request_id"] == "" {
				t.Errorf("request_id = %v, header %q", rec["request_id"], resp.Header.Get("X-Request-Id"))
			}
			if rec["panic"] != "boom: secret detail" || rec["level"] != "ERROR" {
				t.Errorf("panic = %v, level = %v", rec["panic"], rec["level"])
			}
			if stack, _ := rec["stack"].(string); !strings.Contains(stack, "panicServer") {
				t.Errorf("stack does not show the panicking handler:\n%s", stack)
			}

			// The server is still serving.
			resp, err = srv.Client().Get(srv.URL + "/ok")
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "fine" {
				t.Errorf("after the panic: %d %q, want 200 \"fine\"", resp.StatusCode, body)
			}
		})
	}
}

func TestPanicAfterTheHeaderCutsTheConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path          string
		wantPanicLogs int
	}{
		{"/partial", 1},
		{"/abort", 0}, // http.ErrAbortHandler is a deliberate abort, not a bug
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			srv := panicServer(t, &logs)
			resp, err := srv.Client().Get(srv.URL + tt.path)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
			}
			if err == nil {
				t.Fatalf("the client read a complete response; want a cut connection")
			}
			if got := len(logs.recordsWithMessage(t, "panic serving request")); got != tt.wantPanicLogs {
				t.Errorf("got %d panic log records, want %d", got, tt.wantPanicLogs)
			}
		})
	}
}
