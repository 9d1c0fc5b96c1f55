package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
)

// Paths of the authorization code flow that the exchange scenario drives.
const (
	AuthorizePath = "/authorize"    // RFC 6749 §3.1
	TokenPath     = "/oauth2/token" // RFC 6749 §3.2
	LoginPath     = "/login"        // mxauth's sign-in form
)

// DefaultCodePool is how many authorization codes the exchange scenario mints unless told
// otherwise: enough for the default run (1 s warm-up + 10 s) at 3,000 exchanges per second,
// the budget in DESIGN.md.
const DefaultCodePool = 40000

// exchangeRedirectURI is the client's loopback redirect (RFC 8252 §7.3). Nothing listens
// there: the setup reads the code from the Location header of the consent answer.
const exchangeRedirectURI = "http://127.0.0.1/callback"

// mintWorkers is how many authorization codes setup mints at once over the one browser
// session; the server's writes are serialised by SQLite anyway, so more would not help.
const mintWorkers = 8

// ErrCodesExhausted stops a run that needs more authorization codes than setup minted.
var ErrCodesExhausted = errors.New("the minted authorization codes are all spent")

// SignIn is what a scenario that signs in takes from the command line (-user, -password,
// -pool): the account, and how many authorization codes to mint with it before the run.
type SignIn struct {
	Username, Password string
	Codes              int
}

// SignInScenario is a scenario that signs in through the sign-in form during its setup.
type SignInScenario interface {
	Scenario
	// UseSignIn sets the account and the pool size; it rejects missing values, saying which.
	UseSignIn(SignIn) error
}

// Exchange is the "exchange" scenario: each request redeems a fresh authorization code at the
// token endpoint (RFC 6749 §4.1.3, with the PKCE verifier of RFC 7636 §4.5) and expects 200.
//
// Setup registers a public native client, signs in once through the real sign-in form, then
// mints the codes by repeating what a browser does for each login (GET /authorize, GET the
// consent page, POST "allow"), each with its own PKCE verifier and device ID. The password is
// checked once, so argon2id stays out of the figure: a request costs what the token endpoint
// costs. Every code is spent exactly once; when the pool is empty the run stops with
// ErrCodesExhausted. Codes expire (10 minutes by default): setup and run must fit in that.
//
// The scope asks for openid, and the client registers ES256 ID tokens, so each exchange also
// signs an ID token: the path the budget in DESIGN.md names ("incl. PKCE, id_token ES256").
type Exchange struct {
	SignIn
	// Rand supplies the PKCE verifiers and device IDs (nil: crypto/rand).
	Rand io.Reader

	tokenURL string
	pool     []mintedCode
	next     atomic.Int64 // index of the next unspent code in pool
}

// mintedCode is one authorization code and the token request body that redeems it.
type mintedCode struct {
	verifier, deviceID string // drawn before the code is minted
	body               []byte // the urlencoded token request, with the code
}

// validate lists every missing value.
func (s SignIn) validate() error {
	var errs []error
	if s.Username == "" || s.Password == "" {
		errs = append(errs, errors.New("this scenario signs in: give the account with -user and -password"))
	}
	if s.Codes < 1 {
		errs = append(errs, fmt.Errorf("the code pool (-pool) must hold at least 1 code, got %d", s.Codes))
	}
	return errors.Join(errs...)
}

// UseSignIn implements SignInScenario.
func (e *Exchange) UseSignIn(s SignIn) error {
	if err := s.validate(); err != nil {
		return err
	}
	e.SignIn = s
	return nil
}

// Description implements Scenario.
func (e *Exchange) Description() string {
	return "POST " + TokenPath + " redeeming a fresh authorization code (PKCE, ES256 id_token), expect 200; needs -user, -password"
}

// Setup implements SetupStep: it mints the pool of codes.
func (e *Exchange) Setup(ctx context.Context, target Target) error {
	if err := e.SignIn.validate(); err != nil {
		return err
	}
	random := e.Rand
	if random == nil {
		random = rand.Reader
	}
	pending, err := newPendingCodes(random, e.Codes)
	if err != nil {
		return err
	}
	b := newBrowser(target)
	clientID, err := b.registerClient(ctx)
	if err != nil {
		return err
	}
	if err := b.signIn(ctx, e.Username, e.Password); err != nil {
		return err
	}
	if err := b.mintAll(ctx, clientID, pending); err != nil {
		return err
	}
	e.pool = pending
	e.tokenURL = target.BaseURL.JoinPath(TokenPath).String()
	e.next.Store(0)
	return nil
}

// NewRequester implements Scenario. The workers draw from one pool through an atomic cursor,
// so each code goes to exactly one request, and the pool lasts for exactly as many requests
// as it holds however unevenly the runner spreads them over workers (with -n it hands out
// requests from a shared counter).
func (e *Exchange) NewRequester(int, *url.URL) (Requester, error) {
	if e.pool == nil {
		return nil, errors.New("the exchange scenario has no codes: its setup did not run")
	}
	return exchangeRequester{e}, nil
}

type exchangeRequester struct{ e *Exchange }

func (r exchangeRequester) Next() (*http.Request, Expect, error) {
	i := r.e.next.Add(1) - 1
	if i >= int64(len(r.e.pool)) {
		return nil, nil, fmt.Errorf("%w (%d, warm-up included): mint more with -pool, or shorten the run",
			ErrCodesExhausted, len(r.e.pool))
	}
	body := r.e.pool[i].body
	req, err := http.NewRequest(http.MethodPost, r.e.tokenURL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return req, Expect{http.StatusOK}, nil
}

// newPendingCodes draws each future code's PKCE verifier (RFC 7636 §4.1: 32 random octets,
// base64url, 43 characters) and device ID up front, from one goroutine, since random need not
// be safe for concurrent use. Random device IDs keep a second run against the same database
// from replacing the first run's devices, which would add session revocations to the figure.
func newPendingCodes(random io.Reader, n int) ([]mintedCode, error) {
	codes := make([]mintedCode, n)
	buf := make([]byte, 32+10)
	for i := range codes {
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, fmt.Errorf("drawing PKCE verifiers: %w", err)
		}
		codes[i] = mintedCode{
			verifier: base64.RawURLEncoding.EncodeToString(buf[:32]),
			deviceID: "BENCH" + base32.StdEncoding.EncodeToString(buf[32:]),
		}
	}
	return codes, nil
}
