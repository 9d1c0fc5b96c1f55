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
		{"SetDisplayName", testUsersSetDisplayName},
		{"AllowCrossSigningReset", testUsersAllowCrossSigningReset},
		{"BrowserSessionRoundTrip", testBrowserSessionsRoundTrip},
		{"BrowserSessionConflicts", testBrowserSessionsConflicts},
		{"BrowserSessionCreateRejects", testBrowserSessionsCreateRejects},
		{"BrowserSessionEnd", testBrowserSessionsEnd},
		{"BrowserSessionDeleteExpired", testBrowserSessionsDeleteExpired},
		{"BrowserSessionListActiveByUser", testBrowserSessionsListActive},
		{"BrowserSessionEndAllByUser", testBrowserSessionsEndAll},
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
	u.CrossSigningResetAllowedUntil = storedOrZero(u.CrossSigningResetAllowedUntil)
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
		assertTimesUTC(t, "user "+got.ID, got.CreatedAt, got.LockedAt, got.DeactivatedAt, got.CrossSigningResetAllowedUntil)
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
			if err := s.Users().AllowCrossSigningReset(t.Context(), id, at); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("AllowCrossSigningReset(%q, %v) = %v, want store.ErrNotFound", id, at, err)
			}
		}
		if err := s.Users().SetDisplayName(t.Context(), id, "name"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetDisplayName(%q) = %v, want store.ErrNotFound", id, err)
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

		CrossSigningResetAllowedUntil: baseTime.Add(3 * time.Hour),
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

func testUsersSetDisplayName(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	bob := mustCreateUser(t, s, userFixture("id-bob", "bob"))
	for _, name := range []string{`Alice "O'Neil" \ 🚀 <b>`, "", "Alice"} {
		if err := s.Users().SetDisplayName(t.Context(), alice.ID, name); err != nil {
			t.Fatalf("SetDisplayName(%q): %v", name, err)
		}
		alice.DisplayName = name
		assertUser(t, s, alice)
	}
	for _, name := range []string{"nul\x00", "bad\xff"} {
		if err := s.Users().SetDisplayName(t.Context(), bob.ID, name); !isPlainError(err) {
			t.Errorf("SetDisplayName(%q) = %v, want a plain error", name, err)
		}
	}
	assertUser(t, s, bob)
	assertUser(t, s, alice)
}

// testUsersAllowCrossSigningReset: each approval replaces the previous one, later or
// earlier (the user approved again), and the zero time withdraws it.
func testUsersAllowCrossSigningReset(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	bob := mustCreateUser(t, s, userFixture("id-bob", "bob"))
	for _, until := range []time.Time{baseTime.Add(10 * time.Minute), baseTime.Add(time.Hour), baseTime.Add(time.Minute), {}, {}, baseTime} {
		if err := s.Users().AllowCrossSigningReset(t.Context(), alice.ID, until); err != nil {
			t.Fatalf("AllowCrossSigningReset(%v): %v", until, err)
		}
		alice.CrossSigningResetAllowedUntil = storedOrZero(until)
		assertUser(t, s, alice)
	}
	assertUser(t, s, bob)
}
