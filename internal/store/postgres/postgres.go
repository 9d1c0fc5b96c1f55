package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/store"
)

// DefaultMaxConns is the pool size when none is configured. pgx's own default (4 on a
// 2-core machine) leaves requests queueing for a connection while the database waits on
// network round trips; 16 keeps a small server busy without crowding PostgreSQL.
const DefaultMaxConns = 16

// Options configures Open.
type Options struct {
	// URL is the connection string, e.g. "postgres://user:pass@host/db?sslmode=verify-full".
	URL string
	// MaxConns caps the pool; 0 means DefaultMaxConns.
	MaxConns int32
	// Clock stamps schema_migrations.applied_at; nil means clock.Real.
	Clock clock.Clock
}

// Store is an open PostgreSQL database. It implements store.Store.
type Store struct {
	pool  *pgxpool.Pool
	clock clock.Clock
}

var _ store.Store = (*Store)(nil)

// Open connects to the database and checks that it answers. It does not migrate: call
// Migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.URL == "" {
		return nil, errors.New("postgres: no connection URL given")
	}
	if opts.MaxConns < 0 {
		return nil, fmt.Errorf("postgres: MaxConns is %d, want 0 (default) or more", opts.MaxConns)
	}
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		// pgx masks passwords in parse errors only on a best-effort basis, and the errors
		// it wraps (net/url's) quote the input verbatim: say what is wrong without either.
		return nil, errors.New("postgres: cannot parse the connection URL " +
			"(not shown, as it may contain a password); see the pgx/libpq connection string syntax")
	}
	cfg.MaxConns = DefaultMaxConns
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// The pool connects lazily; fail here, with the server's reason, rather than on the
	// first request.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d/%s: %w",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &Store{pool: pool, clock: opts.Clock}, nil
}

// Keys returns the signing-key store.
func (s *Store) Keys() store.KeyStore { return keyStore{s} }

// Clients returns the OAuth client store.
func (s *Store) Clients() store.ClientStore { return clientStore{s} }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// PoolStats reports the one pool, named "pool".
func (s *Store) PoolStats() []store.PoolStats {
	st := s.pool.Stat()
	return []store.PoolStats{{
		Name:      "pool",
		Max:       int(st.MaxConns()),
		Open:      int(st.TotalConns()),
		InUse:     int(st.AcquiredConns()),
		Idle:      int(st.IdleConns()),
		WaitCount: st.EmptyAcquireCount(),
		WaitTime:  st.EmptyAcquireWaitTime(),
	}}
}

// Close closes every connection, waiting for acquired ones to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// SQLSTATE codes this backend maps (PostgreSQL manual, appendix A).
const (
	sqlstateUniqueViolation = "23505"
	sqlstateUndefinedTable  = "42P01"
)

// mapError turns driver errors into the store's sentinel errors (which callers test with
// errors.Is) and names the operation. The driver error stays in the chain for logs.
func mapError(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case sqlstateUniqueViolation:
			return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrConflict, err)
		case sqlstateUndefinedTable:
			return fmt.Errorf("postgres: %s: %w (run migrations): %w", op, store.ErrSchemaOutdated, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}
