package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// This file holds the fixtures and assertions of the refresh and cleanup tests: token pairs
// (an access token and the refresh token issued with it) and the states rotation moves
// them through.

// startSession starts session id of user on device at now, as login does, after change (if
// any) edited it; it returns the session and its tokens as stored.
func startSession(t *testing.T, s store.Store, id, user, device string, now time.Time, change func(*store.NewSession)) store.NewSession {
	t.Helper()
	g := fulfil(t, s, withDevice(grantFixture("grant-"+id), device), user)
	ns := newSessionFixture(id, g, now)
	if change != nil {
		change(&ns)
	}
	if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, ns, now); err != nil {
		t.Fatalf("StartFromGrant(%s): %v", g.ID, err)
	}
	return storedNewSession(ns)
}

// pairOf is the token pair a session started with.
func pairOf(ns store.NewSession) store.NewTokens {
	return store.NewTokens{AccessToken: ns.AccessToken, RefreshToken: ns.RefreshToken}
}

// newPair is a fresh token pair of the session, issued at now, with hashes derived from id.
func newPair(id, sessionID string, now time.Time) store.NewTokens {
	at := model.AccessToken{ID: "at-" + id, SessionID: sessionID, Hash: sha("access " + id),
		CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
	return store.NewTokens{AccessToken: at, RefreshToken: model.RefreshToken{ID: "rt-" + id,
		SessionID: sessionID, Hash: sha("refresh " + id), AccessTokenID: at.ID, CreatedAt: now}}
}

// storedPair is p as a backend returns it.
func storedPair(p store.NewTokens) store.NewTokens {
	at, rt := &p.AccessToken, &p.RefreshToken
	at.CreatedAt, at.ExpiresAt = stored(at.CreatedAt), stored(at.ExpiresAt)
	at.RevokedAt, at.FirstUsedAt = storedUnlessNever(at.RevokedAt), storedUnlessNever(at.FirstUsedAt)
	rt.CreatedAt, rt.ConsumedAt, rt.RevokedAt = stored(rt.CreatedAt), storedUnlessNever(rt.ConsumedAt), storedUnlessNever(rt.RevokedAt)
	return p
}

// spent is p after its refresh token was exchanged at t for the one with ID nextID.
func spent(p store.NewTokens, t time.Time, nextID string) store.NewTokens {
	p.RefreshToken.ConsumedAt, p.RefreshToken.NextID = t, nextID
	return p
}

// revoked is p after both its tokens were revoked at t, unless they were already.
func revoked(p store.NewTokens, t time.Time) store.NewTokens {
	if p.AccessToken.RevokedAt.IsZero() {
		p.AccessToken.RevokedAt = t
	}
	if p.RefreshToken.RevokedAt.IsZero() {
		p.RefreshToken.RevokedAt = t
	}
	return p
}

// assertPair checks that both token lookups return want (as stored) and its session.
func assertPair(t *testing.T, s store.Store, want store.NewTokens) {
	t.Helper()
	want = storedPair(want)
	at, atSession, err := s.Sessions().AccessTokenByHash(t.Context(), want.AccessToken.Hash)
	if err != nil {
		t.Fatalf("AccessTokenByHash(%s): %v", want.AccessToken.ID, err)
	}
	rt, rtSession, _, err := s.Sessions().RefreshTokenByHash(t.Context(), want.RefreshToken.Hash)
	if err != nil {
		t.Fatalf("RefreshTokenByHash(%s): %v", want.RefreshToken.ID, err)
	}
	if diff := cmp.Diff(want, store.NewTokens{AccessToken: at, RefreshToken: rt}); diff != "" {
		t.Errorf("token pair %s (-want +got):\n%s", want.RefreshToken.ID, diff)
	}
	if atSession.ID != want.AccessToken.SessionID || rtSession.ID != want.RefreshToken.SessionID {
		t.Errorf("token pair %s: lookups returned sessions %q and %q, want %q",
			want.RefreshToken.ID, atSession.ID, rtSession.ID, want.AccessToken.SessionID)
	}
	for _, tm := range []time.Time{at.CreatedAt, at.ExpiresAt, at.RevokedAt, at.FirstUsedAt,
		rt.CreatedAt, rt.ConsumedAt, rt.RevokedAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("token pair %s: time %v is not in UTC", want.RefreshToken.ID, tm)
		}
	}
}

// assertNoPair checks that neither token of p was stored.
func assertNoPair(t *testing.T, s store.Store, p store.NewTokens) {
	t.Helper()
	if at, _, err := s.Sessions().AccessTokenByHash(t.Context(), p.AccessToken.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccessTokenByHash(%s) = %+v, %v; want store.ErrNotFound", p.AccessToken.ID, at, err)
	}
	if rt, _, _, err := s.Sessions().RefreshTokenByHash(t.Context(), p.RefreshToken.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RefreshTokenByHash(%s) = %+v, %v; want store.ErrNotFound", p.RefreshToken.ID, rt, err)
	}
}

// refresh presents p's refresh token for next at now and checks the outcome.
func refresh(t *testing.T, s store.Store, p, next store.NewTokens, now time.Time, want store.RefreshOutcome) {
	t.Helper()
	got, err := s.Sessions().Refresh(t.Context(), p.RefreshToken.ID, next, now)
	if err != nil || got != want {
		t.Fatalf("Refresh(%s → %s) = %v, %v; want %v", p.RefreshToken.ID, next.RefreshToken.ID, got, err, want)
	}
}

// refreshFails presents p's refresh token for next at now and checks that it fails with
// wantErr (nil: a plain error) and stores nothing of next.
func refreshFails(t *testing.T, s store.Store, p, next store.NewTokens, now time.Time, wantErr error) {
	t.Helper()
	got, err := s.Sessions().Refresh(t.Context(), p.RefreshToken.ID, next, now)
	switch {
	case wantErr == nil && (!isRefusal(err) || errors.Is(err, store.ErrReplay)),
		wantErr != nil && !errors.Is(err, wantErr):
		t.Errorf("Refresh(%s → %s) = %v, %v; want error %v", p.RefreshToken.ID, next.RefreshToken.ID, got, err, wantErr)
	case errors.Is(err, store.ErrConflict) && errors.Is(err, store.ErrReplay):
		t.Errorf("Refresh(%s) = %v: a replay must not also be store.ErrConflict", p.RefreshToken.ID, err)
	}
	assertNoPair(t, s, next)
}

// assertSession checks that Get returns want.
func assertSession(t *testing.T, s store.Store, want model.Session) {
	t.Helper()
	got, err := s.Sessions().Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Sessions().Get(%s): %v", want.ID, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sessions().Get(%s) (-want +got):\n%s", want.ID, diff)
	}
}

func assertNoAccessToken(t *testing.T, s store.Store, p store.NewTokens) {
	t.Helper()
	if at, _, err := s.Sessions().AccessTokenByHash(t.Context(), p.AccessToken.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccessTokenByHash(%s) = %+v, %v; want store.ErrNotFound", p.AccessToken.ID, at, err)
	}
}

func assertNoRefreshToken(t *testing.T, s store.Store, p store.NewTokens) {
	t.Helper()
	if rt, _, _, err := s.Sessions().RefreshTokenByHash(t.Context(), p.RefreshToken.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RefreshTokenByHash(%s) = %+v, %v; want store.ErrNotFound", p.RefreshToken.ID, rt, err)
	}
}

// assertRefreshToken checks that RefreshTokenByHash returns p's refresh token as stored.
func assertRefreshToken(t *testing.T, s store.Store, p store.NewTokens) {
	t.Helper()
	want := storedPair(p).RefreshToken
	got, _, _, err := s.Sessions().RefreshTokenByHash(t.Context(), want.Hash)
	if err != nil {
		t.Fatalf("RefreshTokenByHash(%s): %v", want.ID, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RefreshTokenByHash(%s) (-want +got):\n%s", want.ID, diff)
	}
}
