package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// testSessionsCleanup checks the background writes of store.SessionStore:
// MarkAccessTokensUsed and DeleteExpired. Besides the interface's contract it pins down, for
// every backend: IDs no token has are ignored, whatever their bytes; a zero time of use is
// refused (it would read back as "never used"); DeleteExpired also deletes the grant a
// deleted session was exchanged for, and counts sessions, not the tokens or grants that go
// with them.
func testSessionsCleanup(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"MarkAccessTokensUsed", testMarkAccessTokensUsed},
		{"DeleteExpired", testSessionsDeleteExpired},
	})
}

// testMarkAccessTokensUsed: the first recorded use wins; a batch may be large and hold
// unknown IDs.
func testMarkAccessTokensUsed(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	phone := pairOf(startSession(t, s, "phone", alice, "PHONE", baseTime, nil))
	laptop := pairOf(startSession(t, s, "laptop", alice, "LAPTOP", baseTime, nil))
	t1, t2 := baseTime.Add(time.Minute), baseTime.Add(2*time.Minute)
	for _, ids := range [][]string{nil, {}, {"unknown"}} {
		if err := s.Sessions().MarkAccessTokensUsed(t.Context(), ids, t1); err != nil {
			t.Errorf("MarkAccessTokensUsed(%q): %v", ids, err)
		}
	}
	assertPair(t, s, phone)
	assertPair(t, s, laptop)

	// A refresh token's ID is no access token's: the kinds do not mix.
	ids := []string{phone.AccessToken.ID, "unknown", "", "nul\x00id", "bad-utf8-\xff", phone.RefreshToken.ID, phone.AccessToken.ID}
	if err := s.Sessions().MarkAccessTokensUsed(t.Context(), ids, t1); err != nil {
		t.Fatalf("MarkAccessTokensUsed(%q): %v", ids, err)
	}
	phone.AccessToken.FirstUsedAt = t1
	assertPair(t, s, phone)
	assertPair(t, s, laptop)

	// More IDs than SQLite allows bound parameters in older builds (999).
	many := make([]string, 0, 3002)
	for i := range 3000 {
		many = append(many, fmt.Sprintf("unknown-%d", i))
	}
	many = append(many, laptop.AccessToken.ID, phone.AccessToken.ID)
	if err := s.Sessions().MarkAccessTokensUsed(t.Context(), many, t2); err != nil {
		t.Fatalf("MarkAccessTokensUsed(3002 IDs): %v", err)
	}
	laptop.AccessToken.FirstUsedAt = t2
	assertPair(t, s, phone) // used at t1 still
	assertPair(t, s, laptop)

	if err := s.Sessions().MarkAccessTokensUsed(t.Context(), []string{laptop.AccessToken.ID}, time.Time{}); !isRefusal(err) {
		t.Errorf("MarkAccessTokensUsed at the zero time = %v, want a plain error", err)
	}
	assertPair(t, s, laptop)
}

// testSessionsDeleteExpired builds one of each kind of dead row (and rows that must stay),
// then deletes them in batches of several sizes. The rules, with the rows they hit:
//   - access tokens that expired or were revoked before the cutoff: 7 (chain 4, retried 2,
//     ended 1);
//   - refresh tokens revoked before the cutoff: 2 (the retried-away successor, the ended
//     session's);
//   - spent refresh tokens whose successor was spent before the cutoff: 2 (chain: the
//     first two of four);
//   - sessions that ended before the cutoff: 2 (ended; stored-ended, whose live-looking
//     tokens go with it uncounted).
//
// Rows that died exactly at the cutoff stay (at-cutoff), as do live ones and the spent
// token whose successor is unspent.
func testSessionsDeleteExpired(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0, cutoff := baseTime.Add(time.Hour), baseTime.Add(10*time.Hour)
	longLived := func(ns *store.NewSession) { ns.AccessToken.ExpiresAt = cutoff.Add(time.Hour) }

	chain := startSession(t, s, "chain", alice, "PHONE", t0, nil)
	links := []store.NewTokens{pairOf(chain)}
	for i := 1; i <= 3; i++ {
		now := t0.Add(time.Duration(i) * time.Hour)
		next := newPair(fmt.Sprintf("chain-%d", i), chain.Session.ID, now)
		refresh(t, s, links[i-1], next, now, store.Rotated)
		links[i-1] = spent(links[i-1], now, next.RefreshToken.ID)
		links = append(links, next)
	}

	retried := startSession(t, s, "retried", alice, "LAPTOP", t0, nil)
	lost := newPair("lost", retried.Session.ID, t0.Add(time.Hour))
	refresh(t, s, pairOf(retried), lost, t0.Add(time.Hour), store.Rotated)
	received := newPair("received", retried.Session.ID, t0.Add(2*time.Hour))
	received.AccessToken.ExpiresAt = cutoff.Add(time.Hour)
	refresh(t, s, pairOf(retried), received, t0.Add(2*time.Hour), store.Retried)

	ended := startSession(t, s, "ended", bob, "PHONE", t0, nil)
	atCutoff := startSession(t, s, "at-cutoff", bob, "TABLET", t0, longLived)
	for id, at := range map[string]time.Time{ended.Session.ID: t0.Add(time.Hour), atCutoff.Session.ID: cutoff} {
		if err := s.Sessions().End(t.Context(), id, at); err != nil {
			t.Fatalf("End(%s): %v", id, err)
		}
	}
	storedEnded := startSession(t, s, "stored-ended", alice, "WATCH", t0, func(ns *store.NewSession) {
		longLived(ns)
		ns.Session.EndedAt = t0.Add(time.Hour)
	})

	deleted := 0
	for _, step := range []struct{ limit, want int }{{0, 0}, {-1, 0}, {1, 1}, {7, 7}, {100, 5}, {100, 0}} {
		n, err := s.Sessions().DeleteExpired(t.Context(), cutoff, step.limit)
		if err != nil || n != step.want {
			t.Fatalf("DeleteExpired(limit %d) = %d, %v; want %d", step.limit, n, err, step.want)
		}
		deleted += n
	}
	if deleted != 13 {
		t.Errorf("deleted %d rows, want 13", deleted)
	}

	// Gone: dead access tokens, revoked and doubly spent refresh tokens, ended sessions with
	// everything of theirs.
	for _, p := range append(links, pairOf(retried), lost, pairOf(ended), pairOf(storedEnded)) {
		assertNoAccessToken(t, s, p)
	}
	for _, p := range []store.NewTokens{links[0], links[1], lost, pairOf(ended), pairOf(storedEnded)} {
		assertNoRefreshToken(t, s, p)
	}
	for _, ns := range []store.NewSession{ended, storedEnded} {
		if got, err := s.Sessions().Get(t.Context(), ns.Session.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Sessions().Get(%s) = %+v, %v; want store.ErrNotFound", ns.Session.ID, got, err)
		}
		assertNoGrant(t, s, ns.Session.GrantID)
	}

	// Kept: live tokens, a spent token whose successor is unspent, what died at the cutoff.
	for _, p := range []store.NewTokens{links[2], links[3], spent(pairOf(retried), t0.Add(time.Hour), received.RefreshToken.ID)} {
		assertRefreshToken(t, s, p)
	}
	assertPair(t, s, received)
	assertPair(t, s, revoked(pairOf(atCutoff), cutoff))
	for _, ns := range []store.NewSession{chain, retried, atCutoff} {
		if _, err := s.Sessions().Get(t.Context(), ns.Session.ID); err != nil {
			t.Errorf("Sessions().Get(%s): %v", ns.Session.ID, err)
		}
		if _, err := s.Grants().Get(t.Context(), ns.Session.GrantID); err != nil {
			t.Errorf("Grants().Get(%s) of a kept session: %v", ns.Session.GrantID, err)
		}
	}
	// What is kept still refreshes.
	now := cutoff.Add(time.Minute)
	refresh(t, s, links[3], newPair("chain-4", chain.Session.ID, now), now, store.Rotated)
	refresh(t, s, received, newPair("received-next", retried.Session.ID, now), now, store.Rotated)
}
