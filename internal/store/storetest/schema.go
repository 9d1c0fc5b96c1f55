package storetest

import (
	"sync"
	"testing"

	"github.com/mxauth/mxauth/internal/store"
)

// testSchema checks the store-wide methods: migrations, Ping, PoolStats.
func testSchema(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"VersionIsLatest", func(t *testing.T, s store.Store) {
			applied, latest, err := s.SchemaVersion(t.Context())
			if err != nil {
				t.Fatalf("SchemaVersion: %v", err)
			}
			if latest <= 0 || applied != latest {
				t.Errorf("SchemaVersion = (applied %d, latest %d), want applied == latest > 0", applied, latest)
			}
		}},
		{"MigrateIsIdempotent", testMigrateIdempotent},
		{"ConcurrentMigrate", func(t *testing.T, s store.Store) {
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Migrate #%d: %v", i, err)
				}
			}
		}},
		{"Ping", func(t *testing.T, s store.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
		}},
		{"PoolStats", testPoolStats},
	})
}

func testMigrateIdempotent(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := key("idempotent", baseTime)
	if _, err := s.Keys().CreateIfAbsent(ctx, want); err != nil {
		t.Fatalf("CreateIfAbsent: %v", err)
	}
	_, before, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	applied, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion after second Migrate: %v", err)
	}
	if applied != before || latest != before {
		t.Errorf("SchemaVersion after second Migrate = (%d, %d), want (%d, %d)", applied, latest, before, before)
	}
	// Migrating again must not have dropped or rewritten data.
	assertKeys(t, s, storedKey(want))
}

func testPoolStats(t *testing.T, s store.Store) {
	// Use the store first so the pools have opened connections.
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	stats := s.PoolStats()
	if len(stats) == 0 {
		t.Fatal("PoolStats is empty")
	}
	names := map[string]bool{}
	for _, p := range stats {
		if p.Name == "" || names[p.Name] {
			t.Errorf("pool name %q is empty or repeated in %+v", p.Name, stats)
		}
		names[p.Name] = true
		if p.Max <= 0 || p.Open < 0 || p.Open > p.Max || p.InUse+p.Idle != p.Open {
			t.Errorf("pool %q: inconsistent counts %+v (want 0 <= Open = InUse+Idle <= Max, Max > 0)", p.Name, p)
		}
		if p.WaitCount < 0 || p.WaitTime < 0 {
			t.Errorf("pool %q: negative wait statistics %+v", p.Name, p)
		}
	}
	var opened int
	for _, p := range stats {
		opened += p.Open
	}
	if opened == 0 {
		t.Errorf("no pool reports an open connection after Ping: %+v", stats)
	}
}
