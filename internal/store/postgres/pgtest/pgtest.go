package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DSNEnv names the environment variable holding the test server's connection string.
const DSNEnv = "MXAUTH_TEST_POSTGRES_DSN"

// ServerDSN returns the test server's connection string, or skips the test.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := strings.TrimSpace(os.Getenv(DSNEnv))
	if dsn == "" {
		t.Skipf("%s is not set; set it to a PostgreSQL connection string "+
			"(e.g. under pg_virtualenv) to run the PostgreSQL tests", DSNEnv)
	}
	return dsn
}

// FreshSchema creates a uniquely named, empty schema, drops it when the test ends, and
// returns a connection string whose search_path points at it. Each test gets its own
// schema, so tests run in parallel against one server without seeing each other.
func FreshSchema(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t)
	schema := "mxauth_test_" + strings.ToLower(rand.Text())
	Exec(t, dsn, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { Exec(t, dsn, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`) })
	return WithSearchPath(t, dsn, schema)
}

// Exec runs one statement on its own connection to the server.
func Exec(t testing.TB, dsn, sql string) {
	t.Helper()
	// Not t.Context(): cleanups run after it is canceled.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// WithSearchPath adds search_path as a runtime parameter; pgx sends unknown connection
// string keys to the server as such.
func WithSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s is not a valid URL", DSNEnv)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema // key=value form
}
