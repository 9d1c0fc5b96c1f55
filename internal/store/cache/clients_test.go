package cache

import (
	"errors"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/store/sqlite"
)

func open(t *testing.T) (store.Store, *Store, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(t.Context(), sqlite.Options{Path: sqlite.MemoryPath, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st, Wrap(st, Options{TTL: 10 * time.Second, MaxClients: 2, Clock: clk}), clk
}

func staticClient(id, name string, at time.Time) model.Client {
	return model.Client{ID: id, Origin: model.ClientStatic, CreatedAt: at,
		Metadata: model.ClientMetadata{ClientName: name, TokenEndpointAuthMethod: model.AuthNone,
			GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"http://127.0.0.1/cb"}}}
}

func TestClientCache(t *testing.T) {
	t.Parallel()
	raw, cached, clk := open(t)
	ctx := t.Context()

	// A miss is not remembered: a client created after it is found at once.
	if _, err := cached.Clients().Get(ctx, "app"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get before create: %v", err)
	}
	if err := raw.Clients().SyncStatic(ctx, []model.Client{staticClient("app", "One", clk.Now())}); err != nil {
		t.Fatal(err)
	}
	if c, err := cached.Clients().Get(ctx, "app"); err != nil || c.Metadata.ClientName != "One" {
		t.Fatalf("Get after create: %+v %v", c, err)
	}

	// A change behind the cache's back is seen once the entry expires.
	if err := raw.Clients().MarkUsed(ctx, "app", clk.Now()); err != nil {
		t.Fatal(err)
	}
	if c, _ := cached.Clients().Get(ctx, "app"); !c.FirstUsedAt.IsZero() {
		t.Fatal("the cached entry was not used")
	}
	clk.Advance(10 * time.Second)
	if c, _ := cached.Clients().Get(ctx, "app"); c.FirstUsedAt.IsZero() {
		t.Fatal("an expired entry was used")
	}

	// Writes through the cache take effect at once.
	if err := cached.Clients().SyncStatic(ctx, []model.Client{staticClient("app", "Two", clk.Now())}); err != nil {
		t.Fatal(err)
	}
	if c, _ := cached.Clients().Get(ctx, "app"); c.Metadata.ClientName != "Two" {
		t.Fatalf("after SyncStatic through the cache: %q", c.Metadata.ClientName)
	}
	if err := cached.Clients().SyncStatic(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cached.Clients().Get(ctx, "app"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted static client is still served: %v", err)
	}
}

func TestClientCacheMarkUsedAndBound(t *testing.T) {
	t.Parallel()
	_, cached, clk := open(t)
	ctx := t.Context()
	cs := []model.Client{staticClient("a", "A", clk.Now()), staticClient("b", "B", clk.Now()), staticClient("c", "C", clk.Now())}
	if err := cached.Clients().SyncStatic(ctx, cs); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if _, err := cached.Clients().Get(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	cached.clients.mu.Lock()
	n := len(cached.clients.entries)
	cached.clients.mu.Unlock()
	if n > 2 {
		t.Fatalf("%d entries with MaxClients 2", n)
	}
	if _, err := cached.Clients().Get(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if err := cached.Clients().MarkUsed(ctx, "c", clk.Now()); err != nil {
		t.Fatal(err)
	}
	if c, _ := cached.Clients().Get(ctx, "c"); c.FirstUsedAt.IsZero() {
		t.Fatal("MarkUsed through the cache left a stale entry")
	}
}
