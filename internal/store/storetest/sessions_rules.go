package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testSessionsSameDevice: a login that reuses a device ID ends the user's older session on
// that device and revokes its tokens (Matrix CS API, "Relationship between access tokens
// and devices"); the user's other devices and other users' devices are untouched.
func testSessionsSameDevice(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0 := baseTime.Add(3 * time.Minute)
	first, _ := login(t, s, "first", alice, "PHONE", t0)
	laptop, _ := login(t, s, "laptop", alice, "LAPTOP", t0.Add(time.Second))
	bobPhone, _ := login(t, s, "bob-phone", bob, "PHONE", t0.Add(2*time.Second))

	t1 := t0.Add(time.Hour)
	second, endedBySecond := login(t, s, "second", alice, "PHONE", t1)
	if diff := cmp.Diff([]model.Session{afterEnd(first, t1).Session}, endedBySecond); diff != "" {
		t.Errorf("StartFromGrant on a used device: ended sessions (-want +got):\n%s", diff)
	}
	assertNewSession(t, s, afterEnd(first, t1))
	for _, untouched := range []store.NewSession{second, laptop, bobPhone} {
		assertNewSession(t, s, untouched)
	}
	assertActive(t, s, alice, second.Session, laptop.Session)
	assertActive(t, s, bob, bobPhone.Session)

	// Only active sessions are ended: the first one keeps the time it ended.
	t2 := t1.Add(time.Hour)
	_, endedByThird := login(t, s, "third", alice, "PHONE", t2)
	if diff := cmp.Diff([]model.Session{afterEnd(second, t2).Session}, endedByThird); diff != "" {
		t.Errorf("third login on the device: ended sessions (-want +got):\n%s", diff)
	}
	assertNewSession(t, s, afterEnd(first, t1))
	assertNewSession(t, s, afterEnd(second, t2))
}

// testSessionsSameDeviceRace: logins of one user on one device that finish at the same time
// (on several replicas) all succeed, and exactly one session of the device stays active.
func testSessionsSameDeviceRace(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	const racers = 4
	now := baseTime.Add(3 * time.Minute)
	sessions := make([]store.NewSession, racers)
	for i := range racers {
		g := fulfil(t, s, withDevice(grantFixture(fmt.Sprintf("g%d", i)), "SHARED"), alice)
		sessions[i] = newSessionFixture(fmt.Sprintf("s%d", i), g, now.Add(time.Duration(i)*time.Millisecond))
	}
	endedBy := make([][]model.Session, racers)
	errs := make([]error, racers)
	start := make(chan struct{})
	done := make(chan struct{})
	for i, ns := range sessions {
		go func() {
			<-start
			endedBy[i], errs[i] = s.Sessions().StartFromGrant(t.Context(), ns.Session.GrantID, ns, ns.Session.CreatedAt)
			done <- struct{}{}
		}()
	}
	close(start)
	for range racers {
		<-done
	}
	endedOnce := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("login %d: StartFromGrant = %v, want success", i, err)
		}
		for _, e := range endedBy[i] {
			endedOnce[e.ID]++
		}
	}
	active, err := s.Sessions().ListActiveByUser(t.Context(), alice)
	if err != nil || len(active) != 1 {
		t.Fatalf("ListActiveByUser = %+v, %v; want exactly one active session", active, err)
	}
	for _, ns := range sessions {
		if id := ns.Session.ID; id != active[0].ID && endedOnce[id] != 1 {
			t.Errorf("session %s was ended %d times by the other logins, want once", id, endedOnce[id])
		}
	}
	if len(endedOnce) != racers-1 || endedOnce[active[0].ID] != 0 {
		t.Errorf("ended sessions %v, want every session but the active %s", endedOnce, active[0].ID)
	}
}

// testSessionsStartRejects: a NewSession that does not fit its grant is refused before the
// code is spent, so a corrected exchange still works.
func testSessionsStartRejects(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	g := fulfilledGrant(t, s, "g", alice)
	now := baseTime.Add(3 * time.Minute)
	with := func(change func(*store.NewSession)) store.NewSession {
		ns := newSessionFixture("s", g, now)
		change(&ns)
		return ns
	}
	tests := map[string]store.NewSession{
		"another user":               with(func(ns *store.NewSession) { ns.Session.UserID = bob }),
		"another client":             with(func(ns *store.NewSession) { ns.Session.ClientID = other }),
		"names another grant":        with(func(ns *store.NewSession) { ns.Session.GrantID = "another" }),
		"names no grant":             with(func(ns *store.NewSession) { ns.Session.GrantID = "" }),
		"access token elsewhere":     with(func(ns *store.NewSession) { ns.AccessToken.SessionID = "another" }),
		"refresh token elsewhere":    with(func(ns *store.NewSession) { ns.RefreshToken.SessionID = "another" }),
		"refresh with another token": with(func(ns *store.NewSession) { ns.RefreshToken.AccessTokenID = "at-x" }),
		"empty access token hash":    with(func(ns *store.NewSession) { ns.AccessToken.Hash = nil }),
		"empty refresh token hash":   with(func(ns *store.NewSession) { ns.RefreshToken.Hash = []byte{} }),
		"NUL in device ID":           with(func(ns *store.NewSession) { ns.Session.DeviceID = "DEV\x00" }),
		"invalid UTF-8 in scope":     with(func(ns *store.NewSession) { ns.Session.Scope = "openid \xff" }),
		"invalid UTF-8 in token ID":  with(func(ns *store.NewSession) { ns.AccessToken.ID = "at-\xff" }),
		"NUL in the user agent":      with(func(ns *store.NewSession) { ns.Session.UserAgent = "Element\x00" }),
		"invalid UTF-8 in the IP":    with(func(ns *store.NewSession) { ns.Session.LastActiveIP = "192.0.2.\xc3" }),
	}
	for name, ns := range tests {
		if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, ns, now); !isRefusal(err) {
			t.Errorf("%s: StartFromGrant = %v, want a plain error", name, err)
		}
		assertNoSession(t, s, ns)
	}
	assertGrant(t, s, g)
	good := newSessionFixture("s", g, now)
	if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, good, now); err != nil {
		t.Fatalf("StartFromGrant after the refusals: %v", err)
	}
	assertNewSession(t, s, storedNewSession(good))
}

// testSessionsHashTaken: a token hash that another session holds is store.ErrConflict, and
// the failed exchange undoes everything it did before: the code is not spent and the older
// session on the device is not ended.
func testSessionsHashTaken(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0 := baseTime.Add(3 * time.Minute)
	first, _ := login(t, s, "first", alice, "PHONE", t0)
	t1 := t0.Add(time.Hour)
	for _, which := range []string{"access", "refresh"} {
		g := fulfil(t, s, withDevice(grantFixture("g-"+which), "PHONE"), alice)
		ns := newSessionFixture("s-"+which, g, t1)
		if which == "access" {
			ns.AccessToken.Hash = first.AccessToken.Hash
		} else {
			ns.RefreshToken.Hash = first.RefreshToken.Hash
		}
		if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, ns, t1); !errors.Is(err, store.ErrConflict) {
			t.Errorf("StartFromGrant with a taken %s token hash = %v, want store.ErrConflict", which, err)
		}
		if got, err := s.Sessions().Get(t.Context(), ns.Session.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Sessions().Get(%s) = %+v, %v; want store.ErrNotFound", ns.Session.ID, got, err)
		}
		assertGrant(t, s, g)
	}
	assertNewSession(t, s, first)
	assertActive(t, s, alice, first.Session)
}

// testSessionsEnd: End ends a session and revokes its tokens; ending it again changes
// nothing, not even the times.
func testSessionsEnd(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0 := baseTime.Add(3 * time.Minute)
	phone, _ := login(t, s, "phone", alice, "PHONE", t0)
	laptop, _ := login(t, s, "laptop", alice, "LAPTOP", t0)
	t1 := t0.Add(time.Hour)
	for _, at := range []time.Time{t1, t1.Add(time.Hour), t0} {
		if err := s.Sessions().End(t.Context(), phone.Session.ID, at); err != nil {
			t.Fatalf("End(%v): %v", at, err)
		}
		assertNewSession(t, s, afterEnd(phone, t1))
	}
	assertNewSession(t, s, laptop)
	assertActive(t, s, alice, laptop.Session)
	for _, id := range []string{"missing", "", "nul\x00id", "bad-utf8-\xff"} {
		if err := s.Sessions().End(t.Context(), id, t1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("End(%q) = %v, want store.ErrNotFound", id, err)
		}
		if got, err := s.Sessions().Get(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Sessions().Get(%q) = %+v, %v; want store.ErrNotFound", id, got, err)
		}
	}
}

// testSessionsListActive: newest first; sessions started in the same millisecond in
// descending byte order of their IDs ("tie-a" before "tie-B", which a natural-language
// collation would swap), so that the order is the same on every backend.
func testSessionsListActive(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0 := baseTime.Add(3 * time.Minute)
	oldest, _ := login(t, s, "oldest", alice, "D1", t0)
	newest, _ := login(t, s, "newest", alice, "D2", t0.Add(3*time.Hour))
	tieB, _ := login(t, s, "tie-B", alice, "D3", t0.Add(time.Hour))
	tieA, _ := login(t, s, "tie-a", alice, "D4", t0.Add(time.Hour+time.Microsecond)) // same millisecond
	gone, _ := login(t, s, "gone", alice, "D5", t0.Add(4*time.Hour))
	if err := s.Sessions().End(t.Context(), gone.Session.ID, t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	bobs, _ := login(t, s, "bobs", bob, "D1", t0.Add(2*time.Hour))
	assertActive(t, s, alice, newest.Session, tieA.Session, tieB.Session, oldest.Session)
	assertActive(t, s, bob, bobs.Session)
	for _, user := range []string{"nobody", "", "nul\x00id", "bad-utf8-\xff"} {
		assertActive(t, s, user)
	}
}

func testSessionsTokensNotFound(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns, _ := login(t, s, "s", alice, "PHONE", baseTime)
	hashes := [][]byte{nil, {}, sha("unknown")}
	for _, h := range append(hashes, ns.RefreshToken.Hash) { // the kinds do not mix
		if at, _, err := s.Sessions().AccessTokenByHash(t.Context(), h); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AccessTokenByHash(%x) = %+v, %v; want store.ErrNotFound", h, at, err)
		}
	}
	for _, h := range append(hashes, ns.AccessToken.Hash) {
		if rt, _, _, err := s.Sessions().RefreshTokenByHash(t.Context(), h); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RefreshTokenByHash(%x) = %+v, %v; want store.ErrNotFound", h, rt, err)
		}
	}
}

// testAccessTokenWithOwner: the joined lookup returns what AccessTokenByHash returns, plus the
// user's name and whether they may sign in, which follows the lock.
func testAccessTokenWithOwner(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	ns, _ := login(t, s, "owner", alice, "OWNER-DEV", baseTime)
	at, sess, err := s.Sessions().AccessTokenByHash(t.Context(), ns.AccessToken.Hash)
	if err != nil {
		t.Fatal(err)
	}
	at2, sess2, owner, err := s.Sessions().AccessTokenWithOwner(t.Context(), ns.AccessToken.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(at, at2) || !reflect.DeepEqual(sess, sess2) || owner != (store.TokenOwner{Username: alice, CanSignIn: true}) {
		t.Errorf("AccessTokenWithOwner = %+v %+v %+v, want %+v %+v and alice able to sign in", at2, sess2, owner, at, sess)
	}
	if _, _, owner, err := s.Sessions().RefreshTokenByHash(t.Context(), ns.RefreshToken.Hash); err != nil ||
		owner != (store.TokenOwner{Username: alice, CanSignIn: true}) {
		t.Errorf("RefreshTokenByHash owner = %+v, %v; want alice able to sign in", owner, err)
	}
	if err := s.Users().SetLocked(t.Context(), alice, baseTime); err != nil {
		t.Fatal(err)
	}
	if _, _, owner, err := s.Sessions().AccessTokenWithOwner(t.Context(), ns.AccessToken.Hash); err != nil || owner.CanSignIn {
		t.Errorf("after locking: %+v, %v; want CanSignIn false", owner, err)
	}
	if _, _, owner, err := s.Sessions().RefreshTokenByHash(t.Context(), ns.RefreshToken.Hash); err != nil || owner.CanSignIn {
		t.Errorf("RefreshTokenByHash after locking: %+v, %v; want CanSignIn false", owner, err)
	}
	for _, h := range [][]byte{nil, sha("unknown"), ns.RefreshToken.Hash} {
		if _, _, _, err := s.Sessions().AccessTokenWithOwner(t.Context(), h); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AccessTokenWithOwner(%x): %v, want store.ErrNotFound", h, err)
		}
	}
}
