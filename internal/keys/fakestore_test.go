package keys

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// fakeKeyStore is an in-memory store.KeyStore with the contract's slot semantics. The real
// backends are proven against the same contract by the store conformance suite.
type fakeKeyStore struct {
	mu      sync.Mutex
	keys    []model.SigningKey
	lists   int
	creates int

	listErr   error
	createErr error
	// listBarrier, when set, holds each of the first listBarrierN List calls until all of
	// them have read, so concurrent callers all see the same (empty) store.
	listBarrier  *sync.WaitGroup
	listBarrierN int
}

var _ store.KeyStore = (*fakeKeyStore)(nil)

func cloneKey(k model.SigningKey) model.SigningKey {
	k.Sealed = bytes.Clone(k.Sealed)
	return k
}

func (f *fakeKeyStore) List(ctx context.Context) ([]model.SigningKey, error) {
	f.mu.Lock()
	f.lists++
	n := f.lists
	if f.listErr != nil {
		f.mu.Unlock()
		return nil, f.listErr
	}
	out := make([]model.SigningKey, len(f.keys))
	for i, k := range f.keys {
		out[i] = cloneKey(k)
	}
	barrier := f.listBarrier
	f.mu.Unlock()

	if barrier != nil && n <= f.listBarrierN {
		barrier.Done()
		barrier.Wait()
	}
	return out, nil
}

func (f *fakeKeyStore) CreateIfAbsent(ctx context.Context, k model.SigningKey) (model.SigningKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	if f.createErr != nil {
		return model.SigningKey{}, f.createErr
	}
	for _, existing := range f.keys {
		if existing.Slot == k.Slot {
			return cloneKey(existing), nil
		}
	}
	for _, existing := range f.keys {
		if existing.KID == k.KID {
			return model.SigningKey{}, fmt.Errorf("kid %q already in slot %q: %w", k.KID, existing.Slot, store.ErrConflict)
		}
	}
	f.keys = append(f.keys, cloneKey(k))
	return cloneKey(k), nil
}

// snapshot returns the stored keys and the call counts.
func (f *fakeKeyStore) snapshot() (keys []model.SigningKey, lists, creates int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.keys {
		keys = append(keys, cloneKey(k))
	}
	return keys, f.lists, f.creates
}
