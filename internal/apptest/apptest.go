package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/config"
)

// Server is one running app.
type Server struct {
	URL    string // base URL without a trailing slash, e.g. http://127.0.0.1:41234
	App    *app.App
	Config config.Config
	Client *http.Client
}

// Start runs the app with defaults suitable for tests: SQLite in t.TempDir(), no request
// logs, the public URL set to the test server. edit, if not nil, adjusts the config first.
// Everything is closed when the test ends.
func Start(t testing.TB, edit func(*config.Config)) *Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	dir := t.TempDir()
	cfg := config.Default()
	cfg.HTTP.Listen = nil // the test server owns the listener
	cfg.HTTP.PublicURL = "http://" + ts.Listener.Addr().String() + "/"
	cfg.DataDir = dir
	cfg.Database.URL = "sqlite:" + filepath.Join(dir, "mxauth.db")
	cfg.Log.Requests = false
	if edit != nil {
		edit(&cfg)
	}
	cfg.Resolve()
	a, err := app.New(context.Background(), app.Options{
		Config:  cfg,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version: "test",
	})
	if err != nil {
		ts.Close()
		t.Fatalf("starting the app: %v", err)
	}
	ts.Config = a.NewHTTPServer()
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		a.Close()
	})
	return &Server{URL: ts.URL, App: a, Config: cfg, Client: ts.Client()}
}
