package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/store/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded SQLite migrations, checked by migrate.Parse.
func Migrations() ([]migrate.Migration, error) {
	ms, err := migrate.Parse(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: embedded migrations: %w", err)
	}
	return ms, nil
}

// schemaMigrationsDDL creates the runner's bookkeeping table; see package migrate.
// applied_at is Unix milliseconds, UTC, like every timestamp in this backend.
const schemaMigrationsDDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT`

// Migrate applies the embedded migrations the database lacks. The whole run is one
// BEGIN IMMEDIATE transaction on the writer connection, which is SQLite's database-wide
// write lock: another Store or process migrating the same file waits (busy_timeout) and
// then finds nothing left to do. Each migration runs inside a SAVEPOINT, so a failing one
// leaves nothing behind and the ones before it are still committed.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	if err := migrate.Run(ctx, &migrationTarget{db: s.writer, clock: s.clock}, ms); err != nil {
		return fmt.Errorf("sqlite: %w", err)
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
	applied, err = appliedVersion(ctx, s.reader)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	return applied, migrate.Latest(ms), nil
}

// querier is what appliedVersion needs from a *sql.DB or *sql.Conn.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func appliedVersion(ctx context.Context, q querier) (int, error) {
	var tables int
	err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`,
	).Scan(&tables)
	if err != nil || tables == 0 {
		return 0, err
	}
	var version int
	err = q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version)
	return version, err
}

// migrationTarget implements migrate.Target on the writer pool.
type migrationTarget struct {
	db    *sql.DB
	clock clock.Clock
	conn  *sql.Conn // set by Lock
}

func (t *migrationTarget) Lock(ctx context.Context) (func() error, error) {
	conn, err := t.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// A raw BEGIN on a dedicated connection rather than db.BeginTx: Apply needs to issue
	// SAVEPOINTs on the same connection, which a *sql.Tx also allows, but the unlock below
	// must be able to discard the connection if neither COMMIT nor ROLLBACK works.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	t.conn = conn
	// COMMIT/ROLLBACK must run even if ctx was canceled mid-migration.
	finishCtx := context.WithoutCancel(ctx)
	return func() error {
		defer func() { t.conn = nil }()
		_, commitErr := conn.ExecContext(finishCtx, "COMMIT")
		if commitErr == nil {
			return conn.Close()
		}
		if _, rbErr := conn.ExecContext(finishCtx, "ROLLBACK"); rbErr != nil {
			// The connection may still hold the write lock: drop it rather than hand it
			// back to the pool. database/sql closes a connection whose Raw returns
			// driver.ErrBadConn.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			return errors.Join(commitErr, rbErr, conn.Close())
		}
		return errors.Join(commitErr, conn.Close())
	}, nil
}

func (t *migrationTarget) Applied(ctx context.Context) (int, error) {
	return appliedVersion(ctx, t.conn)
}

func (t *migrationTarget) Apply(ctx context.Context, m migrate.Migration) error {
	if _, err := t.conn.ExecContext(ctx, "SAVEPOINT migration"); err != nil {
		return err
	}
	err := t.applyInSavepoint(ctx, m)
	if err != nil {
		// Undo this migration only; earlier ones stay in the outer transaction.
		_, rbErr := t.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO migration")
		err = errors.Join(err, rbErr)
	}
	_, relErr := t.conn.ExecContext(context.WithoutCancel(ctx), "RELEASE migration")
	return errors.Join(err, relErr)
}

func (t *migrationTarget) applyInSavepoint(ctx context.Context, m migrate.Migration) error {
	if _, err := t.conn.ExecContext(ctx, schemaMigrationsDDL); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if _, err := t.conn.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	_, err := t.conn.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, t.clock.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("record version: %w", err)
	}
	return nil
}
