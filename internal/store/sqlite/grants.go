package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// grantStore implements store.GrantStore.
type grantStore struct{ s *Store }

// Grants returns the authorization grant store.
func (s *Store) Grants() store.GrantStore { return grantStore{s} }

const grantColumns = `id, client_id, redirect_uri, response_mode, scope, device_id, state, nonce,
	code_challenge, code_challenge_method, prompt, login_hint, status, code_hash, user_id,
	browser_session_id, auth_time, session_id, created_at, fulfilled_at, exchanged_at, expires_at`

// Create inserts g in status pending. A grant given with no status is stored as pending;
// any other status is refused, as Create starts a grant's life.
func (gs grantStore) Create(ctx context.Context, g model.AuthorizationGrant) error {
	const op = "create authorization grant"
	g, err := store.CheckNewGrant(g)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	_, err = gs.s.writer.ExecContext(ctx,
		`INSERT INTO oauth2_authorization_grants (`+grantColumns+`)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.ClientID, g.RedirectURI, g.ResponseMode, g.Scope, g.DeviceID, g.State, g.Nonce,
		g.CodeChallenge, g.CodeChallengeMethod, g.Prompt, g.LoginHint, string(g.Status),
		nullBytes(g.CodeHash), nullString(g.UserID), nullString(g.BrowserSessionID),
		nullMillis(g.AuthTime), nullString(g.SessionID), g.CreatedAt.UnixMilli(),
		nullMillis(g.FulfilledAt), nullMillis(g.ExchangedAt), g.ExpiresAt.UnixMilli())
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// Get returns the grant with this ID, or store.ErrNotFound.
func (gs grantStore) Get(ctx context.Context, id string) (model.AuthorizationGrant, error) {
	const op = "get authorization grant"
	if !store.IsStorableKey(id) {
		return model.AuthorizationGrant{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	g, err := scanGrant(gs.s.hot.queryRow(ctx,
		`SELECT `+grantColumns+` FROM oauth2_authorization_grants WHERE id = ?`, id))
	if err != nil {
		return model.AuthorizationGrant{}, mapError(op, err)
	}
	return g, nil
}

// GetByCodeHash returns the grant whose code hashes to hash, or store.ErrNotFound. An empty
// hash is never stored (code_hash is NULL until fulfilment), so it finds nothing.
func (gs grantStore) GetByCodeHash(ctx context.Context, hash []byte) (model.AuthorizationGrant, error) {
	const op = "get authorization grant by code"
	if len(hash) == 0 {
		return model.AuthorizationGrant{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	g, err := scanGrant(gs.s.hot.queryRow(ctx,
		`SELECT `+grantColumns+` FROM oauth2_authorization_grants WHERE code_hash = ?`, hash))
	if err != nil {
		return model.AuthorizationGrant{}, mapError(op, err)
	}
	return g, nil
}

// Fulfil moves a pending grant to fulfilled with a guarded update. A code hash that another
// grant holds violates the UNIQUE index and is store.ErrConflict.
func (gs grantStore) Fulfil(ctx context.Context, id string, f store.GrantFulfilment) error {
	const op = "fulfil authorization grant"
	if err := store.CheckFulfilment(f); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return gs.transition(ctx, op, id,
		`UPDATE oauth2_authorization_grants
		 SET status = 'fulfilled', user_id = ?, browser_session_id = ?, auth_time = ?,
		     code_hash = ?, fulfilled_at = ?, expires_at = ?
		 WHERE id = ? AND status = 'pending'`,
		f.UserID, nullString(f.BrowserSessionID), nullMillis(f.AuthTime), f.CodeHash,
		f.FulfilledAt.UnixMilli(), f.ExpiresAt.UnixMilli(), id)
}

// Deny moves a pending grant to denied with a guarded update.
func (gs grantStore) Deny(ctx context.Context, id string) error {
	return gs.transition(ctx, "deny authorization grant", id,
		`UPDATE oauth2_authorization_grants SET status = 'denied' WHERE id = ? AND status = 'pending'`, id)
}

// transition runs a guarded update (rule 3 of the design: the WHERE names the status the
// move starts from). When it changes no row, a second look in the same IMMEDIATE
// transaction tells a missing grant (store.ErrNotFound) from one in another status
// (store.ErrConflict).
func (gs grantStore) transition(ctx context.Context, op, id, update string, args ...any) error {
	if !store.IsStorableKey(id) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	tx, err := gs.s.beginWrite(ctx)
	if err != nil {
		return mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	res, err := tx.ExecContext(ctx, update, args...)
	if err != nil {
		return mapError(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapError(op, err)
	} else if n == 0 {
		return grantNotMoved(ctx, tx, op, id)
	}
	if err := tx.Commit(); err != nil {
		return mapError(op, err)
	}
	return nil
}

// grantNotMoved explains why a guarded update of grant id changed nothing.
func grantNotMoved(ctx context.Context, tx *writeTx, op, id string) error {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM oauth2_authorization_grants WHERE id = ?`, id).Scan(&status)
	if err != nil {
		return mapError(op, err) // sql.ErrNoRows: store.ErrNotFound
	}
	return fmt.Errorf("sqlite: %s: %w: grant is %s", op, store.ErrConflict, status)
}

// DeleteExpired deletes up to limit never-exchanged grants that expired before cutoff,
// the longest expired first. The LIMIT is in a subquery; see clientStore.DeleteUnusedDynamic.
func (gs grantStore) DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return gs.s.deleteBatch(ctx, "delete expired authorization grants",
		`DELETE FROM oauth2_authorization_grants
		 WHERE id IN (SELECT id FROM oauth2_authorization_grants
		              WHERE expires_at < ? AND status <> 'exchanged'
		              ORDER BY expires_at LIMIT ?)`,
		cutoff, limit)
}

func scanGrant(row scanner) (model.AuthorizationGrant, error) {
	var (
		g                                  model.AuthorizationGrant
		status                             string
		userID, browserSession, sessionID  sql.NullString
		authTime, fulfilledAt, exchangedAt optionalMillis
		createdAt, expiresAt               int64
	)
	err := row.Scan(&g.ID, &g.ClientID, &g.RedirectURI, &g.ResponseMode, &g.Scope, &g.DeviceID,
		&g.State, &g.Nonce, &g.CodeChallenge, &g.CodeChallengeMethod, &g.Prompt, &g.LoginHint,
		&status, &g.CodeHash, &userID, &browserSession, &authTime, &sessionID,
		&createdAt, &fulfilledAt, &exchangedAt, &expiresAt)
	if err != nil {
		return model.AuthorizationGrant{}, err
	}
	g.Status = model.GrantStatus(status)
	g.UserID, g.BrowserSessionID, g.SessionID = userID.String, browserSession.String, sessionID.String
	g.AuthTime, g.FulfilledAt, g.ExchangedAt = authTime.Time(), fulfilledAt.Time(), exchangedAt.Time()
	g.CreatedAt, g.ExpiresAt = fromUnixMilli(createdAt), fromUnixMilli(expiresAt)
	return g, nil
}

// Compile-time check that the aggregate implements its interface.
var _ store.GrantStore = grantStore{}
