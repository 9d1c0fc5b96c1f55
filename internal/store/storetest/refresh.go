package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// testRefresh checks SessionStore.Refresh. Besides the interface's contract it pins down, for
// every backend: new tokens that do not name the presented token's session, or each other,
// are refused with a plain error and nothing is written; a token hash that is taken is
// store.ErrConflict and undoes the whole refresh; a retry keeps the presented token's
// ConsumedAt (the time it was first spent); store.ErrReplay is not store.ErrConflict.
func testRefresh(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"Rotates", testRefreshRotates},
		{"RetryAfterLostResponse", testRefreshRetry},
		{"ReplayAfterSuccessorUsed", testRefreshReplayAfterUse},
		{"ReplayAfterSuccessorSpent", testRefreshReplayAfterSpent},
		{"EndedSessionOrRevokedToken", testRefreshConflict},
		{"NotFound", testRefreshNotFound},
		{"Rejects", testRefreshRejects},
		{"HashTaken", testRefreshHashTaken},
		{"ConcurrentRefreshesOneLiveToken", func(t *testing.T, s store.Store) { testRefreshRace(t, s, false) }},
		{"ConcurrentRefreshesAndUses", func(t *testing.T, s store.Store) { testRefreshRace(t, s, true) }},
	})
}

func testRefreshRotates(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	phone := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	laptop := startSession(t, s, "laptop", alice, "LAPTOP", baseTime, nil)
	first := pairOf(phone)
	t1 := baseTime.Add(10 * time.Minute)
	next := newPair("n1", phone.Session.ID, t1)
	next.AccessToken.ExpiresAt = t1.Add(time.Hour) // stored as given
	refresh(t, s, first, next, t1, store.Rotated)
	assertPair(t, s, spent(first, t1, next.RefreshToken.ID))
	assertPair(t, s, next)
	assertNewSession(t, s, laptop)
	assertActive(t, s, alice, phone.Session, laptop.Session)

	t2 := t1.Add(time.Hour)
	third := newPair("n2", phone.Session.ID, t2)
	refresh(t, s, next, third, t2, store.Rotated)
	assertPair(t, s, spent(next, t2, third.RefreshToken.ID))
	assertPair(t, s, third)
	assertPair(t, s, spent(first, t1, next.RefreshToken.ID)) // kept one step deep
}

// testRefreshRetry: a client that lost the response to a refresh presents the same token
// again; as long as the successor was not used, it gets a new pair and the unused one is
// revoked, as often as it has to.
func testRefreshRetry(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	first, id := pairOf(ns), ns.Session.ID
	t1, t2, t3, t4 := baseTime.Add(time.Hour), baseTime.Add(2*time.Hour), baseTime.Add(3*time.Hour), baseTime.Add(4*time.Hour)
	lost := newPair("lost", id, t1)
	refresh(t, s, first, lost, t1, store.Rotated)

	lostAgain := newPair("lost-again", id, t2)
	refresh(t, s, first, lostAgain, t2, store.Retried)
	assertPair(t, s, revoked(lost, t2))
	assertPair(t, s, spent(first, t1, lostAgain.RefreshToken.ID)) // first spent at t1 still
	assertPair(t, s, lostAgain)

	received := newPair("received", id, t3)
	refresh(t, s, first, received, t3, store.Retried)
	assertPair(t, s, revoked(lostAgain, t3))
	assertPair(t, s, spent(first, t1, received.RefreshToken.ID))
	assertPair(t, s, received)

	// The newest pair works; the revoked ones do not, and presenting one changes nothing.
	after := newPair("after", id, t4)
	refresh(t, s, received, after, t4, store.Rotated)
	assertPair(t, s, spent(received, t4, after.RefreshToken.ID))
	refreshFails(t, s, lost, newPair("via-lost", id, t4), t4, store.ErrConflict)
	assertPair(t, s, revoked(lost, t2))
	assertPair(t, s, after)
	assertActive(t, s, alice, ns.Session)
}

// testRefreshReplayAfterUse: once the successor's access token was used, the client has the
// successor; the old token presented again is a replay, which ends the session.
func testRefreshReplayAfterUse(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	laptop := startSession(t, s, "laptop", alice, "LAPTOP", baseTime, nil)
	first, id := pairOf(ns), ns.Session.ID
	t1, t2, t3 := baseTime.Add(time.Hour), baseTime.Add(2*time.Hour), baseTime.Add(3*time.Hour)
	next := newPair("next", id, t1)
	refresh(t, s, first, next, t1, store.Rotated)
	if err := s.Sessions().MarkAccessTokensUsed(t.Context(), []string{next.AccessToken.ID}, t2); err != nil {
		t.Fatalf("MarkAccessTokensUsed: %v", err)
	}
	next.AccessToken.FirstUsedAt = t2

	refreshFails(t, s, first, newPair("replay", id, t3), t3, store.ErrReplay)
	assertPair(t, s, revoked(spent(first, t1, next.RefreshToken.ID), t3))
	assertPair(t, s, revoked(next, t3))
	assertActive(t, s, alice, laptop.Session)
	assertNewSession(t, s, laptop)

	// The session stays ended: neither token is accepted again, and nothing changes.
	t4 := t3.Add(time.Hour)
	refreshFails(t, s, next, newPair("holder", id, t4), t4, store.ErrConflict)
	refreshFails(t, s, first, newPair("again", id, t4), t4, store.ErrConflict)
	assertPair(t, s, revoked(next, t3))
	ns.Session.EndedAt = stored(t3)
	assertSession(t, s, ns.Session)
}

// testRefreshReplayAfterSpent: a successor that was itself spent was received, even if its
// access token was never used.
func testRefreshReplayAfterSpent(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	first, id := pairOf(ns), ns.Session.ID
	t1, t2, t3 := baseTime.Add(time.Hour), baseTime.Add(2*time.Hour), baseTime.Add(3*time.Hour)
	second, third := newPair("second", id, t1), newPair("third", id, t2)
	refresh(t, s, first, second, t1, store.Rotated)
	refresh(t, s, second, third, t2, store.Rotated)

	refreshFails(t, s, first, newPair("replay", id, t3), t3, store.ErrReplay)
	assertPair(t, s, revoked(spent(first, t1, second.RefreshToken.ID), t3))
	assertPair(t, s, revoked(spent(second, t2, third.RefreshToken.ID), t3))
	assertPair(t, s, revoked(third, t3))
	ns.Session.EndedAt = stored(t3)
	assertSession(t, s, ns.Session)
	assertActive(t, s, alice)
}

// testRefreshConflict: a token of an ended session, or a revoked one, is store.ErrConflict
// and nothing is written.
func testRefreshConflict(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t1 := baseTime.Add(time.Hour)
	ended := startSession(t, s, "ended", alice, "PHONE", baseTime, nil)
	if err := s.Sessions().End(t.Context(), ended.Session.ID, t1); err != nil {
		t.Fatalf("End: %v", err)
	}
	// A session stored as ended whose tokens are not revoked: the session alone decides.
	unrevoked := startSession(t, s, "stored-ended", alice, "WATCH", baseTime, func(ns *store.NewSession) {
		ns.Session.EndedAt = t1
	})
	t2 := t1.Add(time.Hour)
	for _, ns := range []store.NewSession{ended, unrevoked} {
		refreshFails(t, s, pairOf(ns), newPair("after-"+ns.Session.ID, ns.Session.ID, t2), t2, store.ErrConflict)
	}
	assertPair(t, s, revoked(pairOf(ended), t1))
	assertPair(t, s, pairOf(unrevoked))
}

func testRefreshNotFound(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	t1 := baseTime.Add(time.Hour)
	next := newPair("next", ns.Session.ID, t1)
	// The access token's ID is no refresh token's: the kinds do not mix.
	for _, id := range []string{"missing", "", "nul\x00id", "bad-utf8-\xff", ns.AccessToken.ID} {
		if got, err := s.Sessions().Refresh(t.Context(), id, next, t1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Refresh(%q) = %v, %v; want store.ErrNotFound", id, got, err)
		}
	}
	assertNoPair(t, s, next)
	assertPair(t, s, pairOf(ns))
}

// testRefreshRejects: new tokens that do not belong together, or to the presented token's
// session, are refused before anything is written, so a correct refresh still works.
func testRefreshRejects(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	laptop := startSession(t, s, "laptop", alice, "LAPTOP", baseTime, nil)
	bobs := startSession(t, s, "bobs", bob, "PHONE", baseTime, nil)
	first, t1 := pairOf(ns), baseTime.Add(time.Hour)
	with := func(change func(*store.NewTokens)) store.NewTokens {
		p := newPair("next", ns.Session.ID, t1)
		change(&p)
		return p
	}
	tests := map[string]store.NewTokens{
		"another session of the user": newPair("next", laptop.Session.ID, t1),
		"another user's session":      newPair("next", bobs.Session.ID, t1),
		"a missing session":           newPair("next", "missing", t1),
		"no session":                  newPair("next", "", t1),
		"tokens in two sessions":      with(func(p *store.NewTokens) { p.RefreshToken.SessionID = laptop.Session.ID }),
		"refresh with another token":  with(func(p *store.NewTokens) { p.RefreshToken.AccessTokenID = "at-other" }),
		"empty access token ID":       with(func(p *store.NewTokens) { p.AccessToken.ID, p.RefreshToken.AccessTokenID = "", "" }),
		"empty refresh token ID":      with(func(p *store.NewTokens) { p.RefreshToken.ID = "" }),
		"empty access token hash":     with(func(p *store.NewTokens) { p.AccessToken.Hash = nil }),
		"empty refresh token hash":    with(func(p *store.NewTokens) { p.RefreshToken.Hash = []byte{} }),
		"invalid UTF-8 in token ID":   with(func(p *store.NewTokens) { p.RefreshToken.ID = "rt-\xff" }),
		"NUL in session ID": with(func(p *store.NewTokens) {
			p.AccessToken.SessionID, p.RefreshToken.SessionID = "phone\x00", "phone\x00"
		}),
	}
	for name, next := range tests {
		t.Run(name, func(t *testing.T) {
			refreshFails(t, s, first, next, t1, nil)
		})
	}
	assertPair(t, s, first)
	good := newPair("next", ns.Session.ID, t1)
	refresh(t, s, first, good, t1, store.Rotated)
	assertPair(t, s, good)
	assertActive(t, s, alice, ns.Session, laptop.Session)
}

// testRefreshHashTaken: a new token whose hash another token holds is store.ErrConflict, and
// the refresh is undone entirely: after a first use the presented token is unspent again;
// after a retry the unused successor is not revoked.
func testRefreshHashTaken(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	first, id := pairOf(ns), ns.Session.ID
	t1, t2 := baseTime.Add(time.Hour), baseTime.Add(2*time.Hour)
	clash := newPair("clash", id, t1)
	clash.AccessToken.Hash = first.AccessToken.Hash
	if got, err := s.Sessions().Refresh(t.Context(), first.RefreshToken.ID, clash, t1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Refresh with a taken access token hash = %v, %v; want store.ErrConflict", got, err)
	}
	assertNoRefreshToken(t, s, clash)
	assertPair(t, s, first)

	next := newPair("next", id, t1)
	refresh(t, s, first, next, t1, store.Rotated)
	clash = newPair("clash-retry", id, t2)
	clash.RefreshToken.Hash = next.RefreshToken.Hash
	if got, err := s.Sessions().Refresh(t.Context(), first.RefreshToken.ID, clash, t2); !errors.Is(err, store.ErrConflict) {
		t.Errorf("retried Refresh with a taken refresh token hash = %v, %v; want store.ErrConflict", got, err)
	}
	assertNoAccessToken(t, s, clash)
	assertPair(t, s, spent(first, t1, next.RefreshToken.ID))
	assertPair(t, s, next)
}

// testRefreshRace: sixteen refreshes of one token at once (a client retrying eagerly, or an
// attacker racing it). Each gets an allowed answer, never a database error; exactly one is
// the first use; and afterwards the session has one live refresh token, the presented one's
// successor, or, if a refresh saw a used successor (withUse: each racer uses its access
// token as soon as it has it), none: the session ended and every token is revoked.
func testRefreshRace(t *testing.T, s store.Store, withUse bool) {
	seedAccounts(t, s)
	ns := startSession(t, s, "phone", alice, "PHONE", baseTime, nil)
	first, id := pairOf(ns), ns.Session.ID
	const racers = 16
	t1 := baseTime.Add(time.Hour)
	pairs := make([]store.NewTokens, racers)
	outcomes := make([]store.RefreshOutcome, racers)
	errs := make([]error, racers)
	start, done := make(chan struct{}), make(chan struct{})
	for i := range racers {
		pairs[i] = newPair(fmt.Sprintf("racer-%d", i), id, t1.Add(time.Duration(i)*time.Millisecond))
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			now := pairs[i].AccessToken.CreatedAt
			outcomes[i], errs[i] = s.Sessions().Refresh(t.Context(), first.RefreshToken.ID, pairs[i], now)
			if errs[i] == nil && withUse {
				errs[i] = s.Sessions().MarkAccessTokensUsed(t.Context(), []string{pairs[i].AccessToken.ID}, now)
			}
		}()
	}
	close(start)
	for range racers {
		<-done
	}
	rotated := 0
	for i, err := range errs {
		switch {
		case err == nil && outcomes[i] == store.Rotated:
			rotated++
		case err == nil && outcomes[i] == store.Retried:
		case err != nil && (errors.Is(err, store.ErrReplay) || errors.Is(err, store.ErrConflict)):
			assertNoPair(t, s, pairs[i])
		default:
			t.Errorf("racer %d: Refresh = %v, %v; want Rotated, Retried, store.ErrReplay or store.ErrConflict", i, outcomes[i], err)
		}
	}
	if rotated != 1 {
		t.Errorf("%d racers spent the token for the first time, want exactly 1", rotated)
	}

	sess, err := s.Sessions().Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Sessions().Get: %v", err)
	}
	presented, _, _, err := s.Sessions().RefreshTokenByHash(t.Context(), first.RefreshToken.Hash)
	if err != nil {
		t.Fatalf("RefreshTokenByHash(first): %v", err)
	}
	var live []string
	for _, p := range append(pairs, first) {
		rt, _, _, err := s.Sessions().RefreshTokenByHash(t.Context(), p.RefreshToken.Hash)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("RefreshTokenByHash(%s): %v", p.RefreshToken.ID, err)
		}
		at, _, err := s.Sessions().AccessTokenByHash(t.Context(), p.AccessToken.Hash)
		if err != nil {
			t.Fatalf("AccessTokenByHash(%s): %v", p.AccessToken.ID, err)
		}
		if rt.RevokedAt.IsZero() && rt.ConsumedAt.IsZero() {
			live = append(live, rt.ID)
			if !at.RevokedAt.IsZero() {
				t.Errorf("live refresh token %s has a revoked access token", rt.ID)
			}
		}
		if !sess.Active() && (rt.RevokedAt.IsZero() || at.RevokedAt.IsZero()) {
			t.Errorf("the session ended, but token pair %s is not revoked: %+v, %+v", p.RefreshToken.ID, at, rt)
		}
	}
	switch {
	case sess.Active() && (len(live) != 1 || live[0] != presented.NextID):
		t.Errorf("live refresh tokens %v; want exactly the presented token's successor %q", live, presented.NextID)
	case !sess.Active() && len(live) != 0:
		t.Errorf("the session ended, but refresh tokens %v are live", live)
	case !sess.Active() && !withUse:
		t.Errorf("the session ended (%v), but no access token was used", sess.EndedAt)
	}
}
