package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/golden"
	"github.com/mxauth/mxauth/internal/oauth2"
)

// firstRequestID is the id NewHandler gives its first request when Random is a fresh
// sequentialReader.
const firstRequestID = "000102030405060708090a0b0c0d0e0f"

// errorCase is one error handed to a writer, with what must be logged about it.
type errorCase struct {
	name      string
	err       error
	basicAuth bool
	// wantLogged is the "error" attribute of the one "request failed" record, or "" when
	// nothing may be logged.
	wantLogged string
}

// serveError runs write inside NewHandler (so that the request has an id and a logger) and
// returns the response as a golden text, plus the logs.
func serveError(t *testing.T, tc errorCase, write func(http.ResponseWriter, *http.Request, error, *slog.Logger)) (string, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /endpoint", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, tc.err, nil)
	})
	h := NewHandler(mux, Options{Logger: logs.logger(), Random: &sequentialReader{}})
	r := httptest.NewRequest(http.MethodPost, "/endpoint", nil)
	if tc.basicAuth {
		r.SetBasicAuth("client", "wrong secret")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return dumpResponse(w), logs
}

// dumpResponse renders status, headers (sorted) and body as the golden file holds them.
func dumpResponse(w *httptest.ResponseRecorder) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status: %d\n", w.Code)
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range w.Header() {
			if !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		fmt.Fprintf(&b, "%s: %s\n", name, strings.Join(w.Header()[name], ", "))
	}
	fmt.Fprintf(&b, "\n%s\n", w.Body.String())
	return b.String()
}

// checkGolden compares a dumped response with testdata/<name>.golden (UPDATE_GOLDEN=1
// rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Assert(t, strings.ReplaceAll(name, " ", "_")+".golden", []byte(got))
}

// checkLogged asserts that the cause was logged exactly once with the request id, or not at
// all, and never reached the response.
func checkLogged(t *testing.T, tc errorCase, response string, logs *logBuffer) {
	t.Helper()
	recs := logs.recordsWithMessage(t, "request failed")
	if tc.wantLogged == "" {
		if len(recs) != 0 {
			t.Errorf("logged %d records, want none: %s", len(recs), logs.String())
		}
		return
	}
	if len(recs) != 1 {
		t.Fatalf("logged %d records, want 1: %s", len(recs), logs.String())
	}
	got := map[string]any{"error": recs[0]["error"], "request_id": recs[0]["request_id"], "level": recs[0]["level"]}
	want := map[string]any{"error": tc.wantLogged, "request_id": firstRequestID, "level": "ERROR"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log record mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(response, "secret cause") {
		t.Errorf("the cause reached the client:\n%s", response)
	}
}

func TestWriteOAuthError(t *testing.T) {
	t.Parallel()
	dbDown := errors.New("secret cause: connection refused")
	tests := []errorCase{
		{name: "invalid grant", err: oauth2.InvalidGrant("The refresh token has been revoked.")},
		{name: "no description", err: oauth2.UnsupportedGrantType("")},
		{name: "invalid client without basic auth", err: oauth2.InvalidClient("Unknown client.")},
		{name: "invalid client with basic auth", err: oauth2.InvalidClient("Client authentication failed."), basicAuth: true},
		{name: "description made wire safe", err: oauth2.InvalidScope("unknown scope \"x\"\nsee docs\\é")},
		{name: "error uri", err: oauth2.InvalidRequest("Missing code_verifier.").WithURI("https://docs.example.com/pkce")},
		{name: "wrapped error", err: fmt.Errorf("token endpoint: %w", oauth2.InvalidGrant("Code expired."))},
		{name: "4xx cause not logged", err: oauth2.InvalidGrant("Unknown code.").WithCause(errors.New("secret cause: sql: no rows"))},
		{
			name:       "temporarily unavailable logs its cause",
			err:        oauth2.TemporarilyUnavailable("Try again later.").WithCause(dbDown),
			wantLogged: "oauth2: temporarily_unavailable: Try again later.: secret cause: connection refused",
		},
		{name: "server error without cause", err: oauth2.ServerError("Signing failed."), wantLogged: "oauth2: server_error: Signing failed."},
		{name: "status override", err: oauth2.InvalidRequest("Too many parameters.").WithStatus(http.StatusRequestEntityTooLarge)},
		{name: "unexpected error", err: fmt.Errorf("store: %w", dbDown), wantLogged: "store: secret cause: connection refused"},
		{name: "body too large", err: fmt.Errorf("parse form: %w", &http.MaxBytesError{Limit: 1 << 20})},
		{name: "nil error", err: nil, wantLogged: "web.WriteOAuthError called with a nil error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, logs := serveError(t, tc, WriteOAuthError)
			checkGolden(t, "oauth_error/"+tc.name, got)
			checkLogged(t, tc, got, logs)
		})
	}
}

func TestWriteMatrixErrorFrom(t *testing.T) {
	t.Parallel()
	tests := []errorCase{
		{name: "matrix error", err: &MatrixError{Status: http.StatusUnauthorized, ErrCode: ErrCodeUnknownToken, Message: "Token expired"}},
		{name: "wrapped matrix error", err: fmt.Errorf("whoami: %w", &MatrixError{Status: http.StatusForbidden, ErrCode: ErrCodeForbidden, Message: "Nope"})},
		{name: "body too large", err: &http.MaxBytesError{Limit: 10}},
		{name: "unexpected error", err: errors.New("secret cause: disk full"), wantLogged: "secret cause: disk full"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, logs := serveError(t, tc, WriteMatrixErrorFrom)
			checkGolden(t, "matrix_error/"+tc.name, got)
			checkLogged(t, tc, got, logs)
		})
	}
}

func TestWriteOAuthErrorUsesTheGivenLogger(t *testing.T) {
	t.Parallel()
	var own, options logBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {
		WriteOAuthError(w, r, errors.New("cause"), own.logger())
	})
	h := NewHandler(mux, Options{Logger: options.logger(), Random: &sequentialReader{}})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	recs := own.recordsWithMessage(t, "request failed")
	if len(recs) != 1 || recs[0]["request_id"] != firstRequestID {
		t.Errorf("own logger got %v, want one record with request_id %s", recs, firstRequestID)
	}
	if s := options.String(); s != "" {
		t.Errorf("Options.Logger was used too: %s", s)
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	if err := WriteJSON(w, http.StatusCreated, map[string]any{"client_id": "abc", "n": 1}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "write_json", dumpResponse(w))

	w = httptest.NewRecorder()
	if err := WriteJSON(w, http.StatusOK, map[string]any{"bad": make(chan int)}); err == nil {
		t.Fatal("WriteJSON of a channel succeeded")
	}
	if w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Errorf("WriteJSON wrote something for an unencodable value:\n%s", dumpResponse(w))
	}
}

func TestWriteMatrixError(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	WriteMatrixError(w, http.StatusNotFound, ErrCodeUnrecognized, `OAuth 2.0 "is" <off>`)
	checkGolden(t, "write_matrix_error", dumpResponse(w))
}

func TestOAuthBodyError(t *testing.T) {
	t.Parallel()
	readErr := errors.New("unexpected EOF")
	tests := []struct {
		name       string
		in         error
		wantNil    bool
		wantStatus int
		wantCause  error
	}{
		{name: "nil", in: nil, wantNil: true},
		{name: "too large", in: &http.MaxBytesError{Limit: 5}, wantStatus: 413},
		{name: "other read error", in: readErr, wantStatus: 400, wantCause: readErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := OAuthBodyError(tt.in)
			if tt.wantNil {
				if got != nil {
					t.Fatalf("OAuthBodyError(nil) = %v", got)
				}
				return
			}
			var oe *oauth2.Error
			if !errors.As(got, &oe) || oe.Code != oauth2.CodeInvalidRequest || oe.HTTPStatus() != tt.wantStatus {
				t.Fatalf("OAuthBodyError(%v) = %#v, want invalid_request %d", tt.in, got, tt.wantStatus)
			}
			if tt.wantCause != nil && !errors.Is(got, tt.wantCause) {
				t.Errorf("cause %v lost", tt.wantCause)
			}
			if IsBodyTooLarge(got) != (tt.wantStatus == 413) {
				t.Errorf("IsBodyTooLarge = %v", IsBodyTooLarge(got))
			}
		})
	}
}
