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
}
