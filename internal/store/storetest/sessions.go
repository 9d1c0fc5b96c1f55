package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testOAuth checks the authorization code flow's two aggregates, which need each other:
// grants are exchanged for sessions.
func testOAuth(t *testing.T, open OpenFunc) {
	t.Run("Grants", func(t *testing.T) { testGrants(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("Refresh", func(t *testing.T) { testRefresh(t, open) })
	t.Run("Cleanup", func(t *testing.T) { testSessionsCleanup(t, open) })
}

// testSessions checks store.SessionStore. Besides the interface's contract it pins down, for
// every backend: StartFromGrant refuses (plain error, nothing written, the code not spent) a
// session whose user or client is not the grant's, or whose parts do not name each other;
// it returns the ended sessions oldest first; a missing grant is store.ErrNotFound; token
// lookups with an empty or unknown hash are not found.
func testSessions(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"StartRoundTrip", testSessionsRoundTrip},
		{"CodeReplay", testSessionsReplay},
		{"StartNeedsFulfilledGrant", testSessionsNeedFulfilled},
		{"ConcurrentExchangeOneWinner", testSessionsExchangeRace},
		{"SameDeviceEndsOlderSession", testSessionsSameDevice},
		{"ConcurrentLoginsOnOneDevice", testSessionsSameDeviceRace},
		{"StartRejects", testSessionsStartRejects},
		{"StartTokenHashTaken", testSessionsHashTaken},
		{"End", testSessionsEnd},
		{"ListActiveByUser", testSessionsListActive},
		{"TokenLookupsNotFound", testSessionsTokensNotFound},
		{"ZeroTimesRefused", testZeroTimes},
		{"AccessTokenWithOwner", testAccessTokenWithOwner},
	})
}

// newSessionFixture is a session for grant g's user, client and device, started at now (and,
// as callers do, last active then), with fresh tokens whose hashes derive from id.
func newSessionFixture(id string, g model.AuthorizationGrant, now time.Time) store.NewSession {
	at := model.AccessToken{ID: "at-" + id, SessionID: id, Hash: sha("access " + id),
		CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
	return store.NewSession{
		Session: model.Session{ID: id, UserID: g.UserID, ClientID: g.ClientID, DeviceID: g.DeviceID,
			Scope: g.Scope, GrantID: g.ID, CreatedAt: now, UserAgent: "Element X/25.11 (test; " + id + ")",
			LastActiveAt: now},
		AccessToken: at,
		RefreshToken: model.RefreshToken{ID: "rt-" + id, SessionID: id, Hash: sha("refresh " + id),
			AccessTokenID: at.ID, CreatedAt: now},
	}
}

// storedNewSession is ns as a backend returns it.
func storedNewSession(ns store.NewSession) store.NewSession {
	ns.Session = storedSession(ns.Session)
	at, rt := &ns.AccessToken, &ns.RefreshToken
	at.CreatedAt, at.ExpiresAt, at.RevokedAt = stored(at.CreatedAt), stored(at.ExpiresAt), storedUnlessNever(at.RevokedAt)
	rt.CreatedAt, rt.ConsumedAt, rt.RevokedAt = stored(rt.CreatedAt), storedUnlessNever(rt.ConsumedAt), storedUnlessNever(rt.RevokedAt)
	return ns
}

func storedSession(s model.Session) model.Session {
	s.CreatedAt, s.EndedAt = stored(s.CreatedAt), storedUnlessNever(s.EndedAt)
	s.LastActiveAt = storedUnlessNever(s.LastActiveAt)
	return s
}

// login fulfils a new grant id of user on device and exchanges it at now; it returns the new
// session with its tokens as stored, and the sessions the login ended.
func login(t *testing.T, s store.Store, id, user, device string, now time.Time) (store.NewSession, []model.Session) {
	t.Helper()
	g := fulfil(t, s, withDevice(grantFixture("grant-"+id), device), user)
	ns := newSessionFixture(id, g, now)
	ended, err := s.Sessions().StartFromGrant(t.Context(), g.ID, ns, now)
	if err != nil {
		t.Fatalf("StartFromGrant(%s): %v", g.ID, err)
	}
	return storedNewSession(ns), ended
}

func withDevice(g model.AuthorizationGrant, device string) model.AuthorizationGrant {
	g.DeviceID = device
	g.Scope = "urn:matrix:client:api:* urn:matrix:client:device:" + device
	return g
}

// afterEnd is ns after its session ended at t, which revoked its tokens.
func afterEnd(ns store.NewSession, t time.Time) store.NewSession {
	ns.Session.EndedAt, ns.AccessToken.RevokedAt, ns.RefreshToken.RevokedAt = stored(t), stored(t), stored(t)
	return ns
}

// assertNewSession checks that Get and both token lookups return want.
func assertNewSession(t *testing.T, s store.Store, want store.NewSession) {
	t.Helper()
	id := want.Session.ID
	got, err := s.Sessions().Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Sessions().Get(%s): %v", id, err)
	}
	if diff := cmp.Diff(want.Session, got); diff != "" {
		t.Errorf("Sessions().Get(%s) (-want +got):\n%s", id, diff)
	}
	at, atSession, err := s.Sessions().AccessTokenByHash(t.Context(), want.AccessToken.Hash)
	if err != nil {
		t.Fatalf("AccessTokenByHash(%s): %v", id, err)
	}
	rt, rtSession, _, err := s.Sessions().RefreshTokenByHash(t.Context(), want.RefreshToken.Hash)
	if err != nil {
		t.Fatalf("RefreshTokenByHash(%s): %v", id, err)
	}
	gotNS := store.NewSession{Session: atSession, AccessToken: at, RefreshToken: rt}
	if diff := cmp.Diff(want, gotNS); diff != "" {
		t.Errorf("AccessTokenByHash and RefreshTokenByHash(%s) (-want +got):\n%s", id, diff)
	}
	if diff := cmp.Diff(want.Session, rtSession); diff != "" {
		t.Errorf("RefreshTokenByHash(%s) session (-want +got):\n%s", id, diff)
	}
	for _, tm := range []time.Time{got.CreatedAt, got.EndedAt, got.LastActiveAt, at.CreatedAt, at.ExpiresAt, at.RevokedAt,
		rt.CreatedAt, rt.ConsumedAt, rt.RevokedAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("session %s: time %v is not in UTC", id, tm)
		}
	}
}

// assertNoSession checks that nothing of ns was stored.
func assertNoSession(t *testing.T, s store.Store, ns store.NewSession) {
	t.Helper()
	if got, err := s.Sessions().Get(t.Context(), ns.Session.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Sessions().Get(%s) = %+v, %v; want store.ErrNotFound", ns.Session.ID, got, err)
	}
	if _, _, err := s.Sessions().AccessTokenByHash(t.Context(), ns.AccessToken.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccessTokenByHash(%s) = %v, want store.ErrNotFound", ns.Session.ID, err)
	}
	if _, _, _, err := s.Sessions().RefreshTokenByHash(t.Context(), ns.RefreshToken.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RefreshTokenByHash(%s) = %v, want store.ErrNotFound", ns.Session.ID, err)
	}
}

// assertActive checks that ListActiveByUser(user) returns exactly want, in order.
func assertActive(t *testing.T, s store.Store, user string, want ...model.Session) {
	t.Helper()
	got, err := s.Sessions().ListActiveByUser(t.Context(), user)
	if err != nil {
		t.Fatalf("ListActiveByUser(%q): %v", user, err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListActiveByUser(%q) (-want +got):\n%s", user, diff)
	}
}

func testSessionsRoundTrip(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	g := fulfilledGrant(t, s, "g", alice)
	now := baseTime.Add(3 * time.Minute)
	ns := newSessionFixture("s1", g, now)
	ns.Session.Scope = "openid urn:matrix:client:api:* urn:matrix:client:device:DEV-g é"
	ns.Session.UserAgent = `Mozilla/5.0 (X11; Linux x86_64) "quoted" \ 🚀`
	ns.Session.LastActiveAt, ns.Session.LastActiveIP = now.Add(time.Second), "2001:db8::7"
	ns.AccessToken.Hash = make([]byte, 256) // every byte value, NUL and invalid UTF-8 included
	for i := range ns.AccessToken.Hash {
		ns.AccessToken.Hash[i] = byte(255 - i)
	}
	ns.AccessToken.CreatedAt = now.Add(time.Millisecond)
	ns.AccessToken.ExpiresAt = now.Add(5 * time.Minute)
	// Fields that later rules (refresh rotation) set are stored as given too.
	ns.RefreshToken.ConsumedAt, ns.RefreshToken.NextID = now.Add(time.Minute), "rt-next"
	ended, err := s.Sessions().StartFromGrant(t.Context(), g.ID, ns, now)
	if err != nil {
		t.Fatalf("StartFromGrant: %v", err)
	}
	if len(ended) != 0 {
		t.Errorf("StartFromGrant ended %+v, want nothing", ended)
	}
	assertNewSession(t, s, storedNewSession(ns))
	assertActive(t, s, alice, storedSession(ns.Session))
}

// testSessionsReplay: a code is spent at most once (RFC 6749 §4.1.2); the second exchange
// writes nothing and leaves the first session alone.
func testSessionsReplay(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	g := fulfilledGrant(t, s, "g", alice)
	now := baseTime.Add(3 * time.Minute)
	first := newSessionFixture("first", g, now)
	if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, first, now); err != nil {
		t.Fatalf("first StartFromGrant: %v", err)
	}
	replay := newSessionFixture("replay", g, now.Add(time.Second))
	if got, err := s.Sessions().StartFromGrant(t.Context(), g.ID, replay, now.Add(time.Second)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("replayed StartFromGrant = %+v, %v; want store.ErrConflict", got, err)
	}
	assertNoSession(t, s, replay)
	assertNewSession(t, s, storedNewSession(first))
	assertActive(t, s, alice, storedSession(first.Session))
	g.Status, g.SessionID, g.ExchangedAt = model.GrantExchanged, "first", stored(now)
	assertGrant(t, s, g)
}

func testSessionsNeedFulfilled(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	now := baseTime.Add(3 * time.Minute)
	pending := createGrant(t, s, grantFixture("pending"))
	denied := createGrant(t, s, grantFixture("denied"))
	if err := s.Grants().Deny(t.Context(), denied.ID); err != nil {
		t.Fatal(err)
	}
	denied.Status = model.GrantDenied
	for _, g := range []model.AuthorizationGrant{pending, denied} {
		g.UserID = alice // as if it had been fulfilled
		ns := newSessionFixture("s-"+g.ID, g, now)
		if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, ns, now); !errors.Is(err, store.ErrConflict) {
			t.Errorf("StartFromGrant(%s grant) = %v, want store.ErrConflict", g.ID, err)
		}
		assertNoSession(t, s, ns)
	}
	assertGrant(t, s, pending)
	assertGrant(t, s, denied)
	for _, id := range []string{"missing", "nul\x00id", "bad-utf8-\xff"} {
		g := grantFixture(id)
		g.UserID = alice
		ns := newSessionFixture("s", g, now)
		if _, err := s.Sessions().StartFromGrant(t.Context(), id, ns, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("StartFromGrant(%q) = %v, want store.ErrNotFound", id, err)
		}
	}
	assertActive(t, s, alice)
}

// testSessionsExchangeRace: a code sent to the token endpoint several times at once (by a
// client, or by an attacker racing it) is exchanged exactly once.
func testSessionsExchangeRace(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	g := fulfilledGrant(t, s, "g", alice)
	now := baseTime.Add(3 * time.Minute)
	const racers = 8
	sessions := make([]store.NewSession, racers)
	errs := make([]error, racers)
	start := make(chan struct{})
	done := make(chan int)
	for i := range racers {
		sessions[i] = newSessionFixture(fmt.Sprintf("racer-%d", i), g, now)
		go func() {
			<-start
			_, errs[i] = s.Sessions().StartFromGrant(t.Context(), g.ID, sessions[i], now)
			done <- i
		}()
	}
	close(start)
	for range racers {
		<-done
	}
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("racers %d and %d both exchanged the code", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("racer %d: StartFromGrant = %v, want nil or store.ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no racer exchanged the code")
	}
	for i, ns := range sessions {
		if i != winner {
			assertNoSession(t, s, ns)
		}
	}
	assertNewSession(t, s, storedNewSession(sessions[winner]))
	assertActive(t, s, alice, storedSession(sessions[winner].Session))
}
