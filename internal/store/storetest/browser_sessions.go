package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// The cases of store.BrowserSessionStore; testUsers runs them, as a browser session belongs
// to a user.

// browserSessionFixture returns a session of userID, signed in at baseTime for a day, whose
// token hash is derived from id.
func browserSessionFixture(id, userID string) model.BrowserSession {
	return model.BrowserSession{
		ID:              id,
		UserID:          userID,
		TokenHash:       []byte("sha256:" + id),
		CreatedAt:       baseTime,
		AuthenticatedAt: baseTime,
		ExpiresAt:       baseTime.Add(24 * time.Hour),
		UserAgent:       "Mozilla/5.0 (test)",
		IP:              "192.0.2.1",
	}
}

// editedBrowserSession is browserSessionFixture(id, userID) changed by edit.
func editedBrowserSession(id, userID string, edit func(*model.BrowserSession)) model.BrowserSession {
	bs := browserSessionFixture(id, userID)
	edit(&bs)
	return bs
}

// storedBrowserSession is bs as a backend returns it.
func storedBrowserSession(bs model.BrowserSession) model.BrowserSession {
	bs.CreatedAt = stored(bs.CreatedAt)
	bs.AuthenticatedAt = stored(bs.AuthenticatedAt)
	bs.ExpiresAt = stored(bs.ExpiresAt)
	bs.EndedAt = storedOrZero(bs.EndedAt)
	return bs
}

func mustCreateBrowserSession(t *testing.T, s store.Store, bs model.BrowserSession) model.BrowserSession {
	t.Helper()
	if err := s.BrowserSessions().Create(t.Context(), bs); err != nil {
		t.Fatalf("BrowserSessions().Create(%s): %v", bs.ID, err)
	}
	return storedBrowserSession(bs)
}

// assertBrowserSession checks that GetByTokenHash returns want, with UTC times.
func assertBrowserSession(t *testing.T, s store.Store, want model.BrowserSession) {
	t.Helper()
	got, err := s.BrowserSessions().GetByTokenHash(t.Context(), want.TokenHash)
	if err != nil {
		t.Fatalf("GetByTokenHash(%s): %v", want.ID, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("browser session %s (-want +got):\n%s", want.ID, diff)
	}
	assertTimesUTC(t, "browser session "+got.ID, got.CreatedAt, got.AuthenticatedAt, got.ExpiresAt, got.EndedAt)
}

func assertNoBrowserSession(t *testing.T, s store.Store, hash []byte) {
	t.Helper()
	if got, err := s.BrowserSessions().GetByTokenHash(t.Context(), hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetByTokenHash(%q) = %+v, %v; want store.ErrNotFound", hash, got, err)
	}
}

func testBrowserSessionsRoundTrip(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	hash := make([]byte, 256) // every byte value, NUL and invalid UTF-8 included
	for i := range hash {
		hash[i] = byte(255 - i)
	}
	full := model.BrowserSession{
		ID:              "01JZ-full/é+=",
		UserID:          alice.ID,
		TokenHash:       hash,
		CreatedAt:       baseTime,
		AuthenticatedAt: baseTime.Add(time.Minute),
		ExpiresAt:       baseTime.Add(24 * time.Hour),
		EndedAt:         baseTime.Add(time.Hour),
		UserAgent:       `Mozilla/5.0 (X11; Linux x86_64) "quoted" \ 🚀`,
		IP:              "2001:db8::1",
	}
	bare := model.BrowserSession{ID: "01JZ-bare", UserID: alice.ID, TokenHash: []byte{0},
		CreatedAt: baseTime, AuthenticatedAt: baseTime, ExpiresAt: baseTime.Add(time.Hour)}
	for _, bs := range []model.BrowserSession{full, bare} {
		assertBrowserSession(t, s, mustCreateBrowserSession(t, s, bs))
	}
	got, err := s.BrowserSessions().GetByTokenHash(t.Context(), full.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	if got.ExpiresAt.Nanosecond() != 123_000_000 || got.Active(baseTime) {
		t.Errorf("ExpiresAt %v (want whole milliseconds of %v), Active %v (want false: ended)",
			got.ExpiresAt, baseTime, got.Active(baseTime))
	}
	for _, hash := range [][]byte{nil, {}, {0, 0}, []byte("unknown"), hash[:255]} {
		assertNoBrowserSession(t, s, hash)
	}
}

func testBrowserSessionsConflicts(t *testing.T, s store.Store) {
	mustCreateUser(t, s, userFixture("id-alice", "alice"))
	mustCreateUser(t, s, userFixture("id-bob", "bob"))
	first := mustCreateBrowserSession(t, s, browserSessionFixture("first", "id-alice"))
	otherHash := func(bs *model.BrowserSession) { bs.TokenHash = []byte("another hash") }
	firstsHash := func(bs *model.BrowserSession) { bs.TokenHash = first.TokenHash }
	tests := map[string]model.BrowserSession{
		"same ID":                 editedBrowserSession("first", "id-alice", otherHash),
		"same token hash":         editedBrowserSession("second", "id-alice", firstsHash),
		"same hash, another user": editedBrowserSession("third", "id-bob", firstsHash),
	}
	for name, bs := range tests {
		if err := s.BrowserSessions().Create(t.Context(), bs); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: Create = %v, want store.ErrConflict", name, err)
		}
	}
	assertBrowserSession(t, s, first)
	assertNoBrowserSession(t, s, []byte("another hash"))
}

func testBrowserSessionsCreateRejects(t *testing.T, s store.Store) {
	mustCreateUser(t, s, userFixture("id-alice", "alice"))
	withUser := editedBrowserSession
	keep := func(*model.BrowserSession) {}
	tests := map[string]model.BrowserSession{
		// The foreign key: an error, and not ErrConflict, which would invite a retry.
		"missing user":        withUser("no-user", "id-nobody", keep),
		"empty user ID":       withUser("empty-user", "", keep),
		"empty ID":            withUser("", "id-alice", func(bs *model.BrowserSession) { bs.TokenHash = []byte("x") }),
		"empty token hash":    withUser("empty-hash", "id-alice", func(bs *model.BrowserSession) { bs.TokenHash = nil }),
		"NUL in the agent":    withUser("nul-agent", "id-alice", func(bs *model.BrowserSession) { bs.UserAgent = "a\x00b" }),
		"invalid UTF-8 in IP": withUser("bad-ip", "id-alice", func(bs *model.BrowserSession) { bs.IP = "\xc0\x80" }),
		"NUL in the ID":       withUser("nul\x00id", "id-alice", keep),
	}
	for name, bs := range tests {
		if err := s.BrowserSessions().Create(t.Context(), bs); !isPlainError(err) {
			t.Errorf("%s: Create = %v, want a plain error", name, err)
		}
		assertNoBrowserSession(t, s, bs.TokenHash)
	}
}

func testBrowserSessionsEnd(t *testing.T, s store.Store) {
	mustCreateUser(t, s, userFixture("id-alice", "alice"))
	bs := mustCreateBrowserSession(t, s, browserSessionFixture("session", "id-alice"))
	other := mustCreateBrowserSession(t, s, browserSessionFixture("other", "id-alice"))
	if !bs.Active(baseTime) {
		t.Fatalf("a new session is not active: %+v", bs)
	}
	first := baseTime.Add(time.Hour)
	for _, at := range []time.Time{first, first.Add(time.Hour), baseTime} { // the first call wins
		if err := s.BrowserSessions().End(t.Context(), bs.ID, at); err != nil {
			t.Fatalf("End(%v): %v", at, err)
		}
		bs.EndedAt = stored(first)
		assertBrowserSession(t, s, bs)
	}
	if err := s.BrowserSessions().End(t.Context(), other.ID, time.Time{}); !isPlainError(err) {
		t.Errorf("End(zero time) = %v, want a plain error", err)
	}
	assertBrowserSession(t, s, other)
	for _, id := range append([]string{"missing"}, unstorableKeys...) {
		if err := s.BrowserSessions().End(t.Context(), id, first); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("End(%q) = %v, want store.ErrNotFound", id, err)
		}
	}
}

func testBrowserSessionsDeleteExpired(t *testing.T, s store.Store) {
	mustCreateUser(t, s, userFixture("id-alice", "alice"))
	cutoff := baseTime // a stored time of baseTime is not before it: whole milliseconds
	session := func(id string, expiresIn, endedIn time.Duration, ended bool) model.BrowserSession {
		bs := browserSessionFixture(id, "id-alice")
		bs.CreatedAt = cutoff.Add(-72 * time.Hour) // all equally old: the order is by end of use
		bs.AuthenticatedAt = bs.CreatedAt
		bs.ExpiresAt = cutoff.Add(expiresIn)
		if ended {
			bs.EndedAt = cutoff.Add(endedIn)
		}
		return mustCreateBrowserSession(t, s, bs)
	}
	// IDs in reverse order of when the sessions stopped being usable.
	gone := []model.BrowserSession{
		session("d-expired-long-ago", -3*time.Hour, 0, false),
		session("c-ended-before", 24*time.Hour, -2*time.Hour, true),
		session("b-expired-before", -time.Hour, 0, false),
		session("a-expired-then-ended", -30*time.Minute, time.Hour, true),
	}
	kept := []model.BrowserSession{
		session("expires-at-cutoff", 0, 0, false),
		session("ended-at-cutoff", time.Hour, 0, true),
		session("live", time.Hour, 0, false),
		session("ended-later", time.Hour, time.Minute, true),
	}
	for _, step := range []struct{ limit, want int }{{0, 0}, {-1, 0}, {2, 2}, {10, 2}, {10, 0}} {
		n, err := s.BrowserSessions().DeleteExpired(t.Context(), cutoff, step.limit)
		if err != nil || n != step.want {
			t.Fatalf("DeleteExpired(limit %d) = %d, %v; want %d", step.limit, n, err, step.want)
		}
		if step.limit == 2 { // the two that stopped being usable first went first
			assertNoBrowserSession(t, s, gone[0].TokenHash)
			assertNoBrowserSession(t, s, gone[1].TokenHash)
			assertBrowserSession(t, s, gone[2])
			assertBrowserSession(t, s, gone[3])
		}
	}
	for _, bs := range gone {
		assertNoBrowserSession(t, s, bs.TokenHash)
	}
	for _, bs := range kept {
		assertBrowserSession(t, s, bs)
	}
}

// assertActiveBrowserSessions checks that ListActiveByUser(user, now) returns exactly want, in
// order.
func assertActiveBrowserSessions(t *testing.T, s store.Store, user string, now time.Time, want ...model.BrowserSession) {
	t.Helper()
	got, err := s.BrowserSessions().ListActiveByUser(t.Context(), user, now)
	if err != nil {
		t.Fatalf("ListActiveByUser(%q): %v", user, err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListActiveByUser(%q, %v) (-want +got):\n%s", user, now, diff)
	}
}

// testBrowserSessionsListActive: newest first, sessions created in the same millisecond in
// descending byte order of their IDs; ended sessions and those expired at now (comparing
// whole milliseconds) are left out.
func testBrowserSessionsListActive(t *testing.T, s store.Store) {
	mustCreateUser(t, s, userFixture("id-alice", "alice"))
	mustCreateUser(t, s, userFixture("id-bob", "bob"))
	now := baseTime.Add(12 * time.Hour)
	session := func(id, user string, created time.Duration, edit func(*model.BrowserSession)) model.BrowserSession {
		return mustCreateBrowserSession(t, s, editedBrowserSession(id, user, func(bs *model.BrowserSession) {
			bs.CreatedAt = baseTime.Add(created)
			edit(bs)
		}))
	}
	keep := func(*model.BrowserSession) {}
	oldest := session("oldest", "id-alice", 0, keep)
	newest := session("newest", "id-alice", 3*time.Hour, keep)
	tieB := session("tie-B", "id-alice", time.Hour, keep)
	tieA := session("tie-a", "id-alice", time.Hour+time.Microsecond, keep) // same millisecond
	expiresLater := session("expires-later", "id-alice", -time.Hour, func(bs *model.BrowserSession) { bs.ExpiresAt = now.Add(time.Millisecond) })
	session("expires-now", "id-alice", 4*time.Hour, func(bs *model.BrowserSession) { bs.ExpiresAt = now })
	session("expired", "id-alice", 5*time.Hour, func(bs *model.BrowserSession) { bs.ExpiresAt = now.Add(-time.Hour) })
	session("ended", "id-alice", 6*time.Hour, func(bs *model.BrowserSession) { bs.EndedAt = now.Add(-time.Hour) })
	session("ends-later", "id-alice", 7*time.Hour, func(bs *model.BrowserSession) { bs.EndedAt = now.Add(time.Hour) }) // ended is ended
	bobs := session("bobs", "id-bob", 2*time.Hour, keep)
	assertActiveBrowserSessions(t, s, "id-alice", now, newest, tieA, tieB, oldest, expiresLater)
	assertActiveBrowserSessions(t, s, "id-bob", now, bobs)
	assertActiveBrowserSessions(t, s, "id-bob", bobs.ExpiresAt)
	for _, user := range append([]string{"id-nobody"}, unstorableKeys...) {
		assertActiveBrowserSessions(t, s, user, now)
	}
}

// testBrowserSessionsEndAll: "sign out everywhere else" ends the user's active sessions but
// one, leaves alone those that ended (keeping their time) or expired, and other users'; it
// counts what it ended.
func testBrowserSessionsEndAll(t *testing.T, s store.Store) {
	mustCreateUser(t, s, userFixture("id-alice", "alice"))
	mustCreateUser(t, s, userFixture("id-bob", "bob"))
	t1 := baseTime.Add(time.Hour)
	a := mustCreateBrowserSession(t, s, browserSessionFixture("a", "id-alice"))
	current := mustCreateBrowserSession(t, s, browserSessionFixture("current", "id-alice"))
	c := mustCreateBrowserSession(t, s, browserSessionFixture("c", "id-alice"))
	ended := mustCreateBrowserSession(t, s, editedBrowserSession("ended", "id-alice",
		func(bs *model.BrowserSession) { bs.EndedAt = baseTime.Add(time.Minute) }))
	expired := mustCreateBrowserSession(t, s, editedBrowserSession("expired", "id-alice",
		func(bs *model.BrowserSession) { bs.ExpiresAt = t1 }))
	bobs := mustCreateBrowserSession(t, s, browserSessionFixture("bobs", "id-bob"))

	if n, err := s.BrowserSessions().EndAllByUser(t.Context(), "id-alice", current.ID, t1); err != nil || n != 2 {
		t.Fatalf("EndAllByUser(except current) = %d, %v; want 2", n, err)
	}
	a.EndedAt, c.EndedAt = stored(t1), stored(t1)
	for _, bs := range []model.BrowserSession{a, current, c, ended, expired, bobs} {
		assertBrowserSession(t, s, bs)
	}
	assertActiveBrowserSessions(t, s, "id-alice", t1, current)

	t2 := t1.Add(time.Hour)
	steps := []struct {
		user, except string
		want         int
	}{
		{"id-alice", "bad-utf8-\xff", 1}, // excepts nothing: current ends
		{"id-alice", "", 0},
		{"id-nobody", "", 0},
		{"nul\x00id", "", 0},
	}
	for _, step := range steps {
		if n, err := s.BrowserSessions().EndAllByUser(t.Context(), step.user, step.except, t2); err != nil || n != step.want {
			t.Errorf("EndAllByUser(%q, except %q) = %d, %v; want %d", step.user, step.except, n, err, step.want)
		}
	}
	current.EndedAt = stored(t2)
	for _, bs := range []model.BrowserSession{a, current, c, ended, expired, bobs} {
		assertBrowserSession(t, s, bs)
	}
	if _, err := s.BrowserSessions().EndAllByUser(t.Context(), "id-bob", "", time.Time{}); !isPlainError(err) {
		t.Errorf("EndAllByUser(zero time) = %v, want a plain error", err)
	}
	assertBrowserSession(t, s, bobs)
}
