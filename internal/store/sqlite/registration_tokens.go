package sqlite

import (
	"context"
	"fmt"
	"time"

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
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	_, err := rts.s.writer.ExecContext(ctx,
		`INSERT INTO registration_tokens (`+registrationTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Hash, t.Hint, t.UsageLimit, t.TimesUsed, t.CreatedAt.UnixMilli(),
		nullMillis(t.LastUsedAt), nullMillis(t.ExpiresAt), nullMillis(t.RevokedAt))
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
		return model.RegistrationToken{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	t, err := scanRegistrationToken(rts.s.reader.QueryRowContext(ctx,
		`SELECT `+registrationTokenColumns+` FROM registration_tokens WHERE hash = ?`, hash))
	if err != nil {
		return model.RegistrationToken{}, mapError(op, err)
	}
	return t, nil
}

// Get returns the token with this ID, or store.ErrNotFound.
func (rts registrationTokenStore) Get(ctx context.Context, id string) (model.RegistrationToken, error) {
	const op = "get registration token"
	if !store.IsStorableKey(id) {
		return model.RegistrationToken{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	t, err := scanRegistrationToken(rts.s.reader.QueryRowContext(ctx,
		`SELECT `+registrationTokenColumns+` FROM registration_tokens WHERE id = ?`, id))
	if err != nil {
		return model.RegistrationToken{}, mapError(op, err)
	}
	return t, nil
}

// List returns every token, newest first; tokens created in the same millisecond are
// ordered by ID, descending, so the order is stable.
func (rts registrationTokenStore) List(ctx context.Context) ([]model.RegistrationToken, error) {
	const op = "list registration tokens"
	rows, err := rts.s.reader.QueryContext(ctx,
		`SELECT `+registrationTokenColumns+` FROM registration_tokens ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, mapError(op, err)
	}
	tokens, err := collectRows(rows, scanRegistrationToken)
	if err != nil {
		return nil, mapError(op, err)
	}
	return tokens, nil
}

// Revoke sets revoked_at unless it is set already, so the first revocation's time stays.
func (rts registrationTokenStore) Revoke(ctx context.Context, id string, t time.Time) error {
	const op = "revoke registration token"
	if err := store.CheckTimeIsSet("revocation time", t); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	res, err := rts.s.writer.ExecContext(ctx,
		`UPDATE registration_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, t.UnixMilli(), id)
	if err != nil {
		return mapError(op, err)
	}
	return notFoundUnlessOneRow(op, res)
}

// spendRegistrationToken spends one use of token id at now, for UserStore.Register, by a
// guarded update that repeats every condition of model.RegistrationToken.Usable: it changes
// the row only if the token is not revoked, not expired at now and has a use left. When it
// changes nothing, the token is missing (store.ErrNotFound) or unusable
// (store.ErrTokenUnusable).
func spendRegistrationToken(ctx context.Context, tx *writeTx, id string, now time.Time) error {
	spent, err := execOne(ctx, tx,
		`UPDATE registration_tokens SET times_used = times_used + 1, last_used_at = ?1
		 WHERE id = ?2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1)
		   AND (usage_limit = 0 OR times_used < usage_limit)`,
		now.UnixMilli(), id)
	if err != nil || spent {
		return err
	}
	var exists bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM registration_tokens WHERE id = ?)`, id).Scan(&exists)
	switch {
	case err != nil:
		return err
	case !exists:
		return fmt.Errorf("registration token %q: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("registration token %q: %w", id, store.ErrTokenUnusable)
}

func scanRegistrationToken(row scanner) (model.RegistrationToken, error) {
	var (
		t                                model.RegistrationToken
		createdAt                        int64
		lastUsedAt, expiresAt, revokedAt optionalMillis
	)
	err := row.Scan(&t.ID, &t.Hash, &t.Hint, &t.UsageLimit, &t.TimesUsed, &createdAt,
		&lastUsedAt, &expiresAt, &revokedAt)
	if err != nil {
		return model.RegistrationToken{}, err
	}
	t.CreatedAt = fromUnixMilli(createdAt)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = lastUsedAt.Time(), expiresAt.Time(), revokedAt.Time()
	return t, nil
}

// Compile-time check that the aggregate implements its interface.
var _ store.RegistrationTokenStore = registrationTokenStore{}
