package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// keyStore implements store.KeyStore.
type keyStore struct{ s *Store }

const signingKeyColumns = `kid, alg, slot, sealed, created_at`

// List returns every key, oldest first; keys created in the same millisecond are ordered by
// kid so the order is stable.
func (ks keyStore) List(ctx context.Context) ([]model.SigningKey, error) {
	rows, err := ks.s.reader.QueryContext(ctx,
		`SELECT `+signingKeyColumns+` FROM signing_keys ORDER BY created_at, kid`)
	if err != nil {
		return nil, mapError("list signing keys", err)
	}
	keys, err := collectRows(rows, scanSigningKey)
	if err != nil {
		return nil, mapError("list signing keys", err)
	}
	return keys, nil
}

// CreateIfAbsent inserts k unless its slot is taken, then reads the slot's holder, both in
// one IMMEDIATE transaction so no other writer can come between.
func (ks keyStore) CreateIfAbsent(ctx context.Context, k model.SigningKey) (model.SigningKey, error) {
	const op = "create signing key"
	tx, err := ks.s.beginWrite(ctx)
	if err != nil {
		return model.SigningKey{}, mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	// ON CONFLICT (slot) turns only a taken slot into "do nothing"; a kid already used by a
	// key in another slot still violates the primary key and becomes store.ErrConflict.
	_, err = tx.ExecContext(ctx,
		`INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (slot) DO NOTHING`,
		k.KID, k.Alg, k.Slot, k.Sealed, k.CreatedAt.UnixMilli())
	if err != nil {
		return model.SigningKey{}, mapError(op, err)
	}
	holder, err := scanSigningKey(tx.QueryRowContext(ctx,
		`SELECT `+signingKeyColumns+` FROM signing_keys WHERE slot = ?`, k.Slot))
	if err != nil {
		return model.SigningKey{}, mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return model.SigningKey{}, mapError(op, err)
	}
	return holder, nil
}

func scanSigningKey(row scanner) (model.SigningKey, error) {
	var (
		k         model.SigningKey
		createdAt int64
	)
	if err := row.Scan(&k.KID, &k.Alg, &k.Slot, &k.Sealed, &createdAt); err != nil {
		return model.SigningKey{}, err
	}
	k.CreatedAt = fromUnixMilli(createdAt)
	return k, nil
}

// mapError turns driver errors into the store's sentinel errors (which callers test with
// errors.Is) and names the operation. The driver error stays in the chain for logs.
func mapError(op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrConflict, err)
		case sqlite3.SQLITE_ERROR:
			// SQLite has no distinct code for a missing table; its message is stable
			// ("no such table: name") and is the cheap way to tell an unmigrated database.
			if strings.Contains(se.Error(), "no such table") {
				return fmt.Errorf("sqlite: %s: %w (run migrations): %w", op, store.ErrSchemaOutdated, err)
			}
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
