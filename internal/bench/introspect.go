package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
)

// IntrospectPath is the token introspection endpoint (RFC 7662 §2).
const IntrospectPath = "/oauth2/introspect"

// DefaultSessions is how many sessions the introspect and refresh scenarios mint unless told
// otherwise (-sessions): one per connection at the default -c.
const DefaultSessions = 64

// Sessions is what the scenarios that work on logged-in sessions take from the command line:
// the account (-user, -password), how many sessions to mint with it (-sessions), and, for
// introspection, the homeserver's shared secret (-secret, the server's matrix.secret).
type Sessions struct {
	Username, Password string
	Count              int
	Secret             string
}

// SessionScenario is a scenario that mints sessions through the real login flow during setup.
type SessionScenario interface {
	Scenario
	// UseSessions sets the account, the session count and the secret; it rejects missing
	// values, saying which.
	UseSessions(Sessions) error
}

// validate lists every missing value; needSecret says whether -secret is required.
func (s Sessions) validate(needSecret bool) error {
	var errs []error
	if s.Username == "" || s.Password == "" {
		errs = append(errs, errors.New("this scenario signs in: give the account with -user and -password"))
	}
	if s.Count < 1 {
		errs = append(errs, fmt.Errorf("-sessions must be at least 1, got %d", s.Count))
	}
	if needSecret && s.Secret == "" {
		errs = append(errs, errors.New("this scenario calls as the homeserver: give the server's matrix.secret with -secret"))
	}
	return errors.Join(errs...)
}

// sessionTokens are the tokens of one minted session.
type sessionTokens struct {
	accessToken, refreshToken string
}

// mintSessions logs in n times through the real flow, as the exchange scenario's setup does
// (one sign-in, then /authorize, consent and the code exchange for each session, each on its
// own device), and returns the client ID and every session's tokens.
func mintSessions(ctx context.Context, target Target, s Sessions, random io.Reader) (string, []sessionTokens, error) {
	if random == nil {
		random = rand.Reader
	}
	pending, err := newPendingCodes(random, s.Count)
	if err != nil {
		return "", nil, err
	}
	b := newBrowser(target)
	clientID, err := b.registerClient(ctx)
	if err != nil {
		return "", nil, err
	}
	if err := b.signIn(ctx, s.Username, s.Password); err != nil {
		return "", nil, err
	}
	if err := b.mintAll(ctx, clientID, pending); err != nil {
		return "", nil, err
	}
	tokens, err := b.redeemAll(ctx, pending)
	return clientID, tokens, err
}

// redeemAll exchanges every minted code at the token endpoint (RFC 6749 §4.1.3), mintWorkers
// at a time; the first failure cancels the others.
func (b *browser) redeemAll(ctx context.Context, codes []mintedCode) ([]sessionTokens, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tokens := make([]sessionTokens, len(codes))
	tokenURL := b.base.JoinPath(TokenPath)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(mintWorkers, len(codes)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(codes)) && ctx.Err() == nil; i = next.Add(1) - 1 {
				a, err := b.send(ctx, http.MethodPost, tokenURL, "application/x-www-form-urlencoded", string(codes[i].body))
				if err == nil {
					tokens[i], err = parseTokenResponse(a)
				}
				if err != nil {
					cancel(fmt.Errorf("exchanging code %d of %d: %w", i+1, len(codes), err))
				}
			}
		})
	}
	wg.Wait()
	return tokens, context.Cause(ctx)
}

// parseTokenResponse reads the tokens of a successful token response (RFC 6749 §5.1).
func parseTokenResponse(a answer) (sessionTokens, error) {
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if a.status != http.StatusOK || json.Unmarshal(a.body, &out) != nil || out.AccessToken == "" || out.RefreshToken == "" {
		return sessionTokens{}, fmt.Errorf("token endpoint: status %d: %.300s", a.status, a.body)
	}
	return sessionTokens{out.AccessToken, out.RefreshToken}, nil
}

// Introspect is the "introspect" scenario: what the homeserver does for every client request
// it has not cached (SYNAPSE.md §1.2). Each request introspects one access token of the
// minted sessions with the shared secret as Bearer token, exactly as Synapse sends it, and
// counts only an active answer as success; worker i starts at session i and goes round all of
// them.
//
// Setup mints the sessions through the real login flow (see mintSessions). Access tokens live
// 5 minutes by default (oauth.access_token_ttl): setup and run must fit in that, or the
// answers turn inactive and count as errors.
type Introspect struct {
	Sessions
	// Rand supplies the PKCE verifiers and device IDs (nil: crypto/rand).
	Rand io.Reader

	url    string
	bodies [][]byte // one urlencoded request body per session
}

// UseSessions implements SessionScenario.
func (s *Introspect) UseSessions(opts Sessions) error {
	if err := opts.validate(true); err != nil {
		return err
	}
	s.Sessions = opts
	return nil
}

// Description implements Scenario.
func (s *Introspect) Description() string {
	return "POST " + IntrospectPath + " as the homeserver (Bearer secret) for minted access tokens, expect 200 active; needs -user, -password, -secret"
}

// Setup implements SetupStep.
func (s *Introspect) Setup(ctx context.Context, target Target) error {
	if err := s.Sessions.validate(true); err != nil {
		return err
	}
	_, tokens, err := mintSessions(ctx, target, s.Sessions, s.Rand)
	if err != nil {
		return err
	}
	s.bodies = make([][]byte, len(tokens))
	for i, tok := range tokens {
		s.bodies[i] = []byte(url.Values{"token": {tok.accessToken}, "token_type_hint": {"access_token"}}.Encode())
	}
	s.url = target.BaseURL.JoinPath(IntrospectPath).String()
	return nil
}

// NewRequester implements Scenario.
func (s *Introspect) NewRequester(worker int, _ *url.URL) (Requester, error) {
	if len(s.bodies) == 0 {
		return nil, errors.New("the introspect scenario has no tokens: its setup did not run")
	}
	return &introspectRequester{s: s, next: worker % len(s.bodies), auth: []string{"Bearer " + s.Secret}}, nil
}

type introspectRequester struct {
	s    *Introspect
	next int
	auth []string
	buf  [len(activeMarker)]byte
}

// Fixed header values, shared by every request.
var (
	formContentType = []string{"application/x-www-form-urlencoded"}
	acceptJSON      = []string{"application/json"}
	supportsDevice  = []string{"1"}
)

func (r *introspectRequester) Next() (*http.Request, Expect, error) {
	body := r.s.bodies[r.next]
	r.next = (r.next + 1) % len(r.s.bodies)
	req, err := http.NewRequest(http.MethodPost, r.s.url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = http.Header{
		"Authorization":            r.auth,
		"Content-Type":             formContentType,
		"Accept":                   acceptJSON,
		"X-Mas-Supports-Device-Id": supportsDevice,
	}
	return req, Expect{http.StatusOK}, nil
}

// activeMarker is how every active answer starts (the server writes "active" first).
const activeMarker = `{"active":true`

// ReadResponse implements ResponseReader: a 200 that says inactive (an expired token, a
// wrong secret would be 401) is not a success.
func (r *introspectRequester) ReadResponse(resp *http.Response) error {
	n, err := io.ReadFull(resp.Body, r.buf[:])
	if err != nil || string(r.buf[:n]) != activeMarker {
		return fmt.Errorf("the token is not active (expired? access tokens live 5 minutes by default): %q", r.buf[:n])
	}
	return nil
}
