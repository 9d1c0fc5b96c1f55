package storetest

import (
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// This file holds the fixtures and assertions of the grant and session tests.

// The users and client that the grant and session tests refer to (their rows reference
// users and oauth_clients).
const (
	alice = "alice"
	bob   = "bob"
	app   = "app"
	other = "other-app"
)

// seedAccounts creates alice, bob and the clients app and other-app.
func seedAccounts(t *testing.T, s store.Store) {
	t.Helper()
	for _, id := range []string{alice, bob} {
		u := model.User{ID: id, Username: id, DisplayName: "User " + id, CreatedAt: baseTime}
		if err := s.Users().Create(t.Context(), u); err != nil {
			t.Fatalf("Users().Create(%s): %v", id, err)
		}
	}
	createDynamic(t, s, client(app, model.ClientDynamic, baseTime))
	createDynamic(t, s, client(other, model.ClientDynamic, baseTime))
}

func sha(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// grantFixture is a pending grant of app for device "DEV-"+id, every request field set.
func grantFixture(id string) model.AuthorizationGrant {
	return model.AuthorizationGrant{
		ID:                  id,
		ClientID:            app,
		RedirectURI:         "https://app.example/cb?next=/rooms&x=<1>",
		ResponseMode:        "fragment",
		Scope:               "openid urn:matrix:client:api:* urn:matrix:client:device:DEV-" + id,
		DeviceID:            "DEV-" + id,
		State:               "état ✓ " + id,
		Nonce:               "nonce-" + id,
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Prompt:              "consent",
		LoginHint:           "mxid:@alice:example.org",
		Status:              model.GrantPending,
		CreatedAt:           baseTime,
		ExpiresAt:           baseTime.Add(time.Hour),
	}
}

// fulfilmentFixture is a consent of user to grant id.
func fulfilmentFixture(id, user string) store.GrantFulfilment {
	return store.GrantFulfilment{
		UserID:           user,
		BrowserSessionID: "browser-" + id,
		AuthTime:         baseTime.Add(time.Minute),
		CodeHash:         sha("code-" + id),
		FulfilledAt:      baseTime.Add(2 * time.Minute),
		ExpiresAt:        baseTime.Add(12 * time.Minute),
	}
}

// fulfilled is g after Fulfil(f).
func fulfilled(g model.AuthorizationGrant, f store.GrantFulfilment) model.AuthorizationGrant {
	g.Status = model.GrantFulfilled
	g.UserID, g.BrowserSessionID, g.AuthTime = f.UserID, f.BrowserSessionID, f.AuthTime
	g.CodeHash, g.FulfilledAt, g.ExpiresAt = f.CodeHash, f.FulfilledAt, f.ExpiresAt
	return g
}

// storedGrant is g as a backend returns it.
func storedGrant(g model.AuthorizationGrant) model.AuthorizationGrant {
	g.AuthTime, g.CreatedAt, g.FulfilledAt = storedUnlessNever(g.AuthTime), stored(g.CreatedAt), storedUnlessNever(g.FulfilledAt)
	g.ExchangedAt, g.ExpiresAt = storedUnlessNever(g.ExchangedAt), stored(g.ExpiresAt)
	return g
}

// storedUnlessNever is stored(t), except that the zero time ("never") stays zero.
func storedUnlessNever(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return stored(t)
}

func createGrant(t *testing.T, s store.Store, g model.AuthorizationGrant) model.AuthorizationGrant {
	t.Helper()
	if err := s.Grants().Create(t.Context(), g); err != nil {
		t.Fatalf("Grants().Create(%s): %v", g.ID, err)
	}
	return storedGrant(g)
}

// fulfilledGrant creates grant id of app, fulfilled by user, and returns it as stored.
func fulfilledGrant(t *testing.T, s store.Store, id, user string) model.AuthorizationGrant {
	t.Helper()
	return fulfil(t, s, grantFixture(id), user)
}

// fulfil creates g, fulfils it by user's consent and returns it as stored.
func fulfil(t *testing.T, s store.Store, g model.AuthorizationGrant, user string) model.AuthorizationGrant {
	t.Helper()
	g = createGrant(t, s, g)
	f := fulfilmentFixture(g.ID, user)
	if err := s.Grants().Fulfil(t.Context(), g.ID, f); err != nil {
		t.Fatalf("Fulfil(%s): %v", g.ID, err)
	}
	return storedGrant(fulfilled(g, f))
}

// assertGrant checks that Get (and GetByCodeHash, once there is a code) return want.
func assertGrant(t *testing.T, s store.Store, want model.AuthorizationGrant) {
	t.Helper()
	got, err := s.Grants().Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Grants().Get(%s): %v", want.ID, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Grants().Get(%s) (-want +got):\n%s", want.ID, diff)
	}
	for _, tm := range []time.Time{got.AuthTime, got.CreatedAt, got.FulfilledAt, got.ExchangedAt, got.ExpiresAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("grant %s: time %v is not in UTC", got.ID, tm)
		}
	}
	if len(want.CodeHash) == 0 {
		return
	}
	byCode, err := s.Grants().GetByCodeHash(t.Context(), want.CodeHash)
	if err != nil {
		t.Fatalf("GetByCodeHash(%s): %v", want.ID, err)
	}
	if diff := cmp.Diff(want, byCode); diff != "" {
		t.Errorf("GetByCodeHash(%s) (-want +got):\n%s", want.ID, diff)
	}
}

func assertNoGrant(t *testing.T, s store.Store, id string) {
	t.Helper()
	if got, err := s.Grants().Get(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Grants().Get(%q) = %+v, %v; want store.ErrNotFound", id, got, err)
	}
}

// isRefusal reports whether err refuses bad input: an error, but neither sentinel, which
// would tell the caller "retry" or "no such thing".
func isRefusal(err error) bool {
	return err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound)
}
