package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
	"github.com/mxauth/mxauth/internal/store/postgres/pgtest"
)

// Server is one running app.
type Server struct {
	URL    string // base URL without a trailing slash, e.g. http://127.0.0.1:41234
	App    *app.App
	Config config.Config
	Client *http.Client
	// Clock is the app's clock: it starts at the real time and moves only when a test
	// advances it.
	Clock *clock.Fake
	// Synapse is the Synapse stand-in the app provisions, when started by WithSynapse.
	Synapse *synapsetest.Server
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
	// Every test signs in and up from 127.0.0.1, many times in a row: the limits of MAS (3
	// attempts, then one per 20 seconds) would stop them. Tests of the limits set their own.
	generous := config.RateLimit{Burst: 1 << 20, PerSecond: 1 << 10}
	cfg.RateLimiting = config.RateLimiting{
		Login:        config.LoginRateLimits{PerIP: generous, PerAccount: generous},
		Registration: generous,
	}
	if edit != nil {
		edit(&cfg)
	}
	cfg.Resolve()
	clk := clock.NewFake(time.Now())
	a, err := app.New(context.Background(), app.Options{
		Config:  cfg,
		Clock:   clk,
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
	return &Server{URL: ts.URL, App: a, Config: cfg, Client: ts.Client(), Clock: clk}
}

// Backend names a storage backend the end-to-end tests run on.
type Backend struct {
	Name string
	// Start is Start with the database on this backend; a second call in one test reuses the
	// same database, as a restart would.
	Start func(t testing.TB, edit func(*config.Config)) *Server
}

// Backends returns SQLite and PostgreSQL. The PostgreSQL one skips its test, saying why, when
// MXAUTH_TEST_POSTGRES_DSN is not set (.ci/run always sets it).
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", Start: Start},
		{Name: "postgres", Start: startPostgres},
	}
}

// postgresDSNs keeps one fresh schema per test, so a restart in the same test finds its data.
var postgresDSNs sync.Map // testing.TB -> string

// testSecret is the encryption secret of PostgreSQL test servers (config requires one there).
const testSecret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func startPostgres(t testing.TB, edit func(*config.Config)) *Server {
	t.Helper()
	dsn, ok := postgresDSNs.Load(t)
	if !ok {
		dsn = pgtest.FreshSchema(t)
		postgresDSNs.Store(t, dsn)
		t.Cleanup(func() { postgresDSNs.Delete(t) })
	}
	return Start(t, func(c *config.Config) {
		if edit != nil {
			edit(c)
		}
		c.Database.URL = dsn.(string) // after edit: this backend owns the database
		c.Secrets.Encryption = testSecret
	})
}
