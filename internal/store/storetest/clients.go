package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testClients checks store.ClientStore. Besides the interface's contract it pins down, for
// every backend: nil and empty slices (and an empty SecretHash) both come back nil; List is
// in byte order of the ID, not oldest first; DeleteUnusedDynamic deletes the oldest first
// and compares the cutoff at millisecond precision, like every stored time; lookups of IDs
// that no backend can store (invalid UTF-8, NUL) are simply not found.
func testClients(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"Empty", testClientsEmpty},
		{"RoundTrip", testClientsRoundTrip},
		{"EmptySlicesComeBackNil", testClientsEmptySlices},
		{"DigestDeduplicates", testClientsDigestDedupe},
		{"ConcurrentCreateOneClient", testClientsRace},
		{"NoDigestAlwaysNew", testClientsNoDigest},
		{"CreateDynamicRejects", testClientsCreateRejects},
		{"IDConflict", testClientsIDConflict},
		{"SyncStatic", testClientsSyncStatic},
		{"SyncStaticDynamicIDConflict", testClientsSyncConflict},
		{"SyncStaticRejects", testClientsSyncRejects},
		{"MarkUsed", testClientsMarkUsed},
		{"DeleteUnusedDynamic", testClientsDeleteUnused},
		{"ReRegistrationPostponesCleanup", testClientsReRegistration},
		{"ListOrder", testClientsListOrder},
	})
}

// client returns a public client of origin whose metadata is derived from id.
func client(id string, origin model.ClientOrigin, createdAt time.Time) model.Client {
	return model.Client{
		ID:     id,
		Origin: origin,
		Metadata: model.ClientMetadata{
			RedirectURIs:            []string{"https://" + id + ".example/cb", "org.example." + id + ":/cb"},
			ResponseTypes:           []string{"code"},
			GrantTypes:              []string{"authorization_code", "refresh_token"},
			ApplicationType:         model.ApplicationWeb,
			TokenEndpointAuthMethod: model.AuthNone,
			ClientName:              "Client " + id,
			ClientURI:               "https://" + id + ".example/",
		},
		CreatedAt: createdAt,
	}
}

// dynamicClient is a public dynamic client deduplicated by digest.
func dynamicClient(id, digest string, createdAt time.Time) model.Client {
	c := client(id, model.ClientDynamic, createdAt)
	c.MetadataDigest = digest
	return c
}

// storedClient is c as a backend returns it.
func storedClient(c model.Client) model.Client {
	c.CreatedAt = stored(c.CreatedAt)
	if !c.FirstUsedAt.IsZero() {
		c.FirstUsedAt = stored(c.FirstUsedAt)
	}
	return c
}

func createDynamic(t *testing.T, s store.Store, c model.Client) model.Client {
	t.Helper()
	got, created, err := s.Clients().CreateDynamic(t.Context(), c)
	if err != nil || !created {
		t.Fatalf("CreateDynamic(%s) = created %v, %v; want a new client", c.ID, created, err)
	}
	return got
}

func syncStatic(t *testing.T, s store.Store, cs ...model.Client) {
	t.Helper()
	if err := s.Clients().SyncStatic(t.Context(), cs); err != nil {
		t.Fatalf("SyncStatic: %v", err)
	}
}

// assertClients checks that List(origin) returns exactly want, in order, with UTC times.
func assertClients(t *testing.T, s store.Store, origin model.ClientOrigin, want ...model.Client) {
	t.Helper()
	got, err := s.Clients().List(t.Context(), origin)
	if err != nil {
		t.Fatalf("List(%s): %v", origin, err)
	}
	// An empty list may be nil or empty; within a client, nil and empty differ.
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List(%s) (-want +got):\n%s", origin, diff)
	}
	for _, c := range got {
		assertUTC(t, c)
	}
}

func assertUTC(t *testing.T, c model.Client) {
	t.Helper()
	if c.CreatedAt.Location() != time.UTC || (!c.FirstUsedAt.IsZero() && c.FirstUsedAt.Location() != time.UTC) {
		t.Errorf("client %s: times %v, %v are not in UTC", c.ID, c.CreatedAt, c.FirstUsedAt)
	}
}

func assertGet(t *testing.T, s store.Store, want model.Client) {
	t.Helper()
	got, err := s.Clients().Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Get(%s): %v", want.ID, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get(%s) (-want +got):\n%s", want.ID, diff)
	}
	assertUTC(t, got)
}

func assertNotFound(t *testing.T, s store.Store, id string) {
	t.Helper()
	if got, err := s.Clients().Get(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(%q) = %+v, %v; want store.ErrNotFound", id, got, err)
	}
}

func testClientsEmpty(t *testing.T, s store.Store) {
	assertClients(t, s, model.ClientDynamic)
	assertClients(t, s, model.ClientStatic)
	for _, id := range []string{"missing", "", "nul\x00id", "bad-utf8-\xff"} {
		assertNotFound(t, s, id)
		if err := s.Clients().MarkUsed(t.Context(), id, baseTime); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MarkUsed(%q) = %v, want store.ErrNotFound", id, err)
		}
	}
}

func testClientsRoundTrip(t *testing.T, s store.Store) {
	secret := make([]byte, 256) // every byte value, NUL and invalid UTF-8 included
	for i := range secret {
		secret[i] = byte(i)
	}
	full := model.ClientMetadata{
		RedirectURIs:            []string{"https://app.example/cb?a=1&b=<2>", "http://127.0.0.1/cb", "com.example.app:/cb"},
		ResponseTypes:           []string{"code"},
		GrantTypes:              []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"},
		ApplicationType:         model.ApplicationNative,
		TokenEndpointAuthMethod: model.AuthClientSecretBasic,
		ClientName:              `Élément "beta" \ 🚀`,
		ClientURI:               "https://app.example/",
		LogoURI:                 "https://app.example/logo.png",
		TOSURI:                  "https://app.example/tos",
		PolicyURI:               "https://app.example/policy",
		Contacts:                []string{"admin@app.example", "ops@app.example"},
		Localized: []model.LocalizedValue{
			{Field: "client_name", Lang: "de", Value: "Älement"},
			{Field: "client_name", Lang: "ja-JP", Value: "エレメント"},
			{Field: "tos_uri", Lang: "fr", Value: "https://app.example/fr/tos"},
		},
		IDTokenSignedResponseAlg: model.AlgES256,
		PostLogoutRedirectURIs:   []string{"https://app.example/bye"},
	}
	dynamic := model.Client{ID: "dyn/é+=", Origin: model.ClientDynamic, Metadata: full,
		SecretHash: secret, CreatedAt: baseTime}
	got, created, err := s.Clients().CreateDynamic(t.Context(), dynamic)
	if err != nil || !created {
		t.Fatalf("CreateDynamic = created %v, %v; want a new client", created, err)
	}
	want := storedClient(dynamic)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateDynamic (-want +got):\n%s", diff)
	}
	if got.CreatedAt.Nanosecond() != 123_000_000 {
		t.Errorf("CreatedAt = %v, want whole milliseconds of %v", got.CreatedAt, baseTime)
	}
	assertGet(t, s, want)

	static := model.Client{ID: "static-app", Origin: model.ClientStatic, Metadata: full,
		SecretHash: []byte("hash"), CreatedAt: baseTime.Add(time.Hour)}
	syncStatic(t, s, static)
	used := baseTime.Add(2 * time.Hour)
	if err := s.Clients().MarkUsed(t.Context(), static.ID, used); err != nil {
		t.Fatalf("MarkUsed: %v", err)
	}
	static.FirstUsedAt = used
	assertGet(t, s, storedClient(static))
	assertClients(t, s, model.ClientDynamic, want)
	assertClients(t, s, model.ClientStatic, storedClient(static))
}

func testClientsEmptySlices(t *testing.T, s store.Store) {
	empty := model.ClientMetadata{RedirectURIs: []string{}, ResponseTypes: []string{}, GrantTypes: []string{},
		Contacts: []string{}, Localized: []model.LocalizedValue{}, PostLogoutRedirectURIs: []string{}}
	tests := []struct {
		name string
		in   model.Client
	}{
		{"nil", model.Client{ID: "nil", Origin: model.ClientDynamic, CreatedAt: baseTime}},
		{"empty", model.Client{ID: "empty", Origin: model.ClientDynamic, Metadata: empty,
			SecretHash: []byte{}, CreatedAt: baseTime}},
	}
	for _, tt := range tests {
		got := createDynamic(t, s, tt.in)
		want := model.Client{ID: tt.in.ID, Origin: model.ClientDynamic, CreatedAt: stored(baseTime)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: CreateDynamic must return nil slices (-want +got):\n%s", tt.name, diff)
		}
		assertGet(t, s, want)
	}
}

func testClientsDigestDedupe(t *testing.T, s store.Store) {
	first := createDynamic(t, s, dynamicClient("first", "digest-1", baseTime))
	second := dynamicClient("second", "digest-1", baseTime.Add(time.Minute))
	second.Metadata.ClientName = "not written"
	got, created, err := s.Clients().CreateDynamic(t.Context(), second)
	if err != nil || created {
		t.Fatalf("CreateDynamic(same digest) = created %v, %v; want the existing client", created, err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("CreateDynamic(same digest) must return the first client (-want +got):\n%s", diff)
	}
	assertNotFound(t, s, second.ID)
	other := createDynamic(t, s, dynamicClient("other", "digest-2", baseTime))
	assertClients(t, s, model.ClientDynamic, first, other)
}

// testClientsRace: clients that register before every login, on several replicas, must
// still end up with one client_id per metadata.
func testClientsRace(t *testing.T, s store.Store) {
	const racers = 8
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]model.Client, racers)
		created = make([]bool, racers)
		errs    = make([]error, racers)
	)
	for i := range racers {
		c := dynamicClient(fmt.Sprintf("racer-%d", i), "contested", baseTime.Add(time.Duration(i)*time.Second))
		wg.Go(func() {
			<-start
			results[i], created[i], errs[i] = s.Clients().CreateDynamic(t.Context(), c)
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: CreateDynamic: %v", i, err)
		}
		if created[i] {
			winners++
			if results[i].ID != fmt.Sprintf("racer-%d", i) {
				t.Errorf("racer %d created a client but got %s", i, results[i].ID)
			}
		}
		if diff := cmp.Diff(results[0], results[i]); diff != "" {
			t.Errorf("racer %d got a different client (-racer 0 +racer %d):\n%s", i, i, diff)
		}
	}
	if winners != 1 {
		t.Errorf("%d racers report created=true, want exactly 1", winners)
	}
	assertClients(t, s, model.ClientDynamic, results[0])
}

// testClientsNoDigest: without a digest every registration is its own client, and a
// confidential client never has one.
func testClientsNoDigest(t *testing.T, s store.Store) {
	var want []model.Client
	for i := range 2 {
		public := client(fmt.Sprintf("public-%d", i), model.ClientDynamic, baseTime)
		confidential := client(fmt.Sprintf("secret-%d", i), model.ClientDynamic, baseTime)
		confidential.Metadata.TokenEndpointAuthMethod = model.AuthClientSecretPost
		confidential.SecretHash = []byte("same hash")
		want = append(want, createDynamic(t, s, public), createDynamic(t, s, confidential))
	}
	slices.SortFunc(want, func(a, b model.Client) int { return strings.Compare(a.ID, b.ID) })
	assertClients(t, s, model.ClientDynamic, want...)
}

func testClientsCreateRejects(t *testing.T, s store.Store) {
	confidentialWithDigest := dynamicClient("c", "digest", baseTime)
	confidentialWithDigest.SecretHash = []byte("hash")
	nulInMetadata := client("nul", model.ClientDynamic, baseTime)
	nulInMetadata.Metadata.Contacts = []string{"a@example.org\x00"}
	badUTF8 := client("utf8", model.ClientDynamic, baseTime)
	badUTF8.Metadata.Localized = []model.LocalizedValue{{Field: "client_name", Lang: "fr", Value: "\xc3("}}
	tests := map[string]model.Client{
		"static origin":            client("static", model.ClientStatic, baseTime),
		"no origin":                client("none", "", baseTime),
		"empty ID":                 client("", model.ClientDynamic, baseTime),
		"confidential with digest": confidentialWithDigest,
		"NUL in metadata":          nulInMetadata,
		"invalid UTF-8 in a value": badUTF8,
		"invalid UTF-8 in the ID":  client("id-\xff", model.ClientDynamic, baseTime),
	}
	for name, c := range tests {
		got, created, err := s.Clients().CreateDynamic(t.Context(), c)
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: CreateDynamic = %+v, created %v, %v; want a plain error", name, got, created, err)
		}
	}
	assertClients(t, s, model.ClientDynamic)
	assertClients(t, s, model.ClientStatic)
}

func testClientsIDConflict(t *testing.T, s store.Store) {
	first := createDynamic(t, s, dynamicClient("taken", "digest-1", baseTime))
	syncStatic(t, s, client("static-taken", model.ClientStatic, baseTime))
	for _, id := range []string{"taken", "static-taken"} {
		for _, digest := range []string{"digest-2", ""} {
			c := dynamicClient(id, digest, baseTime.Add(time.Hour))
			if got, _, err := s.Clients().CreateDynamic(t.Context(), c); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateDynamic(ID %s, digest %q) = %+v, %v; want store.ErrConflict", id, digest, got, err)
			}
		}
	}
	assertClients(t, s, model.ClientDynamic, first)
	assertClients(t, s, model.ClientStatic, storedClient(client("static-taken", model.ClientStatic, baseTime)))
}

func testClientsMarkUsed(t *testing.T, s store.Store) {
	c := createDynamic(t, s, dynamicClient("app", "digest", baseTime))
	first := baseTime.Add(time.Hour)
	for _, at := range []time.Time{first, first.Add(time.Hour), baseTime} { // the first call wins
		if err := s.Clients().MarkUsed(t.Context(), c.ID, at); err != nil {
			t.Fatalf("MarkUsed(%v): %v", at, err)
		}
		c.FirstUsedAt = stored(first)
		assertGet(t, s, c)
	}
}

func testClientsListOrder(t *testing.T, s store.Store) {
	// Byte order, which a natural-language collation would change ("a-b" vs "ab", case).
	ids := []string{"ab", "B", "a-b", "é", "_x", "a", "A", "a b"}
	var wantDynamic, wantStatic []model.Client
	for i, id := range ids {
		createdAt := baseTime.Add(-time.Duration(i) * time.Hour) // ID order is not age order
		wantDynamic = append(wantDynamic, createDynamic(t, s, dynamicClient("d"+id, "", createdAt)))
		wantStatic = append(wantStatic, storedClient(client("s"+id, model.ClientStatic, createdAt)))
	}
	syncStatic(t, s, wantStatic...)
	byID := func(a, b model.Client) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(wantDynamic, byID)
	slices.SortFunc(wantStatic, byID)
	assertClients(t, s, model.ClientDynamic, wantDynamic...)
	assertClients(t, s, model.ClientStatic, wantStatic...)
}
