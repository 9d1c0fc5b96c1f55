package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// RegistrationTokens returns the store of registration tokens.
func (s *Store) RegistrationTokens() store.RegistrationTokenStore { return registrationTokenStore{s} }

// registrationTokenStore implements store.RegistrationTokenStore.
type registrationTokenStore struct{ s *Store }

const registrationTokenColumns = `id, hash, hint, usage_limit, times_used, created_at, last_used_at, expires_at, revoked_at`

// Create inserts t. A taken ID (primary key) or hash (UNIQUE) is store.ErrConflict.
func (rts registrationTokenStore) Create(ctx context.Context, t model.RegistrationToken) error {
	const op = "create registration token"
	if err := store.CheckRegistrationToken(t); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	_, err := rts.s.pool.Exec(ctx,
		`INSERT INTO registration_tokens (`+registrationTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.Hash, t.Hint, t.UsageLimit, t.TimesUsed, toDB(t.CreatedAt),
		nullTime(t.LastUsedAt), nullTime(t.ExpiresAt), nullTime(t.RevokedAt))
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// GetByHash returns the token with this hash, whatever its state: the caller tells the
// person why it cannot be used (model.RegistrationToken.Usable).
func (rts registrationTokenStore) GetByHash(ctx context.Context, hash []byte) (model.RegistrationToken, error) {
	const op = "get registration token by hash"
	if len(hash) == 0 {
		return model.RegistrationToken{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	t, err := scanRegistrationToken(rts.s.pool.QueryRow(ctx,
		`SELECT `+registrationTokenColumns+` FROM registration_tokens WHERE hash = $1`, hash))
	if err != nil {
		return model.RegistrationToken{}, mapError(op, err)
	}
	return t, nil
}

// Get returns the token with this ID, or store.ErrNotFound.
func (rts registrationTokenStore) Get(ctx context.Context, id string) (model.RegistrationToken, error) {
	const op = "get registration token"
	if !store.IsStorableKey(id) {
		return model.RegistrationToken{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	t, err := scanRegistrationToken(rts.s.pool.QueryRow(ctx,
		`SELECT `+registrationTokenColumns+` FROM registration_tokens WHERE id = $1`, id))
	if err != nil {
		return model.RegistrationToken{}, mapError(op, err)
	}
	return t, nil
}

// List returns every token, newest first; tokens created in the same millisecond are
// ordered by ID (byte order: the column's collation is "C"), descending, so the order is
// stable and the same as in SQLite.
func (rts registrationTokenStore) List(ctx context.Context) ([]model.RegistrationToken, error) {
	const op = "list registration tokens"
	rows, err := rts.s.pool.Query(ctx,
		`SELECT `+registrationTokenColumns+` FROM registration_tokens ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, mapError(op, err)
	}
	tokens, err := pgx.AppendRows([]model.RegistrationToken(nil), rows,
		func(row pgx.CollectableRow) (model.RegistrationToken, error) { return scanRegistrationToken(row) })
	if err != nil {
		return nil, mapError(op, err)
	}
	return tokens, nil
}

// Revoke sets revoked_at unless it is set already, so the first revocation's time stays.
func (rts registrationTokenStore) Revoke(ctx context.Context, id string, t time.Time) error {
	const op = "revoke registration token"
	if err := store.CheckTimeIsSet("revocation time", t); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	tag, err := rts.s.pool.Exec(ctx,
		`UPDATE registration_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, toDB(t))
	return notFoundUnlessOneRow(op, tag, err)
}

// spendRegistrationToken spends one use of token id at now, for UserStore.Register, by a
// guarded update that repeats every condition of model.RegistrationToken.Usable: it changes
// the row only if the token is not revoked, not expired at now and has a use left. An
// UPDATE that waited for another transaction's lock on the row re-checks these conditions
// on the row as that transaction left it. When it changes nothing, the token is missing
// (store.ErrNotFound) or unusable (store.ErrTokenUnusable).
func spendRegistrationToken(ctx context.Context, tx pgx.Tx, id string, now time.Time) error {
	tag, err := tx.Exec(ctx,
		`UPDATE registration_tokens SET times_used = times_used + 1, last_used_at = $2
		 WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
		   AND (usage_limit = 0 OR times_used < usage_limit)`,
		id, toDB(now))
	if err != nil || tag.RowsAffected() == 1 {
		return err
	}
	var exists bool
	err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM registration_tokens WHERE id = $1)`, id).Scan(&exists)
	switch {
	case err != nil:
		return err
	case !exists:
		return fmt.Errorf("registration token %q: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("registration token %q: %w", id, store.ErrTokenUnusable)
}

func scanRegistrationToken(row pgx.Row) (model.RegistrationToken, error) {
	var (
		t                                model.RegistrationToken
		lastUsedAt, expiresAt, revokedAt *time.Time
	)
	err := row.Scan(&t.ID, &t.Hash, &t.Hint, &t.UsageLimit, &t.TimesUsed, &t.CreatedAt,
		&lastUsedAt, &expiresAt, &revokedAt)
	if err != nil {
		return model.RegistrationToken{}, err
	}
	t.CreatedAt = fromDB(t.CreatedAt)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = optionalTime(lastUsedAt), optionalTime(expiresAt), optionalTime(revokedAt)
	return t, nil
}

// Compile-time check that the aggregate implements its interface.
var _ store.RegistrationTokenStore = registrationTokenStore{}
