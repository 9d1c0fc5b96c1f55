package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/store/postgres"
	"github.com/mxauth/mxauth/internal/store/sqlite"
)

// connectTimeout bounds how long start-up waits for an unreachable database before it gives up
// with one clear line.
const connectTimeout = 10 * time.Second

// OpenStore opens the database the config names and checks that it answers. For SQLite it
// creates the file's directory (mode 0700) first.
func OpenStore(ctx context.Context, cfg config.Config, clk clock.Clock) (store.Store, error) {
	kind, path := cfg.Database.Backend()
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	var (
		st  store.Store
		err error
	)
	switch kind {
	case config.DatabaseSQLite:
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, fmt.Errorf("cannot create the database directory: %w", err)
			}
		}
		st, err = sqlite.Open(ctx, sqlite.Options{Path: path, ReadConns: cfg.Database.MaxConns, Clock: clk})
		if err != nil {
			return nil, fmt.Errorf("cannot open the SQLite database %s: %s", path, oneLine(err))
		}
	case config.DatabasePostgres:
		st, err = postgres.Open(ctx, postgres.Options{URL: path, MaxConns: int32(cfg.Database.MaxConns), Clock: clk})
		if err != nil {
			return nil, fmt.Errorf("cannot open the PostgreSQL database: %s", oneLine(err))
		}
	default:
		return nil, fmt.Errorf("database.url selects no known backend")
	}
	if err := st.Ping(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("the database does not answer: %s", oneLine(err))
	}
	return st, nil
}

// oneLine folds a driver's multi-line error (pgx lists every address it tried) into one
// line, so a failed start prints one clear line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ; ")), " ")
}
