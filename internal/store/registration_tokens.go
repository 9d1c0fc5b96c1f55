package store

import (
	"context"
	"time"

	"github.com/mxauth/mxauth/internal/model"
)

// RegistrationTokenStore keeps the tokens that let people sign up while open registration
// is off. A token is spent by UserStore.Register, in the transaction that creates the
// account, so that a token with N uses left registers at most N accounts even when many
// people sign up with it at once.
type RegistrationTokenStore interface {
	// Create stores a new token (ErrConflict on a duplicate ID or hash).
	Create(ctx context.Context, t model.RegistrationToken) error
	// GetByHash returns the token with this hash, usable or not, or ErrNotFound.
	GetByHash(ctx context.Context, hash []byte) (model.RegistrationToken, error)
	// Get returns a token by ID, or ErrNotFound.
	Get(ctx context.Context, id string) (model.RegistrationToken, error)
	// List returns every token, newest first.
	List(ctx context.Context) ([]model.RegistrationToken, error)
	// Revoke revokes the token at t (an earlier revocation is kept); ErrNotFound if missing.
	Revoke(ctx context.Context, id string, t time.Time) error
}
