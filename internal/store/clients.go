package store

import (
	"context"
	"time"

	"github.com/mxauth/mxauth/internal/model"
)

// ClientStore keeps OAuth clients: dynamically registered ones (RFC 7591) and the operator's
// static ones, synced from the config file.
type ClientStore interface {
	// Get returns the client with this ID, or ErrNotFound.
	Get(ctx context.Context, id string) (model.Client, error)

	// CreateDynamic stores a dynamically registered client. When c.MetadataDigest is not
	// empty and a dynamic client with that digest already exists, nothing is written and the
	// existing client is returned with created=false: identical public registrations share
	// one client_id. Concurrent calls with one digest all return the same client. Either way
	// the client's registration time becomes c.CreatedAt (if later), which postpones its
	// cleanup by DeleteUnusedDynamic: a client_id just handed out is not deleted under the
	// client that received it.
	// A confidential client (SecretHash set) must be stored with an empty digest; it is
	// always new.
	CreateDynamic(ctx context.Context, c model.Client) (stored model.Client, created bool, err error)

	// SyncStatic makes the static clients in the store exactly cs: each is inserted or
	// replaced (metadata, secret hash), and static clients not in cs are deleted. It is one
	// transaction. A static client's ID that is already taken by a dynamic client is
	// ErrConflict and nothing changes.
	SyncStatic(ctx context.Context, cs []model.Client) error

	// List returns the clients of one origin, ordered by ID.
	List(ctx context.Context, origin model.ClientOrigin) ([]model.Client, error)

	// MarkUsed records that the client started a session at t (the first call sets
	// FirstUsedAt; later calls keep it). ErrNotFound if the client does not exist.
	MarkUsed(ctx context.Context, id string, t time.Time) error

	// DeleteUnusedDynamic deletes at most limit dynamic clients that were last registered
	// (created, or handed out again by CreateDynamic) before cutoff and never used (no session ever started with them), and returns how many it
	// deleted. A client that has been used is never deleted by it (Matrix CS API: "The server
	// MUST NOT delete client registrations that have an active session").
	DeleteUnusedDynamic(ctx context.Context, cutoff time.Time, limit int) (int, error)
}
