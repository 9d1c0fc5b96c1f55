package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// countingReader is crypto-free randomness that counts how often it is read.
type countingReader struct {
	sequentialReader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.sequentialReader.Read(p)
}

func TestIDSourceReadsRandomnessInBlocks(t *testing.T) {
	t.Parallel()
	random := &countingReader{}
	ids := newIDSource(random)
	perBlock := len(ids.buf) / requestIDBytes
	for range perBlock + 1 {
		if id := ids.newID(); !hexID.MatchString(id) {
			t.Fatalf("id %q is not 32 hex digits", id)
		}
	}
	if random.reads != 2 {
		t.Errorf("%d ids took %d reads, want 2", perBlock+1, random.reads)
	}
}

func TestValidForwardedID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"550e8400-e29b-41d4-a716-446655440000", true},
		{"0123456789abcdef0123456789abcdef", true},
		{"a.b_c-D", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"a b", false},
		{"a\"b", false},
		{"a\nb", false},
		{"é", false},
	}
	for _, tt := range tests {
		if got := validForwardedID(tt.in); got != tt.want {
			t.Errorf("validForwardedID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFlushAndResponseControllerPassThrough(t *testing.T) {
	t.Parallel()
	var flushErr error
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		flushErr = http.NewResponseController(w).Flush()
	})
	w := httptest.NewRecorder()
	NewHandler(mux, Options{}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/stream", nil))
	if flushErr != nil || !w.Flushed {
		t.Errorf("Flush through the middleware: err %v, flushed %v", flushErr, w.Flushed)
	}
}

func TestCanceledRequestIsNotAnErrorInTheLog(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		WriteOAuthError(w, r, r.Context().Err(), nil)
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/oauth2/token", nil)
	NewHandler(mux, Options{Logger: logs.logger()}).ServeHTTP(httptest.NewRecorder(), r)
	recs := logs.recordsWithMessage(t, "request failed")
	if len(recs) != 1 || recs[0]["level"] != "INFO" {
		t.Errorf("got %v, want one INFO record", recs)
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("test setup: context not canceled")
	}
}
