package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testKeys checks store.KeyStore.
func testKeys(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"ListEmpty", func(t *testing.T, s store.Store) {
			assertKeys(t, s)
		}},
		{"RoundTrip", testKeysRoundTrip},
		{"ListOldestFirst", testKeysListOldestFirst},
		{"SlotTakenReturnsHolder", testKeysSlotTaken},
		{"SameKeyTwice", func(t *testing.T, s store.Store) {
			k := key("twice", baseTime)
			for i := range 2 {
				got, err := s.Keys().CreateIfAbsent(t.Context(), k)
				if err != nil {
					t.Fatalf("CreateIfAbsent #%d: %v", i, err)
				}
				if diff := cmp.Diff(storedKey(k), got); diff != "" {
					t.Errorf("CreateIfAbsent #%d (-want +got):\n%s", i, diff)
				}
			}
			assertKeys(t, s, storedKey(k))
		}},
		{"KIDConflict", testKeysKIDConflict},
		{"ConcurrentCreateOneWinner", testKeysRace},
	})
}

// key returns a distinct, fully populated key for slot, created at createdAt.
func key(slot string, createdAt time.Time) model.SigningKey {
	return model.SigningKey{
		KID:       "kid-" + slot,
		Alg:       model.AlgES256,
		Slot:      slot,
		Sealed:    []byte("sealed:" + slot),
		CreatedAt: createdAt,
	}
}

// storedKey is k as a backend returns it.
func storedKey(k model.SigningKey) model.SigningKey {
	k.CreatedAt = stored(k.CreatedAt)
	return k
}

// assertKeys checks that List returns exactly want, in order, with UTC times.
func assertKeys(t *testing.T, s store.Store, want ...model.SigningKey) {
	t.Helper()
	got, err := s.Keys().List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	// nil and empty both mean "no keys".
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	for _, k := range got {
		if k.CreatedAt.Location() != time.UTC {
			t.Errorf("List: key %s CreatedAt %v is not in UTC", k.KID, k.CreatedAt)
		}
	}
}

func testKeysRoundTrip(t *testing.T, s store.Store) {
	sealed := make([]byte, 256) // every byte value, NUL and invalid UTF-8 included
	for i := range sealed {
		sealed[i] = byte(i)
	}
	k := model.SigningKey{
		KID:       "kid/with+odd=chars é",
		Alg:       model.AlgRS256,
		Slot:      "default-RS256",
		Sealed:    sealed,
		CreatedAt: baseTime,
	}
	got, err := s.Keys().CreateIfAbsent(t.Context(), k)
	if err != nil {
		t.Fatalf("CreateIfAbsent: %v", err)
	}
	want := storedKey(k)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateIfAbsent (-want +got):\n%s", diff)
	}
	// cmp compares times with Equal; the instant must also be exact to the millisecond
	// and in UTC.
	if got.CreatedAt.Location() != time.UTC || got.CreatedAt.Nanosecond() != 123_000_000 {
		t.Errorf("CreatedAt = %v, want %v (UTC, milliseconds)", got.CreatedAt, want.CreatedAt)
	}
	assertKeys(t, s, want)
}

func testKeysListOldestFirst(t *testing.T, s store.Store) {
	// Inserted out of order; one pair only a millisecond apart.
	offsets := []time.Duration{48 * time.Hour, 0, time.Millisecond, -24 * time.Hour * 365}
	var keys []model.SigningKey
	for i, d := range offsets {
		k := key(fmt.Sprintf("slot-%d", i), baseTime.Add(d))
		if _, err := s.Keys().CreateIfAbsent(t.Context(), k); err != nil {
			t.Fatalf("CreateIfAbsent(%s): %v", k.Slot, err)
		}
		keys = append(keys, storedKey(k))
	}
	assertKeys(t, s, keys[3], keys[1], keys[2], keys[0])
}

func testKeysSlotTaken(t *testing.T, s store.Store) {
	first := key("default-ES256", baseTime)
	second := model.SigningKey{
		KID: "kid-second", Alg: model.AlgRS256, Slot: first.Slot,
		Sealed: []byte("other"), CreatedAt: baseTime.Add(time.Hour),
	}
	if _, err := s.Keys().CreateIfAbsent(t.Context(), first); err != nil {
		t.Fatalf("CreateIfAbsent(first): %v", err)
	}
	got, err := s.Keys().CreateIfAbsent(t.Context(), second)
	if err != nil {
		t.Fatalf("CreateIfAbsent(second): %v", err)
	}
	if diff := cmp.Diff(storedKey(first), got); diff != "" {
		t.Errorf("CreateIfAbsent into a taken slot must return the holder (-want +got):\n%s", diff)
	}
	other := key("other-slot", baseTime)
	if _, err := s.Keys().CreateIfAbsent(t.Context(), other); err != nil {
		t.Fatalf("CreateIfAbsent(other slot): %v", err)
	}
	assertKeys(t, s, storedKey(first), storedKey(other))
}

func testKeysKIDConflict(t *testing.T, s store.Store) {
	first := key("slot-a", baseTime)
	if _, err := s.Keys().CreateIfAbsent(t.Context(), first); err != nil {
		t.Fatalf("CreateIfAbsent(first): %v", err)
	}
	dup := key("slot-b", baseTime.Add(time.Minute))
	dup.KID = first.KID
	got, err := s.Keys().CreateIfAbsent(t.Context(), dup)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateIfAbsent(same kid, other slot) = %+v, %v; want store.ErrConflict", got, err)
	}
	assertKeys(t, s, storedKey(first))
}

// testKeysRace is the reason CreateIfAbsent exists: replicas starting together each
// generate a key for one slot, and all of them must end up using the same one.
func testKeysRace(t *testing.T, s store.Store) {
	const racers = 8
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]model.SigningKey, racers)
		errs    = make([]error, racers)
	)
	candidates := map[string]model.SigningKey{}
	for i := range racers {
		k := key("contested", baseTime.Add(time.Duration(i)*time.Second))
		k.KID = fmt.Sprintf("racer-%d", i)
		candidates[k.KID] = storedKey(k)
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.Keys().CreateIfAbsent(t.Context(), k)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: CreateIfAbsent: %v", i, err)
		}
	}
	winner, ok := candidates[results[0].KID]
	if !ok {
		t.Fatalf("winner %+v is none of the candidates", results[0])
	}
	for i, got := range results {
		if diff := cmp.Diff(winner, got); diff != "" {
			t.Errorf("racer %d got a different winner (-want +got):\n%s", i, diff)
		}
	}
	assertKeys(t, s, winner)
}
