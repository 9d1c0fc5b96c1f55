package provision

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/matrix/synapse"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/store/sqlite"
	"github.com/mxauth/mxauth/internal/ulid"
)

const secret = "provision-test-secret-0123456789"

type fixture struct {
	st    store.Store
	syn   *synapsetest.Server
	clk   *clock.Fake
	sync  *Syncer
	alice model.User
}

// newFixture opens an in-memory store with one user and a Synapse stand-in behind a real
// synapse client; standalone leaves the homeserver out.
func newFixture(t *testing.T, standalone bool) *fixture {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(t.Context(), sqlite.Options{Path: sqlite.MemoryPath, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, clk: clk}
	opts := Options{Store: st, Clock: clk, Rand: rand.Reader, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		InlineTimeout: time.Second}
	if !standalone {
		f.syn = synapsetest.New(synapsetest.Options{Secret: secret, Clock: clk}).Start(t)
		hs, err := synapse.New(synapse.Options{Endpoint: f.syn.URL(), Secret: secret, Timeout: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		opts.Homeserver = hs
	}
	f.sync = New(opts)
	f.alice = model.User{ID: f.id(t), Username: "alice", DisplayName: "Alice", CreatedAt: clk.Now()}
	if err := st.Users().Create(t.Context(), f.alice); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) id(t *testing.T) string {
	t.Helper()
	id, err := ulid.New(f.clk.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// startSession stores an active session of alice's on device.
func (f *fixture) startSession(t *testing.T, device string) model.Session {
	t.Helper()
	ctx := t.Context()
	c := model.Client{ID: "static-app", Origin: model.ClientStatic, CreatedAt: f.clk.Now(),
		Metadata: model.ClientMetadata{ClientName: "App", TokenEndpointAuthMethod: model.AuthNone,
			GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"http://127.0.0.1/cb"}}}
	if _, err := f.st.Clients().Get(ctx, c.ID); errors.Is(err, store.ErrNotFound) {
		if err := f.st.Clients().SyncStatic(ctx, []model.Client{c}); err != nil {
			t.Fatal(err)
		}
	}
	now := f.clk.Now()
	scope := "urn:matrix:client:api:* urn:matrix:client:device:" + device
	g := model.AuthorizationGrant{ID: f.id(t), ClientID: c.ID, RedirectURI: "http://127.0.0.1/cb", ResponseMode: "query",
		Scope: scope, DeviceID: device, State: "st", CodeChallenge: "x", CodeChallengeMethod: "S256",
		Status: model.GrantPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := f.st.Grants().Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Grants().Fulfil(ctx, g.ID, store.GrantFulfilment{UserID: f.alice.ID, CodeHash: []byte(g.ID),
		AuthTime: now, FulfilledAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	sess := model.Session{ID: f.id(t), UserID: f.alice.ID, ClientID: c.ID, DeviceID: device, Scope: scope,
		GrantID: g.ID, CreatedAt: now, LastActiveAt: now}
	atID := f.id(t)
	ns := store.NewSession{
		Session:      sess,
		AccessToken:  model.AccessToken{ID: atID, SessionID: sess.ID, Hash: []byte("at" + atID), CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)},
		RefreshToken: model.RefreshToken{ID: f.id(t), SessionID: sess.ID, Hash: []byte("rt" + atID), AccessTokenID: atID, CreatedAt: now},
	}
	if _, err := f.st.Sessions().StartFromGrant(ctx, g.ID, ns, now); err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestEnsureDeviceProvisionsTheUserFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	if err := f.sync.EnsureDevice(t.Context(), f.alice, "DEV1", "Element"); err != nil {
		t.Fatal(err)
	}
	u, ok := f.syn.User("alice")
	if !ok || u.DisplayName != "Alice" {
		t.Fatalf("user in Synapse: %+v %v", u, ok)
	}
	if got := f.syn.Devices("alice"); !slices.Equal(got, []string{"DEV1"}) {
		t.Fatalf("devices: %v", got)
	}
	// The second device needs no provisioning: one upsert_device call.
	f.syn.ResetCalls()
	if err := f.sync.EnsureDevice(t.Context(), f.alice, "DEV2", ""); err != nil {
		t.Fatal(err)
	}
	if calls := f.syn.Calls(); len(calls) != 1 || calls[0].Path != synapsetest.MASPath("upsert_device") || calls[0].Status != http.StatusCreated {
		t.Fatalf("calls: %+v", calls)
	}
}

func TestEnsureDeviceFailsWhenSynapseIsDown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	f.syn.InjectFault(synapsetest.Fault{Status: http.StatusServiceUnavailable})
	if err := f.sync.EnsureDevice(t.Context(), f.alice, "DEV1", ""); err == nil {
		t.Fatal("no error with Synapse down")
	}
}

func TestSessionsEndedSyncsDevices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := t.Context()
	keep := f.startSession(t, "KEEP")
	gone := f.startSession(t, "GONE")
	for _, d := range []string{"KEEP", "GONE"} {
		if err := f.sync.EnsureDevice(ctx, f.alice, d, ""); err != nil {
			t.Fatal(err)
		}
	}
	f.syn.AddDevice("alice", "DEHYDRATED")
	f.syn.MarkDehydrated("alice", "DEHYDRATED")
	if err := f.st.Sessions().End(ctx, gone.ID, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.sync.SessionsEnded(ctx, f.alice.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.syn.Devices("alice"); !slices.Equal(got, []string{"DEHYDRATED", keep.DeviceID}) {
		t.Fatalf("devices after sync: %v", got)
	}
	if n, _ := f.st.Jobs().Count(ctx); n != 0 {
		t.Fatalf("%d jobs left after a successful inline run", n)
	}
}

func TestJobsRetryWithBackoffUntilSynapseRecovers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := t.Context()
	f.syn.InjectFault(synapsetest.Fault{Hang: true})
	if err := f.sync.UserChanged(ctx, f.alice.ID); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.st.Jobs().List(ctx, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("queue after a failed inline attempt: %v %v", jobs, err)
	}
	if j := jobs[0]; j.Attempts != 1 || j.LastError == "" || !j.RunAt.Equal(f.clk.Now().Add(backoff(1)).Truncate(time.Millisecond)) {
		t.Fatalf("job after one failure: %+v", j)
	}
	// Not due yet: nothing runs.
	if n, err := f.sync.Work(ctx); n != 0 || err != nil {
		t.Fatalf("work before the backoff: %d %v", n, err)
	}
	f.syn.ClearFaults()
	f.clk.Advance(backoff(1))
	if n, err := f.sync.Work(ctx); n != 1 || err != nil {
		t.Fatalf("work after recovery: %d %v", n, err)
	}
	if _, ok := f.syn.User("alice"); !ok {
		t.Fatal("alice was not provisioned")
	}
	if n, _ := f.st.Jobs().Count(ctx); n != 0 {
		t.Fatalf("%d jobs left", n)
	}
}

func TestDeactivationReachesSynapse(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := t.Context()
	if err := f.sync.EnsureDevice(ctx, f.alice, "DEV1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Users().Deactivate(ctx, f.alice.ID, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.sync.UserChanged(ctx, f.alice.ID); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.syn.User("alice"); !u.Deactivated {
		t.Fatalf("Synapse user after deactivation: %+v", u)
	}
}

func TestPermanentRefusalsAreDropped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := t.Context()
	f.syn.InjectFault(synapsetest.Fault{Status: http.StatusBadRequest})
	if err := f.sync.UserChanged(ctx, f.alice.ID); err != nil {
		t.Fatal(err)
	}
	for range maxPermanentAttempts {
		f.clk.Advance(maxBackoff)
		if _, err := f.sync.Work(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := f.st.Jobs().Count(ctx); n != 0 {
		t.Fatalf("a job refused %d times is still queued (%d)", maxPermanentAttempts, n)
	}
}

func TestStandaloneQueuesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	ctx := context.Background()
	if f.sync.Enabled() {
		t.Fatal("a Syncer without a homeserver says it is enabled")
	}
	for _, err := range []error{
		f.sync.EnsureDevice(ctx, f.alice, "DEV", ""),
		f.sync.UserChanged(ctx, f.alice.ID),
		f.sync.SessionsEnded(ctx, f.alice.ID),
		f.sync.CrossSigningResetAllowed(ctx, f.alice.ID),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := f.sync.LocalpartAvailable(ctx, "anyone"); !ok || err != nil {
		t.Fatalf("LocalpartAvailable: %v %v", ok, err)
	}
	if n, _ := f.st.Jobs().Count(ctx); n != 0 {
		t.Fatalf("%d jobs queued without a homeserver", n)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	want := []time.Duration{2 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for n, w := range want {
		if got := backoff(n); got != w {
			t.Errorf("backoff(%d) = %v, want %v", n, got, w)
		}
	}
	if got := backoff(50); got != maxBackoff {
		t.Errorf("backoff(50) = %v", got)
	}
}

// TestDeactivationConvergesAfterAnOutage: deactivating while Synapse is down leaves a job
// that the worker runs once Synapse answers again.
func TestDeactivationConvergesAfterAnOutage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := t.Context()
	if err := f.sync.EnsureDevice(ctx, f.alice, "DEV1", ""); err != nil {
		t.Fatal(err)
	}
	f.syn.InjectFault(synapsetest.Fault{Status: http.StatusInternalServerError})
	if _, err := f.st.Users().Deactivate(ctx, f.alice.ID, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.sync.UserChanged(ctx, f.alice.ID); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.syn.User("alice"); u.Deactivated {
		t.Fatal("deactivated in Synapse during the outage?")
	}
	f.syn.ClearFaults()
	f.clk.Advance(maxBackoff)
	if n, err := f.sync.Work(ctx); n != 1 || err != nil {
		t.Fatalf("work after recovery: %d %v", n, err)
	}
	if u, _ := f.syn.User("alice"); !u.Deactivated {
		t.Fatalf("Synapse user after recovery: %+v", u)
	}
}
