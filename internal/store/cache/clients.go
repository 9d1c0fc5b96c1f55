package cache

import (
	"context"
	"sync"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// Defaults of Options.
const (
	DefaultTTL = 10 * time.Second
	// DefaultMaxClients bounds the entries: about a kilobyte each.
	DefaultMaxClients = 10_000
)

// Options configure Wrap.
type Options struct {
	TTL        time.Duration
	MaxClients int
	Clock      clock.Clock
}

// Store is a store.Store whose Clients() answers Get from memory when it can.
type Store struct {
	store.Store
	clients *clientCache
}

// Wrap puts the client cache in front of st.
func Wrap(st store.Store, o Options) *Store {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MaxClients <= 0 {
		o.MaxClients = DefaultMaxClients
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	return &Store{Store: st, clients: &clientCache{ClientStore: st.Clients(), opts: o, entries: map[string]entry{}}}
}

// Clients returns the caching client store.
func (s *Store) Clients() store.ClientStore { return s.clients }

type entry struct {
	client  model.Client
	expires time.Time
}

// clientCache is a store.ClientStore; the methods it does not override go to the database.
type clientCache struct {
	store.ClientStore
	opts Options

	mu      sync.Mutex
	entries map[string]entry
}

// Get answers from memory while the entry is fresh, else reads the store and keeps a found
// client.
func (c *clientCache) Get(ctx context.Context, id string) (model.Client, error) {
	now := c.opts.Clock.Now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.client, nil
	}
	cl, err := c.ClientStore.Get(ctx, id)
	if err != nil {
		return cl, err
	}
	c.mu.Lock()
	if len(c.entries) >= c.opts.MaxClients {
		clear(c.entries) // simplest bound; a refill costs one read per client
	}
	c.entries[id] = entry{client: cl, expires: now.Add(c.opts.TTL)}
	c.mu.Unlock()
	return cl, nil
}

// MarkUsed writes through and forgets the client, whose FirstUsedAt changes.
func (c *clientCache) MarkUsed(ctx context.Context, id string, t time.Time) error {
	err := c.ClientStore.MarkUsed(ctx, id, t)
	c.forget(id)
	return err
}

// SyncStatic writes through and forgets every client: static ones may have changed.
func (c *clientCache) SyncStatic(ctx context.Context, cs []model.Client) error {
	err := c.ClientStore.SyncStatic(ctx, cs)
	c.forgetAll()
	return err
}

// DeleteUnusedDynamic writes through and forgets every client, some of which may be gone.
func (c *clientCache) DeleteUnusedDynamic(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	n, err := c.ClientStore.DeleteUnusedDynamic(ctx, cutoff, limit)
	if n > 0 || err != nil {
		c.forgetAll()
	}
	return n, err
}

func (c *clientCache) forget(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

func (c *clientCache) forgetAll() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}
