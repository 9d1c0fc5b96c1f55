package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// The cases of store.RegistrationTokenStore; testAccounts runs them with the registrations
// that spend the tokens (accounts.go).

// registrationTokenFixture is a token created at baseTime with usage limit limit, whose
// hash derives from id.
func registrationTokenFixture(id string, limit int) model.RegistrationToken {
	return model.RegistrationToken{ID: id, Hash: sha("registration " + id), Hint: "mxr_",
		UsageLimit: limit, CreatedAt: baseTime}
}

// storedRegistrationToken is rt as a backend returns it.
func storedRegistrationToken(rt model.RegistrationToken) model.RegistrationToken {
	rt.CreatedAt = stored(rt.CreatedAt)
	rt.LastUsedAt = storedOrZero(rt.LastUsedAt)
	rt.ExpiresAt = storedOrZero(rt.ExpiresAt)
	rt.RevokedAt = storedOrZero(rt.RevokedAt)
	return rt
}

func mustCreateRegistrationToken(t *testing.T, s store.Store, rt model.RegistrationToken) model.RegistrationToken {
	t.Helper()
	if err := s.RegistrationTokens().Create(t.Context(), rt); err != nil {
		t.Fatalf("RegistrationTokens().Create(%s): %v", rt.ID, err)
	}
	return storedRegistrationToken(rt)
}

// assertRegistrationToken checks that Get and GetByHash both return want, with UTC times.
func assertRegistrationToken(t *testing.T, s store.Store, want model.RegistrationToken) {
	t.Helper()
	byID, err := s.RegistrationTokens().Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("RegistrationTokens().Get(%s): %v", want.ID, err)
	}
	byHash, err := s.RegistrationTokens().GetByHash(t.Context(), want.Hash)
	if err != nil {
		t.Fatalf("RegistrationTokens().GetByHash(%s): %v", want.ID, err)
	}
	for _, got := range []model.RegistrationToken{byID, byHash} {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("registration token %s (-want +got):\n%s", want.ID, diff)
		}
		assertTimesUTC(t, "registration token "+got.ID, got.CreatedAt, got.LastUsedAt, got.ExpiresAt, got.RevokedAt)
	}
}

// assertRegistrationTokens checks that List returns exactly want, in order.
func assertRegistrationTokens(t *testing.T, s store.Store, want ...model.RegistrationToken) {
	t.Helper()
	got, err := s.RegistrationTokens().List(t.Context())
	if err != nil {
		t.Fatalf("RegistrationTokens().List: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("RegistrationTokens().List (-want +got):\n%s", diff)
	}
}

func testRegistrationTokensRoundTrip(t *testing.T, s store.Store) {
	hash := make([]byte, 256) // every byte value, NUL and invalid UTF-8 included
	for i := range hash {
		hash[i] = byte(255 - i)
	}
	full := model.RegistrationToken{
		ID:         "01JZ-full/é+=",
		Hash:       hash,
		Hint:       "é🚀<\"",
		UsageLimit: 1 << 40, // beyond 32 bits
		TimesUsed:  7,
		CreatedAt:  baseTime,
		LastUsedAt: baseTime.Add(time.Minute),
		ExpiresAt:  baseTime.Add(24 * time.Hour),
		RevokedAt:  baseTime.Add(time.Hour),
	}
	bare := model.RegistrationToken{ID: "01JZ-bare", Hash: []byte{0}, CreatedAt: baseTime.Add(-time.Hour)}
	for _, rt := range []model.RegistrationToken{full, bare} {
		assertRegistrationToken(t, s, mustCreateRegistrationToken(t, s, rt))
	}
	got, err := s.RegistrationTokens().Get(t.Context(), full.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ExpiresAt.Nanosecond() != 123_000_000 {
		t.Errorf("ExpiresAt %v, want whole milliseconds of %v", got.ExpiresAt, baseTime)
	}
	assertRegistrationTokens(t, s, storedRegistrationToken(full), storedRegistrationToken(bare))
}

func testRegistrationTokensNotFound(t *testing.T, s store.Store) {
	assertRegistrationTokens(t, s)
	rt := mustCreateRegistrationToken(t, s, registrationTokenFixture("token", 1))
	for _, id := range append([]string{"missing", "TOKEN", "token "}, unstorableKeys...) {
		if got, err := s.RegistrationTokens().Get(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%q) = %+v, %v; want store.ErrNotFound", id, got, err)
		}
		if err := s.RegistrationTokens().Revoke(t.Context(), id, baseTime); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Revoke(%q) = %v, want store.ErrNotFound", id, err)
		}
	}
	for _, hash := range [][]byte{nil, {}, sha("unknown"), rt.Hash[:31]} {
		if got, err := s.RegistrationTokens().GetByHash(t.Context(), hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetByHash(%x) = %+v, %v; want store.ErrNotFound", hash, got, err)
		}
	}
	assertRegistrationToken(t, s, rt)
}

func testRegistrationTokensConflicts(t *testing.T, s store.Store) {
	first := mustCreateRegistrationToken(t, s, registrationTokenFixture("first", 1))
	sameID := registrationTokenFixture("first", 2)
	sameID.Hash = sha("another hash")
	sameHash := registrationTokenFixture("second", 2)
	sameHash.Hash = first.Hash
	for name, rt := range map[string]model.RegistrationToken{"same ID": sameID, "same hash": sameHash} {
		if err := s.RegistrationTokens().Create(t.Context(), rt); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: Create = %v, want store.ErrConflict", name, err)
		}
	}
	assertRegistrationTokens(t, s, first)
}

func testRegistrationTokensCreateRejects(t *testing.T, s store.Store) {
	with := func(id string, change func(*model.RegistrationToken)) model.RegistrationToken {
		rt := registrationTokenFixture(id, 3)
		change(&rt)
		return rt
	}
	tests := map[string]model.RegistrationToken{
		"empty ID":                  with("", func(*model.RegistrationToken) {}),
		"empty hash":                with("no-hash", func(rt *model.RegistrationToken) { rt.Hash = nil }),
		"negative usage limit":      with("negative-limit", func(rt *model.RegistrationToken) { rt.UsageLimit = -1 }),
		"negative times used":       with("negative-used", func(rt *model.RegistrationToken) { rt.TimesUsed = -1 }),
		"used beyond its limit":     with("overused", func(rt *model.RegistrationToken) { rt.TimesUsed = 4 }),
		"NUL in the hint":           with("nul-hint", func(rt *model.RegistrationToken) { rt.Hint = "ab\x00c" }),
		"invalid UTF-8 in the hint": with("bad-hint", func(rt *model.RegistrationToken) { rt.Hint = "ab\xff" }),
		"NUL in the ID":             with("id\x00", func(*model.RegistrationToken) {}),
	}
	for name, rt := range tests {
		if err := s.RegistrationTokens().Create(t.Context(), rt); !isPlainError(err) {
			t.Errorf("%s: Create = %v, want a plain error", name, err)
		}
	}
	assertRegistrationTokens(t, s)
	// The limits themselves: used up exactly, and unlimited whatever the count.
	usedUp := mustCreateRegistrationToken(t, s, with("used-up", func(rt *model.RegistrationToken) { rt.TimesUsed = 3 }))
	unlimited := mustCreateRegistrationToken(t, s, with("unlimited", func(rt *model.RegistrationToken) {
		rt.UsageLimit, rt.TimesUsed = 0, 1000
	}))
	assertRegistrationToken(t, s, usedUp)
	assertRegistrationToken(t, s, unlimited)
}

// testRegistrationTokensListOrder: newest first; tokens created in the same millisecond in
// descending byte order of their IDs ("tie-a" before "tie-B", which a natural-language
// collation would swap).
func testRegistrationTokensListOrder(t *testing.T, s store.Store) {
	at := func(id string, created time.Time) model.RegistrationToken {
		rt := registrationTokenFixture(id, 0)
		rt.CreatedAt = created
		return mustCreateRegistrationToken(t, s, rt)
	}
	oldest := at("a-oldest", baseTime)
	newest := at("b-newest", baseTime.Add(3*time.Hour))
	tieB := at("tie-B", baseTime.Add(time.Hour))
	tieA := at("tie-a", baseTime.Add(time.Hour+time.Microsecond)) // same millisecond
	assertRegistrationTokens(t, s, newest, tieA, tieB, oldest)
}

func testRegistrationTokensRevoke(t *testing.T, s store.Store) {
	rt := mustCreateRegistrationToken(t, s, registrationTokenFixture("token", 5))
	other := mustCreateRegistrationToken(t, s, registrationTokenFixture("other", 5))
	first := baseTime.Add(time.Hour)
	for _, at := range []time.Time{first, first.Add(time.Hour), baseTime} { // the first call wins
		if err := s.RegistrationTokens().Revoke(t.Context(), rt.ID, at); err != nil {
			t.Fatalf("Revoke(%v): %v", at, err)
		}
		rt.RevokedAt = stored(first)
		assertRegistrationToken(t, s, rt)
	}
	if err := s.RegistrationTokens().Revoke(t.Context(), other.ID, time.Time{}); !isPlainError(err) {
		t.Errorf("Revoke(zero time) = %v, want a plain error", err)
	}
	assertRegistrationToken(t, s, other)
	if got, _ := s.RegistrationTokens().Get(t.Context(), rt.ID); got.Usable(baseTime) {
		t.Errorf("a revoked token is usable: %+v", got)
	}
}

// registerAt is when the registration tests sign people up.
var registerAt = baseTime.Add(time.Hour)

// newcomer is a user about to register.
func newcomer(name string) model.User { return userFixture("id-"+name, name) }

// assertNoUser checks that no user has this username.
func assertNoUser(t *testing.T, s store.Store, username string) {
	t.Helper()
	if got, err := s.Users().GetByUsername(t.Context(), username); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetByUsername(%q) = %+v, %v; want store.ErrNotFound", username, got, err)
	}
}

// testRegisterSpendsToken: each registration spends one use and stamps the token; once the
// uses are spent the token refuses, and the refused registration writes nothing.
func testRegisterSpendsToken(t *testing.T, s store.Store) {
	rt := mustCreateRegistrationToken(t, s, registrationTokenFixture("token", 2))
	var users []model.User
	for i, name := range []string{"ann", "ben"} {
		now := registerAt.Add(time.Duration(i) * time.Minute)
		if err := s.Users().Register(t.Context(), newcomer(name), rt.ID, now); err != nil {
			t.Fatalf("Register(%s): %v", name, err)
		}
		rt.TimesUsed, rt.LastUsedAt = i+1, stored(now)
		assertRegistrationToken(t, s, rt)
		users = append(users, storedUser(newcomer(name)))
		assertUser(t, s, users[i])
	}
	if err := s.Users().Register(t.Context(), newcomer("cat"), rt.ID, registerAt.Add(time.Hour)); !errors.Is(err, store.ErrTokenUnusable) {
		t.Errorf("Register with a used-up token = %v, want store.ErrTokenUnusable", err)
	}
	assertRegistrationToken(t, s, rt)
	assertNoUser(t, s, "cat")
	assertUsers(t, s, users...)
}

// testRegisterTokenStates: the store spends a token exactly when model.RegistrationToken.Usable
// says it may (revoked, expired at or before the registration, or used up: store.ErrTokenUnusable,
// and nothing is written), comparing times at millisecond precision.
func testRegisterTokenStates(t *testing.T, s store.Store) {
	tests := []struct {
		name   string
		change func(*model.RegistrationToken)
		usable bool
	}{
		{"one use left", func(rt *model.RegistrationToken) { rt.UsageLimit, rt.TimesUsed = 3, 2 }, true},
		{"unlimited", func(rt *model.RegistrationToken) { rt.UsageLimit, rt.TimesUsed = 0, 1000 }, true},
		{"expires a millisecond later", func(rt *model.RegistrationToken) { rt.ExpiresAt = registerAt.Add(time.Millisecond) }, true},
		{"used up", func(rt *model.RegistrationToken) { rt.UsageLimit, rt.TimesUsed = 3, 3 }, false},
		{"expires as it is used", func(rt *model.RegistrationToken) { rt.ExpiresAt = registerAt }, false},
		{"expired", func(rt *model.RegistrationToken) { rt.ExpiresAt = registerAt.Add(-time.Minute) }, false},
		{"revoked", func(rt *model.RegistrationToken) { rt.RevokedAt = baseTime }, false},
		{"revoked, stamped later", func(rt *model.RegistrationToken) { rt.RevokedAt = registerAt.Add(time.Hour) }, false},
	}
	for i, tt := range tests {
		rt := registrationTokenFixture(fmt.Sprintf("token-%d", i), 0)
		tt.change(&rt)
		rt = mustCreateRegistrationToken(t, s, rt)
		if got := rt.Usable(registerAt); got != tt.usable {
			t.Fatalf("%s: the fixture's Usable = %v, want %v", tt.name, got, tt.usable)
		}
		u := newcomer(fmt.Sprintf("user-%d", i))
		err := s.Users().Register(t.Context(), u, rt.ID, registerAt)
		switch {
		case tt.usable && err != nil:
			t.Errorf("%s: Register = %v, want success", tt.name, err)
		case tt.usable:
			rt.TimesUsed, rt.LastUsedAt = rt.TimesUsed+1, stored(registerAt)
			assertUser(t, s, storedUser(u))
		case !errors.Is(err, store.ErrTokenUnusable):
			t.Errorf("%s: Register = %v, want store.ErrTokenUnusable", tt.name, err)
		default:
			assertNoUser(t, s, u.Username)
		}
		assertRegistrationToken(t, s, rt)
	}
}

// testRegisterTokenNotFound: a token that does not exist is store.ErrNotFound, not a
// registration without a token.
func testRegisterTokenNotFound(t *testing.T, s store.Store) {
	mustCreateRegistrationToken(t, s, registrationTokenFixture("token", 0))
	for _, id := range []string{"missing", "TOKEN", "nul\x00id", "bad-utf8-\xff"} {
		if err := s.Users().Register(t.Context(), newcomer("ann"), id, registerAt); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Register with token %q = %v, want store.ErrNotFound", id, err)
		}
	}
	assertUsers(t, s)
}

// testRegisterTakenUsername: a registration refused for a taken username or ID does not
// spend the token, which then still registers someone else.
func testRegisterTakenUsername(t *testing.T, s store.Store) {
	alice := mustCreateUser(t, s, userFixture("id-alice", "alice"))
	rt := mustCreateRegistrationToken(t, s, registrationTokenFixture("token", 1))
	for name, u := range map[string]model.User{
		"taken username": userFixture("id-other", "alice"),
		"taken ID":       userFixture("id-alice", "other"),
	} {
		if err := s.Users().Register(t.Context(), u, rt.ID, registerAt); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: Register = %v, want store.ErrConflict", name, err)
		}
		assertRegistrationToken(t, s, rt)
	}
	dan := newcomer("dan")
	if err := s.Users().Register(t.Context(), dan, rt.ID, registerAt); err != nil {
		t.Fatalf("Register after the conflicts: %v", err)
	}
	rt.TimesUsed, rt.LastUsedAt = 1, stored(registerAt)
	assertRegistrationToken(t, s, rt)
	assertUsers(t, s, alice, storedUser(dan))
}

// testRegisterRejects: input no backend can store is a plain error, and the token is not
// spent; nor is it spent "never" (the zero time would read back as a token never used).
func testRegisterRejects(t *testing.T, s store.Store) {
	rt := mustCreateRegistrationToken(t, s, registrationTokenFixture("token", 1))
	tests := map[string]struct {
		user model.User
		now  time.Time
	}{
		"empty ID":              {userFixture("", "empty-id"), registerAt},
		"NUL in the username":   {userFixture("id-nul", "nul\x00"), registerAt},
		"the zero time as now":  {newcomer("zero"), time.Time{}},
		"invalid UTF-8 in name": {userFixture("id-bad", "bad\xff"), registerAt},
	}
	for name, tt := range tests {
		if err := s.Users().Register(t.Context(), tt.user, rt.ID, tt.now); !isPlainError(err) {
			t.Errorf("%s: Register = %v, want a plain error", name, err)
		}
	}
	assertRegistrationToken(t, s, rt)
	assertUsers(t, s)
}

// testRegisterConcurrent: a token with N uses left, presented by 2N people at once (on
// several replicas), registers exactly N of them; the others get store.ErrTokenUnusable.
func testRegisterConcurrent(t *testing.T, s store.Store) {
	const uses = 4
	rt := mustCreateRegistrationToken(t, s, registrationTokenFixture("token", uses))
	errs := make([]error, 2*uses)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range errs {
		u := newcomer(fmt.Sprintf("racer-%02d", i))
		wg.Go(func() {
			<-start
			errs[i] = s.Users().Register(t.Context(), u, rt.ID, registerAt)
		})
	}
	close(start)
	wg.Wait()
	registered := 0
	for i, err := range errs {
		switch {
		case err == nil:
			registered++
		case !errors.Is(err, store.ErrTokenUnusable):
			t.Errorf("racer %d: Register = %v, want nil or store.ErrTokenUnusable", i, err)
		}
	}
	if registered != uses {
		t.Errorf("%d of %d racers registered with a token of %d uses", registered, len(errs), uses)
	}
	users, err := s.Users().List(t.Context())
	if err != nil || len(users) != uses {
		t.Errorf("Users().List = %d users, %v; want %d", len(users), err, uses)
	}
	rt.TimesUsed, rt.LastUsedAt = uses, stored(registerAt)
	assertRegistrationToken(t, s, rt)
}
