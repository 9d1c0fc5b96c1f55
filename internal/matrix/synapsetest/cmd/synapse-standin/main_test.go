package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	withNewline := writeFile("secret", "  0123456789abcdef\n")
	blank := writeFile("blank", " \n")
	const mas = "--mas=http://127.0.0.1:8080/"

	tests := []struct {
		name    string
		args    []string
		want    options
		wantErr string // substring; "" means success
	}{
		{
			name: "secret file is trimmed, defaults kept",
			args: []string{"--secret-file", withNewline, mas},
			want: options{listen: "127.0.0.1:8008", serverName: "synapse.test", secret: "0123456789abcdef", mas: "http://127.0.0.1:8080/"},
		},
		{
			name: "every flag",
			args: []string{"--listen", "127.0.0.1:0", "--server-name", "example.test", "--secret", "s3cret", "--mas", "https://auth.example.test"},
			want: options{listen: "127.0.0.1:0", serverName: "example.test", secret: "s3cret", mas: "https://auth.example.test"},
		},
		{name: "no secret", args: []string{mas}, wantErr: "--secret or --secret-file is required"},
		{name: "both secrets", args: []string{"--secret", "x", "--secret-file", withNewline, mas}, wantErr: "not both"},
		{name: "blank secret file", args: []string{"--secret-file", blank, mas}, wantErr: "is empty"},
		{name: "missing secret file", args: []string{"--secret-file", filepath.Join(dir, "nope"), mas}, wantErr: "--secret-file"},
		{name: "no mas", args: []string{"--secret", "x"}, wantErr: "--mas"},
		{name: "mas without scheme", args: []string{"--secret", "x", "--mas", "127.0.0.1:8080"}, wantErr: "--mas"},
		{name: "mas not http", args: []string{"--secret", "x", "--mas", "ftp://127.0.0.1/"}, wantErr: "--mas"},
		{name: "stray argument", args: []string{"--secret", "x", mas, "extra"}, wantErr: `unexpected argument "extra"`},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseOptions(tt.args, io.Discard)
			if tt.wantErr != "" {
				var usage usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &usage) {
					t.Fatalf("parseOptions(%q) = %v, want a usage error containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseOptions(%q): %v", tt.args, err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(options{})); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseOptionsHelp(t *testing.T) {
	t.Parallel()
	var usage bytes.Buffer
	_, err := parseOptions([]string{"-h"}, &usage)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h gave %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(usage.String(), "-secret-file") {
		t.Errorf("usage does not list --secret-file:\n%s", usage.String())
	}
}

// TestRunServesTheStandIn starts the command on a free port against a minimal mxauth
// discovery document and checks what a script relies on: the ready line, the client API with
// auth_metadata fetched from --mas, the MAS API guarded by the secret, the request log, and a
// clean exit when the context ends (as on SIGTERM).
func TestRunServesTheStandIn(t *testing.T) {
	t.Parallel()
	const secret = "interop-shared-secret"
	metadata := map[string]any{"issuer": "https://auth.example.test/", "account_management_uri": "https://auth.example.test/account/"}
	mxauth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(metadata)
	}))
	t.Cleanup(mxauth.Close)

	ctx, cancel := context.WithCancel(t.Context())
	stdoutReader, stdout := io.Pipe()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--server-name", "example.test",
			"--secret", secret, "--mas", mxauth.URL + "/"}, stdout, &stderr)
		_ = stdout.Close()
	}()
	line, err := bufio.NewReader(stdoutReader).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no ready line: %v (stderr: %s)", err, stderr.String())
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if !ok {
		cancel()
		t.Fatalf("first line %q, want \"ready <url>\"", line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutReader) }()

	requests := []struct {
		path, token string
		wantStatus  int
		wantBody    map[string]any // fields that must be present with these values
	}{
		{path: "/_matrix/client/v1/auth_metadata", wantStatus: http.StatusOK, wantBody: metadata},
		{path: "/_synapse/mas/query_user?localpart=alice", wantStatus: http.StatusUnauthorized, wantBody: map[string]any{"errcode": "M_MISSING_TOKEN"}},
		{path: "/_synapse/mas/query_user?localpart=alice", token: "wrong", wantStatus: http.StatusForbidden},
		{path: "/_synapse/mas/query_user?localpart=alice", token: secret, wantStatus: http.StatusNotFound, wantBody: map[string]any{"errcode": "M_NOT_FOUND"}},
		{path: "/_matrix/client/v3/account/whoami", wantStatus: http.StatusUnauthorized, wantBody: map[string]any{"errcode": "M_MISSING_TOKEN"}},
	}
	for _, req := range requests {
		status, body := get(t, base+req.path, req.token)
		if status != req.wantStatus {
			t.Errorf("GET %s: status %d, want %d (%v)", req.path, status, req.wantStatus, body)
		}
		for k, want := range req.wantBody {
			if diff := cmp.Diff(want, body[k]); diff != "" {
				t.Errorf("GET %s: %s (-want +got):\n%s", req.path, k, diff)
			}
		}
	}
	status, body := get(t, base+"/_matrix/client/versions", "")
	versions, _ := body["versions"].([]any)
	if status != http.StatusOK || !containsString(versions, "v1.15") {
		t.Errorf("GET /_matrix/client/versions: %d %v, want 200 listing v1.15", status, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel: %v", err)
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatal("run did not return after its context ended")
	}
	logged := stderr.String()
	for _, want := range []string{
		"method=GET path=/_matrix/client/versions status=200",
		"method=GET path=/_synapse/mas/query_user status=403",
	} {
		if !strings.Contains(logged, want) {
			t.Errorf("request log lacks %q:\n%s", want, logged)
		}
	}
	if strings.Contains(logged, secret) {
		t.Errorf("request log contains the secret:\n%s", logged)
	}
}

func TestRunRefusesAnAddressInUse(t *testing.T) {
	t.Parallel()
	taken := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(taken.Close)
	addr := strings.TrimPrefix(taken.URL, "http://")
	err := run(t.Context(), []string{"--listen", addr, "--secret", "x", "--mas", "http://127.0.0.1:1/"}, io.Discard, io.Discard)
	if err == nil {
		t.Fatalf("run on the taken address %s succeeded", addr)
	}
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func containsString(list []any, want string) bool {
	for _, v := range list {
		if v == want {
			return true
		}
	}
	return false
}

// lockedBuffer is a bytes.Buffer the server's goroutines may write while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
