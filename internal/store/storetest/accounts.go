package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testAccounts checks what sign-up, account management (MSC4191) and the homeserver's device
// list need of the store: registration tokens and the registrations that spend them
// (registration_tokens.go), deactivation, and the batched record of session activity.
// Besides the interfaces' contracts it pins down, for every backend: a registration token
// is usable exactly when model.RegistrationToken.Usable says so at millisecond precision;
// Register refuses bad input with a plain error before it spends anything; deactivation
// keeps the times of what had ended before; RecordActivity's outcome does not depend on the
// order of a batch's entries or on concurrent batches.
func testAccounts(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"RegistrationTokenRoundTrip", testRegistrationTokensRoundTrip},
		{"RegistrationTokenNotFound", testRegistrationTokensNotFound},
		{"RegistrationTokenConflicts", testRegistrationTokensConflicts},
		{"RegistrationTokenCreateRejects", testRegistrationTokensCreateRejects},
		{"RegistrationTokenListOrder", testRegistrationTokensListOrder},
		{"RegistrationTokenRevoke", testRegistrationTokensRevoke},
		{"RegisterWithoutToken", testRegisterWithoutToken},
		{"RegisterSpendsToken", testRegisterSpendsToken},
		{"RegisterTokenStates", testRegisterTokenStates},
		{"RegisterTokenNotFound", testRegisterTokenNotFound},
		{"RegisterTakenUsername", testRegisterTakenUsername},
		{"RegisterRejects", testRegisterRejects},
		{"RegisterConcurrentOneTokenNUses", testRegisterConcurrent},
		{"Deactivate", testDeactivate},
		{"DeactivateNotFound", testDeactivateNotFound},
		{"RecordActivity", testRecordActivity},
		{"RecordActivityBatch", testRecordActivityBatch},
		{"RecordActivityRejects", testRecordActivityRejects},
		{"RecordActivityConcurrent", testRecordActivityConcurrent},
	})
}

// testRegisterWithoutToken: with no token, Register is Create, and the time is not used.
func testRegisterWithoutToken(t *testing.T, s store.Store) {
	ann := newcomer("ann")
	ann.CrossSigningResetAllowedUntil = baseTime.Add(time.Minute)
	ben := newcomer("ben")
	tests := []struct {
		user model.User
		now  time.Time
	}{{ann, registerAt}, {ben, time.Time{}}}
	for _, tt := range tests {
		if err := s.Users().Register(t.Context(), tt.user, "", tt.now); err != nil {
			t.Fatalf("Register(%s, %v): %v", tt.user.Username, tt.now, err)
		}
		assertUser(t, s, storedUser(tt.user))
		if err := s.Users().Register(t.Context(), tt.user, "", tt.now); !errors.Is(err, store.ErrConflict) {
			t.Errorf("Register(%s) again = %v, want store.ErrConflict", tt.user.Username, err)
		}
	}
	if err := s.Users().Register(t.Context(), userFixture("", "nobody"), "", registerAt); !isPlainError(err) {
		t.Errorf("Register(empty ID) = %v, want a plain error", err)
	}
	assertUsers(t, s, storedUser(ann), storedUser(ben))
}

// testDeactivate: deactivation ends the user's active OAuth sessions (revoking their
// tokens) and browser sessions at once, keeps the times of what had ended before, and
// touches no other user; a second deactivation changes nothing. The username stays taken.
func testDeactivate(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0 := baseTime.Add(3 * time.Minute)
	phone, _ := login(t, s, "phone", alice, "PHONE", t0)
	laptop, _ := login(t, s, "laptop", alice, "LAPTOP", t0.Add(time.Second))
	old, _ := login(t, s, "old", alice, "OLD", t0)
	bobs, _ := login(t, s, "bobs", bob, "PHONE", t0)
	if err := s.Sessions().End(t.Context(), old.Session.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	old = afterEnd(old, t0.Add(time.Minute))
	web := mustCreateBrowserSession(t, s, browserSessionFixture("web", alice))
	loggedOut := mustCreateBrowserSession(t, s, editedBrowserSession("logged-out", alice,
		func(bs *model.BrowserSession) { bs.EndedAt = baseTime.Add(time.Minute) }))
	bobsWeb := mustCreateBrowserSession(t, s, browserSessionFixture("bobs-web", bob))

	t1 := t0.Add(time.Hour)
	ended, err := s.Users().Deactivate(t.Context(), alice, t1)
	if err != nil {
		t.Fatalf("Deactivate: %v", err)
	}
	phone, laptop = afterEnd(phone, t1), afterEnd(laptop, t1)
	if diff := cmp.Diff([]model.Session{phone.Session, laptop.Session}, ended); diff != "" {
		t.Errorf("Deactivate: ended sessions, oldest first (-want +got):\n%s", diff)
	}
	web.EndedAt = stored(t1)
	assertDeactivated := func() {
		t.Helper()
		want := storedUser(userFixture(alice, alice)) // as seedAccounts created her
		want.DeactivatedAt = stored(t1)
		assertUser(t, s, want)
		for _, ns := range []store.NewSession{phone, laptop, old, bobs} {
			assertNewSession(t, s, ns)
		}
		for _, bs := range []model.BrowserSession{web, loggedOut, bobsWeb} {
			assertBrowserSession(t, s, bs)
		}
		assertActive(t, s, alice)
		assertActive(t, s, bob, bobs.Session)
		if _, _, owner, err := s.Sessions().AccessTokenWithOwner(t.Context(), phone.AccessToken.Hash); err != nil || owner.CanSignIn {
			t.Errorf("AccessTokenWithOwner after deactivation: %+v, %v; want CanSignIn false", owner, err)
		}
	}
	assertDeactivated()

	// Again, later and earlier: nothing left to end, and the first time stays.
	for _, at := range []time.Time{t1.Add(time.Hour), t0} {
		ended, err := s.Users().Deactivate(t.Context(), alice, at)
		if err != nil || len(ended) != 0 {
			t.Errorf("Deactivate again at %v = %+v, %v; want nothing ended", at, ended, err)
		}
		assertDeactivated()
	}
	if err := s.Users().Create(t.Context(), userFixture("id-new-alice", alice)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Create with a deactivated user's username = %v, want store.ErrConflict", err)
	}
}

func testDeactivateNotFound(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	for _, id := range append([]string{"missing"}, unstorableKeys...) {
		if ended, err := s.Users().Deactivate(t.Context(), id, baseTime); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Deactivate(%q) = %+v, %v; want store.ErrNotFound", id, ended, err)
		}
	}
	ns, _ := login(t, s, "phone", alice, "PHONE", baseTime)
	if _, err := s.Users().Deactivate(t.Context(), alice, time.Time{}); !isPlainError(err) {
		t.Errorf("Deactivate(zero time) = %v, want a plain error", err)
	}
	assertUser(t, s, storedUser(userFixture(alice, alice)))
	assertNewSession(t, s, ns)
}

// activeAt is ns after RecordActivity saw it at t from ip.
func activeAt(ns store.NewSession, t time.Time, ip string) store.NewSession {
	ns.Session.LastActiveAt, ns.Session.LastActiveIP = stored(t), ip
	return ns
}

func recordActivity(t *testing.T, s store.Store, activity ...store.SessionActivity) {
	t.Helper()
	if err := s.Sessions().RecordActivity(t.Context(), activity); err != nil {
		t.Fatalf("RecordActivity(%+v): %v", activity, err)
	}
}

// testRecordActivity: the time only moves forward; the IP address follows only a later
// time, and an unknown address (empty) keeps the stored one. Every read of a session
// returns the activity.
func testRecordActivity(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0 := baseTime.Add(3 * time.Minute)
	phone, _ := login(t, s, "phone", alice, "PHONE", t0)
	laptop, _ := login(t, s, "laptop", alice, "LAPTOP", t0)
	steps := []struct {
		name   string
		at     time.Time
		ip     string
		wantAt time.Time
		wantIP string
	}{
		{"first seen", t0.Add(time.Minute), "192.0.2.1", t0.Add(time.Minute), "192.0.2.1"},
		{"an earlier use", t0.Add(30 * time.Second), "198.51.100.7", t0.Add(time.Minute), "192.0.2.1"},
		{"later, address unknown", t0.Add(2 * time.Minute), "", t0.Add(2 * time.Minute), "192.0.2.1"},
		{"same time, other address", t0.Add(2 * time.Minute), "198.51.100.8", t0.Add(2 * time.Minute), "192.0.2.1"},
		{"later, other address", t0.Add(3 * time.Minute), "2001:db8::1", t0.Add(3 * time.Minute), "2001:db8::1"},
	}
	for _, step := range steps {
		recordActivity(t, s, store.SessionActivity{SessionID: phone.Session.ID, At: step.at, IP: step.ip})
		assertNewSession(t, s, activeAt(phone, step.wantAt, step.wantIP))
	}
	phone = activeAt(phone, t0.Add(3*time.Minute), "2001:db8::1")
	assertNewSession(t, s, laptop)
	assertActive(t, s, alice, phone.Session, laptop.Session) // same creation time: ID order, descending
	_, sess, _, err := s.Sessions().AccessTokenWithOwner(t.Context(), phone.AccessToken.Hash)
	if diff := cmp.Diff(phone.Session, sess); err != nil || diff != "" {
		t.Errorf("AccessTokenWithOwner: %v (-want +got):\n%s", err, diff)
	}
	for _, batch := range [][]store.SessionActivity{nil, {}} {
		recordActivity(t, s, batch...)
	}
	assertNewSession(t, s, phone)
}

// testRecordActivityBatch: a batch may name a session several times, in any order, and
// unknown sessions; the outcome is that of its entries applied in time order, and a session
// never seen before (no LastActiveAt) takes the batch's values.
func testRecordActivityBatch(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	t0 := baseTime.Add(3 * time.Minute)
	phone, _ := login(t, s, "phone", alice, "PHONE", t0)
	laptop, _ := login(t, s, "laptop", alice, "LAPTOP", t0)
	g := fulfil(t, s, withDevice(grantFixture("g-unseen"), "UNSEEN"), bob)
	unseen := newSessionFixture("unseen", g, t0)
	unseen.Session.LastActiveAt = time.Time{}
	if _, err := s.Sessions().StartFromGrant(t.Context(), g.ID, unseen, t0); err != nil {
		t.Fatal(err)
	}
	unseen = storedNewSession(unseen)
	assertNewSession(t, s, unseen)

	recordActivity(t, s,
		store.SessionActivity{SessionID: phone.Session.ID, At: t0.Add(5 * time.Minute)},
		store.SessionActivity{SessionID: "missing", At: t0.Add(time.Hour), IP: "192.0.2.99"},
		store.SessionActivity{SessionID: phone.Session.ID, At: t0.Add(4 * time.Minute), IP: "203.0.113.4"},
		store.SessionActivity{SessionID: "nul\x00id", At: t0.Add(time.Hour), IP: "192.0.2.98"},
		store.SessionActivity{SessionID: unseen.Session.ID, At: t0.Add(time.Minute), IP: "192.0.2.2"},
		store.SessionActivity{SessionID: phone.Session.ID, At: t0.Add(3 * time.Minute), IP: "203.0.113.3"},
		store.SessionActivity{SessionID: laptop.Session.ID, At: t0.Add(-time.Minute), IP: "203.0.113.9"},
		store.SessionActivity{SessionID: "", At: t0.Add(time.Hour), IP: "192.0.2.97"},
	)
	assertNewSession(t, s, activeAt(phone, t0.Add(5*time.Minute), "203.0.113.4"))
	assertNewSession(t, s, activeAt(unseen, t0.Add(time.Minute), "192.0.2.2"))
	assertNewSession(t, s, laptop) // an earlier use changes nothing
}

// testRecordActivityRejects: a zero time, which reads back as "never", and an address no
// backend can store are refused with a plain error, and nothing of the batch is written.
func testRecordActivityRejects(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	phone, _ := login(t, s, "phone", alice, "PHONE", baseTime)
	good := store.SessionActivity{SessionID: phone.Session.ID, At: baseTime.Add(time.Hour), IP: "192.0.2.1"}
	for name, bad := range map[string]store.SessionActivity{
		"zero time":             {SessionID: phone.Session.ID, IP: "192.0.2.2"},
		"NUL in the IP":         {SessionID: phone.Session.ID, At: baseTime.Add(time.Hour), IP: "192.0.2.\x00"},
		"invalid UTF-8 in IP":   {SessionID: phone.Session.ID, At: baseTime.Add(time.Hour), IP: "\xff"},
		"unknown session, NUL":  {SessionID: "missing", At: baseTime.Add(time.Hour), IP: "\x00"},
		"unknown session, zero": {SessionID: "missing"},
	} {
		if err := s.Sessions().RecordActivity(t.Context(), []store.SessionActivity{good, bad}); !isPlainError(err) {
			t.Errorf("%s: RecordActivity = %v, want a plain error", name, err)
		}
	}
	assertNewSession(t, s, phone)
}

// testRecordActivityConcurrent: batches from several replicas that name the same sessions
// in different orders all succeed (no deadlock surfaces), and every session ends up with
// the latest activity of all of them.
func testRecordActivityConcurrent(t *testing.T, s store.Store) {
	seedAccounts(t, s)
	const sessions, batches = 6, 8
	t0 := baseTime.Add(3 * time.Minute)
	all := make([]store.NewSession, sessions)
	for i := range all {
		all[i], _ = login(t, s, fmt.Sprintf("s%d", i), alice, fmt.Sprintf("DEV%d", i), t0)
	}
	// Batch b sees session i at t0 + (b*sessions + i) ms, from address 10.0.b.i, listing the
	// sessions forwards or backwards.
	errs := make([]error, batches)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for b := range batches {
		var batch []store.SessionActivity
		for i := range sessions {
			if b%2 == 1 {
				i = sessions - 1 - i
			}
			batch = append(batch, store.SessionActivity{SessionID: all[i].Session.ID,
				At: t0.Add(time.Duration(b*sessions+i) * time.Millisecond), IP: fmt.Sprintf("10.0.%d.%d", b, i)})
		}
		wg.Go(func() {
			<-start
			errs[b] = s.Sessions().RecordActivity(t.Context(), batch)
		})
	}
	close(start)
	wg.Wait()
	for b, err := range errs {
		if err != nil {
			t.Errorf("batch %d: RecordActivity = %v", b, err)
		}
	}
	last := batches - 1
	for i, ns := range all {
		at := t0.Add(time.Duration(last*sessions+i) * time.Millisecond)
		assertNewSession(t, s, activeAt(ns, at, fmt.Sprintf("10.0.%d.%d", last, i)))
	}
}
