package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	_, err = gs.s.pool.Exec(ctx,
		`INSERT INTO oauth2_authorization_grants (`+grantColumns+`)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
		         $19, $20, $21, $22)`,
		g.ID, g.ClientID, g.RedirectURI, g.ResponseMode, g.Scope, g.DeviceID, g.State, g.Nonce,
		g.CodeChallenge, g.CodeChallengeMethod, g.Prompt, g.LoginHint, string(g.Status),
		nullBytes(g.CodeHash), nullString(g.UserID), nullString(g.BrowserSessionID),
		nullTime(g.AuthTime), nullString(g.SessionID), toDB(g.CreatedAt),
		nullTime(g.FulfilledAt), nullTime(g.ExchangedAt), toDB(g.ExpiresAt))
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// Get returns the grant with this ID, or store.ErrNotFound.
func (gs grantStore) Get(ctx context.Context, id string) (model.AuthorizationGrant, error) {
	const op = "get authorization grant"
	if !store.IsStorableKey(id) {
		return model.AuthorizationGrant{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	g, err := scanGrant(gs.s.pool.QueryRow(ctx,
		`SELECT `+grantColumns+` FROM oauth2_authorization_grants WHERE id = $1`, id))
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
		return model.AuthorizationGrant{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	g, err := scanGrant(gs.s.pool.QueryRow(ctx,
		`SELECT `+grantColumns+` FROM oauth2_authorization_grants WHERE code_hash = $1`, hash))
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
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return gs.transition(ctx, op, id,
		`status = 'fulfilled', user_id = $2, browser_session_id = $3, auth_time = $4,
		 code_hash = $5, fulfilled_at = $6, expires_at = $7`,
		f.UserID, nullString(f.BrowserSessionID), nullTime(f.AuthTime), f.CodeHash,
		toDB(f.FulfilledAt), toDB(f.ExpiresAt))
}

// Deny moves a pending grant to denied with a guarded update.
func (gs grantStore) Deny(ctx context.Context, id string) error {
	return gs.transition(ctx, "deny authorization grant", id, `status = 'denied'`)
}

// transition runs a guarded update of a pending grant (rule 3 of the design: the WHERE
// names the status the move starts from) with the SET clause set, whose parameters start at
// $2. One statement both moves the grant and, reading the snapshot from before the move,
// tells a missing grant (store.ErrNotFound) from one in another status (store.ErrConflict).
func (gs grantStore) transition(ctx context.Context, op, id, set string, args ...any) error {
	if !store.IsStorableKey(id) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var moved, exists bool
	err := gs.s.pool.QueryRow(ctx,
		`WITH moved AS (
		     UPDATE oauth2_authorization_grants SET `+set+`
		     WHERE id = $1 AND status = 'pending' RETURNING 1)
		 SELECT EXISTS (SELECT FROM moved), EXISTS (SELECT FROM oauth2_authorization_grants WHERE id = $1)`,
		append([]any{id}, args...)...).Scan(&moved, &exists)
	switch {
	case err != nil:
		return mapError(op, err)
	case moved:
		return nil
	case exists:
		return fmt.Errorf("postgres: %s: %w: grant is not pending", op, store.ErrConflict)
	default:
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
}

// grantNotMoved explains why the guarded update of grant id in tx changed nothing.
func grantNotMoved(ctx context.Context, tx pgx.Tx, id string) error {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM oauth2_authorization_grants WHERE id = $1`, id).Scan(&status)
	if err != nil {
		return err // pgx.ErrNoRows: store.ErrNotFound
	}
	return fmt.Errorf("%w: grant is %s", store.ErrConflict, status)
}

// DeleteExpired deletes up to limit never-exchanged grants that expired before cutoff, the
// longest expired first. PostgreSQL has no DELETE ... LIMIT, hence the subquery. The outer
// WHERE repeats "not exchanged": if an exchange commits after the subquery chose a grant,
// PostgreSQL re-checks the outer conditions on the row's new version and keeps it.
func (gs grantStore) DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return gs.s.deleteBatch(ctx, "delete expired authorization grants",
		`DELETE FROM oauth2_authorization_grants
		 WHERE id IN (SELECT id FROM oauth2_authorization_grants
		              WHERE expires_at < $1 AND status <> 'exchanged'
		              ORDER BY expires_at LIMIT $2)
		   AND expires_at < $1 AND status <> 'exchanged'`,
		cutoff, limit)
}

func scanGrant(row pgx.Row) (model.AuthorizationGrant, error) {
	var (
		g                                  model.AuthorizationGrant
		status                             string
		userID, browserSession, sessionID  *string
		authTime, fulfilledAt, exchangedAt *time.Time
	)
	err := row.Scan(&g.ID, &g.ClientID, &g.RedirectURI, &g.ResponseMode, &g.Scope, &g.DeviceID,
		&g.State, &g.Nonce, &g.CodeChallenge, &g.CodeChallengeMethod, &g.Prompt, &g.LoginHint,
		&status, &g.CodeHash, &userID, &browserSession, &authTime, &sessionID,
		&g.CreatedAt, &fulfilledAt, &exchangedAt, &g.ExpiresAt)
	if err != nil {
		return model.AuthorizationGrant{}, err
	}
	g.Status = model.GrantStatus(status)
	g.UserID, g.BrowserSessionID, g.SessionID = stringOrEmpty(userID), stringOrEmpty(browserSession), stringOrEmpty(sessionID)
	g.AuthTime, g.FulfilledAt, g.ExchangedAt = optionalTime(authTime), optionalTime(fulfilledAt), optionalTime(exchangedAt)
	g.CreatedAt, g.ExpiresAt = fromDB(g.CreatedAt), fromDB(g.ExpiresAt)
	return g, nil
}

// Compile-time check that the aggregate implements its interface.
var _ store.GrantStore = grantStore{}
