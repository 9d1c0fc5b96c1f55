package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// The cases of ClientStore.SyncStatic, the operator's clients from the config file;
// testClients runs them.

func testClientsSyncStatic(t *testing.T, s store.Store) {
	dynamic := createDynamic(t, s, dynamicClient("b-dynamic", "digest", baseTime))
	a := client("a", model.ClientStatic, baseTime)
	b := client("b", model.ClientStatic, baseTime)
	b.SecretHash = []byte("old hash")
	syncStatic(t, s, b, a) // any input order
	assertClients(t, s, model.ClientStatic, storedClient(a), storedClient(b))
	used := baseTime.Add(time.Minute)
	if err := s.Clients().MarkUsed(t.Context(), b.ID, used); err != nil {
		t.Fatalf("MarkUsed: %v", err)
	}

	// b is replaced (metadata, secret hash) but keeps created_at and first use; a goes; c
	// is new.
	newB := client("b", model.ClientStatic, baseTime.Add(time.Hour))
	newB.Metadata = model.ClientMetadata{ClientName: "B renamed", RedirectURIs: []string{"https://b.example/new"}}
	c := client("c", model.ClientStatic, baseTime.Add(time.Hour))
	syncStatic(t, s, c, newB)
	wantB := storedClient(newB)
	wantB.CreatedAt, wantB.FirstUsedAt = stored(baseTime), stored(used)
	assertClients(t, s, model.ClientStatic, wantB, storedClient(c))
	assertNotFound(t, s, a.ID)

	syncStatic(t, s)
	assertClients(t, s, model.ClientStatic)
	assertClients(t, s, model.ClientDynamic, dynamic)
}

func testClientsSyncConflict(t *testing.T, s store.Store) {
	dynamic := createDynamic(t, s, dynamicClient("z-dynamic", "digest", baseTime))
	kept := client("kept", model.ClientStatic, baseTime)
	dropped := client("dropped", model.ClientStatic, baseTime)
	syncStatic(t, s, kept, dropped)

	// Sorted by ID the conflicting client comes last, after writes that must be undone.
	changed := client("kept", model.ClientStatic, baseTime)
	changed.Metadata.ClientName = "changed"
	err := s.Clients().SyncStatic(t.Context(), []model.Client{
		changed, client("added", model.ClientStatic, baseTime), client(dynamic.ID, model.ClientStatic, baseTime),
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SyncStatic with a dynamic client's ID = %v, want store.ErrConflict", err)
	}
	assertClients(t, s, model.ClientStatic, storedClient(dropped), storedClient(kept))
	assertClients(t, s, model.ClientDynamic, dynamic)
}

func testClientsSyncRejects(t *testing.T, s store.Store) {
	existing := client("existing", model.ClientStatic, baseTime)
	syncStatic(t, s, existing)
	withDigest := client("digest", model.ClientStatic, baseTime)
	withDigest.MetadataDigest = "digest"
	tests := map[string][]model.Client{
		"dynamic origin": {client("dyn", model.ClientDynamic, baseTime)},
		"digest":         {withDigest},
		"listed twice":   {client("twice", model.ClientStatic, baseTime), client("twice", model.ClientStatic, baseTime)},
		"empty ID":       {client("", model.ClientStatic, baseTime)},
	}
	for name, cs := range tests {
		if err := s.Clients().SyncStatic(t.Context(), cs); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: SyncStatic = %v, want a plain error", name, err)
		}
	}
	assertClients(t, s, model.ClientStatic, storedClient(existing))
	assertClients(t, s, model.ClientDynamic)
}
