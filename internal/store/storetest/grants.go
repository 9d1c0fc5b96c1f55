package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testGrants checks store.GrantStore. Besides the interface's contract it pins down, for
// every backend: Create stores a grant given without a status as pending and refuses any
// other status; strings no backend can hold are refused (plain error), and looked up they
// are not found; an empty code hash is never found; the fields of a fulfilment are checked
// before anything is written; deleting a client deletes its grants.
func testGrants(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"RoundTrip", testGrantsRoundTrip},
		{"CreateWithoutStatusIsPending", testGrantsCreateWithoutStatus},
		{"CreateRejects", testGrantsCreateRejects},
		{"CreateDuplicateID", testGrantsDuplicateID},
		{"NotFound", testGrantsNotFound},
		{"GuardedTransitions", testGrantsTransitions},
		{"FulfilCodeHashTaken", testGrantsCodeHashTaken},
		{"FulfilRejects", testGrantsFulfilRejects},
		{"DeleteExpired", testGrantsDeleteExpired},
		{"DeletingClientDeletesGrants", testGrantsClientCascade},
	})
}

// testGrantsRoundTrip follows one grant through its life and checks every field at each step.
func testGrantsRoundTrip(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	g := createGrant(t, s, grantFixture("g1"))
	assertGrant(t, s, g)

	f := fulfilmentFixture("g1", alice)
	f.CodeHash = make([]byte, 256) // every byte value, NUL and invalid UTF-8 included
	for i := range f.CodeHash {
		f.CodeHash[i] = byte(i)
	}
	if err := s.Grants().Fulfil(t.Context(), g.ID, f); err != nil {
		t.Fatalf("Fulfil: %v", err)
	}
	g = storedGrant(fulfilled(g, f))
	assertGrant(t, s, g)
	if g.ExpiresAt.Equal(stored(baseTime.Add(time.Hour))) {
		t.Fatal("test fixture: the fulfilment must change ExpiresAt")
	}

	now := baseTime.Add(3 * time.Minute)
	ns := newSessionFixture("s1", g, now)
	if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, ns, now); err != nil {
		t.Fatalf("StartFromGrant: %v", err)
	}
	g.Status, g.SessionID, g.ExchangedAt = model.GrantExchanged, "s1", stored(now)
	assertGrant(t, s, g)

	// Empty request fields and a fulfilment without browser session or auth time come back
	// empty and zero.
	sparse := model.AuthorizationGrant{ID: "g2", ClientID: app, Status: model.GrantPending,
		CreatedAt: baseTime, ExpiresAt: baseTime.Add(time.Hour)}
	sparse = createGrant(t, s, sparse)
	assertGrant(t, s, sparse)
	sparseF := store.GrantFulfilment{UserID: bob, CodeHash: sha("g2"), FulfilledAt: baseTime, ExpiresAt: baseTime}
	if err := s.Grants().Fulfil(t.Context(), sparse.ID, sparseF); err != nil {
		t.Fatalf("Fulfil(sparse): %v", err)
	}
	assertGrant(t, s, storedGrant(fulfilled(sparse, sparseF)))
}

func testGrantsCreateWithoutStatus(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	g := grantFixture("g")
	g.Status = ""
	createGrant(t, s, g)
	g.Status = model.GrantPending
	assertGrant(t, s, storedGrant(g))
}

func testGrantsCreateRejects(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	with := func(change func(*model.AuthorizationGrant)) model.AuthorizationGrant {
		g := grantFixture("bad")
		change(&g)
		return g
	}
	tests := map[string]model.AuthorizationGrant{
		"status fulfilled":      with(func(g *model.AuthorizationGrant) { g.Status = model.GrantFulfilled }),
		"status exchanged":      with(func(g *model.AuthorizationGrant) { g.Status = model.GrantExchanged }),
		"unknown status":        with(func(g *model.AuthorizationGrant) { g.Status = "approved" }),
		"empty ID":              with(func(g *model.AuthorizationGrant) { g.ID = "" }),
		"no client":             with(func(g *model.AuthorizationGrant) { g.ClientID = "" }),
		"unknown client":        with(func(g *model.AuthorizationGrant) { g.ClientID = "nobody" }),
		"NUL in state":          with(func(g *model.AuthorizationGrant) { g.State = "a\x00b" }),
		"invalid UTF-8 in hint": with(func(g *model.AuthorizationGrant) { g.LoginHint = "\xc3(" }),
		"invalid UTF-8 in ID":   with(func(g *model.AuthorizationGrant) { g.ID = "id-\xff" }),
		"NUL in redirect URI":   with(func(g *model.AuthorizationGrant) { g.RedirectURI = "https://a.example/\x00" }),
	}
	for name, g := range tests {
		if err := s.Grants().Create(t.Context(), g); !isRefusal(err) {
			t.Errorf("%s: Create = %v, want a plain error", name, err)
		}
	}
	assertNoGrant(t, s, "bad")
}

func testGrantsDuplicateID(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	first := createGrant(t, s, grantFixture("g"))
	again := grantFixture("g")
	again.State = "another request"
	if err := s.Grants().Create(t.Context(), again); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Create(same ID) = %v, want store.ErrConflict", err)
	}
	assertGrant(t, s, first)
}

func testGrantsNotFound(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	createGrant(t, s, grantFixture("g"))
	for _, id := range []string{"missing", "", "nul\x00id", "bad-utf8-\xff"} {
		assertNoGrant(t, s, id)
		if err := s.Grants().Fulfil(t.Context(), id, fulfilmentFixture("f", alice)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Fulfil(%q) = %v, want store.ErrNotFound", id, err)
		}
		if err := s.Grants().Deny(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Deny(%q) = %v, want store.ErrNotFound", id, err)
		}
	}
	// A pending grant has no code: neither an empty hash nor an unknown one finds it.
	for _, hash := range [][]byte{nil, {}, sha("code-g")} {
		if got, err := s.Grants().GetByCodeHash(t.Context(), hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetByCodeHash(%x) = %+v, %v; want store.ErrNotFound", hash, got, err)
		}
	}
}

// testGrantsTransitions: only a pending grant can be fulfilled or denied; any other status
// is store.ErrConflict and leaves the grant as it was.
func testGrantsTransitions(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	now := baseTime.Add(3 * time.Minute)
	grantIn := func(id string, status model.GrantStatus) model.AuthorizationGrant {
		switch status {
		case model.GrantPending:
			return createGrant(t, s, grantFixture(id))
		case model.GrantDenied:
			g := createGrant(t, s, grantFixture(id))
			if err := s.Grants().Deny(t.Context(), id); err != nil {
				t.Fatalf("Deny(%s): %v", id, err)
			}
			g.Status = model.GrantDenied
			return g
		case model.GrantExchanged:
			g := fulfilledGrant(t, s, id, alice)
			if _, err := s.Sessions().StartFromGrant(t.Context(), id, newSessionFixture("s-"+id, g, now), now); err != nil {
				t.Fatalf("StartFromGrant(%s): %v", id, err)
			}
			g.Status, g.SessionID, g.ExchangedAt = model.GrantExchanged, "s-"+id, stored(now)
			return g
		}
		return fulfilledGrant(t, s, id, alice)
	}
	statuses := []model.GrantStatus{model.GrantPending, model.GrantFulfilled, model.GrantDenied, model.GrantExchanged}
	for _, from := range statuses {
		for _, action := range []string{"fulfil", "deny"} {
			id := action + "-" + string(from)
			g := grantIn(id, from)
			moved := g
			var err error
			if action == "fulfil" {
				f := fulfilmentFixture(id, bob)
				f.CodeHash = sha("second code " + id)
				err = s.Grants().Fulfil(t.Context(), id, f)
				moved = storedGrant(fulfilled(g, f))
			} else {
				err = s.Grants().Deny(t.Context(), id)
				moved.Status = model.GrantDenied
			}
			switch {
			case from == model.GrantPending && err != nil:
				t.Errorf("%s a pending grant: %v", action, err)
			case from == model.GrantPending:
				assertGrant(t, s, moved)
			default:
				if !errors.Is(err, store.ErrConflict) {
					t.Errorf("%s a %s grant = %v, want store.ErrConflict", action, from, err)
				}
				assertGrant(t, s, g) // unchanged
			}
		}
	}
}

func testGrantsCodeHashTaken(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	first := fulfilledGrant(t, s, "first", alice)
	second := createGrant(t, s, grantFixture("second"))
	f := fulfilmentFixture("second", bob)
	f.CodeHash = first.CodeHash
	if err := s.Grants().Fulfil(t.Context(), second.ID, f); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Fulfil with a taken code hash = %v, want store.ErrConflict", err)
	}
	assertGrant(t, s, second)
	assertGrant(t, s, first)
}

func testGrantsFulfilRejects(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	g := createGrant(t, s, grantFixture("g"))
	with := func(change func(*store.GrantFulfilment)) store.GrantFulfilment {
		f := fulfilmentFixture("g", alice)
		change(&f)
		return f
	}
	tests := map[string]store.GrantFulfilment{
		"no user":                  with(func(f *store.GrantFulfilment) { f.UserID = "" }),
		"unknown user":             with(func(f *store.GrantFulfilment) { f.UserID = "nobody" }),
		"no code hash":             with(func(f *store.GrantFulfilment) { f.CodeHash = []byte{} }),
		"no fulfilment time":       with(func(f *store.GrantFulfilment) { f.FulfilledAt = time.Time{} }),
		"NUL in user ID":           with(func(f *store.GrantFulfilment) { f.UserID = "alice\x00" }),
		"invalid browser session":  with(func(f *store.GrantFulfilment) { f.BrowserSessionID = "\xff" }),
		"invalid UTF-8 in user ID": with(func(f *store.GrantFulfilment) { f.UserID = "\xc3(" }),
	}
	for name, f := range tests {
		if err := s.Grants().Fulfil(t.Context(), g.ID, f); !isRefusal(err) {
			t.Errorf("%s: Fulfil = %v, want a plain error", name, err)
		}
	}
	assertGrant(t, s, g)
}

// testGrantsDeleteExpired: grants that expired before the cutoff go, unless exchanged; the
// cutoff is compared at millisecond precision.
func testGrantsDeleteExpired(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	cutoff := baseTime.Add(time.Hour) // a stored ExpiresAt equal to it is not before it
	expired := func(id string, expiresAt time.Time) model.AuthorizationGrant {
		g := grantFixture(id)
		g.ExpiresAt = expiresAt
		return g
	}
	var gone []string
	for i := range 3 {
		g := createGrant(t, s, expired(fmt.Sprintf("pending-%d", i), cutoff.Add(-time.Duration(i+1)*time.Minute)))
		gone = append(gone, g.ID)
	}
	denied := createGrant(t, s, expired("denied", cutoff.Add(-time.Hour)))
	if err := s.Grants().Deny(t.Context(), denied.ID); err != nil {
		t.Fatal(err)
	}
	gone = append(gone, denied.ID)
	unexchanged := fulfilledGrant(t, s, "fulfilled", alice) // its code expired at baseTime+12m
	gone = append(gone, unexchanged.ID)

	exchanged := fulfilledGrant(t, s, "exchanged", alice)
	now := baseTime.Add(5 * time.Minute)
	if _, err := s.Sessions().StartFromGrant(t.Context(), exchanged.ID, newSessionFixture("s", exchanged, now), now); err != nil {
		t.Fatal(err)
	}
	exchanged.Status, exchanged.SessionID, exchanged.ExchangedAt = model.GrantExchanged, "s", stored(now)
	atCutoff := createGrant(t, s, expired("at-cutoff", cutoff))
	later := createGrant(t, s, expired("later", cutoff.Add(time.Hour)))

	deleted := 0
	for _, step := range []struct{ limit, want int }{{0, 0}, {-1, 0}, {2, 2}, {10, 3}, {10, 0}} {
		n, err := s.Grants().DeleteExpired(t.Context(), cutoff, step.limit)
		if err != nil || n != step.want {
			t.Fatalf("DeleteExpired(limit %d) = %d, %v; want %d", step.limit, n, err, step.want)
		}
		deleted += n
	}
	for _, id := range gone {
		assertNoGrant(t, s, id)
	}
	if deleted != len(gone) {
		t.Errorf("deleted %d grants, want %d", deleted, len(gone))
	}
	for _, g := range []model.AuthorizationGrant{exchanged, atCutoff, later} {
		assertGrant(t, s, g)
	}
}

// testGrantsClientCascade: the cleanup of unused dynamic clients is not blocked by the
// grants of logins that were never finished; the grants go with the client.
func testGrantsClientCascade(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	createDynamic(t, s, client("abandoned", model.ClientDynamic, baseTime.Add(-48*time.Hour)))
	g := grantFixture("g")
	g.ClientID = "abandoned"
	createGrant(t, s, g)
	kept := createGrant(t, s, grantFixture("kept")) // app, registered at baseTime
	if n, err := s.Clients().DeleteUnusedDynamic(t.Context(), baseTime.Add(-time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("DeleteUnusedDynamic = %d, %v; want 1", n, err)
	}
	assertNoGrant(t, s, g.ID)
	assertGrant(t, s, kept)
}
