package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/config"
)

func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.HTTP.Listen = []string{"127.0.0.1:0"}
	cfg.HTTP.PublicURL = "https://auth.example.test/"
	cfg.DataDir = t.TempDir()
	cfg.Log.Requests = false
	cfg.Resolve()
	return cfg
}

func newApp(t *testing.T, cfg config.Config) (*App, error) {
	t.Helper()
	a, err := New(context.Background(), Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"})
	if err == nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

func jwksKIDs(t *testing.T, a *App) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(a.keys.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KID)
	}
	return kids
}

func TestRestartReusesSecretAndKeys(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	a, err := newApp(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first := jwksKIDs(t, a)
	a.Close()
	fi, err := os.Stat(filepath.Join(cfg.DataDir, secretFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", fi.Mode().Perm())
	}
	b, err := newApp(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := jwksKIDs(t, b); strings.Join(got, ",") != strings.Join(first, ",") || len(got) != 2 {
		t.Errorf("kids after restart %v, want %v", got, first)
	}
}

func TestWrongSecretIsAClearError(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	a, err := newApp(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	cfg.Secrets.Encryption = strings.Repeat("11", 32)
	_, err = newApp(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v, want one about the secret", err)
	}
}

func TestStartupFailures(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	tests := []struct {
		name string
		edit func(*config.Config)
		want string
	}{
		{"port in use", func(c *config.Config) { c.HTTP.Listen = []string{busy.Addr().String()} }, "cannot listen on " + busy.Addr().String()},
		{"database unreachable", func(c *config.Config) {
			c.Database.URL = "postgres://nobody:x@127.0.0.1:1/none?connect_timeout=2"
			c.Secrets.Encryption = strings.Repeat("ab", 32)
		}, "PostgreSQL"},
		{"no migrations on an empty database", func(c *config.Config) { c.Database.Migrate = false }, "mxauth migrate"},
	}
	if runtime.GOOS == "linux" && os.Geteuid() != 0 {
		tests = append(tests, struct {
			name string
			edit func(*config.Config)
			want string
		}{"unwritable data dir", func(c *config.Config) {
			if err := os.Chmod(c.DataDir, 0o500); err != nil {
				t.Fatal(err)
			}
			c.Database.URL = "sqlite:" + filepath.Join(c.DataDir, "sub", "mxauth.db")
		}, "cannot create the database directory"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			tt.edit(&cfg)
			_, err := newApp(t, cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestUnwritableDataDirAsRoot(t *testing.T) {
	t.Parallel()
	// Root ignores permissions, so make the data directory's parent a file instead.
	cfg := testConfig(t)
	file := filepath.Join(cfg.DataDir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = filepath.Join(file, "data")
	cfg.Database.URL = ""
	cfg.Resolve()
	_, err := newApp(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "cannot create the database directory") {
		t.Fatalf("err = %v", err)
	}
}

func TestServeUnixSocketAndShutdown(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	sock := filepath.Join(cfg.DataDir, "mxauth.sock")
	cfg.HTTP.Listen = []string{"unix:" + sock}
	a, err := newApp(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	resp, err := client.Get("http://mxauth/_matrix/client/v1/auth_metadata")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left behind: %v", err)
	}
}

func TestPathPrefix(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.HTTP.PublicURL = "https://example.test/auth/"
	a, err := newApp(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path   string
		status int
	}{
		{"/auth/_matrix/client/v1/auth_metadata", http.StatusOK},
		{"/auth/.well-known/openid-configuration", http.StatusOK},
		{"/_matrix/client/v1/auth_metadata", http.StatusNotFound},
		{"/authx/health", http.StatusNotFound},
		{"/auth", http.StatusNotFound},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://example.test"+tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("%s: %d, want %d", tt.path, rec.Code, tt.status)
		}
		if tt.status == http.StatusOK && !strings.Contains(rec.Body.String(), `"jwks_uri":"https://example.test/auth/oauth2/keys.json"`) {
			t.Errorf("%s: endpoints not under the prefix: %s", tt.path, rec.Body.String())
		}
	}
}

// TestShutdownLetsInFlightRequestsFinish sends half a registration request, ends Serve's
// context, then sends the rest: the request must still be answered before Serve returns.
func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	a, err := newApp(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr := a.listeners[0].Addr().String()
	st := a.Store()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()

	body := `{"client_uri":"https://app.example.org/","redirect_uris":["https://app.example.org/cb"],"token_endpoint_auth_method":"none"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /oauth2/registration HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, head+body[:10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server is now reading the body
	cancel()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Serve returned while a request was in flight: %v", err)
	default:
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("in-flight request answered %d, want 201", resp.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last request finished")
	}
	if err := st.Ping(context.Background()); err == nil {
		t.Error("the store is still open after Serve returned")
	}
}
