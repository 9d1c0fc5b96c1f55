package store

import (
	"context"
	"time"

	"github.com/mxauth/mxauth/internal/model"
)

// GrantStore keeps authorization grants (the authorization code flow, RFC 6749 §4.1).
type GrantStore interface {
	// Create stores a new grant in status pending.
	Create(ctx context.Context, g model.AuthorizationGrant) error
	// Get returns the grant, or ErrNotFound.
	Get(ctx context.Context, id string) (model.AuthorizationGrant, error)
	// GetByCodeHash returns the grant whose code hashes to hash, whatever its status, or
	// ErrNotFound.
	GetByCodeHash(ctx context.Context, hash []byte) (model.AuthorizationGrant, error)
	// Fulfil moves a pending grant to fulfilled: the user consented at f.FulfilledAt and the
	// code hashing to f.CodeHash was issued; ExpiresAt is replaced by f.ExpiresAt. A grant
	// that is not pending is ErrConflict (guarded update); a missing one ErrNotFound.
	Fulfil(ctx context.Context, id string, f GrantFulfilment) error
	// Deny moves a pending grant to denied (ErrConflict if not pending).
	Deny(ctx context.Context, id string) error
	// DeleteExpired deletes at most limit grants whose ExpiresAt is before cutoff and that
	// were never exchanged, and returns how many it deleted. Exchanged grants stay while
	// their session does, so a replayed code can still be recognised.
	DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// GrantFulfilment is what Fulfil records.
type GrantFulfilment struct {
	UserID           string
	BrowserSessionID string
	AuthTime         time.Time
	CodeHash         []byte
	FulfilledAt      time.Time
	ExpiresAt        time.Time
}

// NewSession is a session with its first access and refresh tokens.
type NewSession struct {
	Session      model.Session
	AccessToken  model.AccessToken
	RefreshToken model.RefreshToken
}

// SessionStore keeps OAuth 2.0 sessions and their tokens.
type SessionStore interface {
	// StartFromGrant exchanges a fulfilled grant for a new session, in one transaction:
	//   - the grant moves fulfilled → exchanged (ExchangedAt = now, SessionID = the new
	//     session's ID) by a guarded update; a grant in any other status is ErrConflict and
	//     nothing is written, so a code is spent at most once even under concurrency;
	//   - every active session of the same user and device ID is ended at now, with its
	//     tokens revoked (Matrix: a login that reuses a device ID invalidates the device's
	//     older tokens), and returned;
	//   - the session and its tokens are stored.
	StartFromGrant(ctx context.Context, grantID string, ns NewSession, now time.Time) (ended []model.Session, err error)
	// Get returns a session, or ErrNotFound.
	Get(ctx context.Context, id string) (model.Session, error)
	// End ends an active session at t and revokes its access and refresh tokens; ending an
	// ended session changes nothing and is not an error. ErrNotFound if no such session.
	End(ctx context.Context, id string, t time.Time) error
	// ListActiveByUser returns the user's active sessions, newest first.
	ListActiveByUser(ctx context.Context, userID string) ([]model.Session, error)
	// AccessTokenByHash returns the access token with this hash and its session, whatever
	// their state, or ErrNotFound. Callers check validity (model.AccessToken.Valid,
	// model.Session.Active).
	AccessTokenByHash(ctx context.Context, hash []byte) (model.AccessToken, model.Session, error)
	// RefreshTokenByHash returns the refresh token with this hash and its session, whatever
	// their state, or ErrNotFound.
	RefreshTokenByHash(ctx context.Context, hash []byte) (model.RefreshToken, model.Session, error)
}
