package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Refresh is the "refresh" scenario: refresh-token rotation (RFC 6749 §6; Matrix CS API
// "Refresh token grant"). Worker i owns minted session i and walks its chain: each request
// spends the refresh token the previous response returned, so every request is a first use
// that writes a new token pair, the path the budget in DESIGN.md names. There must be at
// least as many sessions (-sessions) as connections (-c): two workers on one chain would
// present spent tokens, which ends the session (a replay).
//
// A lost or unreadable response breaks the worker's chain: it sends the spent token again,
// which the server takes for a retry (a new pair) as long as the lost pair's access token was
// never used, as here.
type Refresh struct {
	Sessions
	// Rand supplies the PKCE verifiers and device IDs (nil: crypto/rand).
	Rand io.Reader

	url      string
	clientID string
	tokens   []sessionTokens
}

// UseSessions implements SessionScenario.
func (s *Refresh) UseSessions(opts Sessions) error {
	if err := opts.validate(false); err != nil {
		return err
	}
	s.Sessions = opts
	return nil
}

// Description implements Scenario.
func (s *Refresh) Description() string {
	return "POST " + TokenPath + " refreshing one minted session per connection, expect 200; needs -user, -password, -sessions >= -c"
}

// Setup implements SetupStep.
func (s *Refresh) Setup(ctx context.Context, target Target) error {
	if err := s.Sessions.validate(false); err != nil {
		return err
	}
	clientID, tokens, err := mintSessions(ctx, target, s.Sessions, s.Rand)
	if err != nil {
		return err
	}
	s.clientID, s.tokens = clientID, tokens
	s.url = target.BaseURL.JoinPath(TokenPath).String()
	return nil
}

// NewRequester implements Scenario.
func (s *Refresh) NewRequester(worker int, _ *url.URL) (Requester, error) {
	switch {
	case len(s.tokens) == 0:
		return nil, errors.New("the refresh scenario has no sessions: its setup did not run")
	case worker >= len(s.tokens):
		return nil, fmt.Errorf("the refresh scenario needs one session per connection: %d sessions for worker %d; raise -sessions to at least -c",
			len(s.tokens), worker)
	}
	return &refreshRequester{url: s.url, clientID: s.clientID, refreshToken: s.tokens[worker].refreshToken}, nil
}

type refreshRequester struct {
	url, clientID string
	refreshToken  string // the token to spend next
}

func (r *refreshRequester) Next() (*http.Request, Expect, error) {
	body := "grant_type=refresh_token&client_id=" + url.QueryEscape(r.clientID) +
		"&refresh_token=" + url.QueryEscape(r.refreshToken)
	req, err := http.NewRequest(http.MethodPost, r.url, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, nil, err
	}
	req.Header = http.Header{"Content-Type": formContentType, "Accept": acceptJSON}
	return req, Expect{http.StatusOK}, nil
}

// ReadResponse implements ResponseReader: the response names the refresh token to spend next.
func (r *refreshRequester) ReadResponse(resp *http.Response) error {
	var out struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return fmt.Errorf("reading the token response: %w", err)
	}
	if out.RefreshToken == "" {
		return errors.New("the token response has no refresh_token")
	}
	r.refreshToken = out.RefreshToken
	return nil
}
