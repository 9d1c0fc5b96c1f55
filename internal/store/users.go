package store

import (
	"context"
	"time"

	"github.com/mxauth/mxauth/internal/model"
)

// UserStore keeps local accounts.
type UserStore interface {
	// Create stores a new user. A taken username (compared exactly; usernames are stored
	// lower-case by the callers) or ID is ErrConflict.
	Create(ctx context.Context, u model.User) error
	// Get and GetByUsername return the user, or ErrNotFound.
	Get(ctx context.Context, id string) (model.User, error)
	GetByUsername(ctx context.Context, username string) (model.User, error)
	// List returns every user ordered by username.
	List(ctx context.Context) ([]model.User, error)
	// SetPasswordHash replaces the user's password hash (ErrNotFound if no such user).
	SetPasswordHash(ctx context.Context, id, hash string) error
	// SetLocked locks the user at t, or unlocks them when t is zero (ErrNotFound if no such
	// user). Locking keeps an earlier lock time.
	SetLocked(ctx context.Context, id string, t time.Time) error
	// Register creates u like Create, and when registrationTokenID is not empty spends one use of
	// that token in the same transaction (guarded update: not revoked, not expired at now, uses
	// left; LastUsedAt = now). ErrTokenUnusable (and nothing written) when the token cannot be
	// spent; ErrNotFound if it does not exist; ErrConflict (and the token not spent) when the
	// username or ID is taken.
	Register(ctx context.Context, u model.User, registrationTokenID string, now time.Time) error
	// SetDisplayName replaces the display name (ErrNotFound if no such user).
	SetDisplayName(ctx context.Context, id, name string) error
	// Deactivate deactivates the user at t (an earlier deactivation time is kept) and, in the
	// same transaction, ends every active OAuth session of theirs (revoking its tokens) and every
	// browser session. It returns the OAuth sessions it ended. ErrNotFound if no such user.
	// The username stays taken forever (rows are never deleted).
	Deactivate(ctx context.Context, id string, t time.Time) (ended []model.Session, err error)
	// AllowCrossSigningReset records the user's approval until `until` (ErrNotFound if no such user).
	AllowCrossSigningReset(ctx context.Context, id string, until time.Time) error
}

// BrowserSessionStore keeps the cookie sessions of mxauth's own web pages.
type BrowserSessionStore interface {
	// Create stores a new browser session (ErrConflict on a duplicate ID or token hash).
	Create(ctx context.Context, s model.BrowserSession) error
	// GetByTokenHash returns the session whose cookie hashes to hash, ended or not, or
	// ErrNotFound.
	GetByTokenHash(ctx context.Context, hash []byte) (model.BrowserSession, error)
	// End ends the session at t (logout); ending an ended session keeps the first time.
	// ErrNotFound if no such session.
	End(ctx context.Context, id string, t time.Time) error
	// DeleteExpired deletes at most limit sessions that expired or ended before cutoff and
	// returns how many it deleted.
	DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error)
	// ListActiveByUser returns the user's browser sessions that are not ended and not expired at
	// now, newest first.
	ListActiveByUser(ctx context.Context, userID string, now time.Time) ([]model.BrowserSession, error)
	// EndAllByUser ends every active browser session of the user except exceptID (may be empty)
	// at t and returns how many it ended.
	EndAllByUser(ctx context.Context, userID, exceptID string, t time.Time) (int, error)
}
