package store

import (
	"context"
	"errors"
	"time"

	"github.com/mxauth/mxauth/internal/model"
)

// Sentinel errors. Backends wrap them (errors.Is works); callers never see driver errors
// for these conditions.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a uniqueness rule or a guarded state transition refused the write.
	ErrConflict = errors.New("store: conflict")
	// ErrReplay: a spent refresh token was presented after its successor was used; the
	// session has been ended.
	ErrReplay = errors.New("store: refresh token replayed")
	// ErrSchemaOutdated: the database has not been migrated to the version this binary needs.
	ErrSchemaOutdated = errors.New("store: database schema is not up to date")
	// ErrTokenUnusable: a registration token is revoked, expired or used up.
	ErrTokenUnusable = errors.New("store: registration token unusable")
)

// Store is one open database. It is safe for concurrent use.
type Store interface {
	// Keys is the signing-key aggregate.
	Keys() KeyStore
	// Clients is the OAuth client aggregate.
	Clients() ClientStore
	// Users and BrowserSessions are local accounts and their web sign-ins.
	Users() UserStore
	BrowserSessions() BrowserSessionStore
	// Grants and Sessions are the authorization code flow and the OAuth sessions (devices)
	// with their tokens.
	Grants() GrantStore
	Sessions() SessionStore
	// RegistrationTokens are the tokens that let people sign up while registration is closed.
	RegistrationTokens() RegistrationTokenStore
	// Jobs is the background job queue; RateLimits the rate-limit buckets that must hold
	// across replicas.
	Jobs() JobStore
	RateLimits() RateLimitStore

	// Migrate applies every embedded migration that the database lacks. It holds a
	// database-wide lock while it runs, so replicas that start together apply each
	// migration once.
	Migrate(ctx context.Context) error
	// SchemaVersion reports the highest applied migration and the highest migration this
	// binary knows. They are equal when the schema is current.
	SchemaVersion(ctx context.Context) (applied, latest int, err error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// PoolStats describes the connection pools, for metrics.
	PoolStats() []PoolStats
	// Close releases every connection. In-flight calls may fail afterwards.
	Close() error
}

// PoolStats is a snapshot of one connection pool.
type PoolStats struct {
	// Name tells pools of one store apart, e.g. "writer", "reader", "pool".
	Name      string
	Max       int
	Open      int
	InUse     int
	Idle      int
	WaitCount int64
	WaitTime  time.Duration
}

// KeyStore keeps the server's JWS signing keys.
type KeyStore interface {
	// List returns every stored key, oldest first.
	List(ctx context.Context) ([]model.SigningKey, error)
	// CreateIfAbsent stores k unless another key already holds k.Slot, and returns the key
	// that holds the slot afterwards (k itself, or the one that was there first). Two
	// callers racing with different keys for one slot both get the same winner.
	// A second key with k's KID in another slot is ErrConflict.
	CreateIfAbsent(ctx context.Context, k model.SigningKey) (model.SigningKey, error)
}
