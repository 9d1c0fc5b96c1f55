package apptest

import (
	"crypto/rand"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/store/postgres/pgtest"
)

// TestDatabaseOutageGives503 takes the database away under a running server: a refresh must
// then answer 5xx with an OAuth body (a 4xx would log the user out, R65), and work again once
// the database is back. The outage is real: the test's own database stops accepting
// connections and the server's are terminated.
func TestDatabaseOutageGives503(t *testing.T) {
	t.Parallel()
	admin := pgtest.ServerDSN(t)
	db := "mxauth_fault_" + strings.ToLower(rand.Text())
	ident := pgx.Identifier{db}.Sanitize()
	pgtest.Exec(t, admin, "CREATE DATABASE "+ident)
	t.Cleanup(func() {
		pgtest.Exec(t, admin, "ALTER DATABASE "+ident+" ALLOW_CONNECTIONS true")
		pgtest.Exec(t, admin, "DROP DATABASE "+ident+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skipf("%s must be a postgres:// URL for this test", pgtest.DSNEnv)
	}
	u.Path = "/" + db
	s := Start(t, func(c *config.Config) {
		c.Database.URL = u.String()
		c.Secrets.Encryption = testSecret
	})
	s.CreateUser(t, "alice", testPassword)
	clientID := nativeClient(t, s, "")
	tok := loggedIn(t, s, s.NewBrowser(t), clientID)

	pgtest.Exec(t, admin, "ALTER DATABASE "+ident+" ALLOW_CONNECTIONS false")
	pgtest.Exec(t, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+db+"'")
	status, h, out := postToken(t, s, refreshForm(clientID, tok["refresh_token"].(string)))
	if status < 500 || out["error"] == nil {
		t.Fatalf("refresh during the outage: %d %v, want 5xx with an OAuth error", status, out)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
	}

	pgtest.Exec(t, admin, "ALTER DATABASE "+ident+" ALLOW_CONNECTIONS true")
	status, _, out = postToken(t, s, refreshForm(clientID, tok["refresh_token"].(string)))
	if status != 200 || out["access_token"] == nil {
		t.Fatalf("refresh after the outage: %d %v", status, out)
	}
}
