package apptest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/golden"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
)

const (
	pathIntrospect = "/oauth2/introspect"
	// homeserverSecret is matrix.secret: what Synapse sends as its Bearer token.
	homeserverSecret = "synapse-and-mxauth-share-this-0123456789"
	inactiveJSON     = `{"active":false}`
)

// withHomeserverSecret configures the shared secret (and lifts the registration limit).
func withHomeserverSecret(c *config.Config) {
	manyRegistrations(c)
	c.Matrix.Secret = homeserverSecret
}

// caller sets how a request authenticates; nil sends no credentials.
type caller func(r *http.Request, form url.Values)

func bearer(secret string) caller {
	return func(r *http.Request, _ url.Values) { r.Header.Set("Authorization", "Bearer "+secret) }
}

func basicAuth(id, secret string) caller {
	return func(r *http.Request, _ url.Values) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
}

func postCredentials(id, secret string) caller {
	return func(_ *http.Request, form url.Values) {
		form.Set("client_id", id)
		if secret != "" {
			form.Set("client_secret", secret)
		}
	}
}

// introspection is one answer of the endpoint.
type introspection struct {
	status int
	header http.Header
	body   []byte
}

// introspect sends exactly what Synapse sends (SYNAPSE.md §1.2), authenticated by who.
func introspect(t *testing.T, s *Server, who caller, form url.Values) introspection {
	t.Helper()
	form = cloneValues(form)
	req, err := http.NewRequest(http.MethodPost, s.URL+pathIntrospect, nil)
	if err != nil {
		t.Fatal(err)
	}
	if who != nil {
		who(req, form)
	}
	req.Body = io.NopCloser(strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-MAS-Supports-Device-Id", "1")
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return introspection{resp.StatusCode, resp.Header, body}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// tokenForm is the body Synapse sends.
func tokenForm(tok string) url.Values {
	return url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
}

// login signs username in on br (if needed), consents for clientID with scope and exchanges
// the code; it returns the token response. It is signInAndConsent for benchmarks too.
func login(t testing.TB, s *Server, br *Browser, username, clientID, scope string) map[string]any {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {loopbackCB}, "scope": {scope},
		"state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
	p := br.Follow(br.Get(s.URL + "/authorize?" + q.Encode()))
	if p.Status == http.StatusSeeOther && strings.Contains(p.Location, "/login") {
		p = br.Follow(br.Submit(br.Follow(p), map[string]string{"username": username, "password": testPassword}, ""))
	}
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Allow") {
		t.Fatalf("consent page: %s", p)
	}
	p = br.Submit(p, nil, "action=allow")
	cb, err := url.Parse(p.Location)
	if err != nil || cb.Query().Get("code") == "" {
		t.Fatalf("consent gave no code: %s", p)
	}
	resp, err := s.Client.PostForm(s.URL+"/oauth2/token", exchangeForm(clientID, cb.Query().Get("code"), loopbackCB, verifier))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("exchange for %s: %d %v %v", username, resp.StatusCode, out, err)
	}
	return out
}

// confidentialClient registers a client_secret_post or client_secret_basic client and
// returns its ID and secret.
func confidentialClient(t *testing.T, s *Server, method string) (string, string) {
	t.Helper()
	resp, out := register(t, s, "application/json", `{"client_uri":"https://app.example.org/",`+
		`"redirect_uris":["https://app.example.org/cb"],"token_endpoint_auth_method":"`+method+`"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("registration: %d %v", resp.StatusCode, out)
	}
	return out["client_id"].(string), out["client_secret"].(string)
}

// storeSession starts a session for u directly in the store, as the code exchange would, for
// users who cannot sign in (deactivated). It returns the access and refresh tokens.
func storeSession(t *testing.T, s *Server, u model.User, clientID, deviceID string) (string, string) {
	t.Helper()
	ctx := t.Context()
	now := s.Clock.Now()
	newID := func() string {
		id, err := ulid.New(now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	newToken := func(k token.Kind) string {
		tok, err := token.Generate(k, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	scope := "urn:matrix:client:api:* urn:matrix:client:device:" + deviceID
	g := model.AuthorizationGrant{ID: newID(), ClientID: clientID, RedirectURI: loopbackCB, ResponseMode: "query",
		Scope: scope, DeviceID: deviceID, State: "st", CodeChallenge: "x", CodeChallengeMethod: "S256",
		Status: model.GrantPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.App.Store().Grants().Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	code := newToken(token.AuthorizationCode)
	if err := s.App.Store().Grants().Fulfil(ctx, g.ID, store.GrantFulfilment{UserID: u.ID, CodeHash: token.Hash(code),
		AuthTime: now, FulfilledAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	at, rt := newToken(token.AccessToken), newToken(token.RefreshToken)
	sess := model.Session{ID: newID(), UserID: u.ID, ClientID: clientID, DeviceID: deviceID, Scope: scope, GrantID: g.ID, CreatedAt: now}
	atID := newID()
	ns := store.NewSession{
		Session:      sess,
		AccessToken:  model.AccessToken{ID: atID, SessionID: sess.ID, Hash: token.Hash(at), CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)},
		RefreshToken: model.RefreshToken{ID: newID(), SessionID: sess.ID, Hash: token.Hash(rt), AccessTokenID: atID, CreatedAt: now},
	}
	if _, err := s.App.Store().Sessions().StartFromGrant(ctx, g.ID, ns, now); err != nil {
		t.Fatal(err)
	}
	return at, rt
}

// placeholders replaces the parts of an active answer that differ between runs by names, and
// fails when a value is not the one expected: the client, the user, and the times, which all
// derive from the fake clock (the tokens were issued at its current time and it has not moved).
func placeholders(t *testing.T, s *Server, body []byte, clientID, userID string, access bool) []byte {
	t.Helper()
	now := s.Clock.Now()
	ttl := s.Config.OAuth.AccessTokenTTL
	r := []string{
		`"client_id":"` + clientID + `"`, `"client_id":"<client_id>"`,
		`"sub":"` + userID + `"`, `"sub":"<user_id>"`,
		fmt.Sprintf(`"iat":%d`, now.Unix()), `"iat":"<now>"`,
	}
	if access {
		r = append(r,
			fmt.Sprintf(`"exp":%d`, now.Add(ttl).Unix()), `"exp":"<now + access_token_ttl>"`,
			fmt.Sprintf(`"expires_in":%d`, int64(ttl/time.Second)), `"expires_in":"<access_token_ttl>"`)
	}
	return []byte(strings.NewReplacer(r...).Replace(string(body)) + "\n")
}

// checkTypes checks the JSON types Synapse's strict model requires (SYNAPSE.md §1.2).
func checkTypes(t *testing.T, body []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, body)
	}
	for k, v := range doc {
		switch k {
		case "active":
			if _, ok := v.(bool); !ok {
				t.Errorf("%s is %T, want a boolean", k, v)
			}
		case "exp", "iat", "expires_in":
			n, ok := v.(json.Number)
			if _, err := n.Int64(); !ok || err != nil || strings.ContainsAny(n.String(), ".eE") {
				t.Errorf("%s is %v, want a JSON integer", k, v)
			}
		default:
			if _, ok := v.(string); !ok {
				t.Errorf("%s is %T, want a string", k, v)
			}
		}
	}
}

func TestIntrospectionAnswers(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testIntrospectionAnswers(t, b.Start(t, withHomeserverSecret))
		})
	}
}

func testIntrospectionAnswers(t *testing.T, s *Server) {
	ctx := t.Context()
	// On a whole second, tokens expire exactly AccessTokenTTL from now (the database keeps
	// milliseconds), so expires_in is exactly the TTL.
	s.Clock.Set(s.Clock.Now().Truncate(time.Second))
	alice := s.CreateUser(t, "alice", testPassword)
	bob := s.CreateUser(t, "bob", testPassword)
	now := s.Clock.Now()
	carol := model.User{ID: mustULID(t, now), Username: "carol", CreatedAt: now, DeactivatedAt: now}
	if err := s.App.Store().Users().Create(ctx, carol); err != nil {
		t.Fatal(err)
	}
	clientID := nativeClient(t, s, "")
	_, confSecret := confidentialClient(t, s, "client_secret_post")
	br := s.NewBrowser(t)
	live := login(t, s, br, "alice", clientID, stableScope)
	unstable := login(t, s, br, "alice", clientID, "openid "+unstableScope)
	replaced := login(t, s, br, "alice", clientID, "urn:matrix:client:api:* urn:matrix:client:device:REPLACED")
	replacement := login(t, s, br, "alice", clientID, "urn:matrix:client:api:* urn:matrix:client:device:REPLACED")
	revoked := login(t, s, br, "alice", clientID, "urn:matrix:client:api:* urn:matrix:client:device:REVOKED")
	if st := revoke(t, s, url.Values{"token": {revoked["access_token"].(string)}, "client_id": {clientID}}); st != http.StatusOK {
		t.Fatalf("revocation: %d", st)
	}
	rotated := login(t, s, br, "alice", clientID, "urn:matrix:client:api:* urn:matrix:client:device:ROTATED")
	st, _, successor := postToken(t, s, refreshForm(clientID, rotated["refresh_token"].(string)))
	if st != http.StatusOK {
		t.Fatalf("refresh: %d %v", st, successor)
	}
	bobs := login(t, s, s.NewBrowser(t), "bob", clientID, "urn:matrix:client:api:* urn:matrix:client:device:BOBS")
	if err := s.App.Store().Users().SetLocked(ctx, bob.ID, now); err != nil {
		t.Fatal(err)
	}
	carolAT, carolRT := storeSession(t, s, carol, clientID, "CAROLS")

	at := func(tok map[string]any) string { return tok["access_token"].(string) }
	rt := func(tok map[string]any) string { return tok["refresh_token"].(string) }
	unknown, err := token.Generate(token.AccessToken, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	badChecksum := at(live)[:token.Length-1] + "0"
	if badChecksum == at(live) {
		badChecksum = at(live)[:token.Length-1] + "1"
	}
	tests := []struct {
		name   string
		form   url.Values
		golden string // "" when inactive
	}{
		{name: "access token", form: tokenForm(at(live)), golden: "introspect_access_token.json"},
		{name: "refresh token", form: url.Values{"token": {rt(live)}, "token_type_hint": {"refresh_token"}}, golden: "introspect_refresh_token.json"},
		{name: "unstable scope normalised", form: tokenForm(at(unstable)), golden: "introspect_unstable_scope.json"},
		{name: "a wrong hint is ignored", form: url.Values{"token": {at(live)}, "token_type_hint": {"refresh_token"}}, golden: "introspect_access_token.json"},
		{name: "no hint", form: url.Values{"token": {at(live)}}, golden: "introspect_access_token.json"},
		{name: "unknown token", form: tokenForm(unknown)},
		{name: "bad checksum", form: tokenForm(badChecksum)},
		{name: "not a token", form: tokenForm("syt_YWxpY2U_aaaaaaaaaaaaaaaaaaaa_0ABCDE")},
		{name: "empty-looking garbage", form: tokenForm("mat_")},
		{name: "another kind: client secret", form: tokenForm(confSecret)},
		{name: "session replaced on its device", form: tokenForm(at(replaced))},
		{name: "refresh token of a replaced session", form: tokenForm(rt(replaced))},
		{name: "revoked access token", form: tokenForm(at(revoked))},
		{name: "revoked refresh token", form: tokenForm(rt(revoked))},
		{name: "spent refresh token", form: tokenForm(rt(rotated))},
		{name: "locked user's access token", form: tokenForm(at(bobs))},
		{name: "locked user's refresh token", form: tokenForm(rt(bobs))},
		{name: "deactivated user's access token", form: tokenForm(carolAT)},
		{name: "deactivated user's refresh token", form: tokenForm(carolRT)},
	}
	for _, tt := range tests {
		got := introspect(t, s, bearer(homeserverSecret), tt.form)
		if got.status != http.StatusOK {
			t.Errorf("%s: status %d: %s", tt.name, got.status, got.body)
			continue
		}
		if cc := got.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", tt.name, cc)
		}
		if ct := got.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", tt.name, ct)
		}
		checkTypes(t, got.body)
		if tt.golden == "" {
			if string(got.body) != inactiveJSON {
				t.Errorf("%s: %s, want %s", tt.name, got.body, inactiveJSON)
			}
			continue
		}
		golden.Assert(t, tt.golden, placeholders(t, s, got.body, clientID, alice.ID, !strings.Contains(tt.golden, "refresh")))
	}

	// The live tokens next to the dead ones are active: it is the state that decides.
	for name, tok := range map[string]string{
		"the replacement session": at(replacement), "the successor access token": at(successor),
		"the successor refresh token": rt(successor),
	} {
		if got := introspect(t, s, bearer(homeserverSecret), tokenForm(tok)); !bytes.Contains(got.body, []byte(`"active":true`)) {
			t.Errorf("%s: %d %s", name, got.status, got.body)
		}
	}
	// Unlocking gives the locked user's tokens back.
	if err := s.App.Store().Users().SetLocked(ctx, bob.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := introspect(t, s, bearer(homeserverSecret), tokenForm(at(bobs))); !bytes.Contains(got.body, []byte(`"username":"bob"`)) {
		t.Errorf("unlocked user: %s", got.body)
	}

	// Expiry: one second before, expires_in is 1; at the expiry instant the token is inactive,
	// and refresh tokens do not expire.
	s.Clock.Advance(s.Config.OAuth.AccessTokenTTL - time.Second)
	if got := introspect(t, s, bearer(homeserverSecret), tokenForm(at(live))); !bytes.Contains(got.body, []byte(`"expires_in":1,`)) {
		t.Errorf("a second before expiry: %s", got.body)
	}
	s.Clock.Advance(time.Second)
	if got := introspect(t, s, bearer(homeserverSecret), tokenForm(at(live))); string(got.body) != inactiveJSON {
		t.Errorf("expired access token: %s", got.body)
	}
	if got := introspect(t, s, bearer(homeserverSecret), tokenForm(rt(live))); !bytes.Contains(got.body, []byte(`"active":true`)) {
		t.Errorf("refresh token after its access token expired: %s", got.body)
	}
}

func mustULID(t *testing.T, at time.Time) string {
	t.Helper()
	id, err := ulid.New(at, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIntrospectionInactiveGolden(t *testing.T) {
	t.Parallel()
	s := Start(t, withHomeserverSecret)
	got := introspect(t, s, bearer(homeserverSecret), tokenForm("mat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_000000"))
	golden.Assert(t, "introspect_inactive.json", append(got.body, '\n'))
}

func TestIntrospectionCallers(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testIntrospectionCallers(t, b)
		})
	}
}

func testIntrospectionCallers(t *testing.T, b Backend) {
	s := b.Start(t, withHomeserverSecret)
	s.CreateUser(t, "alice", testPassword)
	public := nativeClient(t, s, "")
	postID, postSecret := confidentialClient(t, s, "client_secret_post")
	basicID, basicSecret := confidentialClient(t, s, "client_secret_basic")
	tok := login(t, s, s.NewBrowser(t), "alice", public, stableScope)["access_token"].(string)
	bothChallenges := []string{`Basic realm="mxauth"`, `Bearer realm="mxauth"`}
	basicOnly := []string{`Basic realm="mxauth"`}

	tests := []struct {
		name      string
		who       caller
		form      url.Values
		status    int
		errorCode string   // the OAuth error of a 4xx
		challenge []string // WWW-Authenticate of a 401
	}{
		{name: "homeserver secret", who: bearer(homeserverSecret), form: tokenForm(tok), status: 200},
		{name: "scheme in lower case", who: func(r *http.Request, _ url.Values) {
			r.Header.Set("Authorization", "bearer "+homeserverSecret)
		}, form: tokenForm(tok), status: 200},
		{name: "client_secret_post", who: postCredentials(postID, postSecret), form: tokenForm(tok), status: 200},
		{name: "client_secret_basic", who: basicAuth(basicID, basicSecret), form: tokenForm(tok), status: 200},
		{name: "wrong secret", who: bearer(homeserverSecret + "x"), form: tokenForm(tok), status: 401,
			errorCode: "invalid_client", challenge: []string{`Bearer realm="mxauth", error="invalid_token"`}},
		{name: "empty Bearer", who: bearer(""), form: tokenForm(tok), status: 401, errorCode: "invalid_client",
			challenge: []string{`Bearer realm="mxauth", error="invalid_token"`}},
		{name: "anonymous", form: tokenForm(tok), status: 401, errorCode: "invalid_client", challenge: bothChallenges},
		{name: "public client", who: postCredentials(public, ""), form: tokenForm(tok), status: 401,
			errorCode: "invalid_client", challenge: bothChallenges},
		{name: "wrong client secret", who: postCredentials(postID, postSecret+"x"), form: tokenForm(tok), status: 401,
			errorCode: "invalid_client", challenge: basicOnly},
		{name: "confidential client without its secret", who: postCredentials(postID, ""), form: tokenForm(tok), status: 401,
			errorCode: "invalid_client", challenge: basicOnly},
		{name: "Basic with the wrong method", who: basicAuth(postID, postSecret), form: tokenForm(tok), status: 401,
			errorCode: "invalid_client", challenge: basicOnly},
		{name: "secret and client credentials together", who: func(r *http.Request, f url.Values) {
			bearer(homeserverSecret)(r, f)
			postCredentials(postID, postSecret)(r, f)
		}, form: tokenForm(tok), status: 400, errorCode: "invalid_request"},
		// Authentication comes first: an anonymous caller learns nothing, even about its form.
		{name: "anonymous without a token", form: url.Values{}, status: 401, errorCode: "invalid_client", challenge: bothChallenges},
		{name: "missing token", who: bearer(homeserverSecret), form: url.Values{"token_type_hint": {"access_token"}},
			status: 400, errorCode: "invalid_request"},
		{name: "empty token", who: bearer(homeserverSecret), form: url.Values{"token": {""}}, status: 400, errorCode: "invalid_request"},
		{name: "repeated token", who: bearer(homeserverSecret), form: url.Values{"token": {tok, tok}}, status: 400, errorCode: "invalid_request"},
	}
	for _, tt := range tests {
		got := introspect(t, s, tt.who, tt.form)
		if got.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, got.status, tt.status, got.body)
			continue
		}
		if cc := got.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", tt.name, cc)
		}
		if tt.status == http.StatusOK {
			if !bytes.Contains(got.body, []byte(`"active":true`)) {
				t.Errorf("%s: %s", tt.name, got.body)
			}
			continue
		}
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(got.body, &e); err != nil || e.Error != tt.errorCode {
			t.Errorf("%s: body %s, want error %s", tt.name, got.body, tt.errorCode)
		}
		if tt.status == http.StatusUnauthorized {
			if diff := cmp.Diff(tt.challenge, got.header.Values("WWW-Authenticate")); diff != "" {
				t.Errorf("%s: WWW-Authenticate (-want +got):\n%s", tt.name, diff)
			}
		}
	}

	// Without matrix.secret only confidential clients may introspect, and no Bearer challenge
	// is offered.
	t.Run("no secret configured", func(t *testing.T) {
		s := b.Start(t, manyRegistrations)
		s.CreateUser(t, "alice", testPassword)
		public := nativeClient(t, s, "")
		id, secret := confidentialClient(t, s, "client_secret_post")
		tok := login(t, s, s.NewBrowser(t), "alice", public, stableScope)["access_token"].(string)
		for name, tt := range map[string]struct {
			who    caller
			status int
		}{
			"any Bearer":          {bearer(homeserverSecret), 401},
			"empty Bearer":        {bearer(""), 401},
			"anonymous":           {nil, 401},
			"confidential client": {postCredentials(id, secret), 200},
			"public client":       {postCredentials(public, ""), 401},
			"wrong client secret": {postCredentials(id, "mcs_x"), 401},
		} {
			got := introspect(t, s, tt.who, tokenForm(tok))
			if got.status != tt.status {
				t.Errorf("%s: status %d, want %d: %s", name, got.status, tt.status, got.body)
			}
			if c := got.header.Values("WWW-Authenticate"); tt.status == 401 && !slices.Equal(c, basicOnly) {
				t.Errorf("%s: WWW-Authenticate %q, want %q", name, c, basicOnly)
			}
		}
	})
}

// TestIntrospectionWritesNothing: the hot path only reads. The first use of a token waits in
// the activity buffer until it is flushed, and nothing else about the session changes.
func TestIntrospectionWritesNothing(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, withHomeserverSecret)
			s.CreateUser(t, "alice", testPassword)
			clientID := nativeClient(t, s, "")
			tok := login(t, s, s.NewBrowser(t), "alice", clientID, stableScope)
			hash := token.Hash(tok["access_token"].(string))
			atBefore, sessBefore, err := s.App.Store().Sessions().AccessTokenByHash(t.Context(), hash)
			if err != nil {
				t.Fatal(err)
			}
			usedAt := s.Clock.Now()
			for range 3 {
				if got := introspect(t, s, bearer(homeserverSecret), tokenForm(tok["access_token"].(string))); got.status != 200 {
					t.Fatalf("introspection: %d %s", got.status, got.body)
				}
				s.Clock.Advance(time.Second) // later uses do not move the first one
			}
			atAfter, sessAfter, err := s.App.Store().Sessions().AccessTokenByHash(t.Context(), hash)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(atBefore, atAfter); diff != "" {
				t.Errorf("the access token row changed before any flush (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(sessBefore, sessAfter); diff != "" {
				t.Errorf("the session row changed (-before +after):\n%s", diff)
			}
			if err := s.App.FlushActivity(t.Context()); err != nil {
				t.Fatal(err)
			}
			atFlushed, _, err := s.App.Store().Sessions().AccessTokenByHash(t.Context(), hash)
			if err != nil {
				t.Fatal(err)
			}
			if !atFlushed.FirstUsedAt.Equal(usedAt.Truncate(time.Millisecond)) {
				t.Errorf("FirstUsedAt after the flush = %v, want the first introspection's time %v", atFlushed.FirstUsedAt, usedAt)
			}
		})
	}
}

// TestIntrospectionEndsTheRetryWindow: once the successor's access token has been
// introspected and the buffer flushed, presenting the spent refresh token again is a replay,
// which ends the session (store.SessionStore.Refresh); before the flush it is still a retry.
func TestIntrospectionEndsTheRetryWindow(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, withHomeserverSecret)
			s.CreateUser(t, "alice", testPassword)
			clientID := nativeClient(t, s, "")
			first := login(t, s, s.NewBrowser(t), "alice", clientID, stableScope)
			rt1 := first["refresh_token"].(string)
			st, _, second := postToken(t, s, refreshForm(clientID, rt1))
			if st != http.StatusOK {
				t.Fatalf("refresh: %d %v", st, second)
			}
			// Used but not flushed: RT1 is still taken for a retry after a lost response.
			introspect(t, s, bearer(homeserverSecret), tokenForm(second["access_token"].(string)))
			st, _, third := postToken(t, s, refreshForm(clientID, rt1))
			if st != http.StatusOK {
				t.Fatalf("retry before the flush: %d %v", st, third)
			}
			// Used and flushed: RT1 is now a replay.
			if got := introspect(t, s, bearer(homeserverSecret), tokenForm(third["access_token"].(string))); got.status != 200 {
				t.Fatalf("introspection: %d %s", got.status, got.body)
			}
			if err := s.App.FlushActivity(t.Context()); err != nil {
				t.Fatal(err)
			}
			if st, _, out := postToken(t, s, refreshForm(clientID, rt1)); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
				t.Fatalf("replay after the flush: %d %v", st, out)
			}
			if got := introspect(t, s, bearer(homeserverSecret), tokenForm(third["access_token"].(string))); string(got.body) != inactiveJSON {
				t.Errorf("the session survived the replay: %s", got.body)
			}
		})
	}
}

// TestIntrospectionActivitySurvivesShutdown: uses still buffered when the app closes are
// written before the store closes.
func TestIntrospectionActivitySurvivesShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sameDatabase := func(c *config.Config) {
		withHomeserverSecret(c)
		c.DataDir = dir
		c.Database.URL = "sqlite:" + filepath.Join(dir, "mxauth.db")
	}
	s := Start(t, sameDatabase)
	s.CreateUser(t, "alice", testPassword)
	clientID := nativeClient(t, s, "")
	tok := login(t, s, s.NewBrowser(t), "alice", clientID, stableScope)["access_token"].(string)
	if got := introspect(t, s, bearer(homeserverSecret), tokenForm(tok)); got.status != 200 {
		t.Fatalf("introspection: %d %s", got.status, got.body)
	}
	usedAt := s.Clock.Now()
	if err := s.App.Close(); err != nil {
		t.Fatal(err)
	}
	restarted := Start(t, sameDatabase)
	at, _, err := restarted.App.Store().Sessions().AccessTokenByHash(t.Context(), token.Hash(tok))
	if err != nil {
		t.Fatal(err)
	}
	if !at.FirstUsedAt.Equal(usedAt.Truncate(time.Millisecond)) {
		t.Errorf("FirstUsedAt after a restart = %v, want %v", at.FirstUsedAt, usedAt)
	}
}

func TestIntrospectionInMetadata(t *testing.T) {
	t.Parallel()
	s := httpsServer(t)
	doc, _, _ := getDoc(t, s, pathMetadata)
	if doc["introspection_endpoint"] != httpsIssuer+"oauth2/introspect" {
		t.Errorf("introspection_endpoint = %v", doc["introspection_endpoint"])
	}
	want := []any{"client_secret_basic", "client_secret_post"}
	if diff := cmp.Diff(want, doc["introspection_endpoint_auth_methods_supported"]); diff != "" {
		t.Errorf("introspection_endpoint_auth_methods_supported (-want +got):\n%s", diff)
	}
}

// BenchmarkIntrospection measures the server's own cost of one introspection (middleware,
// form, token check, lookups, JSON), without the network: the handler is called directly, from
// GOMAXPROCS goroutines, over 64 sessions on a SQLite file.
//
//	go test -run '^$' -bench Introspection -cpuprofile /tmp/introspect.prof ./internal/apptest/
func BenchmarkIntrospection(b *testing.B) {
	s := Start(b, func(c *config.Config) { c.Matrix.Secret = homeserverSecret })
	s.CreateUser(b, "alice", testPassword)
	clientID := benchClient(b, s)
	br := s.NewBrowser(b)
	bodies := make([]string, 64)
	for i := range bodies {
		tok := login(b, s, br, "alice", clientID, fmt.Sprintf("urn:matrix:client:api:* urn:matrix:client:device:BENCH%d", i))
		bodies[i] = tokenForm(tok["access_token"].(string)).Encode()
	}
	h := s.App.Handler()
	b.ResetTimer()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, pathIntrospect, strings.NewReader(bodies[next.Add(1)%int64(len(bodies))]))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+homeserverSecret)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !bytes.HasPrefix(rec.Body.Bytes(), []byte(`{"active":true`)) {
				b.Fatalf("introspection: %d %s", rec.Code, rec.Body)
			}
		}
	})
}

// benchClient is nativeClient for a benchmark.
func benchClient(b *testing.B, s *Server) string {
	b.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+pathRegistration, strings.NewReader(`{"client_name":"Bench","client_uri":"https://app.example.org/",`+
		`"application_type":"native","redirect_uris":["`+loopbackCB+`"],"token_endpoint_auth_method":"none",`+
		`"grant_types":["authorization_code","refresh_token"],"response_types":["code"]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ClientID == "" {
		b.Fatalf("registration: %d %v", resp.StatusCode, err)
	}
	return out.ClientID
}
