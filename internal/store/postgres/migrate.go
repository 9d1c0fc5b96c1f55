package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/store/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded PostgreSQL migrations, checked by migrate.Parse.
func Migrations() ([]migrate.Migration, error) {
	ms, err := migrate.Parse(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: embedded migrations: %w", err)
	}
	return ms, nil
}

// MigrationLockKey is the pg_advisory_lock key Migrate holds: the bytes "mxauth" followed by
// 0x0001. Advisory locks are database-wide, not per schema, so deployments sharing one
// database (in different schemas) migrate one after another, which is harmless.
const MigrationLockKey int64 = 0x6d78_6175_7468_0001

// schemaMigrationsDDL creates the runner's bookkeeping table; see package migrate.
const schemaMigrationsDDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER     NOT NULL PRIMARY KEY,
    name       TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)`

// Migrate applies the embedded migrations the database lacks, under the advisory lock, each
// in its own transaction; see the package comment.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	if err := migrate.Run(ctx, &migrationTarget{pool: s.pool, clock: s.clock}, ms); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// SchemaVersion reports the applied and the latest known migration. An empty database is
// applied=0 and no error.
func (s *Store) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := Migrations()
	if err != nil {
		return 0, 0, err
	}
	applied, err = appliedVersion(ctx, s.pool)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return applied, migrate.Latest(ms), nil
}

// querier is what appliedVersion needs from a pool or a connection.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func appliedVersion(ctx context.Context, q querier) (int, error) {
	// to_regclass resolves the name through search_path, like the queries do, and returns
	// NULL instead of failing when the table does not exist.
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var version int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version)
	return version, err
}

// migrationTarget implements migrate.Target on one connection from the pool.
type migrationTarget struct {
	pool  *pgxpool.Pool
	clock clock.Clock
	conn  *pgxpool.Conn // set by Lock
}

func (t *migrationTarget) Lock(ctx context.Context) (func() error, error) {
	conn, err := t.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, MigrationLockKey); err != nil {
		// A canceled wait may still have been granted the lock just before: only ending
		// the session is sure to release it.
		discard(conn)
		return nil, err
	}
	t.conn = conn
	return func() error {
		defer func() { t.conn = nil }()
		var released bool
		err := conn.QueryRow(context.WithoutCancel(ctx),
			`SELECT pg_advisory_unlock($1)`, MigrationLockKey).Scan(&released)
		if err == nil && !released {
			err = errors.New("advisory lock was not held")
		}
		if err != nil {
			discard(conn)
			return err
		}
		conn.Release()
		return nil
	}, nil
}

// discard closes conn's session, which frees every lock it holds, and hands it back to the
// pool, which drops closed connections.
func discard(conn *pgxpool.Conn) {
	closeCtx := context.Background()
	_ = conn.Conn().Close(closeCtx)
	conn.Release()
}

func (t *migrationTarget) Applied(ctx context.Context) (int, error) {
	return appliedVersion(ctx, t.conn)
}

func (t *migrationTarget) Apply(ctx context.Context, m migrate.Migration) error {
	// PostgreSQL DDL is transactional: a failing migration leaves neither its changes nor
	// its schema_migrations row.
	return pgx.BeginFunc(ctx, t.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, schemaMigrationsDDL); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		// No arguments: pgx uses the simple protocol, which runs a multi-statement script.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.Version, m.Name, toDB(t.clock.Now()))
		if err != nil {
			return fmt.Errorf("record version: %w", err)
		}
		return nil
	})
}
