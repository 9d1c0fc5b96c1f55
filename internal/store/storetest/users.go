package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testUsers checks store.UserStore and store.BrowserSessionStore. Besides the interfaces'
// contracts it pins down, for every backend: zero times (never locked, never ended) come
// back zero; usernames compare exactly and List is in their byte order; the first lock and
// the first logout keep their time; DeleteExpired deletes the sessions that stopped being
// usable (expiry or logout, whichever came first) earliest first, comparing at millisecond
// precision; strings no backend can store (NUL, invalid UTF-8) are a plain error on write
// and simply not found on lookup.
func testUsers(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"Empty", testUsersEmpty},
		{"RoundTrip", testUsersRoundTrip},
		{"Conflicts", testUsersConflicts},
		{"CreateRejects", testUsersCreateRejects},
		{"GetByUsernameIsExact", testUsersExactUsername},
		{"ListOrder", testUsersListOrder},
		{"SetPasswordHash", testUsersSetPasswordHash},
		{"SetLocked", testUsersSetLocked},
		{"BrowserSessionRoundTrip", testBrowserSessionsRoundTrip},
		{"BrowserSessionConflicts", testBrowserSessionsConflicts},
		{"BrowserSessionCreateRejects", testBrowserSessionsCreateRejects},
		{"BrowserSessionEnd", testBrowserSessionsEnd},
		{"BrowserSessionDeleteExpired", testBrowserSessionsDeleteExpired},
	})
}

// userFixture returns an active user without a password.
func userFixture(id, username string) model.User {
	return model.User{ID: id, Username: username, DisplayName: "User " + username, CreatedAt: baseTime}
}

// storedUser is u as a backend returns it.
func storedUser(u model.User) model.User {
	u.CreatedAt = stored(u.CreatedAt)
	u.LockedAt = storedOrZero(u.LockedAt)
	u.DeactivatedAt = storedOrZero(u.DeactivatedAt)
	return u
}

// storedOrZero is stored(t), except that the zero time ("never") stays zero.
func storedOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return stored(t)
}

func mustCreateUser(t *testing.T, s store.Store, u model.User) model.User {
	t.Helper()
	if err := s.Users().Create(t.Context(), u); err != nil {
		t.Fatalf("Users().Create(%s): %v", u.ID, err)
	}
	return storedUser(u)
}

// assertUser checks that Get and GetByUsername both return want, with UTC times.
func assertUser(t *testing.T, s store.Store, want model.User) {
	t.Helper()
	byID, err := s.Users().Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Users().Get(%s): %v", want.ID, err)
	}
	byName, err := s.Users().GetByUsername(t.Context(), want.Username)
	if err != nil {
		t.Fatalf("Users().GetByUsername(%s): %v", want.Username, err)
	}
	for _, got := range []model.User{byID, byName} {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("user %s (-want +got):\n%s", want.ID, diff)
		}
		assertTimesUTC(t, "user "+got.ID, got.CreatedAt, got.LockedAt, got.DeactivatedAt)
	}
}

// assertUsers checks that List returns exactly want, in order.
func assertUsers(t *testing.T, s store.Store, want ...model.User) {
	t.Helper()
	got, err := s.Users().List(t.Context())
	if err != nil {
		t.Fatalf("Users().List: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Users().List (-want +got):\n%s", diff)
	}
}

// assertTimesUTC checks that every non-zero time is in UTC.
func assertTimesUTC(t *testing.T, what string, times ...time.Time) {
	t.Helper()
	for _, tm := range times {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: time %v is not in UTC", what, tm)
		}
	}
}

// isPlainError reports whether err is an error but neither sentinel, which would make a
// caller retry (ErrConflict) or answer "no such thing" (ErrNotFound) for bad input.
func isPlainError(err error) bool {
	return err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound)
}

// unstorableKeys are lookup keys that no backend can hold: they must be "not found".
var unstorableKeys = []string{"", "nul\x00id", "bad-utf8-\xff"}

func testUsersEmpty(t *testing.T, s store.Store) {
	assertUsers(t, s)
	for _, id := range append([]string{"missing"}, unstorableKeys...) {
		if got, err := s.Users().Get(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%q) = %+v, %v; want store.ErrNotFound", id, got, err)
		}
		if got, err := s.Users().GetByUsername(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetByUsername(%q) = %+v, %v; want store.ErrNotFound", id, got, err)
		}
		if err := s.Users().SetPasswordHash(t.Context(), id, "hash"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetPasswordHash(%q) = %v, want store.ErrNotFound", id, err)
		}
		for _, at := range []time.Time{baseTime, {}} {
			if err := s.Users().SetLocked(t.Context(), id, at); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SetLocked(%q, %v) = %v, want store.ErrNotFound", id, at, err)
			}
		}
	}
}

func testUsersRoundTrip(t *testing.T, s store.Store) {
	full := model.User{
		ID:            "01JZ-full/é+=",
		Username:      "alice.o_neil=x/y-1",
		DisplayName:   `Alice "O'Neil" \ 🚀 <b>`,
		PasswordHash:  "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Admin:         true,
		LockedAt:      baseTime.Add(time.Hour),
		DeactivatedAt: baseTime.Add(2 * time.Hour),
		CreatedAt:     baseTime,
	}
	bare := model.User{ID: "01JZ-bare", Username: "bob", CreatedAt: baseTime.Add(-time.Minute)}
	for _, u := range []model.User{full, bare} {
		want := mustCreateUser(t, s, u)
		assertUser(t, s, want)
	}
	got, err := s.Users().Get(t.Context(), full.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt.Nanosecond() != 123_000_000 || got.LockedAt.Nanosecond() != 123_000_000 {
		t.Errorf("times %v, %v; want whole milliseconds of %v", got.CreatedAt, got.LockedAt, baseTime)
	}
	assertUsers(t, s, storedUser(full), storedUser(bare))
}

func testUsersConflicts(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	tests := map[string]model.User{
		"same ID":       userFixture("id-alice", "other"),
		"same username": userFixture("id-other", "alice"),
		"same both":     userFixture("id-alice", "alice"),
	}
	for name, u := range tests {
		if err := s.Users().Create(t.Context(), u); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: Create = %v, want store.ErrConflict", name, err)
		}
	}
	assertUsers(t, s, alice)
}

func testUsersCreateRejects(t *testing.T, s store.Store) {
	nulName := userFixture("nul-name", "nulname")
	nulName.DisplayName = "Eve\x00"
	badHash := userFixture("bad-hash", "badhash")
	badHash.PasswordHash = "$argon2id$\xc3("
	tests := map[string]model.User{
		"empty ID":                  userFixture("", "empty-id"),
		"empty username":            userFixture("empty-username", ""),
		"NUL in the ID":             userFixture("id\x00", "nulid"),
		"invalid UTF-8 in username": userFixture("bad-username", "bad\xff"),
		"NUL in the display name":   nulName,
		"invalid UTF-8 in the hash": badHash,
	}
	for name, u := range tests {
		if err := s.Users().Create(t.Context(), u); !isPlainError(err) {
			t.Errorf("%s: Create = %v, want a plain error", name, err)
		}
	}
	assertUsers(t, s)
}

func testUsersExactUsername(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	assertUser(t, s, alice)
	for _, name := range []string{"Alice", "ALICE", "alice ", " alice", "alic", "alice2", "alicé", "ālice"} {
		if got, err := s.Users().GetByUsername(t.Context(), name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetByUsername(%q) = %+v, %v; want store.ErrNotFound", name, got, err)
		}
	}
	// Usernames differing only in case are different users: callers lower-case them.
	upper := mustCreateUser(t, s, userFixture("id-upper", "Alice"))
	assertUser(t, s, upper)
	assertUser(t, s, alice)
}

func testUsersListOrder(t *testing.T, s store.Store) {
	// Byte order, which a natural-language collation would change (punctuation, case).
	names := []string{"ab", "a-b", "a.b", "a_b", "a=b", "a/b", "a", "b", "9", "B", "é"}
	var want []model.User
	for i, name := range names {
		u := userFixture(fmt.Sprintf("id-%02d", len(names)-i), name) // ID order is not name order
		u.CreatedAt = baseTime.Add(-time.Duration(i) * time.Hour)    // nor is age
		want = append(want, mustCreateUser(t, s, u))
	}
	slices.SortFunc(want, func(a, b model.User) int { return strings.Compare(a.Username, b.Username) })
	assertUsers(t, s, want...)
}

func testUsersSetPasswordHash(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	bob := userFixture("id-bob", "bob")
	bob.PasswordHash = "bob's hash"
	bob = mustCreateUser(t, s, bob)
	for _, hash := range []string{"$argon2id$first", "$argon2id$second", ""} {
		if err := s.Users().SetPasswordHash(t.Context(), alice.ID, hash); err != nil {
			t.Fatalf("SetPasswordHash(%q): %v", hash, err)
		}
		alice.PasswordHash = hash
		assertUser(t, s, alice)
	}
	for _, hash := range []string{"nul\x00", "bad\xff"} {
		if err := s.Users().SetPasswordHash(t.Context(), bob.ID, hash); !isPlainError(err) {
			t.Errorf("SetPasswordHash(%q) = %v, want a plain error", hash, err)
		}
	}
	assertUser(t, s, bob)
	assertUser(t, s, alice)
}

func testUsersSetLocked(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	bob := mustCreateUser(t, s, userFixture("id-bob", "bob"))
	first := baseTime.Add(time.Hour)
	steps := []struct {
		at   time.Time
		want time.Time
	}{
		{time.Time{}, time.Time{}},                       // unlocking an unlocked user is fine
		{first, first},                                   // lock
		{first.Add(time.Hour), first},                    // locking again keeps the first time
		{baseTime, first},                                // also when the new time is earlier
		{time.Time{}, time.Time{}},                       // unlock
		{time.Time{}, time.Time{}},                       // unlock again
		{first.Add(time.Minute), first.Add(time.Minute)}, // a new lock has a new time
	}
	for i, step := range steps {
		if err := s.Users().SetLocked(t.Context(), alice.ID, step.at); err != nil {
			t.Fatalf("step %d: SetLocked(%v): %v", i, step.at, err)
		}
		alice.LockedAt = storedOrZero(step.want)
		assertUser(t, s, alice)
	}
	assertUser(t, s, bob)
}

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
